import Database, { Database as Db } from 'better-sqlite3';
import { join } from 'node:path';
import { ensureDataDir } from '../config/data-dir';
import type { QueueConfig } from '../config/queue.config';
import {
  ADDED_COLUMNS,
  FILL_RECORD_KEEP_UNTIL,
  MIGRATE_ATTEMPTS_TARGET,
  MIGRATE_CONVERSATION_ID,
  MIGRATE_RECORD_KEEP_UNTIL,
  READY_LIST,
  EVENTS_COLUMNS,
  rebuildEventsByTarget,
  RECORD_KEYS,
  REBUILD_RECORDS_BY_TARGET,
  SCHEMA,
  SEARCH_INDEXES,
} from './sqlite-schema';

/**
 * Opens (or creates) DATA_DIR/events.sqlite in WAL mode with the operator's synchronous setting,
 * brings an older file's schema up to date and builds the connection's ready list.
 */
export function openEventsDatabase(config: QueueConfig): Db {
  ensureDataDir(config.dataDir);
  const db = new Database(eventsFile(config));
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${config.sqliteSynchronous === 'full' ? 'FULL' : 'NORMAL'}`);
  // better-sqlite3 waits synchronously: a long wait would freeze every request, so fail fast (503).
  db.pragma('busy_timeout = 100');
  migrate(db, config.recordStateTtlSeconds * 1000);
  db.exec(SCHEMA);
  db.exec(SEARCH_INDEXES);
  db.transaction(() => db.exec(RECORD_KEYS))();
  db.pragma('temp_store = MEMORY');
  db.exec(READY_LIST);
  return db;
}

export const eventsFile = (config: QueueConfig) => join(config.dataDir, 'events.sqlite');

const columnsOf = (db: Db, table: string) =>
  new Set((db.pragma(`table_info(${table})`) as { name: string }[]).map((c) => c.name));

/**
 * Brings a file written by an older release up to this one's schema before SCHEMA runs (a new
 * file gets it from SCHEMA alone). Each step runs only when its change is missing, all of them in
 * one transaction: a crash leaves the file as it was, and the next start migrates it again.
 */
function migrate(db: Db, recordStateTtlMs: number): void {
  const events = columnsOf(db, 'events');
  const records = columnsOf(db, 'records');
  db.transaction(() => {
    if (events.size > 0) {
      if (!events.has('conversation_id')) db.exec(MIGRATE_CONVERSATION_ID);
      for (const [name, type] of ADDED_COLUMNS) {
        if (!events.has(name)) db.exec(`ALTER TABLE events ADD COLUMN ${name} ${type}`);
      }
      const present = columnsOf(db, 'events');
      if (!present.has('target')) db.exec(rebuildEventsByTarget(EVENTS_COLUMNS.filter((c) => present.has(c))));
    }
    const attempts = columnsOf(db, 'attempts');
    if (attempts.size > 0 && !attempts.has('target')) db.exec(MIGRATE_ATTEMPTS_TARGET);
    if (records.size > 0 && !records.has('keep_until')) {
      db.exec(MIGRATE_RECORD_KEEP_UNTIL);
      db.prepare(FILL_RECORD_KEEP_UNTIL).run(recordStateTtlMs);
    }
    if (records.size > 0 && !records.has('target')) db.exec(REBUILD_RECORDS_BY_TARGET);
  })();
}
