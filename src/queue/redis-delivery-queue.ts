import { Job } from 'bullmq';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { DeliveryQueue, targetQueue } from './delivery-queue';
import { EnqueueSignal } from './enqueue-signal';
import { deliveryRef, RedisConnections } from './redis-connections';
import { RedisEventQueries } from './redis-event-queries';
import { ClaimVerdict, finishArguments, FinishAction, FinishOutcome } from './redis-finish';
import { WritesInFlight } from './redis-writes-in-flight';
import { AttemptRecord, AttemptResult, ClaimedEvent, DEFAULT_TARGET } from './stored-event';

/**
 * A job whose event is not written yet, or not replayed yet (enqueue and replay add the job
 * first), is looked at again after this long, for up to a minute.
 */
const MISSING_RETRY_MS = 500;
const MISSING_GIVE_UP_MS = 60_000;
const LOCKED_RETRY_MS = 250;
/** Other instances' new events are seen by polling at this pace. */
const POLL_MS = 250;
/** Job fetches in claimDue's first wave. */
const FIRST_WAVE = 8;
/** A final outcome not recorded (or not confirmed) yet, or a claim to give back, is tried again this often. */
const OUTCOME_RETRY_MS = 250;

interface Claim {
  job: Job;
  token: string;
  renew: NodeJS.Timeout;
}

/**
 * The delivery worker's side of the Redis store. BullMQ gives each job to one instance at a time
 * (its lock, with stalled-job takeover when an instance dies); the claim script then locks the
 * event's record, so only its head is delivered, by one claimant. Both locks are leases renewed
 * while the delivery runs.
 */
export class RedisDeliveryQueue implements DeliveryQueue {
  private readonly claims = new Map<string, Claim>();
  /** Set at shutdown: outcomes and give-backs are not tried again any more. */
  private stopped = false;
  /** The other targets' queues, kept by the `default` one. */
  private readonly queues = new Map<string, RedisDeliveryQueue>();

  constructor(
    private readonly connections: RedisConnections,
    private readonly queries: RedisEventQueries,
    private readonly writes: WritesInFlight,
    private readonly enqueued: EnqueueSignal,
    readonly target = DEFAULT_TARGET,
    private readonly first?: RedisDeliveryQueue,
  ) {}

  /** One queue per target, each over its own BullMQ queue (redis-connections.ts). */
  forTarget(target: string): RedisDeliveryQueue {
    if (this.first) return this.first.forTarget(target);
    const { connections, queries, writes, enqueued } = this;
    const make = (t: string) => new RedisDeliveryQueue(connections, queries, writes, enqueued, t, this);
    return targetQueue(this, this.queues, target, make);
  }

  private ref(eventId: string): string {
    return deliveryRef(eventId, this.target);
  }

  onEnqueued(listener: () => void): void {
    this.enqueued.listen(listener);
  }

  /**
   * Claims in waves: a wave asks for several events at once, so its commands share round trips to
   * Redis instead of taking three each, one event after the other. The first wave is small and each
   * full one doubles the next: a steady trickle of events must not cost CRM_CONCURRENCY job fetches
   * that come back empty on every wake-up, and a backlog still fills the free slots in a few round
   * trips. Safe in any order: the claim script hands out only a record's head, and to one claimant.
   */
  async claimDue(limit: number): Promise<ClaimedEvent[]> {
    await this.connections.workerReady(this.target);
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
    const job = await this.connections.workerOf(this.target).getNextJob(token, { block: false });
    if (!job) return 'empty';
    try {
      return await this.claim(job, token);
    } catch (error) {
      this.giveBack(job, token);
      throw error;
    }
  }

  /**
   * A job fetched whose claim broke off half-way (Redis went away, a failover): its record lock and
   * the job are given back once Redis answers again, within the lease, instead of holding the event
   * until the lease runs out and BullMQ's stalled check moves it back.
   */
  private giveBack(job: Job, token: string): void {
    const eventId = (job.data as { eventId: string }).eventId;
    const { config } = this.connections;
    const until = Date.now() + config.leaseMs;
    void (async () => {
      while (!this.stopped && Date.now() < until) {
        try {
          const release = finishArguments(config, this.ref(eventId), token, 'release', { at: Date.now() });
          await this.connections.runScript('finish', ...release);
          await job.moveToDelayed(Date.now(), token);
          return;
        } catch (error) {
          // The job is not ours any more (moved meanwhile, or taken over): nothing left to give back.
          if (/Missing (lock|key) for job/.test((error as Error).message)) return;
          await sleep(OUTCOME_RETRY_MS);
        }
      }
    })();
  }

  private async claim(job: Job, token: string): Promise<ClaimedEvent | null> {
    const eventId = (job.data as { eventId: string }).eventId;
    let [verdict, value] = await this.tryClaim(eventId, token);
    const written = this.writes.of(eventId);
    if ((verdict === 'missing' || verdict === 'gone') && written) {
      // Our own write is on its way: wait for it rather than put the job off for MISSING_RETRY_MS,
      // or complete the job the write is about to need (it found an earlier delivery of the id).
      await written.catch(() => undefined);
      [verdict, value] = await this.tryClaim(eventId, token);
    }
    const now = Date.now();
    const pending = verdict === 'missing' || verdict === 'dead';
    if (verdict === 'gone' || (pending && now - job.timestamp > MISSING_GIVE_UP_MS)) {
      await this.complete(job, token, eventId);
      return null;
    }
    if (verdict !== 'ok') {
      await job.moveToDelayed(retryAt(verdict, value, now), token);
      return null;
    }
    const event = await this.queries.get(eventId, this.target);
    if (!event) {
      await this.complete(job, token, eventId);
      return null;
    }
    const renew = setInterval(() => void this.renew(eventId, job, token), this.connections.config.leaseMs / 3);
    renew.unref();
    this.claims.set(eventId, { job, token, renew });
    const last = value ? Number(value) : null;
    return { ...event, stale: last !== null && event.eventTime < last };
  }

