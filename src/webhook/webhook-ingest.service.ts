import { Injectable } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import { IntentMapper } from '../mapping/intent-mapper';
import { EventIntake } from '../queue/event-intake';
import { EnqueueResult } from '../queue/stored-event';
import { DialogCompletedEvent } from '../shared/dialog-completed-event';
import { parseEventTime } from '../shared/event-time';

/** What the caller is told about an ingested event (the body of the webhook's answer). */
export type IngestReceipt = { status: EnqueueResult; eventId: string };

/**
 * Map first (an unmappable event is refused with 422 before anything is stored), then store
 * durably. Delivery happens later, in the Crm module.
 */
@Injectable()
export class WebhookIngestService {
  constructor(
    private readonly mapper: IntentMapper,
    private readonly store: EventIntake,
    private readonly logger: PinoLogger,
  ) {
    logger.setContext(WebhookIngestService.name);
  }

  async ingest(event: DialogCompletedEvent, receivedAt: number, requestId: string): Promise<IngestReceipt> {
    // Every later line of this request's log (the access line included) carries these ids.
    this.logger.assign({ eventId: event.eventId, conversationId: event.conversationId, intent: event.intent });
    this.logger.debug({ entities: event.entities }, 'event entities');
    const upsert = this.mapper.map(event);
    this.logger.assign({ externalId: upsert.externalId });
    const status = await this.store.enqueue({
      eventId: event.eventId,
      event,
      upsert,
      eventTime: parseEventTime(event.timestamp),
      receivedAt,
      requestId,
    });
    return { status, eventId: event.eventId };
  }
}
