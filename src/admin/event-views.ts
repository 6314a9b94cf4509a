import { AttemptRecord, StoreActivity, StoredEvent } from '../queue/stored-event';

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
    attemptHistory: history.map((attempt) => ({ ...attempt, at: isoTime(attempt.at) })),
    upsert: event.upsert.body,
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
