import type { Database } from 'better-sqlite3';
import type { AttemptRecord, EventState } from './stored-event';

/**
 * The SQL of the SQLite store, prepared once per connection and grouped by the part that runs it
 * (intake, delivery, operators, health, purge). Tables and indexes: sqlite-schema.ts.
 */

/** A row of `events`, as `SELECT *` reads it. */
export interface EventRow {
  seq: number;
  event_id: string;
  intent: string;
  object_type: string;
  external_id: string;
  /** The per-record order key (recordKeyOf): written with every event, filled in for older files. */
  record_key: string;
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
}

/** A row of the ready list's claim query: the event and its record's newest delivered event time. */
export interface DueRow extends EventRow {
  record_last_time: number | null;
}

export interface MinuteActivityRow {
  minute: number;
  delivered: number;
  deadLettered: number;
}

/** A record: its object type and record key, the key of `records`, `ready` and `claimed`. */
type RecordKey = [objectType: string, recordKey: string];

interface InsertParams {
  eventId: string;
  intent: string;
  objectType: string;
  externalId: string;
  recordKey: string;
  conversationId: string;
  eventTime: number;
  receivedAt: number;
  requestId: string;
  payload: string;
  dedupUntil: number;
}

interface OutcomeParams {
  eventId: string;
  attempts: number;
  status: number | null;
  error: string | null;
}

/** Dead letters matching the operators' filters; an absent filter (null) matches all. */
const DEAD_MATCH = `state = 'dead'
  AND (@intent IS NULL OR intent = @intent) AND (@objectType IS NULL OR object_type = @objectType)
  AND (@lastStatus IS NULL OR last_status = @lastStatus)
  AND (@failedAfter IS NULL OR failed_at >= @failedAfter) AND (@failedBefore IS NULL OR failed_at < @failedBefore)`;

export interface DeadMatchParams {
  intent: string | null;
  objectType: string | null;
  lastStatus: number | null;
  failedAfter: number | null;
  failedBefore: number | null;
}

/** Reads more than one part needs: one event, the counts per state, the oldest queued event. */
export const eventReadStatements = (db: Database) => ({
  get: db.prepare<[eventId: string], EventRow>(`SELECT * FROM events WHERE event_id = ?`),
  counts: db.prepare<[], { state: EventState; n: number }>(`SELECT state, count(*) AS n FROM events GROUP BY state`),
  // One row read from the (state, seq) index: seq is the order of receipt.
  oldestQueued: db.prepare<[], { at: number }>(
    `SELECT received_at AS at FROM events WHERE state = 'queued' ORDER BY seq LIMIT 1`,
  ),
});

export const intakeStatements = (db: Database) => ({
  bodySeen: db.prepare<[bodyHash: string, now: number], { event_id: string }>(
    `SELECT event_id FROM bodies WHERE body_hash = ? AND dedup_until > ?`,
  ),
  // Pending and dead events keep their id past the dedup window: only an operator ends them.
  expire: db.prepare<[eventId: string, now: number]>(
    `DELETE FROM events WHERE event_id = ? AND dedup_until <= ? AND state IN ('delivered', 'stale')`,
  ),
  insert: db.prepare<InsertParams>(
    `INSERT OR IGNORE INTO events (event_id, intent, object_type, external_id, record_key, conversation_id,
       event_time, received_at, request_id, payload, next_attempt_at, dedup_until)
     VALUES (@eventId, @intent, @objectType, @externalId, @recordKey, @conversationId, @eventTime, @receivedAt,
       @requestId, @payload, @receivedAt, @dedupUntil)`,
  ),
  rememberBody: db.prepare<[bodyHash: string, eventId: string, dedupUntil: number]>(
    `INSERT OR REPLACE INTO bodies (body_hash, event_id, dedup_until) VALUES (?, ?, ?)`,
  ),
});

