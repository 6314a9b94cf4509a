import { Inject, Injectable, Logger } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { crmConfig } from '../../config/crm.config';
import { DeliveryQueue } from '../../queue/delivery-queue';
import { AttemptResult, ClaimedEvent } from '../../queue/stored-event';
import { Telemetry } from '../../telemetry/telemetry';
import { CrmResult } from '../client/crm-client';
import { backoffDelay, retryAfterMs } from './retry-policy';

type Verdict =
  | { action: 'delivered'; attempt: AttemptResult }
  | { action: 'retry'; attempt: AttemptResult; afterMs?: number }
  | { action: 'dead'; attempt: AttemptResult }
  | { action: 'release' };

/** SPEC §4.2's table: what a CRM answer means for the event. */
export function judge(result: CrmResult): Verdict {
  switch (result.kind) {
    case 'breaker-open':
      return result.sent === 0
        ? { action: 'release' }
        : { action: 'retry', attempt: { status: null, error: 'CRM circuit breaker opened before the retry' } };
    case 'network':
    case 'timeout':
    case 'token':
      return { action: 'retry', attempt: { status: null, error: result.message } };
    case 'response': {
      const { status } = result;
      const attempt = { status, error: status < 300 || status === 409 ? null : `CRM answered ${status}: ${result.excerpt}` };
      if ((status >= 200 && status < 300) || status === 409) return { action: 'delivered', attempt };
      if (status === 429) return { action: 'retry', attempt, afterMs: retryAfterMs(result.headers['retry-after'], Date.now()) };
      if (status === 401 || status === 408 || status >= 500) return { action: 'retry', attempt };
      if (status >= 400) return { action: 'dead', attempt };
      return { action: 'retry', attempt };
    }
  }
}

/** Judges each delivery attempt and applies the verdict: the store, the telemetry, the log. */
@Injectable()
export class DeliveryVerdicts {
  private readonly logger = new Logger('Delivery');

  constructor(
    @Inject(crmConfig.KEY) private readonly config: ConfigType<typeof crmConfig>,
    private readonly store: DeliveryQueue,
    private readonly telemetry: Telemetry,
  ) {}

  async stale(event: ClaimedEvent): Promise<void> {
    await this.store.markStale(event.eventId);
    this.logger.log({ ...ids(event), msg: 'event stale: a newer event of its record was delivered' });
  }

  async apply(event: ClaimedEvent, result: CrmResult): Promise<void> {
    const verdict = judge(result);
    const attempts = event.attempts + result.sent + (result.kind === 'token' ? 1 : 0);
    if (verdict.action === 'release') return this.store.release(event.eventId, Date.now());
    if (verdict.action === 'delivered') {
      await this.store.markDelivered(event.eventId, attempts, verdict.attempt, result.requests);
      this.telemetry.emit('eventDelivered', { objectType: event.upsert.objectType, receivedAt: event.receivedAt });
      this.logger.log({ ...ids(event), attempts, status: verdict.attempt.status, msg: 'event delivered' });
      return;
    }
    if (verdict.action === 'dead' || attempts >= this.config.maxAttempts) {
      await this.store.markDead(event.eventId, attempts, verdict.attempt, result.requests);
      this.telemetry.emit('eventDeadLettered', { objectType: event.upsert.objectType });
      this.logger.warn({ ...ids(event), attempts, status: verdict.attempt.status, msg: 'event dead-lettered' });
      this.logger.debug({ ...ids(event), error: verdict.attempt.error, msg: 'dead letter cause' });
      return;
    }
    const { retryBaseMs, retryMaxMs } = this.config;
    const delay = Math.min(verdict.afterMs ?? backoffDelay(attempts, retryBaseMs, retryMaxMs), retryMaxMs);
    await this.store.scheduleRetry(event.eventId, attempts, Date.now() + delay, verdict.attempt, result.requests);
    // The CRM's answer may echo entity values: only its status is logged above debug.
    this.logger.log({ ...ids(event), attempts, retryInMs: delay, status: verdict.attempt.status, msg: 'event retry scheduled' });
    this.logger.debug({ ...ids(event), error: verdict.attempt.error, msg: 'retry cause' });
  }
}

/** The ids every delivery log line carries (SPEC §6); entity values stay out. */
const ids = (event: ClaimedEvent) => ({
  eventId: event.eventId,
  conversationId: event.event.conversationId,
  objectType: event.upsert.objectType,
  externalId: event.upsert.externalId,
  requestId: event.requestId,
});
