import { Logger } from '@nestjs/common';
import { Queue, Worker } from 'bullmq';
import { createHash } from 'node:crypto';
import { QueueConfig } from '../config/queue.config';
import { RedisConfig } from '../config/redis.config';
import { COMMAND_TIMEOUT_MS, RedisClient, RedisClients, withTimeout } from './redis-clients';
import { STORE_SCRIPTS, StoreScript } from './redis-scripts';
import { ReplicaAcks } from './replica-acks';
import { DEFAULT_TARGET } from './stored-event';

const STARTUP_TIMEOUT_MS = 10_000;

/**
 * BullMQ's queue of a target's deliveries: `deliveries` for `default` (the previous release's
 * queue), `deliveries-<target>` for another, so one target's backlog is never in another's way.
 */
const queueNameOf = (target: string) => (target === DEFAULT_TARGET ? 'deliveries' : `deliveries-${target}`);

/** A delivery's ref (see redis-script-parts.ts): the event id for `default`, else `<id> <target>`. */
export const deliveryRef = (eventId: string, target: string) =>
  target === DEFAULT_TARGET ? eventId : `${eventId} ${target}`;

/** A ref's event id and target. */
export function parseRef(ref: string): { eventId: string; target: string } {
  const space = ref.indexOf(' ');
  return space < 0
    ? { eventId: ref, target: DEFAULT_TARGET }
    : { eventId: ref.slice(0, space), target: ref.slice(space + 1) };
}

/** BullMQ's job of a delivery: one per ref, whatever adds it (enqueue or replay); `default`'s as before. */
const jobIdOf = (eventId: string, target: string) =>
  createHash('sha256').update(deliveryRef(eventId, target)).digest('hex');

/** A target's BullMQ queue (jobs are added) and worker (jobs are taken, one instance at a time each). */
interface TargetJobs {
  queue: Queue;
  worker?: Worker;
  ready?: Promise<void>;
}

/** An argument of a store script (Redis receives strings). */
type ScriptArgument = string | number;

/**
 * What the Redis store's parts share: the connections (RedisClients makes them: one server,
 * Sentinel or Cluster), per target BullMQ's queue (one job per queued delivery) and worker (hands
 * each job to one instance at a time), the store scripts, the replicas' acknowledgement, and the log.
 */
export class RedisConnections {
  readonly logger = new Logger('RedisEventStore');
  /** The store's keys are under this prefix (see redis-scripts.ts); hash-tagged on Cluster. */
  readonly prefix: string;
  /** The webhook path's connection: fails fast while Redis is away. */
  readonly redis: RedisClient;
  /**
   * Where the writes that replicas must confirm go (enqueues, delivered and dead outcomes): a
   * connection of their own when REDIS_MIN_REPLICAS_ACK > 0, as WAIT holds its connection while it
   * waits; else the webhook path's.
   */
  readonly acked: RedisClient;
  readonly replicas: ReplicaAcks;
  readonly clients: RedisClients;
  /** The connections handed to BullMQ: it treats them as shared and never closes them itself. */
  private readonly bullConnections: RedisClient[];
  private readonly targets = new Map<string, TargetJobs>();
  private lastConnectionError = 0;
  private lastConnectionErrorText = '';

  constructor(
    readonly config: QueueConfig,
    readonly redisConfig: RedisConfig,
  ) {
    // Webhook-path connections fail fast while Redis is away (the sender gets a 503 and retries);
    // only the worker's blocking connection waits for Redis to come back.
    this.clients = new RedisClients(redisConfig);
    this.redis = this.clients.connect('fail-fast', 'commands');
    const { minReplicasAck, replicaAckTimeoutMs } = redisConfig;
    this.acked =
      minReplicasAck > 0
        ? this.clients.connect('fail-fast', 'acked-writes', COMMAND_TIMEOUT_MS + replicaAckTimeoutMs)
        : this.redis;
    this.prefix = `${redisConfig.keyPrefix}:store`;
    this.replicas = new ReplicaAcks(this.acked, minReplicasAck, replicaAckTimeoutMs, this.prefix);
    this.bullConnections = [
      this.clients.connect('fail-fast', 'bullmq-queue'),
      this.clients.connect('patient', 'bullmq-worker'),
    ];
    for (const client of this.connections()) client.on('error', this.onError);
    // The default target's worker is there from the start: it is what connect() waits for.
    this.workerOf(DEFAULT_TARGET);
    // One key, the store's prefix (hash-tagged on Cluster), routes each script to the master of
    // the service's slot; the scripts build the other keys from it (ARGV[1]), all in that slot.
    for (const client of new Set([this.redis, this.acked])) {
      for (const [name, lua] of Object.entries(STORE_SCRIPTS)) client.defineCommand(name, { numberOfKeys: 1, lua });
    }
  }

  private readonly onError = (error: Error) => this.connectionError(error);

  private jobsOf(target: string): TargetJobs {
    let jobs = this.targets.get(target);
    if (!jobs) {
      const queue = new Queue(queueNameOf(target), {
        prefix: `${this.redisConfig.keyPrefix}:bull`,
        connection: this.bullConnections[0],
        defaultJobOptions: { removeOnComplete: true, removeOnFail: true, attempts: 1 },
      });
      queue.on('error', this.onError);
      this.targets.set(target, (jobs = { queue }));
    }
    return jobs;
  }

