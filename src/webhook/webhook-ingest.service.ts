import { Injectable } from '@nestjs/common';
import { IntentMapper } from '../mapping/intent-mapper';
import { EventStore } from '../queue/event-store';
import { DialogCompletedEvent } from '../shared/dialog-completed-event';
import { parseEventTime } from '../shared/event-time';

export type IngestOutcome = { status: 'accepted' | 'duplicate'; eventId: string };

/**
 * Map first (an unmappable event is refused with 422 before anything is stored), then store
 * durably. Delivery happens later, in the Crm module.
 */
@Injectable()
export class WebhookIngestService {
  constructor(
    private readonly mapper: IntentMapper,
    private readonly store: EventStore,
  ) {}

  async ingest(event: DialogCompletedEvent, receivedAt: number, requestId: string): Promise<IngestOutcome> {
    const upsert = this.mapper.map(event);
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