  /**
   * Completing removes the job, whose id is its delivery's ref: an enqueue or replay of that ref
   * while the job was still there added none of its own (BullMQ ignores a job id it holds), so a
   * delivery queued again meanwhile gets its job back here. One queued after the removal finds no
   * job: its enqueue adds one (or, if the job went between its add and its write, answers 503).
   */
  private async complete(job: Job, token: string, eventId: string): Promise<void> {
    await job.moveToCompleted(null, token, false);
    const { redis, prefix } = this.connections;
    if ((await redis.hget(`${prefix}:ev:${this.ref(eventId)}`, 'state')) === 'queued') {
      await this.connections.addJob(eventId, this.target);
    }
  }

  private async tryClaim(eventId: string, token: string): Promise<ClaimVerdict> {
    const { leaseMs } = this.connections.config;
    return (await this.connections.runScript('claim', this.ref(eventId), token, leaseMs)) as ClaimVerdict;
  }

  private async renew(eventId: string, job: Job, token: string): Promise<void> {
    const { leaseMs } = this.connections.config;
    try {
      await job.extendLock(token, leaseMs);
      await this.connections.runScript('extend', this.ref(eventId), token, leaseMs);
    } catch (error) {
      this.connections.logger.warn(`Lease renewal of ${eventId} failed: ${(error as Error).message}`);
    }
  }

  private async finish(eventId: string, action: FinishAction, outcome: FinishOutcome = {}): Promise<void> {
    const claim = this.claims.get(eventId);
    const token = claim?.token ?? '';
    const args = finishArguments(this.connections.config, this.ref(eventId), token, action, outcome);
    const { at = 0 } = outcome;
    try {
      if (action === 'delivered' || action === 'dead') await this.recordFinal(args);
      else await this.connections.runScript('finish', ...args);
    } finally {
      // Renewed until here: a final outcome tried again during a failover keeps its claim meanwhile.
      this.claims.delete(eventId);
      if (claim) clearInterval(claim.renew);
    }
    if (!claim) return;
    if (action === 'retry' || action === 'release') return claim.job.moveToDelayed(at, token);
    await this.complete(claim.job, token, eventId).catch((error: Error) => {
      // The job's lock lapsed meanwhile (an outage outlasting the lease): BullMQ's stalled check
      // moves it back, and its next claim finds the outcome recorded and completes it.
      if (!/Missing lock for job/.test(error.message)) throw error;
    });
  }

  /**
   * An outcome after which the CRM must not get the event again (delivered, dead): on the acked
   * connection, confirmed by the replicas when REDIS_MIN_REPLICAS_ACK > 0, and tried again until it
   * is recorded (a failover, a short outage) for as long as the claim's lease lasts: lost, it would
   * have the event sent again (same Idempotency-Key, but a second request all the same). Retries,
   * releases and stale marks are not waited for: lost, the event is only tried again sooner
   * (retry, release) or found stale again (stale).
   */
  private async recordFinal(args: (string | number)[]): Promise<void> {
    const until = Date.now() + this.connections.config.leaseMs;
    for (;;) {
      try {
        const recorded = await this.connections.runAcked('finish', ...args);
        return await this.connections.confirm(recorded === 1);
      } catch (error) {
        if (this.stopped || Date.now() + OUTCOME_RETRY_MS >= until) throw error;
        await sleep(OUTCOME_RETRY_MS);
      }
    }
  }

  /** Shutdown: outcomes and give-backs still being tried again stop trying, every target's. */
  stopRetrying(): void {
    this.stopped = true;
    for (const queue of this.queues.values()) queue.stopRetrying();
  }

  markDelivered(eventId: string, attempts: number, result: AttemptResult, made?: AttemptRecord[]): Promise<void> {
    return this.finish(eventId, 'delivered', { attempts, result, made });
  }

  scheduleRetry(
    eventId: string,
    attempts: number,
    at: number,
    result: AttemptResult,
    made?: AttemptRecord[],
  ): Promise<void> {
    return this.finish(eventId, 'retry', { attempts, at, result, made });
  }

  release(eventId: string, at: number): Promise<void> {
    return this.finish(eventId, 'release', { at });
  }

  markDead(eventId: string, attempts: number, result: AttemptResult, made?: AttemptRecord[]): Promise<void> {
    return this.finish(eventId, 'dead', { attempts, result, made });
  }

  markStale(eventId: string): Promise<void> {
    return this.finish(eventId, 'stale');
  }

  async nextDueAt(): Promise<number | null> {
    return (await this.queries.countQueued(this.target)) > 0 ? Date.now() + POLL_MS : null;
  }

  /**
   * Gives back every claim still held, of every target (no attempt counted): at shutdown,
   * deliveries still running after the grace are given up, as the SQLite store gives up its
   * in-memory claims on a restart.
   */
  async releaseAll(): Promise<void> {
    await Promise.allSettled([...this.queues.values()].map((queue) => queue.releaseAll()));
    await Promise.allSettled([...this.claims.keys()].map((eventId) => this.release(eventId, Date.now())));
    for (const claim of this.claims.values()) clearInterval(claim.renew);
  }
}

/** When a job that could not be claimed is looked at again. */
function retryAt(verdict: ClaimVerdict[0], value: string | undefined, now: number): number {
  if (verdict === 'wait') return Math.max(Number(value) || 0, now + LOCKED_RETRY_MS);
  if (verdict === 'locked') return now + LOCKED_RETRY_MS;
  return now + MISSING_RETRY_MS;
}
