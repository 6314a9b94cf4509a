import {
  AttemptRecord,
  DeadLetterFilter,
  EventPage,
  EventSearch,
  EventState,
  StoreActivity,
  StoredEvent,
} from './stored-event';

/** The operators' side of the store: find events, see their attempts, replay or delete dead letters. */
export abstract class OperatorEvents {
  abstract get(eventId: string): Promise<StoredEvent | null>;
  /** Every CRM request made for the event, oldest first. */
  abstract attemptsOf(eventId: string): Promise<AttemptRecord[]>;
  /** Newest first. */
  abstract search(filter: EventSearch, limit: number, cursor?: string): Promise<EventPage>;
  /** Oldest first. */
  abstract listDead(limit: number, cursor?: string, filter?: DeadLetterFilter): Promise<EventPage>;
  abstract countDead(filter: DeadLetterFilter): Promise<number>;
  /** Dead letter back to queued with attempts 0; false when it is not a dead letter. */
  abstract replayDead(eventId: string): Promise<boolean>;
  abstract replayAllDead(filter?: DeadLetterFilter): Promise<number>;
  abstract deleteDead(eventId: string): Promise<boolean>;
  abstract countByState(): Promise<Record<EventState, number>>;
  /** Per-minute activity over the `minutes` before `now`, and the oldest queued event. */
  abstract activity(minutes: number, now?: number): Promise<StoreActivity>;
}
