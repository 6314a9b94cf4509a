import { Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { Job, Queue, Worker } from 'bullmq';
import IORedis, { Redis } from 'ioredis';
import { createHash, randomUUID } from 'node:crypto';
import { QueueConfig } from '../config/queue.config';
import { StoreUnavailableError } from './queue-errors';
import { DeliveryQueue } from './delivery-queue';
import { EnqueueSignal } from './enqueue-signal';
import { EventIntake } from './event-intake';
import { OperatorEvents } from './operator-events';
import { CommitOutcome, StoreHealth } from './store-health';
import { RedisEventQueries } from './redis-event-queries';
import { CLAIM, DELETE_DEAD, ENQUEUE, EXTEND, FINISH, REPLAY, SWEEP } from './redis-scripts';
import {
  AttemptRecord,
  AttemptResult,
  ClaimedEvent,
  DeadLetterFilter,
  EnqueueResult,
  EventPage,
  EventSearch,
  EventState,
  NewEvent,
  StoreActivity,
  StoredEvent,
} from './stored-event';

/**
 * A job whose event is not written yet, or not replayed yet (enqueue and replay add the job
 * first), is looked at again after this long, for up to a minute.
 */
const MISSING_RETRY_MS = 500;
const MISSING_GIVE_UP_MS = 60_000;
const LOCKED_RETRY_MS = 250;
const STARTUP_TIMEOUT_MS = 10_000;
/** A webhook waits at most this long for Redis before it is answered 503. */
const COMMAND_TIMEOUT_MS = 2000;
/** Other instances' new events are seen by polling at this pace. */
const POLL_MS = 250;
/** Delivered and stale events past their dedup window are deleted at this pace, so many per run. */
const SWEEP_INTERVAL_MS = 60_000;
const SWEEP_BATCH = 1000;
/** Job fetches in claimDue's first wave. */
const FIRST_WAVE = 8;

interface Claim {
  job: Job;
  token: string;
  renew: NodeJS.Timeout;
}

type Action = 'delivered' | 'retry' | 'release' | 'dead' | 'stale';

const jobIdOf = (eventId: string) => createHash('sha256').update(eventId).digest('hex');

/**
 * The shared store for several instances (QUEUE_DRIVER=redis). BullMQ holds one job per queued
 * event and gives each to one instance at a time (its lock, with stalled-job takeover when an
 * instance dies); the event itself, its state and the per-record order live in our own keys,
 * changed only by the Lua scripts in redis-scripts.ts. See docs/scaling.md.
 */
export class RedisEventStore
  implements EventIntake, DeliveryQueue, OperatorEvents, StoreHealth, OnModuleInit, OnApplicationShutdown
{
  private readonly logger = new Logger(RedisEventStore.name);
  private readonly enqueued = new EnqueueSignal();
  private readonly redis: Redis;
  /** The connections handed to BullMQ: it treats them as shared and never closes them itself. */
  private readonly bullConnections: Redis[];
  private readonly queue: Queue;
  private readonly worker: Worker;
  private readonly prefix: string;
  private latest: CommitOutcome | null = null;
  private readonly claims = new Map<string, Claim>();
  /** This instance's new events from before their job is added until they are written. */
  private readonly writing = new Map<string, Promise<unknown>>();
  private lastConnectionError = 0;
  private readonly queries: RedisEventQueries;
  private sweepTimer?: NodeJS.Timeout;

  constructor(private readonly config: QueueConfig) {
    // Webhook-path connections fail fast while Redis is away (the sender gets a 503 and retries);
    // only the worker's blocking connection waits for Redis to come back.
    const failFast = { enableOfflineQueue: false, maxRetriesPerRequest: 1, commandTimeout: COMMAND_TIMEOUT_MS };
    this.redis = new IORedis(config.redisUrl, failFast);
    this.prefix = `${config.redisKeyPrefix}:store`;
    const name = 'deliveries';
    const bull = { prefix: `${config.redisKeyPrefix}:bull` };
    this.bullConnections = [
      new IORedis(config.redisUrl, failFast),
      new IORedis(config.redisUrl, { maxRetriesPerRequest: null, enableOfflineQueue: true }),
    ];
    this.queue = new Queue(name, {
      ...bull,
      connection: this.bullConnections[0],
      defaultJobOptions: { removeOnComplete: true, removeOnFail: true, attempts: 1 },
    });
    this.worker = new Worker(name, null, {
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
    for (const client of [this.redis, ...this.bullConnections]) client.on('error', onError);
    this.queue.on('error', onError);
    this.worker.on('error', onError);
    this.queries = new RedisEventQueries(this.redis, this.prefix);
    for (const [name, lua] of Object.entries({ ENQUEUE, CLAIM, EXTEND, FINISH, REPLAY, DELETE_DEAD, SWEEP })) {
      this.redis.defineCommand(name.toLowerCase(), { numberOfKeys: 0, lua });
    }
  }

  async onModuleInit(): Promise<void> {
    // Both worker connections (BullMQ opens its blocking one in the background) must be up
    // before anything can close them: force-closing one that is still connecting makes BullMQ
    // reject "Connection is closed" with no listener left, an unhandled rejection.
    // The fail-fast connections queue nothing while connecting, so they must be up before the
    // first webhook (or the persistence check below) uses them.
    const connected = Promise.all([
      this.worker.waitUntilReady(),
      ...[this.redis, ...this.bullConnections].map(whenReady),
    ]);
    await withTimeout(
      connected,
      STARTUP_TIMEOUT_MS,
      () => new Error(`Redis at ${redactUrl(this.config.redisUrl)} did not answer within ${STARTUP_TIMEOUT_MS} ms`),
    );
    await this.worker.startStalledCheckTimer();
    this.sweepTimer = setInterval(() => void this.sweep(), SWEEP_INTERVAL_MS);
    this.sweepTimer.unref();
    await this.warnWithoutPersistence();
    this.logger.log(
      `Event store: Redis at ${redactUrl(this.config.redisUrl)}, keys under ${this.config.redisKeyPrefix}:`,
    );
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

  private run(command: string, ...args: (string | number)[]): Promise<unknown> {
    return (this.redis as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[command](
      this.prefix,
      ...args,
    );
  }

  onEnqueued(listener: () => void): void {
    this.enqueued.listen(listener);
  }

  async enqueue(event: NewEvent): Promise<EnqueueResult> {
    try {
      // A replayed body needs no job (one added anyway would wait and be dropped, as below).
      const first = event.bodyHash ? await this.redis.get(`${this.prefix}:body:${event.bodyHash}`) : null;
      if (first) return { outcome: 'duplicate', eventId: first };
      const [verdict, eventId] = await this.tracked(event.eventId, this.addAndWrite(event));
      this.latest = { at: Date.now(), error: null };
      if (verdict === 1) this.enqueued.notify();
      if (verdict === 0 && event.bodyHash) {
        this.logger.warn(`Event id ${event.eventId} reused with a different body: the first body wins`);
      }
      return { outcome: verdict === 1 ? 'accepted' : 'duplicate', eventId };
    } catch (error) {
      this.latest = { at: Date.now(), error: (error as Error).message };
      throw new StoreUnavailableError(error);
    }
  }

  /**
   * Job first: a job without its event waits and is dropped; an event without a job would never
   * be delivered.
   */
  private async addAndWrite(event: NewEvent): Promise<[number, string]> {
    const { upsert } = event;
    await this.queue.add('deliver', { eventId: event.eventId }, { jobId: jobIdOf(event.eventId) });
    return (await this.run(
      'enqueue',
      event.eventId,
      this.config.dedupTtlSeconds * 1000,
      JSON.stringify({ event: event.event, upsert }),
      upsert.intent,
      upsert.objectType,
      upsert.externalId,
      event.eventTime,
      event.receivedAt,
      event.requestId,
      event.event.conversationId,
      event.bodyHash ?? '',
    )) as [number, string];
  }

  /**
   * Known to claim() from before its job is added until its event is written: this worker may
   * fetch the job in between, and then waits for the write instead of putting the job off.
   */
  private async tracked<T>(eventId: string, write: Promise<T>): Promise<T> {
    this.writing.set(eventId, write);
    try {
      return await write;
    } finally {
      if (this.writing.get(eventId) === write) this.writing.delete(eventId);
    }
  }

  /**
   * Claims in waves: a wave asks for several events at once, so its commands share round trips to
   * Redis instead of taking three each, one event after the other. The first wave is small and each
   * full one doubles the next: a steady trickle of events must not cost CRM_CONCURRENCY job fetches
   * that come back empty on every wake-up, and a backlog still fills the free slots in a few round
   * trips. Safe in any order: the claim script hands out only a record's head, and to one claimant.
   */
  async claimDue(limit: number): Promise<ClaimedEvent[]> {
    const claimed: ClaimedEvent[] = [];
    let fetched = 0;
    let size = FIRST_WAVE;
    for (;;) {
      const wave = Math.min(size, limit - claimed.length, limit * 4 - fetched);
      if (wave <= 0) return claimed;
      const settled = await Promise.allSettled(Array.from({ length: wave }, () => this.claimNext()));
      const tries = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
      for (const tried of tries) {
        if (tried === 'empty') continue;
        fetched += 1;
        if (tried) claimed.push(tried);
      }
      // Claims its siblings made are handed out all the same: dropped, they would be renewed forever.
      const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
      if (failed && claimed.length === 0) throw failed.reason;
      if (failed || tries.includes('empty')) return claimed;
      size *= 2;
    }
  }

  /** The next job's event if it could be claimed, null if not, 'empty' when no job is waiting. */
  private async claimNext(): Promise<ClaimedEvent | null | 'empty'> {
    const token = randomUUID();
    const job = await this.worker.getNextJob(token, { block: false });
    return job ? this.claim(job, token) : 'empty';
  }

  private async claim(job: Job, token: string): Promise<ClaimedEvent | null> {
    const eventId = (job.data as { eventId: string }).eventId;
    let [verdict, value] = await this.tryClaim(eventId, token);
    const written = this.writing.get(eventId);
    if (verdict === 'missing' && written) {
      // Our own write is on its way: wait for it rather than put the job off for MISSING_RETRY_MS.
      await written.catch(() => undefined);
      [verdict, value] = await this.tryClaim(eventId, token);
    }
    const now = Date.now();
    const pending = verdict === 'missing' || verdict === 'dead';
    if (verdict === 'gone' || (pending && now - job.timestamp > MISSING_GIVE_UP_MS)) {
      await job.moveToCompleted(null, token, false);
      return null;
    }
    if (verdict !== 'ok') {
      const at =
        verdict === 'wait'
          ? Math.max(Number(value) || 0, now + LOCKED_RETRY_MS)
          : verdict === 'locked'
            ? now + LOCKED_RETRY_MS
            : now + MISSING_RETRY_MS;
      await job.moveToDelayed(at, token);
      return null;
    }
    const event = await this.get(eventId);
    if (!event) {
      await job.moveToCompleted(null, token, false);
      return null;
    }
    const renew = setInterval(() => void this.renew(eventId, job, token), this.config.leaseMs / 3);
    renew.unref();
    this.claims.set(eventId, { job, token, renew });
    const last = value ? Number(value) : null;
    return { ...event, stale: last !== null && event.eventTime < last };
  }

  private async tryClaim(eventId: string, token: string): Promise<[string, string?]> {
    return (await this.run('claim', eventId, token, this.config.leaseMs)) as [string, string?];
  }

  private async renew(eventId: string, job: Job, token: string): Promise<void> {
    try {
      await job.extendLock(token, this.config.leaseMs);
      await this.run('extend', eventId, token, this.config.leaseMs);
    } catch (error) {
      this.logger.warn(`Lease renewal of ${eventId} failed: ${(error as Error).message}`);
    }
  }

  /** Deletes delivered and stale events whose dedup window has passed; returns how many it looked at. */
  async sweep(now = Date.now()): Promise<number> {
    let swept = 0;
    try {
      for (;;) {
        const batch = Number(await this.run('sweep', now, SWEEP_BATCH));
        swept += batch;
        if (batch < SWEEP_BATCH) return swept;
      }
    } catch (error) {
      this.logger.warn(`Sweep of expired events failed: ${(error as Error).message}`);
      return swept;
    }
  }

  private async finish(
    eventId: string,
    action: Action,
    attempts = 0,
    at = 0,
    result?: AttemptResult,
    made: AttemptRecord[] = [],
  ): Promise<void> {
    const claim = this.claims.get(eventId);
    this.claims.delete(eventId);
    if (claim) clearInterval(claim.renew);
    const token = claim?.token ?? '';
    await this.run(
      'finish',
      eventId,
      token,
      action,
      attempts,
      at,
      result?.status ?? '',
      result?.error ?? '',
      Date.now(),
      this.config.dedupTtlSeconds * 1000,
      result?.crmRecordId ?? '',
      result?.created === undefined || result?.created === null ? '' : String(result.created),
      ...made.map((attempt) => JSON.stringify(attempt)),
    );
    if (!claim) return;
    if (action === 'retry' || action === 'release') await claim.job.moveToDelayed(at, token);
    else await claim.job.moveToCompleted(null, token, false);
  }

  markDelivered(eventId: string, attempts: number, result: AttemptResult, made?: AttemptRecord[]): Promise<void> {
    return this.finish(eventId, 'delivered', attempts, 0, result, made);
  }

  scheduleRetry(
    eventId: string,
    attempts: number,
    at: number,
    result: AttemptResult,
    made?: AttemptRecord[],
  ): Promise<void> {
    return this.finish(eventId, 'retry', attempts, at, result, made);
  }

  release(eventId: string, at: number): Promise<void> {
    return this.finish(eventId, 'release', 0, at);
  }

  markDead(eventId: string, attempts: number, result: AttemptResult, made?: AttemptRecord[]): Promise<void> {
    return this.finish(eventId, 'dead', attempts, 0, result, made);
  }

  markStale(eventId: string): Promise<void> {
    return this.finish(eventId, 'stale');
  }

  get(eventId: string): Promise<StoredEvent | null> {
    return this.queries.get(eventId);
  }

  attemptsOf(eventId: string): Promise<AttemptRecord[]> {
    return this.queries.attemptsOf(eventId);
  }

  search(filter: EventSearch, limit: number, cursor?: string): Promise<EventPage> {
    return this.queries.search(filter, limit, cursor);
  }

  activity(minutes: number, now = Date.now()): Promise<StoreActivity> {
    return this.queries.activity(minutes, now);
  }

  oldestQueuedAt(): Promise<number | null> {
    return this.queries.oldestQueuedAt();
  }

  async countByState(): Promise<Record<EventState, number>> {
    const [queued, dead, delivered, stale] = await Promise.all([
      this.redis.scard(`${this.prefix}:queued`),
      this.redis.zcard(`${this.prefix}:dead`),
      this.redis.get(`${this.prefix}:count:delivered`),
      this.redis.get(`${this.prefix}:count:stale`),
    ]);
    return { queued, dead, delivered: Number(delivered ?? 0), stale: Number(stale ?? 0) };
  }

  listDead(limit: number, cursor?: string, filter: DeadLetterFilter = {}): Promise<EventPage> {
    const after = cursor && /^\d+$/.test(cursor) ? Number(cursor) : 0;
    return this.queries.listDead(limit, after, filter);
  }

  async countDead(filter: DeadLetterFilter): Promise<number> {
    return (await this.queries.deadIds(filter)).length;
  }

  async replayDead(eventId: string): Promise<boolean> {
    if ((await this.redis.hget(`${this.prefix}:ev:${eventId}`, 'state')) !== 'dead') return false;
    await this.queue.add('deliver', { eventId }, { jobId: jobIdOf(eventId) });
    const replayed = (await this.run('replay', eventId, Date.now())) === 1;
    if (replayed) this.enqueued.notify();
    return replayed;
  }

  async replayAllDead(filter: DeadLetterFilter = {}): Promise<number> {
    let replayed = 0;
    for (const id of await this.queries.deadIds(filter)) {
      if (await this.replayDead(id)) replayed += 1;
    }
    return replayed;
  }

  async deleteDead(eventId: string): Promise<boolean> {
    return (await this.run('delete_dead', eventId)) === 1;
  }

  async checkWritable(): Promise<void> {
    try {
      await this.redis.set(`${this.prefix}:health`, String(Date.now()), 'PX', 60_000);
      this.latest = { at: Date.now(), error: null };
    } catch (error) {
      this.latest = { at: Date.now(), error: (error as Error).message };
      throw new StoreUnavailableError(error);
    }
  }

  async latestCommit(): Promise<CommitOutcome | null> {
    return this.latest;
  }

  async nextDueAt(): Promise<number | null> {
    return (await this.redis.scard(`${this.prefix}:queued`)) > 0 ? Date.now() + POLL_MS : null;
  }

  async onApplicationShutdown(): Promise<void> {
    // Deliveries still running after the shutdown grace are given up, as the SQLite store gives up
    // its in-memory claims on a restart: record lock and BullMQ job are released now (no attempt
    // counted), so the event is retried at once under the same Idempotency-Key, by another
    // instance or this one restarted, instead of waiting for the lease and the stalled check.
    // The record's later events still wait behind it (it stays the head of its record).
    await Promise.allSettled([...this.claims.keys()].map((eventId) => this.release(eventId, Date.now())));
    for (const claim of this.claims.values()) clearInterval(claim.renew);
    clearInterval(this.sweepTimer);
    await this.worker.close(true);
    await this.queue.close();
    await Promise.all([this.redis, ...this.bullConnections].map((client) => client.quit()));
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
