import { Logger } from '@nestjs/common';
import { Queue, Worker } from 'bullmq';
import IORedis, { Redis } from 'ioredis';
import { createHash } from 'node:crypto';
import { QueueConfig } from '../config/queue.config';
import { STORE_SCRIPTS, StoreScript } from './redis-scripts';

const STARTUP_TIMEOUT_MS = 10_000;
/** A webhook waits at most this long for Redis before it is answered 503. */
const COMMAND_TIMEOUT_MS = 2000;
const QUEUE_NAME = 'deliveries';

/** BullMQ's job of an event: one per event id, whatever adds it (enqueue or replay). */
const jobIdOf = (eventId: string) => createHash('sha256').update(eventId).digest('hex');

/** An argument of a store script (Redis receives strings). */
type ScriptArgument = string | number;

/**
 * What the Redis store's parts share: the connections, BullMQ's queue (one job per queued event)
 * and worker (hands each job to one instance at a time), the store scripts, and the log.
 */
export class RedisConnections {
  readonly logger = new Logger('RedisEventStore');
  /** The store's keys are under this prefix (see redis-scripts.ts). */
  readonly prefix: string;
  /** The webhook path's connection: fails fast while Redis is away. */
  readonly redis: Redis;
  readonly queue: Queue;
  readonly worker: Worker;
  /** The connections handed to BullMQ: it treats them as shared and never closes them itself. */
  private readonly bullConnections: Redis[];
  private lastConnectionError = 0;

  constructor(readonly config: QueueConfig) {
    // Webhook-path connections fail fast while Redis is away (the sender gets a 503 and retries);
    // only the worker's blocking connection waits for Redis to come back.
    const failFast = { enableOfflineQueue: false, maxRetriesPerRequest: 1, commandTimeout: COMMAND_TIMEOUT_MS };
    this.redis = new IORedis(config.redisUrl, failFast);
    this.prefix = `${config.redisKeyPrefix}:store`;
    const bull = { prefix: `${config.redisKeyPrefix}:bull` };
    this.bullConnections = [
      new IORedis(config.redisUrl, failFast),
      new IORedis(config.redisUrl, { maxRetriesPerRequest: null, enableOfflineQueue: true }),
    ];
    this.queue = new Queue(QUEUE_NAME, {
      ...bull,
      connection: this.bullConnections[0],
      defaultJobOptions: { removeOnComplete: true, removeOnFail: true, attempts: 1 },
    });
    this.worker = new Worker(QUEUE_NAME, null, {
      ...bull,
      connection: this.bullConnections[1],
      // BullMQ's lock on a claimed job, like our lock on its record, is a lease renewed while the
      // delivery runs. A dead instance's job is moved back by the second stalled check after its
      // lock expired: lease + 2 × lease/3, i.e. within 50 s at the default 30 s lease.
      lockDuration: config.leaseMs,
      stalledInterval: Math.max(500, Math.floor(config.leaseMs / 3)),
      // A job whose instance died goes back to wait, however often that happens: never "failed".
      maxStalledCount: Number.MAX_SAFE_INTEGER,
      autorun: false,
    });
    const onError = (error: Error) => this.connectionError(error);
    for (const client of this.clients()) client.on('error', onError);
    this.queue.on('error', onError);
    this.worker.on('error', onError);
    for (const [name, lua] of Object.entries(STORE_SCRIPTS)) this.redis.defineCommand(name, { numberOfKeys: 0, lua });
  }

  /** Runs a store script (redis-scripts.ts) under this store's prefix. */
  runScript(script: StoreScript, ...args: ScriptArgument[]): Promise<unknown> {
    // defineCommand (constructor) added each script as a method of the connection at run time.
    const command = (this.redis as unknown as Record<StoreScript, (...a: ScriptArgument[]) => Promise<unknown>>)[
      script
    ];
    return command.call(this.redis, this.prefix, ...args);
  }

  /** Adds the event's delivery job (a no-op when it is there already). */
  async addJob(eventId: string): Promise<void> {
    await this.queue.add('deliver', { eventId }, { jobId: jobIdOf(eventId) });
  }

  /**
   * Both worker connections (BullMQ opens its blocking one in the background) must be up before
   * anything can close them: force-closing one that is still connecting makes BullMQ reject
   * "Connection is closed" with no listener left, an unhandled rejection. The fail-fast
   * connections queue nothing while connecting, so they must be up before the first webhook (or
   * the persistence check) uses them.
   */
  async connect(): Promise<void> {
    const connected = Promise.all([this.worker.waitUntilReady(), ...this.clients().map(whenReady)]);
    const url = redactUrl(this.config.redisUrl);
    await withTimeout(
      connected,
      STARTUP_TIMEOUT_MS,
      () => new Error(`Redis at ${url} did not answer within ${STARTUP_TIMEOUT_MS} ms`),
    );
    await this.worker.startStalledCheckTimer();
    await this.warnWithoutPersistence();
    this.logger.log(`Event store: Redis at ${url}, keys under ${this.config.redisKeyPrefix}:`);
  }

  async close(): Promise<void> {
    await this.worker.close(true);
    await this.queue.close();
    await Promise.all(this.clients().map((client) => client.quit()));
  }

  private clients(): Redis[] {
    return [this.redis, ...this.bullConnections];
  }

  /** Once per 10 s at most: a Redis outage must not flood the log. */
  private connectionError(error: Error): void {
    const now = Date.now();
    if (now - this.lastConnectionError < 10_000) return;
    this.lastConnectionError = now;
    this.logger.warn(`Redis: ${(error as { code?: string }).code ?? error.message}`);
  }

  private async warnWithoutPersistence(): Promise<void> {
    try {
      const [, aof] = (await this.redis.config('GET', 'appendonly')) as string[];
      const [, save] = (await this.redis.config('GET', 'save')) as string[];
      if (aof !== 'yes' && !save) {
        this.logger.warn(
          'Redis has neither AOF nor snapshots: a Redis restart loses every stored event. ' +
            'Set appendonly yes (appendfsync always or everysec), see docs/scaling.md',
        );
      }
    } catch {
      this.logger.log('Redis persistence settings not readable (CONFIG disabled); check them with your provider');
    }
  }
}

function whenReady(client: Redis): Promise<void> {
  return client.status === 'ready'
    ? Promise.resolve()
    : new Promise((resolve) => client.once('ready', () => resolve()));
}

function withTimeout<T>(work: Promise<T>, ms: number, error: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(error()), ms)));
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/** The URL without its password, for the log. */
function redactUrl(url: string): string {
  return url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:[redacted]@');
}
