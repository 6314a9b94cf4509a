import Database from 'better-sqlite3';
import { closeSync, existsSync, fsyncSync, openSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { QueueConfig } from '../config/queue.config';
import { eventsFile } from './sqlite-database';

/** What a backup holds, read back from the copy itself. */
export interface BackupReport {
  source: string;
  destination: string;
  bytes: number;
  /** Events in the copy by state (queued, delivered, dead, stale). */
  events: Record<string, number>;
}

/**
 * An online backup of the SQLite store: `VACUUM INTO` copies one consistent snapshot (a read
 * transaction, so the running service keeps writing; a plain file copy of a WAL database is not
 * safe), the copy is fsync'd (SQLite does not sync it) and checked with `PRAGMA integrity_check`.
 */
export function backupSqliteStore(config: QueueConfig, destination: string): BackupReport {
  if (config.driver !== 'sqlite') {
    throw new Error(
      'QUEUE_DRIVER is redis: back up Redis itself (its RDB snapshot or append-only file); this command copies the SQLite store',
    );
  }
  const source = eventsFile(config);
  const target = resolve(destination);
  if (!existsSync(source)) throw new Error(`no SQLite store at ${source} (DATA_DIR=${config.dataDir})`);
  if (existsSync(target)) throw new Error(`${target} exists: name a new file for the backup`);
  if (!existsSync(dirname(target))) throw new Error(`the folder ${dirname(target)} does not exist`);

  const db = new Database(source, { fileMustExist: true, timeout: 10_000 });
  try {
    db.prepare('VACUUM INTO ?').run(target);
  } finally {
    db.close();
  }
  syncToDisk(target);
  return { source, destination: target, bytes: statSync(target).size, events: checkCopy(target) };
}

function syncToDisk(file: string): void {
  for (const path of [file, dirname(file)]) {
    const fd = openSync(path, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }
}

function checkCopy(file: string): Record<string, number> {
  const copy = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const integrity = copy.pragma('integrity_check', { simple: true });
    if (integrity !== 'ok') throw new Error(`the copy ${file} fails SQLite's integrity check: ${String(integrity)}`);
    const rows = copy.prepare('SELECT state, count(*) AS n FROM events GROUP BY state').all() as Array<{
      state: string;
      n: number;
    }>;
    return Object.fromEntries(rows.map((row) => [row.state, row.n]));
  } finally {
    copy.close();
  }
}
