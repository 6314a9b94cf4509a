/**
 * A row of `events` is one delivery: an event's fields, the upsert for one target and that
 * delivery's state (docs/routing.md); an event routed to several targets is several rows, one per
 * target, written in one transaction.
 * `seq` keeps arrival order (it breaks ties between events of equal event time).
 * `record_key` is the per-record order key (the external id, case-folded for a CRM that matches ids
 * case-insensitively): deliveries of one (target, object_type, record_key) go one at a time.
 * `dedup_until` ends the window in which the same event id is answered as a duplicate.
 * `records` remembers the newest event time delivered per (target, CRM record), to recognise
 * stale events, until `keep_until` (RECORD_STATE_TTL_SECONDS after that event time or
 * that delivery, the later); its `external_id` holds the record key.
 * `attempts` holds every CRM request of a delivery; a trigger drops them with it.
 * `minute_activity` counts deliveries and dead letters per minute for the operators' overview
 * (a counter row per minute, so the overview never scans the events).
 * `bodies` maps the SHA-256 of each accepted raw body to its event for the dedup window (replays).
 */
const EVENTS_TABLE = (name: string) => `
CREATE TABLE IF NOT EXISTS ${name} (
  seq             INTEGER PRIMARY KEY AUTOINCREMENT,
  event_id        TEXT    NOT NULL,
  target          TEXT    NOT NULL DEFAULT 'default',
  source          TEXT    NOT NULL DEFAULT 'default',
  intent          TEXT    NOT NULL,
  object_type     TEXT    NOT NULL,
  external_id     TEXT    NOT NULL,
  record_key      TEXT,
  conversation_id TEXT,
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
  dedup_until     INTEGER NOT NULL,
  UNIQUE (event_id, target)
);`;

const EVENTS_INDEXES = `
CREATE INDEX IF NOT EXISTS events_due ON events (state, next_attempt_at);
CREATE TRIGGER IF NOT EXISTS events_drop_attempts AFTER DELETE ON events
BEGIN DELETE FROM attempts WHERE event_id = old.event_id AND target = old.target; END;
`;

const RECORDS_TABLE = (name: string) => `
CREATE TABLE IF NOT EXISTS ${name} (
  target          TEXT    NOT NULL,
  object_type     TEXT    NOT NULL,
  external_id     TEXT    NOT NULL,
  last_event_time INTEGER NOT NULL,
  keep_until      INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (target, object_type, external_id)
) WITHOUT ROWID;`;

export const SCHEMA = `
${EVENTS_TABLE('events')}
${RECORDS_TABLE('records')}
CREATE TABLE IF NOT EXISTS bodies (
  body_hash       TEXT    PRIMARY KEY,
  event_id        TEXT    NOT NULL,
  dedup_until     INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS bodies_event ON bodies (event_id);
CREATE TABLE IF NOT EXISTS health (id INTEGER PRIMARY KEY, checked_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS attempts (
  event_id    TEXT    NOT NULL,
  at          INTEGER NOT NULL,
  status      INTEGER,
  error       TEXT,
  duration_ms INTEGER NOT NULL,
  target      TEXT    NOT NULL DEFAULT 'default'
);
CREATE INDEX IF NOT EXISTS attempts_event ON attempts (event_id);
${EVENTS_INDEXES}
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

/**
 * A file of the release before routing: its `events` rows were one per event (UNIQUE (event_id));
 * they become the target `default`'s deliveries, keyed (event_id, target). SQLite cannot drop a
 * UNIQUE constraint, so the table is rebuilt (its rows copied, seq kept). Indexes and the trigger
 * come back with SCHEMA, which runs after.
 */
export const rebuildEventsByTarget = (columns: string[]) => `
DROP TRIGGER IF EXISTS events_drop_attempts;
${EVENTS_TABLE('events_by_target')}
INSERT INTO events_by_target (${columns.join(', ')}) SELECT ${columns.join(', ')} FROM events;
DROP TABLE events;
ALTER TABLE events_by_target RENAME TO events;
`;

/** The columns of `events`, for a rebuild to copy those an older file has. */
export const EVENTS_COLUMNS = EVENTS_TABLE('events')
  .split('\n')
  .map((line) => /^ {2}([a-z_]+) /.exec(line)?.[1])
  .filter((name): name is string => name !== undefined);

/** The attempts of a file of the release before routing are its `default` deliveries'. */
export const MIGRATE_ATTEMPTS_TARGET = `ALTER TABLE attempts ADD COLUMN target TEXT NOT NULL DEFAULT 'default';`;

/**
 * Its records' newest delivered event times are the target `default`'s: the table is rebuilt keyed
 * (target, object type, external id), its rows copied (after they gained `keep_until`).
 */
export const REBUILD_RECORDS_BY_TARGET = `
${RECORDS_TABLE('records_by_target')}
INSERT INTO records_by_target (target, object_type, external_id, last_event_time, keep_until)
  SELECT 'default', object_type, external_id, last_event_time, keep_until FROM records;
