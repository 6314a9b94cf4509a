import { CrmUpsert, DialogCompletedEvent, EventEntity } from '../../src/shared/dialog-completed-event';
import { NewEvent } from '../../src/queue/event-store';

/** A normalised event as the webhook module hands it to the mapping (SPEC §3.1 sample). */
export function dialogEvent(overrides: Partial<DialogCompletedEvent> = {}): DialogCompletedEvent {
  return {
    eventId: 'evt-1',
    source: 'dialog-complete',
    conversationId: 'conv-8f2c',
    botId: 'bot-support-eu',
    status: 'completed',
    intent: 'update_customer_profile',
    entities: {},
    timestamp: '2026-11-26T10:00:00Z',
    metadata: {},
    ...overrides,
  };
}

/** Entities from `{ name: value }` or `{ name: [value, confidence] }`. */
export function entities(spec: Record<string, string | [string, number]>): Record<string, EventEntity> {
  return Object.fromEntries(
    Object.entries(spec).map(([name, v]) =>
      Array.isArray(v) ? [name, { value: v[0], confidence: v[1] }] : [name, { value: v, confidence: 0.9 }],
    ),
  );
}

export interface NewEventOptions {
  eventId: string;
  /** The CRM record: defaults to contact/<externalId>. */
  externalId?: string;
  objectType?: string;
  intent?: string;
  eventTime?: number;
  receivedAt?: number;
}

/** A store input for an upsert of one record. */
export function newEvent(o: NewEventOptions): NewEvent {
  const externalId = o.externalId ?? 'C-1';
  const intent = o.intent ?? 'update_customer_profile';
  const eventTime = o.eventTime ?? Date.parse('2026-11-26T10:00:00Z');
  const upsert: CrmUpsert = {
    intent,
    objectType: o.objectType ?? 'contact',
    method: 'POST',
    path: '/api/v2/contacts/upsert',
    externalId,
    body: { external_id: externalId, last_interaction: new Date(eventTime).toISOString() },
  };
  return {
    eventId: o.eventId,
    event: dialogEvent({
      eventId: o.eventId,
      intent,
      timestamp: new Date(eventTime).toISOString(),
      entities: entities({ customerId: externalId }),
    }),
    upsert,
    eventTime,
    receivedAt: o.receivedAt ?? Date.now(),
    requestId: `req-${o.eventId}`,
  };
}
