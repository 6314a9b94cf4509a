import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnModuleDestroy,
} from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { crmConfig } from '../../config/crm.config';
import { DeliveryQueue } from '../../queue/delivery-queue';
import { ClaimedEvent } from '../../queue/stored-event';
import { CrmClient } from '../client/crm-client';
import { CrmBreaker } from '../client/crm-breaker';
import { DeliveryVerdicts } from './delivery-verdicts';
import { RateLimiter } from './rate-limiter';

const IDLE_POLL_MS = 1000;
const ERROR_PAUSE_MS = 1000;

export function idempotencyKey(event: Pick<ClaimedEvent, 'eventId' | 'replays'>): string {
  return event.replays > 0 ? `cognigy-${event.eventId}-r${event.replays}` : `cognigy-${event.eventId}`;
}

/**
 * Claims due events and delivers them, at most CRM_CONCURRENCY at once. While the breaker is open
 * nothing is claimed (events wait in the store, no attempt is used); half-open lets one through.
 * Sleeps until the next event is due, woken early by new events, freed slots and breaker changes.
 */
@Injectable()
export class DeliveryWorker implements OnApplicationBootstrap, OnModuleDestroy, BeforeApplicationShutdown {
  private readonly logger = new Logger(DeliveryWorker.name);
  private readonly inFlight = new Set<Promise<void>>();
  private readonly limiter: RateLimiter;
  private running = false;
  private loop?: Promise<void>;
  private wake: () => void = () => undefined;
  private woken = false;

  constructor(
    @Inject(crmConfig.KEY) private readonly config: ConfigType<typeof crmConfig>,
    private readonly store: DeliveryQueue,
    private readonly client: CrmClient,
    private readonly breaker: CrmBreaker,
    private readonly verdicts: DeliveryVerdicts,
  ) {
    this.limiter = new RateLimiter(config.rateLimitPerSecond);
    breaker.onStateChange(() => this.poke());
  }

  onApplicationBootstrap(): void {
    if (!this.config.deliveryEnabled) {
      this.logger.warn('DELIVERY_ENABLED=false: this instance stores events but does not deliver them');
      return;
    }
    this.store.onEnqueued(() => this.poke());
    this.running = true;
    this.loop = this.run();
  }

  /** First shutdown phase: take no new events. */
  async onModuleDestroy(): Promise<void> {
    this.running = false;
    this.poke();
    await this.loop;
  }

  /** Then, with the listener still answering, let in-flight CRM calls finish (SHUTDOWN_GRACE_MS). */
  async beforeApplicationShutdown(): Promise<void> {
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
        if (await this.fill()) continue;
        await this.sleep(await this.idleDelay());
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
    return this.config.concurrency - this.inFlight.size;
  }

  /** Claims what the free slots allow; true when it started any delivery. */
  private async fill(): Promise<boolean> {
    const capacity = this.capacity();
    if (capacity <= 0) return false;
    const events = await this.store.claimDue(capacity);
    for (const event of events) {
      const delivery = this.deliver(event).finally(() => {
        this.inFlight.delete(delivery);
        this.poke();
      });
      this.inFlight.add(delivery);
    }
    return events.length > 0;
  }

  private async idleDelay(): Promise<number> {
    if (this.capacity() <= 0) return IDLE_POLL_MS;
    const due = await this.store.nextDueAt();
    return due === null ? IDLE_POLL_MS : Math.min(IDLE_POLL_MS, Math.max(0, due - Date.now()));
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

  private async deliver(event: ClaimedEvent): Promise<void> {
    try {
      if (event.stale) return await this.verdicts.stale(event);
      await this.limiter.acquire();
      const result = await this.client.upsert({
        upsert: event.upsert,
        idempotencyKey: idempotencyKey(event),
        requestId: event.requestId,
      });
      await this.verdicts.apply(event, result);
    } catch (error) {
      // The store could not record the verdict: the claim lapses and the event is retried later
      // under the same Idempotency-Key, so the CRM still applies it once.
      this.logger.error(`Delivery of ${event.eventId} not recorded: ${(error as Error).message}`);
    }
  }
}
