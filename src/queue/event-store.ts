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

export type EnqueueOutcome = 'accepted' | 'duplicate';

export interface Outcome {
  /** HTTP status of the last CRM answer, if any. */
  status: number | null;
  error: string | null;
}

export interface DeadLetterPage {
  items: StoredEvent[];
  nextCursor: string | null;
}

/**
 * The durable event store. `enqueue` resolves only once the event is durably committed, and
 * recognises an event id seen within the dedup window. `claimDue` hands out at most one event per
 * record at a time, always the oldest queued one of that record, so delivery keeps event order.
 */
export abstract class EventStore {
  private readonly enqueueListeners: Array<() => void> = [];

  /** Called after new events were committed (wakes the delivery worker). */
  onEnqueued(listener: () => void): void {
    this.enqueueListeners.push(listener);
  }

  protected notifyEnqueued(): void {
    for (const listener of this.enqueueListeners) listener();
  }

  abstract enqueue(event: NewEvent): Promise<EnqueueOutcome>;
  abstract claimDue(limit: number, now?: number): Promise<ClaimedEvent[]>;
  abstract markDelivered(eventId: string, attempts: number, outcome: Outcome): Promise<void>;
  abstract scheduleRetry(eventId: string, attempts: number, at: number, outcome: Outcome): Promise<void>;
  /** Gives an event back without using an attempt (e.g. the breaker is open). */
  abstract release(eventId: string, at: number): Promise<void>;
  abstract markDead(eventId: string, attempts: number, outcome: Outcome): Promise<void>;
  abstract markStale(eventId: string): Promise<void>;
  abstract get(eventId: string): Promise<StoredEvent | null>;
  abstract countByState(): Promise<Record<EventState, number>>;
  abstract listDead(limit: number, cursor?: string): Promise<DeadLetterPage>;
  /** Dead letter back to queued with attempts 0; false when it is not a dead letter. */
  abstract replayDead(eventId: string): Promise<boolean>;
  abstract replayAllDead(intent?: string): Promise<number>;
  abstract deleteDead(eventId: string): Promise<boolean>;
  /** Throws when the store cannot currently be written. */
  abstract checkWritable(): Promise<void>;
  /**
   * The earliest time claimDue can hand out a queued event, or null when none can be (nothing
   * queued, or every queued event is claimed or waits behind a claimed one of its record).
   */
  abstract nextDueAt(): Promise<number | null>;
}