export const deliveryStatements = (db: Database) => ({
  // Only heads of records not in flight are in the ready list: each row read is handed out.
  due: db.prepare<[now: number, limit: number], DueRow>(
    `SELECT e.*, r.last_event_time AS record_last_time
     FROM ready h
     JOIN events e ON e.seq = h.seq
     LEFT JOIN records r ON r.object_type = h.object_type AND r.external_id = h.record_key
     WHERE h.next_attempt_at <= ?
     ORDER BY h.next_attempt_at, h.seq LIMIT ?`,
  ),
  markRecordClaimed: db.prepare<RecordKey>(`INSERT INTO claimed (object_type, record_key) VALUES (?, ?)`),
  unmarkRecordClaimed: db.prepare<RecordKey>(`DELETE FROM claimed WHERE object_type = ? AND record_key = ?`),
  dropFromReadyList: db.prepare<RecordKey>(`DELETE FROM ready WHERE object_type = ? AND record_key = ?`),
  readyNextHead: db.prepare<RecordKey>(
    `INSERT INTO ready (object_type, record_key, seq, next_attempt_at)
     SELECT object_type, record_key, seq, next_attempt_at FROM events
     WHERE object_type = ? AND record_key = ? AND state = 'queued'
     ORDER BY event_time, seq LIMIT 1`,
  ),
  delivered: db.prepare<OutcomeParams & { crmRecordId: string | null; created: number | null; now: number }>(
    `UPDATE events SET state = 'delivered', attempts = @attempts, last_status = @status,
       last_error = @error, crm_record_id = @crmRecordId, created = @created, delivered_at = @now
     WHERE event_id = @eventId`,
  ),
  recordDelivered: db.prepare<[...RecordKey, eventTime: number, keepUntil: number]>(
    `INSERT INTO records (object_type, external_id, last_event_time, keep_until) VALUES (?, ?, ?, ?)
     ON CONFLICT (object_type, external_id)
     DO UPDATE SET last_event_time = max(last_event_time, excluded.last_event_time),
       keep_until = max(keep_until, excluded.keep_until)`,
  ),
  retry: db.prepare<OutcomeParams & { at: number }>(
    `UPDATE events SET attempts = @attempts, next_attempt_at = @at, last_status = @status,
       last_error = @error WHERE event_id = @eventId`,
  ),
  release: db.prepare<[at: number, eventId: string]>(`UPDATE events SET next_attempt_at = ? WHERE event_id = ?`),
  dead: db.prepare<OutcomeParams & { now: number }>(
    `UPDATE events SET state = 'dead', attempts = @attempts, last_status = @status,
       last_error = @error, failed_at = @now WHERE event_id = @eventId`,
  ),
  stale: db.prepare<[eventId: string]>(`UPDATE events SET state = 'stale' WHERE event_id = ?`),
  attempt: db.prepare<AttemptRecord & { eventId: string }>(
    `INSERT INTO attempts (event_id, at, status, error, duration_ms) VALUES (@eventId, @at, @status, @error, @durationMs)`,
  ),
  countMinute: db.prepare<{ minute: number; delivered: number; dead: number }>(
    `INSERT INTO minute_activity (minute, delivered, dead_lettered) VALUES (@minute, @delivered, @dead)
     ON CONFLICT (minute) DO UPDATE SET delivered = delivered + excluded.delivered,
       dead_lettered = dead_lettered + excluded.dead_lettered`,
  ),
  nextDue: db.prepare<[], { at: number | null }>(`SELECT min(next_attempt_at) AS at FROM ready`),
});

export const operatorStatements = (db: Database) => ({
  attemptsOf: db.prepare<[eventId: string], AttemptRecord>(
    `SELECT at, status, error, duration_ms AS durationMs FROM attempts WHERE event_id = ? ORDER BY rowid`,
  ),
  deadPage: db.prepare<DeadMatchParams & { after: number; limit: number }, EventRow>(
    `SELECT * FROM events WHERE ${DEAD_MATCH} AND seq > @after ORDER BY seq LIMIT @limit`,
  ),
  deadCount: db.prepare<DeadMatchParams, { n: number }>(`SELECT count(*) AS n FROM events WHERE ${DEAD_MATCH}`),
  replay: db.prepare<[now: number, eventId: string]>(
    `UPDATE events SET state = 'queued', attempts = 0, replays = replays + 1,
       next_attempt_at = ?, failed_at = NULL WHERE event_id = ? AND state = 'dead'`,
  ),
  replayAll: db.prepare<DeadMatchParams & { now: number }>(
    `UPDATE events SET state = 'queued', attempts = 0, replays = replays + 1,
       next_attempt_at = @now, failed_at = NULL WHERE ${DEAD_MATCH}`,
  ),
  deleteDead: db.prepare<[eventId: string]>(`DELETE FROM events WHERE event_id = ? AND state = 'dead'`),
  forgetBodies: db.prepare<[eventId: string]>(`DELETE FROM bodies WHERE event_id = ?`),
  minutes: db.prepare<[from: number], MinuteActivityRow>(
    `SELECT minute, delivered, dead_lettered AS deadLettered FROM minute_activity WHERE minute >= ?`,
  ),
  dropMinutes: db.prepare<[before: number]>(`DELETE FROM minute_activity WHERE minute < ?`),
});

export const healthStatements = (db: Database) => ({
  probe: db.prepare<[now: number]>(`INSERT OR REPLACE INTO health (id, checked_at) VALUES (1, ?)`),
});

export const purgeStatements = (db: Database) => ({
  events: db.prepare<[now: number]>(`DELETE FROM events WHERE state IN ('delivered', 'stale') AND dedup_until <= ?`),
  bodies: db.prepare<[now: number]>(`DELETE FROM bodies WHERE dedup_until <= ?`),
  // A record's state goes once its window has passed, nothing is queued for it and no event of it
  // is in its dedup window.
  records: db.prepare<{ now: number }>(
    `DELETE FROM records WHERE keep_until < @now AND NOT EXISTS (SELECT 1 FROM events e
       WHERE e.object_type = records.object_type AND e.record_key = records.external_id
         AND (e.state = 'queued' OR e.dedup_until > @now))`,
  ),
});

export type EventReadStatements = ReturnType<typeof eventReadStatements>;
export type IntakeStatements = ReturnType<typeof intakeStatements>;
export type DeliveryStatements = ReturnType<typeof deliveryStatements>;
export type OperatorStatements = ReturnType<typeof operatorStatements>;
