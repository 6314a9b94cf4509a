import { AttemptRecord, AttemptResult, ClaimedEvent } from './stored-event';

/**
 * The delivery worker's side of the store, for the deliveries of one target (`target`; the port
 * itself is the target `default`'s, `forTarget` gives another's). `claimDue` hands out at most one
 * event per record at a time, always the oldest queued one of that record, so delivery keeps
 * event order per (target, record); each claim ends with exactly one of the mark/schedule/release
 * calls. Those name the event by its id: the target is this queue's. `made` lists the CRM requests
 * of the delivery: they join its attempt history.
 */
export abstract class DeliveryQueue {
  /** The target whose deliveries this queue hands out and records. */
  abstract readonly target: string;
  /** The same store, for the deliveries of `target` (one queue per target, made once). */
  abstract forTarget(target: string): DeliveryQueue;
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
  /** Calls `listener` after new or replayed events were committed (wakes the worker; any target). */
  abstract onEnqueued(listener: () => void): void;
}

/**
 * What `forTarget` answers in each driver: the `default` queue keeps the other targets' queues
 * (`made`), each made once (`make`), so every call for one target reaches the queue holding its
 * claims.
 */
export function targetQueue<Q extends DeliveryQueue>(
  first: Q,
  made: Map<string, Q>,
  target: string,
  make: (target: string) => Q,
): Q {
  if (target === first.target) return first;
  let queue = made.get(target);
  if (!queue) made.set(target, (queue = make(target)));
  return queue;
}
