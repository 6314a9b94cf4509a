import {
  AttemptRecord,
  DeadLetterFilter,
  EventPage,
  EventSearch,
  EventState,
  StoreActivity,
  StoredEvent,
} from './stored-event';

/**
 * The operators' side of the store: find events, see their attempts, replay or delete dead letters.
 * Items are deliveries (an event routed to two targets is two of them); `target` narrows a call to
 * one of an event's deliveries, unset it means all of them (`get`: the first, in route order).
 */
export abstract class OperatorEvents {
  abstract get(eventId: string, target?: string): Promise<StoredEvent | null>;
  /** Every delivery of the event, in route order; empty when the event is unknown. */
  abstract deliveriesOf(eventId: string): Promise<StoredEvent[]>;
  /** Every CRM request made for the event (for one target's delivery), oldest first. */
  abstract attemptsOf(eventId: string, target?: string): Promise<AttemptRecord[]>;
  /** Newest first. */
  abstract search(filter: EventSearch, limit: number, cursor?: string): Promise<EventPage>;
  /** Oldest first. */
  abstract listDead(limit: number, cursor?: string, filter?: DeadLetterFilter): Promise<EventPage>;
  abstract countDead(filter: DeadLetterFilter): Promise<number>;
  /** Dead letter(s) back to queued with attempts 0; false when there is no such dead letter. */
  abstract replayDead(eventId: string, target?: string): Promise<boolean>;
  abstract replayAllDead(filter?: DeadLetterFilter): Promise<number>;
  abstract deleteDead(eventId: string, target?: string): Promise<boolean>;
  /** Deliveries by state (with one target: events by state). */
  abstract countByState(): Promise<Record<EventState, number>>;
  /** Deliveries by state, per target that has any stored. */
  abstract countByTarget(): Promise<Record<string, Record<EventState, number>>>;
  /** Per-minute activity over the `minutes` before `now`, and the oldest queued event. */
  abstract activity(minutes: number, now?: number): Promise<StoreActivity>;
}
