import { resolve } from 'node:path';
import { configNamespace } from './config-namespace';
import { Environment } from './environment';

export interface QueueConfig {
  driver: 'sqlite' | 'redis';
  dataDir: string;
  sqliteSynchronous: 'full' | 'normal';
  /** Redis (connection settings: redis.config.ts): how long a claim outlives a dead instance before another one takes the event over. */
  leaseMs: number;
  dedupTtlSeconds: number;
  /** How long a record's newest delivered event time is kept once nothing of it is queued. */
  recordStateTtlSeconds: number;
}

/** The store's settings; also what the store commands (backup, export, import) read. */
export function queueSettings(env: Environment): QueueConfig {
  return {
    driver: env.QUEUE_DRIVER as QueueConfig['driver'],
    dataDir: resolve(env.DATA_DIR),
    sqliteSynchronous: env.SQLITE_SYNCHRONOUS as QueueConfig['sqliteSynchronous'],
    leaseMs: env.QUEUE_LEASE_MS,
    dedupTtlSeconds: env.DEDUP_TTL_SECONDS,
    recordStateTtlSeconds: env.RECORD_STATE_TTL_SECONDS,
  };
}

export const queueConfig = configNamespace('queue', queueSettings);
