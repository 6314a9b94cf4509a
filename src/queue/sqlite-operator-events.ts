import type { Database } from 'better-sqlite3';
import { EnqueueSignal } from './enqueue-signal';
import { OperatorEvents } from './operator-events';
import { MINUTE_MS, minuteOf, page, SqliteEventReads } from './sqlite-event-reads';
import { sqliteSearch } from './sqlite-search';
import { DeadMatchParams, EventRow, OperatorStatements, operatorStatements } from './sqlite-statements';
import {
  AttemptRecord,
  DeadLetterFilter,
  EventPage,
  EventSearch,
  EventState,
  StoreActivity,
  StoredEvent,
} from './stored-event';

/** The operators' side of the SQLite store: search, attempt history, dead letters, activity. */
export class SqliteOperatorEvents implements OperatorEvents {
  private readonly statements: OperatorStatements;

  constructor(
    private readonly db: Database,
    private readonly enqueued: EnqueueSignal,
    private readonly reads: SqliteEventReads,
  ) {
    this.statements = operatorStatements(db);
  }

  async get(eventId: string, target?: string): Promise<StoredEvent | null> {
    return this.reads.get(eventId, target);
  }

  async deliveriesOf(eventId: string): Promise<StoredEvent[]> {
    return this.reads.deliveriesOf(eventId);
  }

  async attemptsOf(eventId: string, target?: string): Promise<AttemptRecord[]> {
    if (target === undefined) return this.statements.attemptsOf.all(eventId);
    return this.statements.attemptsOfTarget.all(eventId, target);
  }

  async search(filter: EventSearch, limit: number, cursor?: string): Promise<EventPage> {
    const before = cursor && /^\d+$/.test(cursor) ? Number(cursor) : Number.MAX_SAFE_INTEGER;
    const rows = sqliteSearch(this.db, filter).all({ ...filter, before, limit: limit + 1 }) as EventRow[];
    return page(rows, limit);
  }

  async listDead(limit: number, cursor?: string, filter: DeadLetterFilter = {}): Promise<EventPage> {
    const after = cursor && /^\d+$/.test(cursor) ? Number(cursor) : 0;
    return page(this.statements.deadPage.all({ ...deadMatch(filter), after, limit: limit + 1 }), limit);
  }

  async countDead(filter: DeadLetterFilter): Promise<number> {
    return this.statements.deadCount.get(deadMatch(filter))?.n ?? 0;
  }

  async replayDead(eventId: string, target?: string): Promise<boolean> {
    const replayed = this.statements.replay.run({ now: Date.now(), eventId, target: target ?? null }).changes > 0;
    if (replayed) this.enqueued.notify();
    return replayed;
  }

  async replayAllDead(filter: DeadLetterFilter = {}): Promise<number> {
    const replayed = this.statements.replayAll.run({ ...deadMatch(filter), now: Date.now() }).changes;
    if (replayed > 0) this.enqueued.notify();
    return replayed;
  }

  /**
   * An event whose last delivery goes forgets its id and its body with it (the same id or bytes
   * are a new event again): a duplicate answer must name an event that exists.
   */
  async deleteDead(eventId: string, target?: string): Promise<boolean> {
    return this.db.transaction(() => {
      if (this.statements.deleteDead.run({ eventId, target: target ?? null }).changes === 0) return false;
      this.statements.forgetBodies.run(eventId, eventId);
      return true;
    })();
  }

  async countByState(): Promise<Record<EventState, number>> {
    return this.reads.countByState();
  }

  async countByTarget(): Promise<Record<string, Record<EventState, number>>> {
    return this.reads.countByTarget();
  }

  async activity(minutes: number, now = Date.now()): Promise<StoreActivity> {
    const first = minuteOf(now) - (minutes - 1) * MINUTE_MS;
    this.statements.dropMinutes.run(first - MINUTE_MS * minutes);
    const counted = new Map(this.statements.minutes.all(first).map((row) => [row.minute, row]));
    const perMinute = Array.from({ length: minutes }, (_, i) => {
      const minute = first + i * MINUTE_MS;
      const row = counted.get(minute);
      return { minute, delivered: row?.delivered ?? 0, deadLettered: row?.deadLettered ?? 0 };
    });
    return { perMinute, oldestQueuedAt: this.reads.oldestQueuedAt() };
  }
}

const deadMatch = (f: DeadLetterFilter): DeadMatchParams => ({
  target: f.target ?? null,
  source: f.source ?? null,
  intent: f.intent ?? null,
  objectType: f.objectType ?? null,
  lastStatus: f.lastStatus ?? null,
  failedAfter: f.failedAfter ?? null,
  failedBefore: f.failedBefore ?? null,
});
