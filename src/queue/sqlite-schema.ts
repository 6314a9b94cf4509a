/**
 * `seq` keeps arrival order (it breaks ties between events of equal event time).
 * `dedup_until` ends the window in which the same event id is answered as a duplicate.
 * `records` remembers the newest event time delivered per CRM record, to recognise stale events.
 * `attempts` holds every CRM request of an event; a trigger drops them with the event.
 * `minute_activity` counts deliveries and dead letters per minute for the operators' overview
 * (a counter row per minute, so the overview never scans the events).
 * `bodies` maps the SHA-256 of each accepted raw body to its event for the dedup window (replays).
 */
export const SCHEMA = `
CREATE TABLE IF NOT EXISTS events (
  seq             INTEGER PRIMARY KEY AUTOINCREMENT,
  event_id        TEXT    NOT NULL UNIQUE,
  intent          TEXT    NOT NULL,
  object_type     TEXT    NOT NULL,
  external_id     TEXT    NOT NULL,
  event_time      INTEGER NOT NULL,
  received_at     INTEGER NOT NULL,
  request_id      TEXT    NOT NULL,
  payload         TEXT    NOT NULL,
  state           TEXT    NOT NULL DEFAULT 'queued',
  attempts        INTEGER NOT NULL DEFAULT 0,
  replays         INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  last_status     INTEGER,
  last_error      TEXT,
  delivered_at    INTEGER,
  crm_record_id   TEXT,
  created         INTEGER,
  failed_at       INTEGER,
  dedup_until     INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS events_due ON events (state, next_attempt_at);
CREATE INDEX IF NOT EXISTS events_record ON events (object_type, external_id, state, event_time, seq);
CREATE TABLE IF NOT EXISTS records (
  object_type     TEXT    NOT NULL,
  external_id     TEXT    NOT NULL,
  last_event_time INTEGER NOT NULL,
  PRIMARY KEY (object_type, external_id)
);
CREATE TABLE IF NOT EXISTS bodies (
  body_hash       TEXT    PRIMARY KEY,
  event_id        TEXT    NOT NULL,
  dedup_until     INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS health (id INTEGER PRIMARY KEY, checked_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS attempts (
  event_id    TEXT    NOT NULL,
  at          INTEGER NOT NULL,
  status      INTEGER,
  error       TEXT,
  duration_ms INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS attempts_event ON attempts (event_id);
CREATE TRIGGER IF NOT EXISTS events_drop_attempts AFTER DELETE ON events
BEGIN DELETE FROM attempts WHERE event_id = old.event_id; END;
CREATE TABLE IF NOT EXISTS minute_activity (
  minute        INTEGER PRIMARY KEY,
  delivered     INTEGER NOT NULL DEFAULT 0,
  dead_lettered INTEGER NOT NULL DEFAULT 0
);
`;

/** Files written before the operators' search existed gain its column (filled from the payload). */
export const MIGRATE_CONVERSATION_ID = `
ALTER TABLE events ADD COLUMN conversation_id TEXT;
UPDATE events SET conversation_id = json_extract(payload, '$.event.conversationId');
`;

/** The operators' search: each filter has an index, newest first by seq. */
export const SEARCH_INDEXES = `
CREATE INDEX IF NOT EXISTS events_conversation ON events (conversation_id, seq);
CREATE INDEX IF NOT EXISTS events_external ON events (external_id, seq);
CREATE INDEX IF NOT EXISTS events_state ON events (state, seq);
CREATE INDEX IF NOT EXISTS events_intent ON events (intent, seq);
`;

/** Columns added after the first release: a data file written by an older version gains them. */
export const ADDED_COLUMNS: ReadonlyArray<[name: string, type: string]> = [
  ['crm_record_id', 'TEXT'],
  ['created', 'INTEGER'],
];
