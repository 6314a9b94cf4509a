import type { LoggerService, OnApplicationShutdown } from '@nestjs/common';
import Database, { Database as Db } from 'better-sqlite3';
import { join } from 'node:path';
import { ensureDataDir } from '../config/data-dir';
import type { QueueConfig } from '../config/queue.config';
import { StoreUnavailableError } from './queue-errors';
import { DeliveryQueue } from './delivery-queue';
import { EnqueueSignal } from './enqueue-signal';
import { EventIntake } from './event-intake';
import { OperatorEvents } from './operator-events';
import { CommitOutcome, StoreHealth } from './store-health';
import { sqliteSearch } from './sqlite-search';
import {
  AttemptRecord,
  AttemptResult,
  ClaimedEvent,
  DeadLetterFilter,
  EnqueueResult,
  EventPage,
  EventSearch,
  EventState,
  EVENT_STATES,
  NewEvent,
  StoreActivity,
  StoredEvent,
} from './stored-event';
import { ADDED_COLUMNS, MIGRATE_CONVERSATION_ID, READY_LIST, SCHEMA, SEARCH_INDEXES } from './sqlite-schema';

interface Row {
  seq: number;
  event_id: string;
  intent: string;
  object_type: string;
  external_id: string;
  event_time: number;
  received_at: number;
  request_id: string;
  payload: string;
  state: EventState;
  attempts: number;
  replays: number;
  next_attempt_at: number;
  last_status: number | null;
  last_error: string | null;
  delivered_at: number | null;
  crm_record_id: string | null;
  created: number | null;
  failed_at: number | null;
  record_last_time?: number | null;
}

/** A write waiting for the next group commit. */
interface Pending {
  run: () => unknown;
  resolve: (result: unknown) => void;
  reject: (error: unknown) => void;
}

const PURGE_INTERVAL_MS = 60_000;

/** A write of a group commit that failed alone (its savepoint was rolled back). */
class FailedWrite {
  constructor(readonly cause: unknown) {}
}

/**
 * The embedded default store: one SQLite file in WAL mode under DATA_DIR. Enqueues arriving in
 * the same event-loop turn share one transaction (group commit), so one fsync acknowledges many
 * webhooks. Claims are held in memory: a single process owns the file, and a restart releases them.
 *
 * It runs in the store thread (sqlite-store-thread.ts), which loads only this file's imports: no
 * Nest at run time (types only), so the thread's V8 instance stays small. Its log lines go to
 * `logger`: the main thread's logger, through the thread's messages.
 */
