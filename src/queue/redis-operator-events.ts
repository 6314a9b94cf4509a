import { EnqueueSignal } from './enqueue-signal';
import { OperatorEvents } from './operator-events';
import { deliveryRef, parseRef, RedisConnections } from './redis-connections';
import { RedisEventQueries } from './redis-event-queries';
import {
  AttemptRecord,
  DeadLetterFilter,
  EventPage,
  EventSearch,
  EventState,
  StoreActivity,
  StoredEvent,
  targetOf,
} from './stored-event';

/** The operators' side of the Redis store: reads through RedisEventQueries, replays and deletes by script. */
export class RedisOperatorEvents implements OperatorEvents {
  constructor(
    private readonly connections: RedisConnections,
    private readonly queries: RedisEventQueries,
    private readonly enqueued: EnqueueSignal,
  ) {}

  get(eventId: string, target?: string): Promise<StoredEvent | null> {
    return this.queries.get(eventId, target);
  }

  deliveriesOf(eventId: string): Promise<StoredEvent[]> {
    return this.queries.deliveriesOf(eventId);
  }

  attemptsOf(eventId: string, target?: string): Promise<AttemptRecord[]> {
    return this.queries.attemptsOf(eventId, target);
  }

  search(filter: EventSearch, limit: number, cursor?: string): Promise<EventPage> {
    return this.queries.search(filter, limit, cursor);
  }

  listDead(limit: number, cursor?: string, filter: DeadLetterFilter = {}): Promise<EventPage> {
    const after = cursor && /^\d+$/.test(cursor) ? Number(cursor) : 0;
    return this.queries.listDead(limit, after, filter);
  }

  async countDead(filter: DeadLetterFilter): Promise<number> {
    return (await this.queries.deadRefs(filter)).length;
  }

  async replayDead(eventId: string, target?: string): Promise<boolean> {
    let replayed = false;
    for (const t of await this.deadTargets(eventId, target)) {
      if (await this.replayDelivery(eventId, t)) replayed = true;
    }
    return replayed;
  }

  /** Job first, as for a new event: a replayed delivery without a job would never be made. */
  private async replayDelivery(eventId: string, target: string): Promise<boolean> {
    await this.connections.addJob(eventId, target);
    const replayed = (await this.connections.runScript('replay', deliveryRef(eventId, target), Date.now())) === 1;
    if (replayed) this.enqueued.notify();
    return replayed;
  }

  /** The targets of the event's dead deliveries (of `target`'s alone, when given). */
  private async deadTargets(eventId: string, target?: string): Promise<string[]> {
    const deliveries = await this.queries.deliveriesOf(eventId);
    const dead = deliveries.filter((d) => d.state === 'dead').map(targetOf);
    return target === undefined ? dead : dead.filter((t) => t === target);
  }

  async replayAllDead(filter: DeadLetterFilter = {}): Promise<number> {
    let replayed = 0;
    for (const ref of await this.queries.deadRefs(filter)) {
      const { eventId, target } = parseRef(ref);
      if (await this.replayDelivery(eventId, target)) replayed += 1;
    }
    return replayed;
  }

  async deleteDead(eventId: string, target?: string): Promise<boolean> {
    let deleted = false;
    for (const t of await this.deadTargets(eventId, target)) {
      if ((await this.connections.runScript('delete_dead', deliveryRef(eventId, t))) === 1) deleted = true;
    }
    return deleted;
  }

  countByState(): Promise<Record<EventState, number>> {
    return this.queries.countByState();
  }

  countByTarget(): Promise<Record<string, Record<EventState, number>>> {
    return this.queries.countByTarget();
  }

  activity(minutes: number, now = Date.now()): Promise<StoreActivity> {
    return this.queries.activity(minutes, now);
  }
}
