import { AttemptRecord, eventStateOf, sourceOf, StoreActivity, StoredEvent, targetOf } from '../queue/stored-event';

const isoTime = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** What every view of an event shows: its record and the state of its delivery. */
const deliveryFields = (event: StoredEvent) => ({
  eventId: event.eventId,
  intent: event.upsert.intent,
  objectType: event.upsert.objectType,
  externalId: event.upsert.externalId,
  attempts: event.attempts,
  lastStatus: event.lastStatus,
  lastError: event.lastError,
});

const historyView = (history: AttemptRecord[]) => history.map((attempt) => ({ ...attempt, at: isoTime(attempt.at) }));

export function deadLetterView(event: StoredEvent) {
  return { ...deliveryFields(event), failedAt: isoTime(event.failedAt) };
}

/** An event as the operators' list and search show it. */
export function eventView(event: StoredEvent) {
  return {
    ...deliveryFields(event),
    state: event.state,
    receivedAt: isoTime(event.receivedAt),
    deliveredAt: isoTime(event.deliveredAt),
  };
}

/**
 * One event in full: the list view, its conversation, every CRM request made for it (kept across
 * replays, while `attempts` counts those since the last replay) and the body it is sent with.
 */
export function eventDetailView(event: StoredEvent, history: AttemptRecord[]) {
  return {
    ...eventView(event),
    conversationId: event.event.conversationId,
    crmRecordId: event.crmRecordId,
    created: event.created,
    attemptHistory: historyView(history),
    upsert: event.upsert.body,
  };
}

/** With routing: the source an event arrived on and the target of this delivery. */
export const routeView = (delivery: StoredEvent) => ({ source: sourceOf(delivery), target: targetOf(delivery) });

/** One delivery in an event's view: its target, its state, every CRM request and its body. */
export function deliveryView(delivery: StoredEvent, history: AttemptRecord[]) {
  return {
    target: targetOf(delivery),
    state: delivery.state,
    objectType: delivery.upsert.objectType,
    externalId: delivery.upsert.externalId,
    attempts: delivery.attempts,
    lastStatus: delivery.lastStatus,
    lastError: delivery.lastError,
    deliveredAt: isoTime(delivery.deliveredAt),
    failedAt: isoTime(delivery.failedAt),
    crmRecordId: delivery.crmRecordId,
    created: delivery.created,
    attemptHistory: historyView(history),
    upsert: delivery.upsert.body,
  };
}

/**
 * With routing, an event with all its deliveries (route order): its state derived from theirs,
 * the first delivery's fields at the top as without routing, and each delivery in `deliveries`.
 */
export function routedEventView(deliveries: StoredEvent[], histories: AttemptRecord[][]) {
  const [first] = deliveries;
  return {
    ...eventDetailView(first, histories[0]),
    state: eventStateOf(deliveries),
    source: sourceOf(first),
    deliveries: deliveries.map((delivery, i) => deliveryView(delivery, histories[i])),
  };
}

export function activityView(activity: StoreActivity, now: number) {
  return {
    perMinute: activity.perMinute.map((m) => ({
      minute: isoTime(m.minute),
      delivered: m.delivered,
      deadLettered: m.deadLettered,
    })),
    oldestQueuedAgeSeconds:
      activity.oldestQueuedAt === null ? null : Math.max(0, Math.floor((now - activity.oldestQueuedAt) / 1000)),
  };
}
