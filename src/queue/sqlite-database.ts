import Database, { Database as Db } from 'better-sqlite3';
import { join } from 'node:path';
import { ensureDataDir } from '../config/data-dir';
import type { QueueConfig } from '../config/queue.config';
import {
  ADDED_COLUMNS,
  FILL_RECORD_KEEP_UNTIL,
  MIGRATE_CONVERSATION_ID,
  MIGRATE_RECORD_KEEP_UNTIL,
  READY_LIST,
  RECORD_KEYS,
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
  db.exec(SCHEMA);
  migrate(db, config.recordStateTtlSeconds * 1000);
  db.pragma('temp_store = MEMORY');
  db.exec(READY_LIST);
  return db;
}

export const eventsFile = (config: QueueConfig) => join(config.dataDir, 'events.sqlite');

function migrate(db: Db, recordStateTtlMs: number): void {
  const recordColumns = db.pragma('table_info(records)') as { name: string }[];
  if (!recordColumns.some((c) => c.name === 'keep_until')) {
    db.transaction(() => {
      db.exec(MIGRATE_RECORD_KEEP_UNTIL);
      db.prepare(FILL_RECORD_KEEP_UNTIL).run(recordStateTtlMs);
    })();
  }
  const columns = db.pragma('table_info(events)') as { name: string }[];
  if (!columns.some((c) => c.name === 'conversation_id')) db.transaction(() => db.exec(MIGRATE_CONVERSATION_ID))();
  const present = new Set(columns.map((c) => c.name));
  for (const [name, type] of ADDED_COLUMNS) {
    if (!present.has(name)) db.exec(`ALTER TABLE events ADD COLUMN ${name} ${type}`);
  }
  if (!present.has('record_key')) db.exec('ALTER TABLE events ADD COLUMN record_key TEXT');
  db.exec(SEARCH_INDEXES);
  db.transaction(() => db.exec(RECORD_KEYS))();
}
