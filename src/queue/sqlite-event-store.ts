import type { LoggerService } from '@nestjs/common';
import type { Database } from 'better-sqlite3';
import type { QueueConfig } from '../config/queue.config';
import { EnqueueSignal } from './enqueue-signal';
import { eventsFile, openEventsDatabase } from './sqlite-database';
import { SqliteDeliveryQueue } from './sqlite-delivery-queue';
import { SqliteEventIntake } from './sqlite-event-intake';
import { SqliteEventReads } from './sqlite-event-reads';
import { GroupCommit } from './sqlite-group-commit';
import { SqliteOperatorEvents } from './sqlite-operator-events';
import { purgeStatements } from './sqlite-statements';
import { SqliteStoreHealth } from './sqlite-store-health';

const PURGE_INTERVAL_MS = 60_000;

/**
 * The embedded default store: one SQLite file in WAL mode under DATA_DIR, one part per port over
 * it (intake, delivery, operators, health), sharing the group commit (sqlite-group-commit.ts).
 *
 * It runs in the store thread (sqlite-store-thread.ts), which loads only this file's imports: no
 * Nest at run time (types only), so the thread's V8 instance stays small. Its log lines go to
 * `logger`: the main thread's logger, through the thread's messages.
 */
export class SqliteEventStore {
  readonly intake: SqliteEventIntake;
  readonly delivery: SqliteDeliveryQueue;
  readonly operators: SqliteOperatorEvents;
  readonly health: SqliteStoreHealth;
  private readonly db: Database;
  private readonly commit: GroupCommit;
  private readonly expired: ReturnType<typeof purgeStatements>;
  private readonly purgeTimer: NodeJS.Timeout;

  constructor(
    config: QueueConfig,
    private readonly logger: LoggerService,
  ) {
    this.db = openEventsDatabase(config);
    const enqueued = new EnqueueSignal();
    const reads = new SqliteEventReads(this.db);
    this.commit = new GroupCommit(this.db, logger, enqueued);
    this.intake = new SqliteEventIntake(this.db, this.commit, config.dedupTtlSeconds * 1000, logger);
    this.delivery = new SqliteDeliveryQueue(this.db, this.commit, enqueued, reads, config.recordStateTtlSeconds * 1000);
    this.operators = new SqliteOperatorEvents(this.db, enqueued, reads);
    this.health = new SqliteStoreHealth(this.db, this.commit, reads);
    this.expired = purgeStatements(this.db);
    // Like the Redis store: a delivered or stale event is kept for the dedup window, then dropped,
    // so the file does not grow without bound. Queued and dead events stay until acted on.
    this.purgeTimer = setInterval(() => this.purge(), PURGE_INTERVAL_MS);
    this.purgeTimer.unref();
    logger.log(`Event store: SQLite at ${eventsFile(config)} (synchronous=${config.sqliteSynchronous})`);
  }

  /**
   * Drops delivered and stale events whose dedup window has passed (returns how many), the body
   * hashes of that window, and the state of records whose window (RECORD_STATE_TTL_SECONDS) has
   * passed with nothing queued and no event of theirs left in its dedup window.
   */
  purge(now = Date.now()): number {
    try {
      const purged = this.expired.events.run(now).changes;
      this.expired.bodies.run(now);
      this.expired.records.run({ now });
      return purged;
    } catch (error) {
      this.logger.warn(`Purge of expired events failed: ${(error as Error).message}`);
      return 0;
    }
  }

  /** Commits what is waiting, then closes the file (the worker has drained by now). */
  close(): void {
    clearInterval(this.purgeTimer);
    this.commit.flushPending();
    this.db.close();
  }
}
