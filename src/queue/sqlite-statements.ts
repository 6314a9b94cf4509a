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
  target: string;
  source: string;
  intent: string;
  object_type: string;
  external_id: string;
  /** The per-record order key (recordKeyOf): written with every delivery, filled in for older files. */
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

/** A record of a target: its object type and record key, the key of `records`, `ready` and `claimed`. */
type RecordKey = [target: string, objectType: string, recordKey: string];

interface InsertParams {
  eventId: string;
  target: string;
  source: string;
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
  target: string;
  attempts: number;
  status: number | null;
  error: string | null;
}

/** Dead letters matching the operators' filters; an absent filter (null) matches all. */
const DEAD_MATCH = `state = 'dead'
  AND (@target IS NULL OR target = @target) AND (@source IS NULL OR source = @source)
  AND (@intent IS NULL OR intent = @intent) AND (@objectType IS NULL OR object_type = @objectType)
  AND (@lastStatus IS NULL OR last_status = @lastStatus)
  AND (@failedAfter IS NULL OR failed_at >= @failedAfter) AND (@failedBefore IS NULL OR failed_at < @failedBefore)`;

export interface DeadMatchParams {
  target: string | null;
  source: string | null;
  intent: string | null;
  objectType: string | null;
  lastStatus: number | null;
  failedAfter: number | null;
  failedBefore: number | null;
}

/** Reads more than one part needs: one event, the counts per state, the oldest queued event. */
export const eventReadStatements = (db: Database) => ({
  // Route order: an event's deliveries are inserted in it, one after the other.
  deliveries: db.prepare<[eventId: string], EventRow>(`SELECT * FROM events WHERE event_id = ? ORDER BY seq`),
  delivery: db.prepare<[eventId: string, target: string], EventRow>(
    `SELECT * FROM events WHERE event_id = ? AND target = ?`,
  ),
  counts: db.prepare<[], { target: string; state: EventState; n: number }>(
    `SELECT target, state, count(*) AS n FROM events GROUP BY target, state`,
  ),
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
  known: db.prepare<[eventId: string], { one: number }>(`SELECT 1 AS one FROM events WHERE event_id = ? LIMIT 1`),
  insert: db.prepare<InsertParams>(
    `INSERT INTO events (event_id, target, source, intent, object_type, external_id, record_key,
       conversation_id, event_time, received_at, request_id, payload, next_attempt_at, dedup_until)
     VALUES (@eventId, @target, @source, @intent, @objectType, @externalId, @recordKey, @conversationId,
       @eventTime, @receivedAt, @requestId, @payload, @receivedAt, @dedupUntil)`,
  ),
  rememberBody: db.prepare<[bodyHash: string, eventId: string, dedupUntil: number]>(
    `INSERT OR REPLACE INTO bodies (body_hash, event_id, dedup_until) VALUES (?, ?, ?)`,
  ),
});