export class SqliteEventStore
  implements EventIntake, DeliveryQueue, OperatorEvents, StoreHealth, OnApplicationShutdown
{
  private readonly enqueued = new EnqueueSignal();
  private readonly db: Db;
  private readonly statements: ReturnType<SqliteEventStore['prepare']>;
  private pending: Pending[] = [];
  private flushScheduled = false;
  /** Whether the commit being flushed accepted a new event (wakes the worker once). */
  private acceptedInBatch = false;
  /** Claimed event id → its record (object type, external id), so releasing a claim needs no read. */
  private readonly claimedEvents = new Map<string, [string, string]>();
  private readonly dedupTtlMs: number;
  private readonly purgeTimer: NodeJS.Timeout;
  private latest: CommitOutcome | null = null;
  /** The first write that failed in the commit being flushed (SQLite may then abort the commit). */
  private failedWrite: Error | null = null;

  constructor(
    config: QueueConfig,
    private readonly logger: LoggerService,
  ) {
    ensureDataDir(config.dataDir);
    const file = join(config.dataDir, 'events.sqlite');
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma(`synchronous = ${config.sqliteSynchronous === 'full' ? 'FULL' : 'NORMAL'}`);
    // better-sqlite3 waits synchronously: a long wait would freeze every request, so fail fast (503).
    this.db.pragma('busy_timeout = 100');
    this.db.exec(SCHEMA);
    this.migrate();
    this.db.pragma('temp_store = MEMORY');
    this.db.exec(READY_LIST);
    this.dedupTtlMs = config.dedupTtlSeconds * 1000;
    this.statements = this.prepare();
    // Like the Redis store: a delivered or stale event is kept for the dedup window, then dropped,
    // so the file does not grow without bound. Queued and dead events stay until acted on.
    this.purgeTimer = setInterval(() => this.purge(), PURGE_INTERVAL_MS);
    this.purgeTimer.unref();
    this.logger.log(`Event store: SQLite at ${file} (synchronous=${config.sqliteSynchronous})`);
  }

  private migrate(): void {
    const columns = this.db.pragma('table_info(events)') as { name: string }[];
    if (!columns.some((c) => c.name === 'conversation_id'))
      this.db.transaction(() => this.db.exec(MIGRATE_CONVERSATION_ID))();
    const present = new Set(columns.map((c) => c.name));
    for (const [name, type] of ADDED_COLUMNS) {
      if (!present.has(name)) this.db.exec(`ALTER TABLE events ADD COLUMN ${name} ${type}`);
    }
    this.db.exec(SEARCH_INDEXES);
  }

  private prepare() {
    const db = this.db;
    return {
      expire: db.prepare(
        // Pending and dead events keep their id past the dedup window: only an operator ends them.
        `DELETE FROM events WHERE event_id = ? AND dedup_until <= ? AND state IN ('delivered', 'stale')`,
      ),
      insert: db.prepare(
        `INSERT OR IGNORE INTO events (event_id, intent, object_type, external_id, conversation_id,
           event_time, received_at, request_id, payload, next_attempt_at, dedup_until)
         VALUES (@eventId, @intent, @objectType, @externalId, @conversationId, @eventTime, @receivedAt,
           @requestId, @payload, @receivedAt, @dedupUntil)`,
      ),
      // Only heads of records not in flight are in the ready list: each row read is handed out.
      due: db.prepare(
        `SELECT e.*, r.last_event_time AS record_last_time
         FROM ready h
         JOIN events e ON e.seq = h.seq
         LEFT JOIN records r ON r.object_type = h.object_type AND r.external_id = h.external_id
         WHERE h.next_attempt_at <= ?
         ORDER BY h.next_attempt_at, h.seq LIMIT ?`,
      ),
      hold: db.prepare(`INSERT INTO claimed (object_type, external_id) VALUES (?, ?)`),
      unready: db.prepare(`DELETE FROM ready WHERE object_type = ? AND external_id = ?`),
      letGo: db.prepare(`DELETE FROM claimed WHERE object_type = ? AND external_id = ?`),
      nextHead: db.prepare(
        `INSERT INTO ready (object_type, external_id, seq, next_attempt_at)
         SELECT object_type, external_id, seq, next_attempt_at FROM events
         WHERE object_type = ? AND external_id = ? AND state = 'queued'
         ORDER BY event_time, seq LIMIT 1`,
      ),
      delivered: db.prepare(
        `UPDATE events SET state = 'delivered', attempts = @attempts, last_status = @status,
           last_error = @error, crm_record_id = @crmRecordId, created = @created, delivered_at = @now
         WHERE event_id = @eventId`,
      ),
      record: db.prepare(
        `INSERT INTO records (object_type, external_id, last_event_time) VALUES (?, ?, ?)
         ON CONFLICT (object_type, external_id)
         DO UPDATE SET last_event_time = max(last_event_time, excluded.last_event_time)`,
      ),
      retry: db.prepare(
        `UPDATE events SET attempts = @attempts, next_attempt_at = @at, last_status = @status,
           last_error = @error WHERE event_id = @eventId`,
      ),
      release: db.prepare(`UPDATE events SET next_attempt_at = ? WHERE event_id = ?`),
      dead: db.prepare(
        `UPDATE events SET state = 'dead', attempts = @attempts, last_status = @status,
           last_error = @error, failed_at = @now WHERE event_id = @eventId`,
      ),
      stale: db.prepare(`UPDATE events SET state = 'stale' WHERE event_id = ?`),
      attempt: db.prepare(
        `INSERT INTO attempts (event_id, at, status, error, duration_ms) VALUES (@eventId, @at, @status, @error, @durationMs)`,
      ),
      attemptsOf: db.prepare(
        `SELECT at, status, error, duration_ms AS durationMs FROM attempts WHERE event_id = ? ORDER BY rowid`,
      ),
      countMinute: db.prepare(
        `INSERT INTO minute_activity (minute, delivered, dead_lettered) VALUES (@minute, @delivered, @dead)
         ON CONFLICT (minute) DO UPDATE SET delivered = delivered + excluded.delivered,
           dead_lettered = dead_lettered + excluded.dead_lettered`,
      ),
      minutes: db.prepare(
        `SELECT minute, delivered, dead_lettered AS deadLettered FROM minute_activity WHERE minute >= ?`,
      ),
      dropMinutes: db.prepare(`DELETE FROM minute_activity WHERE minute < ?`),
      oldestQueued: db.prepare(`SELECT received_at AS at FROM events WHERE state = 'queued' ORDER BY seq LIMIT 1`),
      get: db.prepare(`SELECT * FROM events WHERE event_id = ?`),
      counts: db.prepare(`SELECT state, count(*) AS n FROM events GROUP BY state`),
      deadPage: db.prepare(`SELECT * FROM events WHERE ${DEAD_MATCH} AND seq > @after ORDER BY seq LIMIT @limit`),
      deadCount: db.prepare(`SELECT count(*) AS n FROM events WHERE ${DEAD_MATCH}`),
      replay: db.prepare(
        `UPDATE events SET state = 'queued', attempts = 0, replays = replays + 1,
           next_attempt_at = ?, failed_at = NULL WHERE event_id = ? AND state = 'dead'`,
      ),
      replayAll: db.prepare(
        `UPDATE events SET state = 'queued', attempts = 0, replays = replays + 1,
           next_attempt_at = @now, failed_at = NULL WHERE ${DEAD_MATCH}`,
      ),
      deleteDead: db.prepare(`DELETE FROM events WHERE event_id = ? AND state = 'dead'`),
      nextDue: db.prepare(`SELECT min(next_attempt_at) AS at FROM ready`),
      probe: db.prepare(`INSERT OR REPLACE INTO health (id, checked_at) VALUES (1, ?)`),
      purge: db.prepare(`DELETE FROM events WHERE state IN ('delivered', 'stale') AND dedup_until <= ?`),
      purgeBodies: db.prepare(`DELETE FROM bodies WHERE dedup_until <= ?`),
      // A record's state goes once nothing is queued for it and its last event's window has passed.
      purgeRecords: db.prepare(
        `DELETE FROM records WHERE NOT EXISTS (SELECT 1 FROM events e
           WHERE e.object_type = records.object_type AND e.external_id = records.external_id
             AND (e.state = 'queued' OR e.dedup_until > ?))`,
      ),
      bodySeen: db.prepare(`SELECT event_id FROM bodies WHERE body_hash = ? AND dedup_until > ?`),
      rememberBody: db.prepare(`INSERT OR REPLACE INTO bodies (body_hash, event_id, dedup_until) VALUES (?, ?, ?)`),
    };
  }

  onEnqueued(listener: () => void): void {
    this.enqueued.listen(listener);
  }

  enqueue(event: NewEvent): Promise<EnqueueResult> {
    return this.grouped(() => {
      // The dedup window is measured on the receipt clock, the same clock that opened it.
      const result = this.insert(event, event.receivedAt);
      if (result.outcome === 'accepted') this.acceptedInBatch = true;
      return result;
    });
  }

  /**
   * Runs `run` in the next group commit: every write of this event-loop turn (enqueues and
   * delivery outcomes alike) shares one transaction, hence one fsync. Resolves once committed.
   */
  private grouped<T>(run: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ run, resolve: resolve as (result: unknown) => void, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    const batch = this.pending;
    this.pending = [];
    this.flushScheduled = false;
    this.acceptedInBatch = false;
    this.failedWrite = null;
    let results: unknown[];
    try {
      results = this.db.transaction(() => batch.map(({ run }) => this.savepoint(run)))();
    } catch (error) {
      this.logger.error(`Commit of ${batch.length} write(s) failed: ${(error as Error).message}`);
      // A full disk rolls the whole transaction back: name the write's error, not "no transaction".
      this.latest = { at: Date.now(), error: this.failedWriteMessage() ?? (error as Error).message };
      batch.forEach((p) => p.reject(new StoreUnavailableError(error)));
      return;
    }
    // A write that failed inside a commit that went through (a full disk fails the larger writes
    // first) still says the store cannot take events.
    this.latest = { at: Date.now(), error: this.failedWriteMessage() };
    batch.forEach((p, i) => {
      const result = results[i];
      if (result instanceof FailedWrite) p.reject(new StoreUnavailableError(result.cause));
      else p.resolve(result);
    });
    if (this.acceptedInBatch) this.enqueued.notify();
  }

  private failedWriteMessage(): string | null {
    return this.failedWrite?.message ?? null;
  }

  /** One bad write must not fail the others it shares the commit with: a savepoint each. */
  private savepoint(run: () => unknown): unknown {
    try {
      return this.db.transaction(run)();
    } catch (error) {
      this.logger.error(`A write failed: ${(error as Error).message}`);
      this.failedWrite ??= error as Error;
      return new FailedWrite(error);
    }
  }

  private insert(event: NewEvent, now: number): EnqueueResult {
    const { upsert, bodyHash } = event;
    const first = bodyHash
      ? (this.statements.bodySeen.get(bodyHash, now) as { event_id: string } | undefined)
      : undefined;
    if (first) return { outcome: 'duplicate', eventId: first.event_id };
    this.statements.expire.run(event.eventId, now);
    const { changes } = this.statements.insert.run({
      eventId: event.eventId,
      intent: upsert.intent,
      objectType: upsert.objectType,
      externalId: upsert.externalId,
      conversationId: event.event.conversationId,
      eventTime: event.eventTime,
      receivedAt: event.receivedAt,
      requestId: event.requestId,
      payload: JSON.stringify({ event: event.event, upsert }),
      dedupUntil: event.receivedAt + this.dedupTtlMs,
    });
    if (changes === 0) {
      if (bodyHash) this.logger.warn(`Event id ${event.eventId} reused with a different body: the first body wins`);
      return { outcome: 'duplicate', eventId: event.eventId };
    }
    if (bodyHash) this.statements.rememberBody.run(bodyHash, event.eventId, event.receivedAt + this.dedupTtlMs);
    return { outcome: 'accepted', eventId: event.eventId };
  }

  async claimDue(limit: number, now = Date.now()): Promise<ClaimedEvent[]> {
    if (limit <= 0) return [];
    const rows = this.statements.due.all(now, limit) as Row[];
    if (rows.length > 0) this.hold(rows);
    return rows.map((row) => {
      const event = toStored(row);
      return { ...event, stale: row.record_last_time != null && event.eventTime < row.record_last_time };
    });
  }

  /** Takes the claimed heads off the ready list until their claims end (memory only: no commit). */
  private hold(rows: Row[]): void {
    this.db.transaction(() => {
      for (const row of rows) {
        this.claimedEvents.set(row.event_id, [row.object_type, row.external_id]);
        this.statements.hold.run(row.object_type, row.external_id);
        this.statements.unready.run(row.object_type, row.external_id);
      }
    })();
  }

  /** Ends a claim: the record's head (the same event if still queued, or the next one) is ready again. */
  private unclaim(eventId: string): void {
    const record = this.claimedEvents.get(eventId);
    if (record === undefined) return;
    this.claimedEvents.delete(eventId);
    // After shutdown closed the file, the ready list is gone with it.
    if (!this.db.open) return;
    this.db.transaction(() => {
      this.statements.letGo.run(...record);
      this.statements.unready.run(...record);
      this.statements.nextHead.run(...record);
    })();
  }

  /** Records a claimed event's outcome in the next group commit, then lets its record go. */
  private async write(eventId: string, work: () => unknown): Promise<void> {
    try {
      await this.grouped(work);
    } finally {
      this.unclaim(eventId);
    }
  }

  markDelivered(eventId: string, attempts: number, result: AttemptResult, made: AttemptRecord[] = []): Promise<void> {
    return this.write(eventId, () => {
      const row = this.statements.get.get(eventId) as Row | undefined;
      if (!row) return;
      const now = Date.now();
      const { status, error, crmRecordId = null, created = null } = result;
      const createdFlag = created === null ? null : Number(created);
      this.statements.delivered.run({ eventId, attempts, status, error, crmRecordId, created: createdFlag, now });
      this.statements.record.run(row.object_type, row.external_id, row.event_time);
      this.recordAttempts(eventId, made);
      this.statements.countMinute.run({ minute: minuteOf(now), delivered: 1, dead: 0 });
    });
  }

  scheduleRetry(
    eventId: string,
    attempts: number,
    at: number,
    result: AttemptResult,
    made: AttemptRecord[] = [],
  ): Promise<void> {
    return this.write(eventId, () => {
      this.statements.retry.run({ eventId, attempts, at, ...result });
      this.recordAttempts(eventId, made);
    });
  }

  private recordAttempts(eventId: string, made: AttemptRecord[]): void {
    for (const attempt of made) this.statements.attempt.run({ eventId, ...attempt });
  }

  release(eventId: string, at: number): Promise<void> {
    return this.write(eventId, () => this.statements.release.run(at, eventId));
  }

  markDead(eventId: string, attempts: number, result: AttemptResult, made: AttemptRecord[] = []): Promise<void> {
    return this.write(eventId, () => {
      const now = Date.now();
      this.statements.dead.run({ eventId, attempts, ...result, now });
      this.recordAttempts(eventId, made);
      this.statements.countMinute.run({ minute: minuteOf(now), delivered: 0, dead: 1 });
    });
  }

  markStale(eventId: string): Promise<void> {
    return this.write(eventId, () => this.statements.stale.run(eventId));
  }

  async get(eventId: string): Promise<StoredEvent | null> {
    const row = this.statements.get.get(eventId) as Row | undefined;
    return row ? toStored(row) : null;
  }

  async countByState(): Promise<Record<EventState, number>> {
    const counts = Object.fromEntries(EVENT_STATES.map((s) => [s, 0])) as Record<EventState, number>;
    for (const { state, n } of this.statements.counts.all() as { state: EventState; n: number }[]) {
      counts[state] = n;
    }
    return counts;
  }

  async attemptsOf(eventId: string): Promise<AttemptRecord[]> {
    return this.statements.attemptsOf.all(eventId) as AttemptRecord[];
  }

  async search(filter: EventSearch, limit: number, cursor?: string): Promise<EventPage> {
    const before = cursor && /^\d+$/.test(cursor) ? Number(cursor) : Number.MAX_SAFE_INTEGER;
    const rows = sqliteSearch(this.db, filter).all({ ...filter, before, limit: limit + 1 }) as Row[];
    return page(rows, limit);
  }

  async listDead(limit: number, cursor?: string, filter: DeadLetterFilter = {}): Promise<EventPage> {
    const after = cursor && /^\d+$/.test(cursor) ? Number(cursor) : 0;
    return page(this.statements.deadPage.all({ ...deadMatch(filter), after, limit: limit + 1 }) as Row[], limit);
  }

  async countDead(filter: DeadLetterFilter): Promise<number> {
    return (this.statements.deadCount.get(deadMatch(filter)) as { n: number }).n;
  }

  async activity(minutes: number, now = Date.now()): Promise<StoreActivity> {
    const first = minuteOf(now) - (minutes - 1) * MINUTE_MS;
    this.statements.dropMinutes.run(first - MINUTE_MS * minutes);
    const counted = new Map(
      (this.statements.minutes.all(first) as MinuteActivityRow[]).map((row) => [row.minute, row]),
    );
    const perMinute = Array.from({ length: minutes }, (_, i) => {
      const minute = first + i * MINUTE_MS;
      const row = counted.get(minute);
      return { minute, delivered: row?.delivered ?? 0, deadLettered: row?.deadLettered ?? 0 };
    });
    return { perMinute, oldestQueuedAt: await this.oldestQueuedAt() };
  }

  /** One row read from the (state, seq) index: seq is the order of receipt. */
  async oldestQueuedAt(): Promise<number | null> {
    const oldest = this.statements.oldestQueued.get() as { at: number } | undefined;
    return oldest?.at ?? null;
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

  async deleteDead(eventId: string): Promise<boolean> {
    return this.statements.deleteDead.run(eventId).changes === 1;
  }

  async checkWritable(): Promise<void> {
    await this.grouped(() => this.statements.probe.run(Date.now()));
  }

  async latestCommit(): Promise<CommitOutcome | null> {
    return this.latest;
  }

  /**
   * Drops delivered and stale events whose dedup window has passed (returns how many), the body
   * hashes of that window, and the state of records with nothing queued and no event left in it.
   */
  purge(now = Date.now()): number {
    try {
      const purged = this.statements.purge.run(now).changes;
      this.statements.purgeBodies.run(now);
      this.statements.purgeRecords.run(now);
      return purged;
    } catch (error) {
      this.logger.warn(`Purge of expired events failed: ${(error as Error).message}`);
      return 0;
    }
  }

  /**
   * When claimDue can next hand something out: the ready list holds no event of a claimed record
   * and none waiting behind an older one of its record.
   */
  async nextDueAt(): Promise<number | null> {
    const { at } = this.statements.nextDue.get() as { at: number | null };
    return at;
  }

  // Last of the shutdown phases: the worker has drained in beforeApplicationShutdown by now.
  onApplicationShutdown(): void {
    clearInterval(this.purgeTimer);
    if (this.pending.length > 0) this.flush();
    this.db.close();
  }
}

const MINUTE_MS = 60_000;
const minuteOf = (ms: number) => ms - (ms % MINUTE_MS);

interface MinuteActivityRow {
  minute: number;
  delivered: number;
  deadLettered: number;
}

/** Dead letters matching the operators' filters; an absent filter (null) matches all. */
const DEAD_MATCH = `state = 'dead'
  AND (@intent IS NULL OR intent = @intent) AND (@objectType IS NULL OR object_type = @objectType)
  AND (@lastStatus IS NULL OR last_status = @lastStatus)
  AND (@failedAfter IS NULL OR failed_at >= @failedAfter) AND (@failedBefore IS NULL OR failed_at < @failedBefore)`;

const deadMatch = (f: DeadLetterFilter) => ({
  intent: f.intent ?? null,
  objectType: f.objectType ?? null,
  lastStatus: f.lastStatus ?? null,
  failedAfter: f.failedAfter ?? null,
  failedBefore: f.failedBefore ?? null,
});

/** `limit + 1` rows in: the page and whether another follows (cursor: the last row's seq). */
function page(rows: Row[], limit: number): EventPage {
  const items = rows.slice(0, limit);
  const nextCursor = rows.length > limit ? String(items[items.length - 1].seq) : null;
  return { items: items.map(toStored), nextCursor };
}

function toStored(row: Row): StoredEvent {
  const { event, upsert } = JSON.parse(row.payload) as Pick<NewEvent, 'event' | 'upsert'>;
  return {
    eventId: row.event_id,
    event,
    upsert,
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
