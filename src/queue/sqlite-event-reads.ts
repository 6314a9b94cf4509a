import type { Database } from 'better-sqlite3';
import { EventRow, EventReadStatements, eventReadStatements } from './sqlite-statements';
import { EVENT_STATES, EventPage, EventState, routeOf, StoredEvent } from './stored-event';
import { fromPayload } from './stored-payload';

/** Every state at 0: what a count starts from. */
export const noEvents = () => Object.fromEntries(EVENT_STATES.map((s) => [s, 0])) as Record<EventState, number>;

export const MINUTE_MS = 60_000;
export const minuteOf = (ms: number) => ms - (ms % MINUTE_MS);

/** The reads of the SQLite store that more than one port answers (operators, health, delivery). */
export class SqliteEventReads {
  private readonly statements: EventReadStatements;

  constructor(db: Database) {
    this.statements = eventReadStatements(db);
  }

  /** The event's delivery to `target`; without one, its first delivery (route order). */
  row(eventId: string, target?: string): EventRow | undefined {
    return target === undefined
      ? this.statements.deliveries.get(eventId)
      : this.statements.delivery.get(eventId, target);
  }

  get(eventId: string, target?: string): StoredEvent | null {
    const row = this.row(eventId, target);
    return row ? toStored(row) : null;
  }

  deliveriesOf(eventId: string): StoredEvent[] {
    return this.statements.deliveries.all(eventId).map(toStored);
  }

  countByState(): Record<EventState, number> {
    const counts = noEvents();
    for (const { state, n } of this.statements.counts.all()) counts[state] += n;
    return counts;
  }

  countByTarget(): Record<string, Record<EventState, number>> {
    const counts: Record<string, Record<EventState, number>> = {};
    for (const { target, state, n } of this.statements.counts.all()) (counts[target] ??= noEvents())[state] = n;
    return counts;
  }

  oldestQueuedAt(): number | null {
    return this.statements.oldestQueued.get()?.at ?? null;
  }
}

/** `limit + 1` rows in: the page and whether another follows (cursor: the last row's seq). */
export function page(rows: EventRow[], limit: number): EventPage {
  const items = rows.slice(0, limit);
  const nextCursor = rows.length > limit ? String(items[items.length - 1].seq) : null;
  return { items: items.map(toStored), nextCursor };
}

export function toStored(row: EventRow): StoredEvent {
  return {
    eventId: row.event_id,
    ...routeOf(row.target, row.source),
    ...fromPayload(row.payload),
    eventTime: row.event_time,
    receivedAt: row.received_at,
    requestId: row.request_id,
    state: row.state,
    attempts: row.attempts,
    replays: row.replays,
    nextAttemptAt: row.next_attempt_at,
    lastStatus: row.last_status,
    lastError: row.last_error,
    crmRecordId: row.crm_record_id,
    created: row.created === null ? null : row.created === 1,
    deliveredAt: row.delivered_at,
    failedAt: row.failed_at,
  };
}
