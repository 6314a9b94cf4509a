import type { LoggerService } from '@nestjs/common';
import type { Database } from 'better-sqlite3';
import { EnqueueSignal } from './enqueue-signal';
import { StoreUnavailableError } from './queue-errors';
import { CommitOutcome, LatestCommit } from './store-health';

/** A write waiting for the next group commit. */
interface PendingWrite {
  run: () => unknown;
  resolve: (result: unknown) => void;
  reject: (error: unknown) => void;
}

/** A write of a group commit that failed alone (its savepoint was rolled back). */
class FailedWrite {
  constructor(readonly cause: unknown) {}
}

/**
 * The SQLite store's write path: every write of one event-loop turn (enqueues, delivery outcomes,
 * health probes alike) shares one transaction, so one fsync acknowledges many webhooks. Each write
 * resolves once its commit is on disk; one that fails alone (its own savepoint) fails only itself.
 */
export class GroupCommit {
  private pending: PendingWrite[] = [];
  private flushScheduled = false;
  /** Whether the commit being flushed accepted a new event (wakes the worker once). */
  private acceptedInBatch = false;
  /** The first write that failed in the commit being flushed (SQLite may then abort the commit). */
  private failedWrite: Error | null = null;
  private readonly latest = new LatestCommit();

  constructor(
    private readonly db: Database,
    private readonly logger: LoggerService,
    private readonly enqueued: EnqueueSignal,
  ) {}

  /** Runs `write` in the next group commit; resolves with its result once committed. */
  add<T>(write: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ run: write, resolve: resolve as (result: unknown) => void, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** For a write that stored a new event: the worker is woken once, after this commit is on disk. */
  wakeWorkerAfterCommit(): void {
    this.acceptedInBatch = true;
  }

  /** How the latest commit went (events, outcomes or probe), null before the first one. */
  latestOutcome(): CommitOutcome | null {
    return this.latest.get();
  }

  /** Commits what is waiting now (at shutdown, before the file closes). */
  flushPending(): void {
    if (this.pending.length > 0) this.flush();
  }

  private flush(): void {
    const batch = this.pending;
    this.pending = [];
    this.flushScheduled = false;
    this.acceptedInBatch = false;
    this.failedWrite = null;
    let results: unknown[];
    try {
      results = this.db.transaction(() => batch.map(({ run }) => this.savepoint(run)))();
    } catch (error) {
      this.logger.error(`Commit of ${batch.length} write(s) failed: ${(error as Error).message}`);
      // A full disk rolls the whole transaction back: name the write's error, not "no transaction".
      this.latest.record(this.failedWriteMessage() ?? (error as Error).message);
      batch.forEach((p) => p.reject(new StoreUnavailableError(error)));
      return;
    }
    // A write that failed inside a commit that went through (a full disk fails the larger writes
    // first) still says the store cannot take events.
    this.latest.record(this.failedWriteMessage());
    batch.forEach((p, i) => {
      const result = results[i];
      if (result instanceof FailedWrite) p.reject(new StoreUnavailableError(result.cause));
      else p.resolve(result);
    });
    if (this.acceptedInBatch) this.enqueued.notify();
  }

  /** Set by the savepoints of the flush under way (hence read through a call, not narrowed). */
  private failedWriteMessage(): string | null {
    return this.failedWrite?.message ?? null;
  }

  /** One bad write must not fail the others it shares the commit with: a savepoint each. */
  private savepoint(run: () => unknown): unknown {
    try {
      return this.db.transaction(run)();
    } catch (error) {
      this.logger.error(`A write failed: ${(error as Error).message}`);
      this.failedWrite ??= error as Error;
      return new FailedWrite(error);
    }
  }
}
