import { Logger } from '@nestjs/common';
import { Cluster, Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { RedisClient, RedisClients } from './redis-clients';

/** What the service knew when it found Redis had lost its keys. */
export interface StoreReset {
  /** When this instance noticed it (epoch ms). */
  at: number;
  /** Events this instance last saw queued, and when it counted them (null: never counted). */
  believedQueued: number;
  countedAt: number | null;
  /** The Redis server's run id before and after (a restarted server has a new one). */
  runIdBefore: string | null;
  runIdAfter: string | null;
}

/** Between two reconnects the marker is looked at this often anyway (a FLUSHALL, a restart missed). */
const WATCH_INTERVAL_MS = 5000;

/**
 * Reads the marker key (creating it when missing) and the number of queued events, in one step.
 * KEYS: marker, queued set, dead zset; ARGV: a new marker value. Answers {marker before or '',
 * queued, dead}.
 */
const READ_MARKER = `
local before = redis.call('GET', KEYS[1])
if not before then redis.call('SET', KEYS[1], ARGV[1]) end
return {before or '', redis.call('SCARD', KEYS[2]), redis.call('ZCARD', KEYS[3])}
`;

/**
 * Notices a Redis that lost the service's keys (restarted without persistence, failed over to an
 * empty replica, flushed): the store keeps a marker key with a value this instance remembers; on
 * every reconnect (and every few seconds) it reads it back with the server's run id. A marker gone
 * or changed means the keys went away: an error naming how many events this instance believed
 * queued, `onReset` (the metric), and readiness details. A new server (run id) also has its
 * persistence settings, and its replicas', checked again.
 */
export class RedisStoreWatch {
  private readonly logger = new Logger('RedisStore');
  private marker: string | null = null;
  private runId: string | null = null;
  private believedQueued = 0;
  private countedAt: number | null = null;
  private latest: StoreReset | null = null;
  private resets = 0;
  private timer?: NodeJS.Timeout;
  private checking: Promise<void> | null = null;
  /** A reconnect arrived during a check: check again after it, persistence included. */
  private recheck = false;

  constructor(
    private readonly client: RedisClient,
    private readonly clients: RedisClients,
    private readonly storePrefix: string,
    private readonly minReplicasAck: number,
    private readonly onReset: (reset: StoreReset) => void,
  ) {
    client.defineCommand('ccsReadMarker', { numberOfKeys: 3, lua: READ_MARKER });
  }

  /** The first reading (no reset can be told from it) and the persistence warnings. */
  async start(): Promise<void> {
    await this.check(true);
    // A reconnect may reach another server (failover) or a restarted one: persistence is read again.
    this.client.on('ready', () => void this.check(true));
    this.timer = setInterval(() => void this.check(), WATCH_INTERVAL_MS);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** How many resets this instance noticed, and the latest. */
  resetsSeen(): { count: number; latest: StoreReset | null } {
    return { count: this.resets, latest: this.latest };
  }

  /** The key this watch keeps (read it with a count, for noteQueued). */
  get markerKey(): string {
    return `${this.storePrefix}:marker`;
  }

  /**
   * A count of queued events read elsewhere (the queue gauge), with the marker read beside it: the
   * figure a reset reports. A count from a server that no longer holds this instance's marker (read
   * after a reset, before this watch noticed it) is not what was lost, and is left out.
   */
  noteQueued(queued: number, marker: string | null): void {
    if (marker === null || marker !== this.marker) return;
    this.record(queued);
  }

  private record(queued: number): void {
    this.believedQueued = queued;
    this.countedAt = Date.now();
  }

  /**
   * One check at a time; callers meanwhile share it. Persistence is read on `reconnected` and
   * when the server's run id changed. A failure waits for the next check.
   */
  check(reconnected = false): Promise<void> {
    if (this.checking) {
      this.recheck ||= reconnected;
      return this.checking;
    }
    this.checking = this.read(reconnected)
      .catch((error: Error) => this.logger.debug(`Store watch: ${error.message}`))
      .finally(() => {
        this.checking = null;
        if (this.recheck) {
          this.recheck = false;
          void this.check(true);
        }
      });
    return this.checking;
  }

  private async read(reconnected: boolean): Promise<void> {
    const node = await this.masterNode();
    const runId = /run_id:(\w+)/.exec(await node.info('server'))?.[1] ?? null;
    const fresh = randomUUID();
    const keys = [this.markerKey, `${this.storePrefix}:queued`, `${this.storePrefix}:dead`];
    const run = this.client as unknown as { ccsReadMarker(...args: string[]): Promise<[string, number, number]> };
    const [before, queued] = await run.ccsReadMarker(...keys, fresh);
    const now = Date.now();
    const known = this.marker;
    this.marker = before === '' ? fresh : before;
    if (known !== null && before !== known) this.reportReset(now, runId);
    const serverChanged = runId !== this.runId;
    this.runId = runId;
    this.record(queued);
    if (serverChanged || reconnected) await this.checkPersistence(node);
  }

  private reportReset(at: number, runIdAfter: string | null): void {
    const reset: StoreReset = {
      at,
      believedQueued: this.believedQueued,
      countedAt: this.countedAt,
      runIdBefore: this.runId,
      runIdAfter,
    };
    this.latest = reset;
    this.resets += 1;
    const counted = this.countedAt === null ? 'never counted' : `counted ${new Date(this.countedAt).toISOString()}`;
    this.logger.error(
      `Redis lost the event store's keys (marker gone; server run id ${reset.runIdBefore ?? '?'} -> ${runIdAfter ?? '?'}): ` +
        `${reset.believedQueued} event(s) this instance believed queued (${counted}) are gone from Redis and will not be delivered. ` +
        'Redis restarted without persistence, failed over to an empty replica or was flushed: see docs/scaling.md',
    );
    this.onReset(reset);
  }

  /** The master serving the service's keys: on Cluster, the one holding the marker's slot. */
  private async masterNode(): Promise<Redis> {
    if (!(this.client instanceof Cluster)) return this.client;
    const slot = Number(await this.client.cluster('KEYSLOT', `${this.storePrefix}:marker`));
    const address = this.client.slots[slot]?.[0];
    const node = this.client.nodes('master').find((n) => `${n.options.host}:${n.options.port}` === address);
    if (!node) throw new Error(`no master serves slot ${slot}`);
    return node;
  }

  /** Warns about a master or replica that would lose every event on a restart, and too few replicas for acks. */
  private async checkPersistence(master: Redis): Promise<void> {
    await this.warnWithoutPersistence(master, 'Redis');
    const replication = await master.info('replication');
    const replicas = [...replication.matchAll(/^slave\d+:ip=([^,]+),port=(\d+),state=(\w+)/gm)];
    for (const [, host, port] of replicas) {
      const replica = this.clients.connectNode(host, Number(port));
      replica.on('error', () => undefined);
      try {
        await replica.connect();
        await this.warnWithoutPersistence(replica, `Redis replica ${host}:${port}`);
      } catch (error) {
        this.logger.warn(`Redis replica ${host}:${port}: persistence not checked (${(error as Error).message})`);
      } finally {
        replica.disconnect();
      }
    }
    const online = replicas.filter(([, , , state]) => state === 'online').length;
    if (online < this.minReplicasAck) {
      this.logger.warn(
        `REDIS_MIN_REPLICAS_ACK=${this.minReplicasAck} but the master has ${online} replica(s) online: ` +
          'webhooks are answered 503 until enough replicas are back',
      );
    }
  }

  private async warnWithoutPersistence(node: Redis, what: string): Promise<void> {
    try {
      const [, aof] = (await node.config('GET', 'appendonly')) as string[];
      const [, save] = (await node.config('GET', 'save')) as string[];
      if (aof !== 'yes' && !save) {
        this.logger.warn(
          `${what} has neither AOF nor snapshots: a restart of it loses every stored event. ` +
            'Set appendonly yes (appendfsync always or everysec), see docs/scaling.md',
        );
      }
    } catch {
      this.logger.log(`${what}: persistence settings not readable (CONFIG disabled); check them with your provider`);
    }
  }
}
