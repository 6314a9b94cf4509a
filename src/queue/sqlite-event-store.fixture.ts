import { Logger } from '@nestjs/common';
import type { Database } from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QueueConfig } from '../config/queue.config';
import { SqliteEventStore } from './sqlite-event-store';

export interface SqliteStores {
  /** A new directory under the suite's temporary root. */
  newDir(name?: string): string;
  /** A store on `dataDir` (by default a new one), closed after the test unless closed before. */
  open(overrides?: Partial<QueueConfig>, dataDir?: string): SqliteEventStore;
  close(store: SqliteEventStore): void;
}

/** For the enclosing describe: real SQLite stores in temporary DATA_DIRs, each closed after its test. */
export function sqliteStores(): SqliteStores {
  let root: string;
  let seq = 0;
  const open: SqliteEventStore[] = [];
  const newDir = (name = 'data') => join(root, `${name}-${++seq}`);

  beforeAll(() => {
    Logger.overrideLogger(false);
    root = mkdtempSync(join(tmpdir(), 'ccs-store-'));
  });
  afterEach(() => {
    for (const store of open.splice(0)) store.close();
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  return {
    newDir,
    open(overrides = {}, dataDir = newDir()) {
      const config: QueueConfig = {
        driver: 'sqlite',
        dataDir,
        sqliteSynchronous: 'full',
        leaseMs: 30_000,
        dedupTtlSeconds: 86400,
        recordStateTtlSeconds: 2_592_000,
        ...overrides,
      };
      const store = new SqliteEventStore(config, new Logger(SqliteEventStore.name));
      open.push(store);
      return store;
    },
    close(store) {
      open.splice(open.indexOf(store), 1);
      store.close();
    },
  };
}

/** The store's own connection (for pragmas and query plans; every behaviour goes through the ports). */
export const connectionOf = (store: SqliteEventStore) => (store as unknown as { db: Database }).db;
