import { Cluster, Redis } from 'ioredis';
import { RedisClient } from './redis-clients';

/** The replicas did not confirm a write in time (or the connection changed meanwhile). */
export class ReplicasNotConfirmedError extends Error {
  constructor(
    readonly confirmed: number,
    readonly wanted: number,
    why = 'in time',
  ) {
    super(`${confirmed} of ${wanted} replica(s) confirmed the write ${why}`);
    this.name = 'ReplicasNotConfirmedError';
  }
}

/** A node connection and how often it has closed: a WAIT answers for writes of one socket only. */
interface Mark {
  node: Redis;
  closes: number;
}

interface Waiter {
  closes: number;
  resolve(): void;
  reject(error: Error): void;
}

/**
 * Confirms that writes made through `client` reached `wanted` replicas (Redis WAIT), before the
 * service says so (a 202, a recorded delivery). WAIT answers for the writes made earlier on the
 * same socket: callers whose writes came back while a WAIT was in flight share the next one, so
 * a burst costs one WAIT per replica round trip, not one per write. A socket that closed between
 * the write and the WAIT's answer confirms nothing (the WAIT then ran on a new connection, perhaps
 * to a new master that never had the write): the caller is told it is not confirmed.
 *
 * On Cluster the WAIT goes to the connection of the master serving the service's one slot
 * (`slotKey`'s), the one its writes went through.
 */
export class ReplicaAcks {
  private readonly closes = new WeakMap<Redis, number>();
  private readonly watched = new WeakSet<Redis>();
  private readonly pending = new Map<Redis, Waiter[]>();
  private readonly inFlight = new Set<Redis>();
  private slot?: number;

  constructor(
    private readonly client: RedisClient,
    private readonly wanted: number,
    private readonly timeoutMs: number,
    private readonly slotKey: string,
  ) {}

  get enabled(): boolean {
    return this.wanted > 0;
  }

  /** Learns the service's slot on Cluster (one round trip at startup). */
  async start(): Promise<void> {
    if (this.enabled && this.client instanceof Cluster) {
      this.slot = Number(await this.client.cluster('KEYSLOT', this.slotKey));
    }
  }

  /**
   * Where the caller's write just went; taken right after the write's answer, before anything
   * else can run. Then `confirm(mark)`.
   */
  mark(): Mark {
    const node = this.node();
    this.watch(node);
    return { node, closes: this.closes.get(node) ?? 0 };
  }

  /** Resolves once `wanted` replicas hold the write marked; rejects ReplicasNotConfirmedError. */
  confirm({ node, closes }: Mark): Promise<void> {
    if (!this.enabled) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const waiters = this.pending.get(node) ?? [];
      waiters.push({ closes, resolve, reject });
      this.pending.set(node, waiters);
      void this.flush(node);
    });
  }

  /** Sends one WAIT for everyone waiting on `node`, unless one is in flight (then after it). */
  private async flush(node: Redis): Promise<void> {
    if (this.inFlight.has(node)) return;
    const waiters = this.pending.get(node) ?? [];
    this.pending.delete(node);
    if (waiters.length === 0) return;
    this.inFlight.add(node);
    try {
      const confirmed = Number(await node.call('WAIT', this.wanted, this.timeoutMs));
      const closes = this.closes.get(node) ?? 0;
      for (const waiter of waiters) {
        if (waiter.closes !== closes)
          waiter.reject(new ReplicasNotConfirmedError(0, this.wanted, 'before the connection closed'));
        else if (confirmed < this.wanted) waiter.reject(new ReplicasNotConfirmedError(confirmed, this.wanted));
        else waiter.resolve();
      }
    } catch (error) {
      for (const waiter of waiters) waiter.reject(error as Error);
    } finally {
      this.inFlight.delete(node);
      void this.flush(node);
    }
  }

  /** The connection the service's writes go through now. */
  private node(): Redis {
    if (!(this.client instanceof Cluster)) return this.client;
    const address = this.slot === undefined ? undefined : this.client.slots[this.slot]?.[0];
    const node = this.client.nodes('master').find((n) => `${n.options.host}:${n.options.port}` === address);
    if (!node) throw new ReplicasNotConfirmedError(0, this.wanted, '(no master serves the slot now)');
    return node;
  }

  private watch(node: Redis): void {
    if (this.watched.has(node)) return;
    this.watched.add(node);
    node.on('close', () => this.closes.set(node, (this.closes.get(node) ?? 0) + 1));
  }
}
