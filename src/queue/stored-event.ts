import { CrmUpsert, DialogCompletedEvent } from '../shared/dialog-completed-event';

export type EventState = 'queued' | 'delivered' | 'dead' | 'stale';
export const EVENT_STATES: readonly EventState[] = ['queued', 'delivered', 'dead', 'stale'];

/** What the webhook hands over: the normalised event and the CRM request it maps to. */
export interface NewEvent {
  eventId: string;
  event: DialogCompletedEvent;
  upsert: CrmUpsert;
  /** Event time in epoch milliseconds (orders events of one record). */
  eventTime: number;
  /** Receipt time in epoch milliseconds. */
  receivedAt: number;
  requestId: string;
}

export interface StoredEvent extends NewEvent {
  state: EventState;
  attempts: number;
  /** How often an operator replayed it from the dead letters. */
  replays: number;
  nextAttemptAt: number;
  lastStatus: number | null;
  lastError: string | null;
  deliveredAt: number | null;
  failedAt: number | null;
}

/** A claimed event: held by this instance until it is marked. */
export interface ClaimedEvent extends StoredEvent {
  /** An event newer than this one was already delivered for the same record. */
  stale: boolean;
}

/** Whether `enqueue` stored the event or recognised its id from the dedup window. */
export type EnqueueResult = 'accepted' | 'duplicate';

/** What the store keeps of a delivery's last CRM answer. */
export interface AttemptResult {
  /** HTTP status of the last CRM answer, if any. */
  status: number | null;
  error: string | null;
}

export interface DeadLetterPage {
  items: StoredEvent[];
  nextCursor: string | null;
}
