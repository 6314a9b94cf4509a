import { Logger } from '@nestjs/common';
import { CrmConfig } from '../../config/crm.config';
import { DeliveryQueue } from '../../queue/delivery-queue';
import { AttemptRecord, ClaimedEvent, targetOf } from '../../queue/stored-event';
import { Telemetry } from '../../telemetry/telemetry';
import { backoffDelay } from './retry-policy';
import { connectorErrorReason, EventVerdict, retryVerdict } from '../connectors/verdict';

/** Applies each event's delivery verdict for one target: the store, the telemetry, the log. */
export class DeliveryVerdicts {
  private readonly logger = new Logger('Delivery');

  constructor(
    private readonly config: CrmConfig,
    private readonly store: DeliveryQueue,
    private readonly telemetry: Telemetry,
  ) {}

  async stale(event: ClaimedEvent): Promise<void> {
    await this.store.markStale(event.eventId);
    this.logger.log({ ...ids(event), msg: 'event stale: a newer event of its record was delivered' });
  }

  /**
   * The verdicts of a delivery whose connector threw (building a request, judging an answer) or
   * did not give one verdict per event: each event's attempt failed, naming the exception in its
   * history, so its claim ends like any attempt's and it dead-letters once attempts run out. What
   * the connector sent before it threw is unknown here: one attempt is counted, never none (a
   * connector that always throws must not retry forever).
   */
  unjudged(events: ClaimedEvent[], error: unknown, startedAt: number): EventVerdict[] {
    const reason = connectorErrorReason(error);
    // The exception's text may echo the CRM's answer: only above debug that it happened.
    this.logger.error({ eventIds: events.map((e) => e.eventId), msg: 'connector failed: the attempt is retried' });
    this.logger.debug({ eventIds: events.map((e) => e.eventId), error: reason, msg: 'connector failure' });
    const requests = [{ at: startedAt, status: null, error: reason, durationMs: Date.now() - startedAt }];
    return events.map(() => ({ verdict: retryVerdict(null, reason), attempts: 1, requests }));
  }

  /** Applies a connector's verdict for one event: the store, the telemetry, the log. */
  async apply(event: ClaimedEvent, { verdict, attempts: used, requests }: EventVerdict): Promise<void> {
    const attempts = event.attempts + used;
    if (verdict.action === 'release') return this.store.release(event.eventId, Date.now());
    const history = agreeing(requests, verdict.attempt.error);
    if (verdict.action === 'delivered') {
      await this.store.markDelivered(event.eventId, attempts, verdict.attempt, history);
      const created = verdict.attempt.created ?? null;
      this.telemetry.emit('eventDelivered', {
        objectType: event.upsert.objectType,
        receivedAt: event.receivedAt,
        created,
        target: targetOf(event),
      });
      this.logger.log({ ...ids(event), attempts, status: verdict.attempt.status, msg: 'event delivered' });
      return;
    }
    if (verdict.action === 'dead' || attempts >= this.config.maxAttempts) {
      await this.store.markDead(event.eventId, attempts, verdict.attempt, history);
      this.telemetry.emit('eventDeadLettered', { objectType: event.upsert.objectType, target: targetOf(event) });
      this.logger.warn({ ...ids(event), attempts, status: verdict.attempt.status, msg: 'event dead-lettered' });
      this.logger.debug({ ...ids(event), error: verdict.attempt.error, msg: 'dead letter cause' });
      return;
    }
    const { retryBaseMs, retryMaxMs } = this.config;
    const delay = Math.min(verdict.afterMs ?? backoffDelay(attempts, retryBaseMs, retryMaxMs), retryMaxMs);
    await this.store.scheduleRetry(event.eventId, attempts, Date.now() + delay, verdict.attempt, history);
    // The CRM's answer may echo entity values: only its status is logged above debug.
    this.logger.log({
      ...ids(event),
      attempts,
      retryInMs: delay,
      status: verdict.attempt.status,
      msg: 'event retry scheduled',
    });
    this.logger.debug({ ...ids(event), error: verdict.attempt.error, msg: 'retry cause' });
  }
}

/**
 * An attempt's history agreeing with its verdict: the answer that decided it (the last request)
 * reads as the connector judged it. A delivered event's names no error (a 409 the generic
 * connector delivers); a failed one's names the verdict's (a 409 a CRM asks to retry, a 2xx the
 * connector could not use, a result the batch answer lacked). Requests without an answer
 * (network, timeout, token) keep their own reading.
 */
function agreeing(requests: AttemptRecord[], error: string | null): AttemptRecord[] {
  const last = requests.at(-1);
  if (!last || last.status === null || last.error === error) return requests;
  return [...requests.slice(0, -1), { ...last, error }];
}

/** The ids every delivery log line carries (the target unless `default`); entity values stay out. */
const ids = (event: ClaimedEvent) => ({
  ...(event.target === undefined ? {} : { target: event.target }),
  eventId: event.eventId,
  conversationId: event.event.conversationId,
  objectType: event.upsert.objectType,
  externalId: event.upsert.externalId,
  requestId: event.requestId,
});
