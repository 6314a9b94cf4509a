import { OnApplicationShutdown } from '@nestjs/common';
import { QueueConfig } from '../config/queue.config';
import { DeliveryQueue } from './delivery-queue';
import { EventIntake } from './event-intake';
import { EventStoreDriver } from './event-store-driver';
import { OperatorEvents } from './operator-events';
import { SqliteThreadClient } from './sqlite-thread-client';
import { CommitOutcome, StoreHealth } from './store-health';
import {
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
  constructor(private readonly thread: SqliteThreadClient) {}

  claimDue(limit: number, now?: number): Promise<ClaimedEvent[]> {
    return this.thread.call({ op: 'claimDue', limit, now });
  }

  markDelivered(eventId: string, attempts: number, result: AttemptResult, made?: AttemptRecord[]): Promise<void> {
    return this.thread.call({ op: 'markDelivered', eventId, attempts, result, made });
  }

  scheduleRetry(
    eventId: string,
    attempts: number,
    at: number,
    result: AttemptResult,
    made?: AttemptRecord[],
  ): Promise<void> {
    return this.thread.call({ op: 'scheduleRetry', eventId, attempts, at, result, made });
  }

  release(eventId: string, at: number): Promise<void> {
    return this.thread.call({ op: 'release', eventId, at });
  }

  markDead(eventId: string, attempts: number, result: AttemptResult, made?: AttemptRecord[]): Promise<void> {
    return this.thread.call({ op: 'markDead', eventId, attempts, result, made });
  }

  markStale(eventId: string): Promise<void> {
    return this.thread.call({ op: 'markStale', eventId });
  }

  nextDueAt(): Promise<number | null> {
    return this.thread.call({ op: 'nextDueAt' });
  }

  /** Listeners stay on this side: the thread signals each commit that stored new events. */
  onEnqueued(listener: () => void): void {
    this.thread.enqueued.listen(listener);
  }
}

export class ThreadedOperatorEvents implements OperatorEvents {
  constructor(private readonly thread: SqliteThreadClient) {}

  get(eventId: string): Promise<StoredEvent | null> {
    return this.thread.call({ op: 'get', eventId });
  }

  attemptsOf(eventId: string): Promise<AttemptRecord[]> {
    return this.thread.call({ op: 'attemptsOf', eventId });
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

  replayDead(eventId: string): Promise<boolean> {
    return this.thread.call({ op: 'replayDead', eventId });
  }

  replayAllDead(filter?: DeadLetterFilter): Promise<number> {
    return this.thread.call({ op: 'replayAllDead', filter });
  }

  deleteDead(eventId: string): Promise<boolean> {
    return this.thread.call({ op: 'deleteDead', eventId });
  }

  countByState(): Promise<Record<EventState, number>> {
    return this.thread.call({ op: 'countByState' });
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

  oldestQueuedAt(): Promise<number | null> {
    return this.thread.call({ op: 'oldestQueuedAt' });
  }
}