  /** The worker that hands out `target`'s jobs (made on first use: an ingest-only instance has none but default's). */
  workerOf(target: string): Worker {
    const jobs = this.jobsOf(target);
    if (!jobs.worker) {
      const { leaseMs } = this.config;
      jobs.worker = new Worker(queueNameOf(target), null, {
        prefix: `${this.redisConfig.keyPrefix}:bull`,
        connection: this.bullConnections[1],
        // BullMQ's lock on a claimed job, like our lock on its record, is a lease renewed while the
        // delivery runs. A dead instance's job is moved back by the second stalled check after its
        // lock expired: lease + 2 × lease/3, i.e. within 50 s at the default 30 s lease.
        lockDuration: leaseMs,
        stalledInterval: Math.max(500, Math.floor(leaseMs / 3)),
        // A job whose instance died goes back to wait, however often that happens: never "failed".
        maxStalledCount: Number.MAX_SAFE_INTEGER,
        autorun: false,
      });
      jobs.worker.on('error', this.onError);
    }
    return jobs.worker;
  }

  /** Resolves once `target`'s worker is connected and checks for jobs of dead instances. */
  workerReady(target: string): Promise<void> {
    const jobs = this.jobsOf(target);
    const worker = this.workerOf(target);
    jobs.ready ??= worker.waitUntilReady().then(() => worker.startStalledCheckTimer());
    return jobs.ready;
  }

  /** Runs a store script (redis-scripts.ts) under this store's prefix, on the webhook path's connection. */
  runScript(script: StoreScript, ...args: ScriptArgument[]): Promise<unknown> {
    return this.runOn(this.redis, script, args);
  }

  /** Runs a store script on the acked connection: confirm it with `confirm()` right after. */
  runAcked(script: StoreScript, ...args: ScriptArgument[]): Promise<unknown> {
    return this.runOn(this.acked, script, args);
  }

  private runOn(client: RedisClient, script: StoreScript, args: ScriptArgument[]): Promise<unknown> {
    // defineCommand (constructor) added each script as a method of the connection at run time.
    const command = (client as unknown as Record<StoreScript, (...a: ScriptArgument[]) => Promise<unknown>>)[script];
    return command.call(client, this.prefix, this.prefix, ...args);
  }

  /**
   * With REDIS_MIN_REPLICAS_ACK > 0: resolves once the replicas hold what the acked connection
   * wrote last (`wrote`: that write changed something); without, at once. Call it right after the
   * write's answer. A write that changed nothing (a duplicate, an outcome already recorded) is
   * confirmed with a marker written now: the replicas then hold everything the master had.
   */
  async confirm(wrote: boolean): Promise<void> {
    if (!this.replicas.enabled) return;
    if (wrote) return this.replicas.confirm(this.replicas.mark());
    await this.acked.set(`${this.prefix}:ack-mark`, String(Date.now()));
    return this.replicas.confirm(this.replicas.mark());
  }

  /** Adds the job of the event's delivery to `target` (a no-op when it is there already); returns the job's key. */
  async addJob(eventId: string, target: string): Promise<string> {
    const jobId = jobIdOf(eventId, target);
    const { queue } = this.jobsOf(target);
    await queue.add('deliver', { eventId }, { jobId });
    return queue.toKey(jobId);
  }

  /**
   * Both worker connections (BullMQ opens its blocking one in the background) must be up before
   * anything can close them: force-closing one that is still connecting makes BullMQ reject
   * "Connection is closed" with no listener left, an unhandled rejection. The fail-fast
   * connections queue nothing while connecting, so they must be up before the first webhook (or
   * the persistence check) uses them.
   */
  async connect(): Promise<void> {
    const connected = Promise.all([
      this.workerOf(DEFAULT_TARGET).waitUntilReady(),
      ...this.connections().map(whenReady),
    ]);
    await withTimeout(connected, STARTUP_TIMEOUT_MS, () => {
      const cause = this.lastConnectionErrorText ? ` (last error: ${this.lastConnectionErrorText})` : '';
      return new Error(`${this.clients.describe()} did not answer within ${STARTUP_TIMEOUT_MS} ms${cause}`);
    });
    await this.replicas.start();
    await this.workerReady(DEFAULT_TARGET);
    const { keyPrefix, minReplicasAck } = this.redisConfig;
    const acks = this.replicas.enabled ? `, each event confirmed by ${minReplicasAck} replica(s)` : '';
    this.logger.log(`Event store: ${this.clients.describe()}, keys under ${keyPrefix}:${acks}`);
  }

  async close(): Promise<void> {
    for (const { worker, queue } of this.targets.values()) {
      await worker?.close(true);
      await queue.close();
    }
    await this.clients.quitAll();
  }

  private connections(): RedisClient[] {
    return [...new Set([this.redis, this.acked, ...this.bullConnections])];
  }

  /** Once per 10 s at most: a Redis outage must not flood the log. */
  private connectionError(error: Error): void {
    const now = Date.now();
    this.lastConnectionErrorText = (error as { code?: string }).code ?? error.message;
    if (now - this.lastConnectionError < 10_000) return;
    this.lastConnectionError = now;
    this.logger.warn(`Redis: ${(error as { code?: string }).code ?? error.message}`);
  }
}

function whenReady(client: RedisClient): Promise<void> {
  return client.status === 'ready'
    ? Promise.resolve()
    : new Promise((resolve) => client.once('ready', () => resolve()));
}
