import { AttemptRecord, AttemptResult, ClaimedEvent } from './stored-event';

/**
 * The delivery worker's side of the store. `claimDue` hands out at most one event per record at a
 * time, always the oldest queued one of that record, so delivery keeps event order; each claim
 * ends with exactly one of the mark/schedule/release calls. `made` lists the CRM requests of the
 * delivery: they join the event's attempt history.
 */
export abstract class DeliveryQueue {
  abstract claimDue(limit: number, now?: number): Promise<ClaimedEvent[]>;
  abstract markDelivered(
    eventId: string,
    attempts: number,
    result: AttemptResult,
    made?: AttemptRecord[],
  ): Promise<void>;
  abstract scheduleRetry(
    eventId: string,
    attempts: number,
    at: number,
    result: AttemptResult,
    made?: AttemptRecord[],
  ): Promise<void>;
  /** Gives an event back without using an attempt (e.g. the breaker is open). */
  abstract release(eventId: string, at: number): Promise<void>;
  abstract markDead(eventId: string, attempts: number, result: AttemptResult, made?: AttemptRecord[]): Promise<void>;
  abstract markStale(eventId: string): Promise<void>;
  /**
   * The earliest time claimDue can hand out a queued event, or null when none can be (nothing
   * queued, or every queued event is claimed or waits behind a claimed one of its record).
   */
  abstract nextDueAt(): Promise<number | null>;
  /** Calls `listener` after new or replayed events were committed (wakes the worker). */
  abstract onEnqueued(listener: () => void): void;
}
