import { EnqueueSignal } from './enqueue-signal';
import { OperatorEvents } from './operator-events';
import { RedisConnections } from './redis-connections';
import { RedisEventQueries } from './redis-event-queries';
import {
  AttemptRecord,
  DeadLetterFilter,
  EventPage,
  EventSearch,
  EventState,
  StoreActivity,
  StoredEvent,
} from './stored-event';

/** The operators' side of the Redis store: reads through RedisEventQueries, replays and deletes by script. */
export class RedisOperatorEvents implements OperatorEvents {
  constructor(
    private readonly connections: RedisConnections,
    private readonly queries: RedisEventQueries,
    private readonly enqueued: EnqueueSignal,
  ) {}

  get(eventId: string): Promise<StoredEvent | null> {
    return this.queries.get(eventId);
  }

  attemptsOf(eventId: string): Promise<AttemptRecord[]> {
    return this.queries.attemptsOf(eventId);
  }

  search(filter: EventSearch, limit: number, cursor?: string): Promise<EventPage> {
    return this.queries.search(filter, limit, cursor);
  }

  listDead(limit: number, cursor?: string, filter: DeadLetterFilter = {}): Promise<EventPage> {
    const after = cursor && /^\d+$/.test(cursor) ? Number(cursor) : 0;
    return this.queries.listDead(limit, after, filter);
  }

  async countDead(filter: DeadLetterFilter): Promise<number> {
    return (await this.queries.deadIds(filter)).length;
  }

  /** Job first, as for a new event: a replayed event without a job would never be delivered. */
  async replayDead(eventId: string): Promise<boolean> {
    const { redis, prefix } = this.connections;
    if ((await redis.hget(`${prefix}:ev:${eventId}`, 'state')) !== 'dead') return false;
    await this.connections.addJob(eventId);
    const replayed = (await this.connections.runScript('replay', eventId, Date.now())) === 1;
    if (replayed) this.enqueued.notify();
    return replayed;
  }

  async replayAllDead(filter: DeadLetterFilter = {}): Promise<number> {
    let replayed = 0;
    for (const id of await this.queries.deadIds(filter)) {
      if (await this.replayDead(id)) replayed += 1;
    }
    return replayed;
  }

  async deleteDead(eventId: string): Promise<boolean> {
    return (await this.connections.runScript('delete_dead', eventId)) === 1;
  }

  countByState(): Promise<Record<EventState, number>> {
    return this.queries.countByState();
  }

  activity(minutes: number, now = Date.now()): Promise<StoreActivity> {
    return this.queries.activity(minutes, now);
  }
}