export const deliveryStatements = (db: Database) => ({
  // Only heads of records not in flight are in the ready list: each row read is handed out.
  due: db.prepare<[target: string, now: number, limit: number], DueRow>(
    `SELECT e.*, r.last_event_time AS record_last_time
     FROM ready h
     JOIN events e ON e.seq = h.seq
     LEFT JOIN records r
       ON r.target = h.target AND r.object_type = h.object_type AND r.external_id = h.record_key
     WHERE h.target = ? AND h.next_attempt_at <= ?
     ORDER BY h.next_attempt_at, h.seq LIMIT ?`,
  ),
  markRecordClaimed: db.prepare<RecordKey>(`INSERT INTO claimed (target, object_type, record_key) VALUES (?, ?, ?)`),
  unmarkRecordClaimed: db.prepare<RecordKey>(
    `DELETE FROM claimed WHERE target = ? AND object_type = ? AND record_key = ?`,
  ),
  dropFromReadyList: db.prepare<RecordKey>(`DELETE FROM ready WHERE target = ? AND object_type = ? AND record_key = ?`),
  readyNextHead: db.prepare<RecordKey>(
    `INSERT INTO ready (target, object_type, record_key, seq, next_attempt_at)
     SELECT target, object_type, record_key, seq, next_attempt_at FROM events
     WHERE target = ? AND object_type = ? AND record_key = ? AND state = 'queued'
     ORDER BY event_time, seq LIMIT 1`,
  ),
  delivered: db.prepare<OutcomeParams & { crmRecordId: string | null; created: number | null; now: number }>(
    `UPDATE events SET state = 'delivered', attempts = @attempts, last_status = @status,
       last_error = @error, crm_record_id = @crmRecordId, created = @created, delivered_at = @now
     WHERE event_id = @eventId AND target = @target`,
  ),
  recordDelivered: db.prepare<[...RecordKey, eventTime: number, keepUntil: number]>(
    `INSERT INTO records (target, object_type, external_id, last_event_time, keep_until)
     VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (target, object_type, external_id)
     DO UPDATE SET last_event_time = max(last_event_time, excluded.last_event_time),
       keep_until = max(keep_until, excluded.keep_until)`,
  ),
  retry: db.prepare<OutcomeParams & { at: number }>(
    `UPDATE events SET attempts = @attempts, next_attempt_at = @at, last_status = @status,
       last_error = @error WHERE event_id = @eventId AND target = @target`,
  ),
  release: db.prepare<[at: number, eventId: string, target: string]>(
    `UPDATE events SET next_attempt_at = ? WHERE event_id = ? AND target = ?`,
  ),
  dead: db.prepare<OutcomeParams & { now: number }>(
    `UPDATE events SET state = 'dead', attempts = @attempts, last_status = @status,
       last_error = @error, failed_at = @now WHERE event_id = @eventId AND target = @target`,
  ),
  stale: db.prepare<[eventId: string, target: string]>(
    `UPDATE events SET state = 'stale' WHERE event_id = ? AND target = ?`,
  ),
  attempt: db.prepare<AttemptRecord & { eventId: string; target: string }>(
    `INSERT INTO attempts (event_id, target, at, status, error, duration_ms)
     VALUES (@eventId, @target, @at, @status, @error, @durationMs)`,
  ),
  countMinute: db.prepare<{ minute: number; delivered: number; dead: number }>(
    `INSERT INTO minute_activity (minute, delivered, dead_lettered) VALUES (@minute, @delivered, @dead)
     ON CONFLICT (minute) DO UPDATE SET delivered = delivered + excluded.delivered,
       dead_lettered = dead_lettered + excluded.dead_lettered`,
  ),
  nextDue: db.prepare<[target: string], { at: number | null }>(
    `SELECT min(next_attempt_at) AS at FROM ready WHERE target = ?`,
  ),
});

export const operatorStatements = (db: Database) => ({
  attemptsOf: db.prepare<[eventId: string], AttemptRecord>(
    `SELECT at, status, error, duration_ms AS durationMs FROM attempts WHERE event_id = ? ORDER BY rowid`,
  ),
  attemptsOfTarget: db.prepare<[eventId: string, target: string], AttemptRecord>(
    `SELECT at, status, error, duration_ms AS durationMs FROM attempts WHERE event_id = ? AND target = ?
     ORDER BY rowid`,
  ),
  deadPage: db.prepare<DeadMatchParams & { after: number; limit: number }, EventRow>(
    `SELECT * FROM events WHERE ${DEAD_MATCH} AND seq > @after ORDER BY seq LIMIT @limit`,
  ),
  deadCount: db.prepare<DeadMatchParams, { n: number }>(`SELECT count(*) AS n FROM events WHERE ${DEAD_MATCH}`),
  replay: db.prepare<{ now: number; eventId: string; target: string | null }>(
    `UPDATE events SET state = 'queued', attempts = 0, replays = replays + 1,
       next_attempt_at = @now, failed_at = NULL
     WHERE event_id = @eventId AND state = 'dead' AND (@target IS NULL OR target = @target)`,
  ),
  replayAll: db.prepare<DeadMatchParams & { now: number }>(
    `UPDATE events SET state = 'queued', attempts = 0, replays = replays + 1,
       next_attempt_at = @now, failed_at = NULL WHERE ${DEAD_MATCH}`,
  ),
  deleteDead: db.prepare<{ eventId: string; target: string | null }>(
    `DELETE FROM events WHERE event_id = @eventId AND state = 'dead' AND (@target IS NULL OR target = @target)`,
  ),
  // Once an event has no delivery left: its body is forgotten with its id.
  forgetBodies: db.prepare<[eventId: string, eventId: string]>(
    `DELETE FROM bodies WHERE event_id = ? AND NOT EXISTS (SELECT 1 FROM events WHERE event_id = ?)`,
  ),
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
    `DELETE FROM records AS r WHERE keep_until < @now AND NOT EXISTS (SELECT 1 FROM events e
       WHERE e.target = r.target AND e.object_type = r.object_type AND e.record_key = r.external_id
         AND (e.state = 'queued' OR e.dedup_until > @now))`,
  ),
});

export type EventReadStatements = ReturnType<typeof eventReadStatements>;
export type IntakeStatements = ReturnType<typeof intakeStatements>;
export type DeliveryStatements = ReturnType<typeof deliveryStatements>;
export type OperatorStatements = ReturnType<typeof operatorStatements>;
