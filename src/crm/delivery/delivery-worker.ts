import { Logger } from '@nestjs/common';
import { CrmConfig } from '../../config/crm.config';
import { DeliveryQueue } from '../../queue/delivery-queue';
import { Tracing } from '../../telemetry/tracing';
import { ClaimedEvent, DEFAULT_TARGET } from '../../queue/stored-event';
import { CrmBreaker } from '../client/crm-breaker';
import { batchKey, CrmConnector } from '../connectors/crm-connector';
import { planBatches } from './batch-plan';
import { DeliveryBudget, EventLoopDelay } from './delivery-budget';
import { recordVerdicts, startDeliverySpan } from './delivery-span';
import { DeliveryVerdicts } from './delivery-verdicts';
import { RateLimiter } from './rate-limiter';
import { EventVerdict } from '../connectors/verdict';

const IDLE_POLL_MS = 1000;
const ERROR_PAUSE_MS = 1000;
/** What fill() answers when its claim took all it asked for: claim again at once. */
const MORE_DUE = Symbol('more due');

/**
 * Claims due events and delivers them through the chosen connector, at most CRM_CONCURRENCY CRM
 * requests at once; a batching connector carries up to CRM_BATCH_SIZE events of one mapping per
 * request, waiting up to CRM_BATCH_WAIT_MS for a batch to fill. While the breaker is open
 * nothing is claimed (events wait in the store, no attempt is used); half-open lets one through.
 * Sleeps until the next event is due, woken early by new events, freed slots and breaker changes.
 * One per target, claiming only that target's deliveries; its target runtime starts and stops it.
 */
export class DeliveryWorker {
  private readonly logger: Logger;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly limiter: RateLimiter;
  private readonly loopDelay = new EventLoopDelay();
  private readonly budget: DeliveryBudget;
  private running = false;
  private loop?: Promise<void>;
  private wake: () => void = () => undefined;
  private woken = false;

  constructor(
    private readonly config: CrmConfig,
    private readonly store: DeliveryQueue,
    private readonly connector: CrmConnector,
    private readonly breaker: CrmBreaker,
    private readonly verdicts: DeliveryVerdicts,
    private readonly tracing: Tracing,
  ) {
    this.logger = new Logger(store.target === DEFAULT_TARGET ? DeliveryWorker.name : `DeliveryWorker ${store.target}`);
    this.limiter = new RateLimiter(config.rateLimitPerSecond);
    this.budget = new DeliveryBudget(config.concurrency, this.loopDelay);
    breaker.onStateChange(() => this.poke());
  }

  /** Starts claiming (at application bootstrap). */
  start(): void {
    if (!this.config.deliveryEnabled) {
      this.logger.warn('DELIVERY_ENABLED=false: this instance stores events but does not deliver them');
      return;
    }
    this.store.onEnqueued(() => this.poke());
    this.running = true;
    this.loop = this.run();
  }

  /** First shutdown phase: take no new events. */
  async stop(): Promise<void> {
    this.running = false;
    this.poke();
    await this.loop;
    this.loopDelay.stop();
  }

  /** Then, with the listener still answering, let in-flight CRM calls finish (SHUTDOWN_GRACE_MS). */
  async drain(): Promise<void> {
    if (this.inFlight.size === 0) return;
    this.logger.log(`Waiting for ${this.inFlight.size} CRM call(s) to finish`);
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise((resolve) => (timer = setTimeout(resolve, this.config.shutdownGraceMs)));
    await Promise.race([Promise.allSettled([...this.inFlight]), grace]);
    clearTimeout(timer);
  }

  /** CRM calls in flight right now. */
  get activeDeliveries(): number {
    return this.inFlight.size;
  }

  private poke(): void {
    this.woken = true;
    this.wake();
  }

  private async run(): Promise<void> {
    while (this.running) {
      this.woken = false;
      try {
        const nextDue = await this.fill();
        if (nextDue === MORE_DUE) continue;
        await this.sleep(this.idleDelay(nextDue));
      } catch (error) {
        this.logger.error(`Delivery loop: ${(error as Error).message}`);
        await this.sleep(ERROR_PAUSE_MS);
      }
    }
  }

  private capacity(): number {
    const state = this.breaker.state;
    if (state === 'open') return 0;
    if (state === 'half-open') return this.inFlight.size === 0 ? 1 : 0;
    // Acks first: the budget shrinks while the event loop is late.
    return this.budget.current() - this.inFlight.size;
  }