DROP TABLE records;
ALTER TABLE records_by_target RENAME TO records;
`;

/**
 * Record keys, at every start. A delivery without one (written before it existed, or by an older
 * version after a rollback) is keyed by its external id, as the connectors then compared ids; a
 * partial index finds those without reading the table. Then the records' queues: a (target,
 * record)'s queued deliveries in event-time order, arrival breaking ties.
 */
export const RECORD_KEYS = `
CREATE INDEX IF NOT EXISTS events_without_record_key ON events (seq) WHERE record_key IS NULL;
UPDATE events SET record_key = external_id WHERE record_key IS NULL;
CREATE INDEX IF NOT EXISTS events_record_key ON events (target, object_type, record_key, state, event_time, seq);
`;

/** The operators' search: each filter has an index, newest first by seq. */
export const SEARCH_INDEXES = `
CREATE INDEX IF NOT EXISTS events_conversation ON events (conversation_id, seq);
CREATE INDEX IF NOT EXISTS events_external ON events (external_id, seq);
CREATE INDEX IF NOT EXISTS events_state ON events (state, seq);
CREATE INDEX IF NOT EXISTS events_intent ON events (intent, seq);
CREATE INDEX IF NOT EXISTS events_target ON events (target, seq);
CREATE INDEX IF NOT EXISTS events_source ON events (source, seq);
`;

/**
 * Files written before records had `keep_until` gain it (before the records are keyed by target):
 * each known record is kept for the record-state window from its newest
 * delivered event time (parameter: that window in ms).
 */
export const MIGRATE_RECORD_KEEP_UNTIL = `ALTER TABLE records ADD COLUMN keep_until INTEGER NOT NULL DEFAULT 0`;
export const FILL_RECORD_KEEP_UNTIL = `UPDATE records SET keep_until = last_event_time + ? WHERE keep_until = 0`;

/** Columns added after the first release: a data file written by an older version gains them. */
export const ADDED_COLUMNS: ReadonlyArray<[name: string, type: string]> = [
  ['crm_record_id', 'TEXT'],
  ['created', 'INTEGER'],
];

/**
 * The ready list: the head (oldest queued delivery) of every (target, record) that is not being
 * delivered right now, so a claim reads only what it hands out, however many deliveries wait
 * behind their record's head or behind claimed ones. It lives in this connection's in-memory temp
 * schema (claims are held by this process only and a restart releases them), is rebuilt from
 * `events` at startup, and triggers keep it right on every change of a queued delivery. `claimed`
 * lists the (target, record)s with a delivery in flight: their next head enters the ready list
 * when the claim ends.
 */
const SAME_RECORD = (row: string, other: string) =>
  `${other}.target = ${row}.target AND ${other}.object_type = ${row}.object_type AND ${other}.record_key = ${row}.record_key`;
const recomputeHead = (row: 'NEW' | 'OLD') => `
  DELETE FROM ready WHERE ${SAME_RECORD(row, 'ready')};
  INSERT INTO ready (target, object_type, record_key, seq, next_attempt_at)
    SELECT target, object_type, record_key, seq, next_attempt_at FROM events
    WHERE ${SAME_RECORD(row, 'events')} AND state = 'queued'
      AND NOT EXISTS (SELECT 1 FROM claimed c WHERE ${SAME_RECORD(row, 'c')})
    ORDER BY event_time, seq LIMIT 1;`;

export const READY_LIST = `
CREATE TEMP TABLE ready (
  target          TEXT    NOT NULL,
  object_type     TEXT    NOT NULL,
  record_key     TEXT    NOT NULL,
  seq             INTEGER NOT NULL,
  next_attempt_at INTEGER NOT NULL,
  PRIMARY KEY (target, object_type, record_key)
) WITHOUT ROWID;
CREATE INDEX temp.ready_due ON ready (target, next_attempt_at, seq);
CREATE TEMP TABLE claimed (
  target          TEXT    NOT NULL,
  object_type     TEXT    NOT NULL,
  record_key     TEXT    NOT NULL,
  PRIMARY KEY (target, object_type, record_key)
) WITHOUT ROWID;
CREATE TEMP TRIGGER ready_on_insert AFTER INSERT ON main.events WHEN NEW.state = 'queued'
BEGIN ${recomputeHead('NEW')} END;
CREATE TEMP TRIGGER ready_on_update AFTER UPDATE OF state, next_attempt_at ON main.events
  WHEN OLD.state = 'queued' OR NEW.state = 'queued'
BEGIN ${recomputeHead('NEW')} END;
CREATE TEMP TRIGGER ready_on_delete AFTER DELETE ON main.events WHEN OLD.state = 'queued'
BEGIN ${recomputeHead('OLD')} END;
INSERT INTO ready (target, object_type, record_key, seq, next_attempt_at)
  SELECT e.target, e.object_type, e.record_key, e.seq, e.next_attempt_at FROM events e
  WHERE e.state = 'queued'
    AND NOT EXISTS (SELECT 1 FROM events o
      WHERE o.state = 'queued' AND ${SAME_RECORD('e', 'o')}
        AND (o.event_time < e.event_time OR (o.event_time = e.event_time AND o.seq < e.seq)));
`;
