import { Inject, Injectable } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { createHash } from 'node:crypto';
import { routingConfig } from '../config/routing.config';
import { webhookConfig } from '../config/webhook.config';
import { IntentMapper } from '../mapping/intent-mapper';
import { RoutedUpsert, RouteMapper } from '../mapping/route-mapper';
import { EventIntake } from '../queue/event-intake';
import { EnqueueResult } from '../queue/stored-event';
import { Tracing } from '../telemetry/tracing';
import { CrmUpsert, DialogCompletedEvent } from '../shared/dialog-completed-event';
import { parseEventTime } from '../shared/event-time';
import { InvalidPayloadError } from './request/webhook-errors';
import { WebhookLogIds, WebhookReceipt, WebhookResponse } from './webhook-answer';
import { WebhookRequest } from './request/webhook-request';
import { endWriteSpan, spanEvent, startWriteSpan } from './webhook-span';

/** Where each route carries the event time, as a 400 names it. */
const TIMESTAMP_FIELD: Record<DialogCompletedEvent['source'], string> = {
  'dialog-complete': 'timestamp',
  'endpoint-output': 'AIOutput.data.timestamp',
};

/**
 * Map first (an unmappable event is refused with 422 before anything is stored), then store
 * durably (with tracing on, in a span whose trace context is stored with the event). Delivery
 * happens later, in the Crm module. With ROUTES_FILE the event is mapped once per target of its
 * source's route, and stored as one delivery per target in one write: accepted for all of them or,
 * if any mapping fails, for none.
 */
@Injectable()
export class WebhookIngestService {
  constructor(
    @Inject(webhookConfig.KEY) private readonly config: ConfigType<typeof webhookConfig>,
    @Inject(routingConfig.KEY) private readonly routing: ConfigType<typeof routingConfig>,
    private readonly mapper: IntentMapper,
    private readonly routes: RouteMapper,
    private readonly store: EventIntake,
    private readonly tracing: Tracing,
  ) {}

  async ingest(event: DialogCompletedEvent, req: WebhookRequest): Promise<WebhookReceipt> {
    const { receivedAt } = req;
    // The access line carries these ids, a refused event's too.
    const logged: WebhookLogIds = {
      eventId: event.eventId,
      conversationId: event.conversationId,
      intent: event.intent,
    };
    (req.res as WebhookResponse).locals.logged = logged;
    spanEvent(req, event);
    let eventTime: number;
    let upsert: CrmUpsert;
    let deliveries: RoutedUpsert[] | undefined;
    try {
      eventTime = this.checkedEventTime(event, receivedAt);
      deliveries = this.routing.fromFile ? this.routes.map(req.webhookSource.name, event) : undefined;
      upsert = deliveries ? deliveries[0].upsert : this.mapper.map(event);
      logged.externalId = upsert.externalId;
    } finally {
      if (req.log.isLevelEnabled('debug')) {
        req.log.debug({ context: WebhookIngestService.name, ...logged, entities: event.entities }, 'event entities');
      }
    }
    const write = startWriteSpan(this.tracing, req, event.eventId);
    let stored: EnqueueResult;
    try {
      stored = await this.store.enqueue({
        eventId: event.eventId,
        event,
        upsert,
        eventTime,
        receivedAt,
        requestId: req.id,
        bodyHash: createHash('sha256').update(req.rawBody).digest('hex'),
        ...(deliveries ? { source: req.webhookSource.name, deliveries } : {}),
        ...(write && { trace: this.tracing.headersOf(write) }),
      });
    } catch (error) {
      endWriteSpan(write, { failed: error });
      throw error;
    }
    endWriteSpan(write, { stored: stored.outcome });
    const { outcome, eventId } = stored;
    if (eventId !== event.eventId) Object.assign(logged, { eventId, replayEventId: event.eventId });
    return { status: outcome, eventId };
  }

  /**
   * One mistyped year (9999) would otherwise make every later event of its record stale for good,
   * so an event time too far ahead of its receipt is refused. An event older than the time a
   * record's newest delivered event time is kept (RECORD_STATE_TTL_SECONDS) is refused too: its
   * record may have forgotten a newer delivery, so it could roll the record back.
   */
  private checkedEventTime(event: DialogCompletedEvent, receivedAt: number): number {
    const eventTime = parseEventTime(event.timestamp);
    const { maxFutureSeconds, maxAgeSeconds } = this.config;
    const field = TIMESTAMP_FIELD[event.source];
    if (eventTime - receivedAt > maxFutureSeconds * 1000) {
      throw new InvalidPayloadError([
        `${field} must not be more than ${maxFutureSeconds} seconds ahead of the receipt time`,
      ]);
    }
    if (receivedAt - eventTime > maxAgeSeconds * 1000) {
      throw new InvalidPayloadError([
        `${field} must not be more than ${maxAgeSeconds} seconds (RECORD_STATE_TTL_SECONDS) before the receipt time`,
      ]);
    }
    return eventTime;
  }
}