  /**
   * Claims what the free slots allow and starts those deliveries. Returns MORE_DUE when the claim
   * took all it asked for (more may be due), else when the store's next event is due: asked in
   * the same turn as the claim (the SQLite store answers both in one message, after the claim), so
   * a quiet worker makes one round trip to the store per wake-up, not three.
   */
  private async fill(): Promise<number | null | typeof MORE_DUE> {
    const slots = this.capacity();
    if (slots <= 0) return Date.now() + IDLE_POLL_MS;
    const wanted = slots * this.config.batchSize;
    const [events, nextDue] = await this.claim(wanted);
    const plan = planBatches(events, slots, this.config.batchSize, batchKey);
    for (const event of plan.stale) this.track(this.verdicts.stale(event), event.eventId);
    for (const batch of plan.batches) this.track(this.deliver(batch), batch[0].eventId);
    const now = Date.now();
    await Promise.all(plan.surplus.map((event) => this.store.release(event.eventId, now)));
    return events.length >= wanted || plan.surplus.length > 0 ? MORE_DUE : nextDue;
  }

  /**
   * Up to `wanted` due events and the next due time after them; a batch that is not full waits a
   * little for more.
   */
  private async claim(wanted: number): Promise<[ClaimedEvent[], number | null]> {
    const [events, nextDue] = await this.claimWithNextDue(wanted);
    if (this.config.batchSize === 1 || events.length === 0) return [events, nextDue];
    const until = Date.now() + this.config.batchWaitMs;
    let next = nextDue;
    while (events.length < this.config.batchSize && this.running && Date.now() < until) {
      await this.sleep(until - Date.now());
      // Cleared before the claim, not after: an event stored while the claim's answer travels
      // wakes the next sleep at once, else a full batch would wait out CRM_BATCH_WAIT_MS.
      this.woken = false;
      try {
        const [more, after] = await this.claimWithNextDue(wanted - events.length);
        events.push(...more);
        next = after;
      } catch (error) {
        // Those already claimed go as they are: dropped here, their records would wait forever.
        this.logger.error(`Delivery loop: ${(error as Error).message}`);
        break;
      }
    }
    return [events, next];
  }

  /** What was claimed is delivered even when the next due time could not be read. */
  private async claimWithNextDue(wanted: number): Promise<[ClaimedEvent[], number | null]> {
    const [claimed, nextDue] = await Promise.allSettled([this.store.claimDue(wanted), this.store.nextDueAt()]);
    if (claimed.status === 'rejected') throw claimed.reason;
    if (nextDue.status === 'fulfilled') return [claimed.value, nextDue.value];
    this.logger.error(`Delivery loop: ${(nextDue.reason as Error).message}`);
    return [claimed.value, Date.now() + ERROR_PAUSE_MS];
  }

  private track(work: Promise<void>, eventId: string): void {
    const delivery = work
      .catch((error: unknown) => {
        // The store could not record the outcome: it ended the claim all the same (SQLite lets the
        // record go, Redis stops renewing its lease) and the event is retried later (same
        // Idempotency-Key, or the same upsert by external id), so the CRM still applies it once.
        this.logger.error(`Delivery of ${eventId} not recorded: ${(error as Error).message}`);
      })
      .finally(() => {
        this.inFlight.delete(delivery);
        this.poke();
      });
    this.inFlight.add(delivery);
  }

  /** How long to sleep when nothing more is due now (woken early by new events and freed slots). */
  private idleDelay(nextDue: number | null): number {
    return nextDue === null ? IDLE_POLL_MS : Math.min(IDLE_POLL_MS, Math.max(0, nextDue - Date.now()));
  }

  private sleep(ms: number): Promise<void> {
    if (this.woken || !this.running) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }

  /**
   * One CRM request (one event, or a batch of one mapping); every event gets its own verdict, and
   * every claimed event reaches the store's mark/schedule/release, the one way its claim ends. All
   * of it runs in the attempt's span (delivery-span.ts), which the CRM requests' spans are under.
   */
  private async deliver(batch: ClaimedEvent[]): Promise<void> {
    const span = startDeliverySpan(this.tracing, batch);
    try {
      await this.tracing.withSpan(span, async () => {
        const verdicts = await this.judged(batch);
        recordVerdicts(span, batch, verdicts);
        const recorded = await Promise.allSettled(batch.map((event, i) => this.verdicts.apply(event, verdicts[i])));
        const failed = recorded.find((r): r is PromiseRejectedResult => r.status === 'rejected');
        if (failed) throw failed.reason;
      });
    } finally {
      span.end();
    }
  }

  /** The connector's verdicts, one per event; a failed attempt for each when it threw. */
  private async judged(batch: ClaimedEvent[]): Promise<EventVerdict[]> {
    const startedAt = Date.now();
    try {
      await this.limiter.acquire();
      const verdicts = await this.connector.deliver(batch);
      if (verdicts.length !== batch.length || !verdicts.every(Boolean)) {
        throw new Error(`${verdicts.filter(Boolean).length} verdicts for ${batch.length} events`);
      }
      return verdicts;
    } catch (error) {
      return this.verdicts.unjudged(batch, error, startedAt);
    }
  }
}
