import type { LogLevel } from '@nestjs/common';
import type { CommitOutcome } from './store-health';
import type {
  AttemptRecord,
  AttemptResult,
  ClaimedEvent,
  DeadLetterFilter,
  EnqueueResult,
  EventPage,
  EventSearch,
  EventState,
  NewEvent,
  StoreActivity,
  StoredEvent,
} from './stored-event';

/** Names one target's delivery queue (DeliveryQueue.forTarget). */
interface OfTarget {
  target: string;
}

/** A claimed event's outcome, as the delivery worker reports it. */
interface Outcome extends OfTarget {
  eventId: string;
  attempts: number;
  result: AttemptResult;
  made?: AttemptRecord[];
}

/**
 * Every call the store thread answers, by operation: what the request carries and what the answer
 * holds. One operation per port method (the port that serves it in the comments), plus `close`.
 */
interface StoreCalls {
  // EventIntake
  enqueue: { carries: { event: NewEvent }; answer: EnqueueResult };
  // DeliveryQueue
  claimDue: { carries: OfTarget & { limit: number; now?: number }; answer: ClaimedEvent[] };
  markDelivered: { carries: Outcome; answer: void };
  scheduleRetry: { carries: Outcome & { at: number }; answer: void };
  release: { carries: OfTarget & { eventId: string; at: number }; answer: void };
  markDead: { carries: Outcome; answer: void };
  markStale: { carries: OfTarget & { eventId: string }; answer: void };
  nextDueAt: { carries: OfTarget; answer: number | null };
  // OperatorEvents
  get: { carries: { eventId: string; target?: string }; answer: StoredEvent | null };
  deliveriesOf: { carries: { eventId: string }; answer: StoredEvent[] };
  attemptsOf: { carries: { eventId: string; target?: string }; answer: AttemptRecord[] };
  search: { carries: { filter: EventSearch; limit: number; cursor?: string }; answer: EventPage };
  listDead: { carries: { limit: number; cursor?: string; filter?: DeadLetterFilter }; answer: EventPage };
  countDead: { carries: { filter: DeadLetterFilter }; answer: number };
  replayDead: { carries: { eventId: string; target?: string }; answer: boolean };
  replayAllDead: { carries: { filter?: DeadLetterFilter }; answer: number };
  deleteDead: { carries: { eventId: string; target?: string }; answer: boolean };
  activity: { carries: { minutes: number; now?: number }; answer: StoreActivity };
  // StoreHealth (countByState: OperatorEvents too)
  countByState: { carries: object; answer: Record<EventState, number> };
  countByTarget: { carries: object; answer: Record<string, Record<EventState, number>> };
  checkWritable: { carries: object; answer: void };
  latestCommit: { carries: object; answer: CommitOutcome | null };
  oldestQueuedAt: { carries: object; answer: number | null };
  // The last call: the store commits what waits and closes its file.
  close: { carries: object; answer: void };
}

export type StoreOperation = keyof StoreCalls;

/** A request to the store thread: a discriminated union on `op`, one member per operation. */
export type StoreRequest<Op extends StoreOperation = StoreOperation> = {
  [K in Op]: { op: K } & StoreCalls[K]['carries'];
}[Op];

/** What the store thread answers to a request of operation `Op`. */
export type StoreAnswer<Op extends StoreOperation> = StoreCalls[Op]['answer'];

/** The store thread's handler of every operation, each checked against its request and answer. */
export type StoreHandlers = {
  [K in StoreOperation]: (request: StoreRequest<K>) => Promise<StoreAnswer<K>>;
};

/** A request on its way: `id` pairs it with its reply. Each message is the array of one event-loop turn. */
export type ThreadCall = StoreRequest & { id: number };

export interface ThreadLog {
  kind: 'log';
  level: LogLevel;
  message: string;
  context?: string;
}

/** What the store thread sends back: a call's value or error, log lines, and commit signals. */
export type ThreadReply =
  | { kind: 'ready' }
  | { kind: 'failed'; message: string }
  | { kind: 'enqueued' }
  | { kind: 'result'; id: number; value: unknown }
  | { kind: 'error'; id: number; code?: string; message: string; causeMessage?: string }
  | ThreadLog;
