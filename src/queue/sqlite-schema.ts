/**
 * `seq` keeps arrival order (it breaks ties between events of equal event time).
 * `dedup_until` ends the window in which the same event id is answered as a duplicate.
 * `records` remembers the newest event time delivered per CRM record, to recognise stale events.
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
CREATE TABLE IF NOT EXISTS health (id INTEGER PRIMARY KEY, checked_at INTEGER NOT NULL);
`;
