import { OnApplicationShutdown } from '@nestjs/common';
import { QueueConfig } from '../config/queue.config';
import { DeliveryQueue, targetQueue } from './delivery-queue';
import { EventIntake } from './event-intake';
import { EventStoreDriver } from './event-store-driver';
import { OperatorEvents } from './operator-events';
import { SqliteThreadClient } from './sqlite-thread-client';
import { CommitOutcome, StoreHealth } from './store-health';
import {
  AttemptRecord,
  AttemptResult,
  ClaimedEvent,
  DEFAULT_TARGET,
  DeadLetterFilter,
  EnqueueResult,
  EventPage,
  EventSearch,
  EventState,
  NewEvent,
  StoreActivity,
  StoredEvent,
} from './stored-event';

/**
 * The SQLite driver as the application sees it: each port's call is a request to the SqliteEventStore
 * running in a worker thread (sqlite-store-thread.ts), served there by the store's part for the
 * same port (SqliteEventIntake, SqliteDeliveryQueue, SqliteOperatorEvents, SqliteStoreHealth). Its
 * synchronous statements and fsyncs never hold up the event loop that reads webhooks, and the
 * commit work runs on another core. The durability guarantee is the store's own: an enqueue
 * resolves after the thread's group commit is on disk.
 */
export class ThreadedSqliteStore implements EventStoreDriver, OnApplicationShutdown {
  readonly intake: ThreadedEventIntake;
  readonly delivery: ThreadedDeliveryQueue;
  readonly operators: ThreadedOperatorEvents;
  readonly health: ThreadedStoreHealth;

  private constructor(private readonly thread: SqliteThreadClient) {
    this.intake = new ThreadedEventIntake(thread);
    this.delivery = new ThreadedDeliveryQueue(thread);
    this.operators = new ThreadedOperatorEvents(thread);
    this.health = new ThreadedStoreHealth(thread);
  }

  /** Starts the thread and resolves once the store in it has opened its file. */
  static async start(config: QueueConfig): Promise<ThreadedSqliteStore> {
    return new ThreadedSqliteStore(await SqliteThreadClient.start(config));
  }

  /** Last shutdown phase: the store flushes and closes its file, then the thread ends. */
  onApplicationShutdown(): Promise<void> {
    return this.thread.close();
  }
}

export class ThreadedEventIntake implements EventIntake {
  constructor(private readonly thread: SqliteThreadClient) {}

  enqueue(event: NewEvent): Promise<EnqueueResult> {
    return this.thread.call({ op: 'enqueue', event });
  }
}

export class ThreadedDeliveryQueue implements DeliveryQueue {
  /** The other targets' queues, kept by the `default` one. */
  private readonly queues = new Map<string, ThreadedDeliveryQueue>();

  constructor(
    private readonly thread: SqliteThreadClient,
    readonly target = DEFAULT_TARGET,
    private readonly first?: ThreadedDeliveryQueue,
  ) {}

  forTarget(target: string): ThreadedDeliveryQueue {
    if (this.first) return this.first.forTarget(target);
    return targetQueue(this, this.queues, target, (t) => new ThreadedDeliveryQueue(this.thread, t, this));
  }

  claimDue(limit: number, now?: number): Promise<ClaimedEvent[]> {
    return this.thread.call({ op: 'claimDue', target: this.target, limit, now });
  }

  markDelivered(eventId: string, attempts: number, result: AttemptResult, made?: AttemptRecord[]): Promise<void> {
    return this.thread.call({ op: 'markDelivered', target: this.target, eventId, attempts, result, made });
  }

  scheduleRetry(
    eventId: string,
    attempts: number,
    at: number,
    result: AttemptResult,
    made?: AttemptRecord[],
  ): Promise<void> {
    return this.thread.call({ op: 'scheduleRetry', target: this.target, eventId, attempts, at, result, made });
  }

  release(eventId: string, at: number): Promise<void> {
    return this.thread.call({ op: 'release', target: this.target, eventId, at });
  }

  markDead(eventId: string, attempts: number, result: AttemptResult, made?: AttemptRecord[]): Promise<void> {
    return this.thread.call({ op: 'markDead', target: this.target, eventId, attempts, result, made });
  }

  markStale(eventId: string): Promise<void> {
    return this.thread.call({ op: 'markStale', target: this.target, eventId });
  }

  nextDueAt(): Promise<number | null> {
    return this.thread.call({ op: 'nextDueAt', target: this.target });
  }

  /** Listeners stay on this side: the thread signals each commit that stored new events. */
  onEnqueued(listener: () => void): void {
    this.thread.enqueued.listen(listener);
  }
}

export class ThreadedOperatorEvents implements OperatorEvents {
  constructor(private readonly thread: SqliteThreadClient) {}

  get(eventId: string, target?: string): Promise<StoredEvent | null> {
    return this.thread.call({ op: 'get', eventId, target });
  }

  deliveriesOf(eventId: string): Promise<StoredEvent[]> {
    return this.thread.call({ op: 'deliveriesOf', eventId });
  }

  attemptsOf(eventId: string, target?: string): Promise<AttemptRecord[]> {
    return this.thread.call({ op: 'attemptsOf', eventId, target });
  }

  search(filter: EventSearch, limit: number, cursor?: string): Promise<EventPage> {
    return this.thread.call({ op: 'search', filter, limit, cursor });
  }

  listDead(limit: number, cursor?: string, filter?: DeadLetterFilter): Promise<EventPage> {
    return this.thread.call({ op: 'listDead', limit, cursor, filter });
  }

  countDead(filter: DeadLetterFilter): Promise<number> {
    return this.thread.call({ op: 'countDead', filter });
  }

  replayDead(eventId: string, target?: string): Promise<boolean> {
    return this.thread.call({ op: 'replayDead', eventId, target });
  }

  replayAllDead(filter?: DeadLetterFilter): Promise<number> {
    return this.thread.call({ op: 'replayAllDead', filter });
  }

  deleteDead(eventId: string, target?: string): Promise<boolean> {
    return this.thread.call({ op: 'deleteDead', eventId, target });
  }

  countByState(): Promise<Record<EventState, number>> {
    return this.thread.call({ op: 'countByState' });
  }

  countByTarget(): Promise<Record<string, Record<EventState, number>>> {
    return this.thread.call({ op: 'countByTarget' });
  }

  activity(minutes: number, now?: number): Promise<StoreActivity> {
    return this.thread.call({ op: 'activity', minutes, now });
  }
}

export class ThreadedStoreHealth implements StoreHealth {
  constructor(private readonly thread: SqliteThreadClient) {}

  checkWritable(): Promise<void> {
    return this.thread.call({ op: 'checkWritable' });
  }

  latestCommit(): Promise<CommitOutcome | null> {
    return this.thread.call({ op: 'latestCommit' });
  }

  countByState(): Promise<Record<EventState, number>> {
    return this.thread.call({ op: 'countByState' });
  }

  countByTarget(): Promise<Record<string, Record<EventState, number>>> {
    return this.thread.call({ op: 'countByTarget' });
  }

  oldestQueuedAt(): Promise<number | null> {
    return this.thread.call({ op: 'oldestQueuedAt' });
  }
}
