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

  async get(eventId: string): Promise<StoredEvent | null> {
    return this.reads.get(eventId);
  }

  async attemptsOf(eventId: string): Promise<AttemptRecord[]> {
    return this.statements.attemptsOf.all(eventId);
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

  async replayDead(eventId: string): Promise<boolean> {
    const replayed = this.statements.replay.run(Date.now(), eventId).changes === 1;
    if (replayed) this.enqueued.notify();
    return replayed;
  }

  async replayAllDead(filter: DeadLetterFilter = {}): Promise<number> {
    const replayed = this.statements.replayAll.run({ ...deadMatch(filter), now: Date.now() }).changes;
    if (replayed > 0) this.enqueued.notify();
    return replayed;
  }

  /**
   * Its id and its body are forgotten with it (the same id or bytes are a new event again): a
   * duplicate answer must name an event that exists.
   */
  async deleteDead(eventId: string): Promise<boolean> {
    return this.db.transaction(() => {
      if (this.statements.deleteDead.run(eventId).changes !== 1) return false;
      this.statements.forgetBodies.run(eventId);
      return true;
    })();
  }

  async countByState(): Promise<Record<EventState, number>> {
    return this.reads.countByState();
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
  intent: f.intent ?? null,
  objectType: f.objectType ?? null,
  lastStatus: f.lastStatus ?? null,
  failedAfter: f.failedAfter ?? null,
  failedBefore: f.failedBefore ?? null,
});
