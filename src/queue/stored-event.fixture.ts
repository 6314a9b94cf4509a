import { setTimeout } from 'node:timers/promises';
import { CrmUpsert } from '../shared/dialog-completed-event';
import { dialogEvent, entities } from '../shared/dialog-completed-event.fixture';
import { DeliveryQueue } from './delivery-queue';
import { ClaimedEvent, NewEvent } from './stored-event';

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

/** newEvent received a minute ago: due at once (for any `now` from T0 on). */
export const dueEvent = (o: Partial<NewEventOptions> & { eventId: string }) =>
  newEvent({ receivedAt: Date.now() - 60_000, ...o });

export const eventIds = (events: { eventId: string }[]) => events.map((e) => e.eventId);

/** Claims until `count` events were handed out or `timeoutMs` passed; returns all it got. */
export async function claimWithin(store: DeliveryQueue, count: number, timeoutMs = 3000): Promise<ClaimedEvent[]> {
  const claimed: ClaimedEvent[] = [];
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    claimed.push(...(await store.claimDue(10)));
    if (claimed.length >= count || Date.now() >= deadline) return claimed;
    await setTimeout(50);
  }
}

/** `event` as a store hands it out on its first claim. */
export const firstClaimOf = (event: NewEvent): ClaimedEvent => ({
  ...event,
  ...{ state: 'queued', attempts: 0, replays: 0, nextAttemptAt: event.receivedAt, stale: false },
  ...{ lastStatus: null, lastError: null, crmRecordId: null, created: null, deliveredAt: null, failedAt: null },
});
