import { EventState } from './stored-event';

/** How the store's latest write went: `error` is null when it was committed. */
export interface CommitOutcome {
  at: number;
  error: string | null;
}

/** The outcome of a store's latest write, as its writers report it and StoreHealth answers it. */
export class LatestCommit {
  private outcome: CommitOutcome | null = null;

  /** `error`: why the write failed, or null when it was committed. */
  record(error: string | null): void {
    this.outcome = { at: Date.now(), error };
  }

  get(): CommitOutcome | null {
    return this.outcome;
  }
}

/** What health checks, metrics and the startup warning of removed targets ask of the store. */
export abstract class StoreHealth {
  /** Writes a probe; throws when the store cannot currently be written. */
  abstract checkWritable(): Promise<void>;
  /**
   * The outcome of the latest commit (events, outcomes or probe), null before the first one.
   * Asynchronous: the SQLite store answers from its own thread.
   */
  abstract latestCommit(): Promise<CommitOutcome | null>;
  abstract countByState(): Promise<Record<EventState, number>>;
  /** Deliveries by state, per target that has any stored (queue depth per target). */
  abstract countByTarget(): Promise<Record<string, Record<EventState, number>>>;
  /** Receipt time (epoch ms) of the oldest queued event, null when nothing is queued. An index read. */
  abstract oldestQueuedAt(): Promise<number | null>;
}

/**
 * The targets `counts` (countByTarget's answer) shows queued or dead deliveries of: those still
 * need their target's runtime (queued) or an operator (dead), while delivered and stale ones need
 * nothing more. Sorted, so what names them reads the same on every start and scrape.
 */
export function targetsHoldingDeliveries(counts: Record<string, Record<EventState, number>>): string[] {
  return Object.keys(counts)
    .filter((target) => (counts[target].queued ?? 0) > 0 || (counts[target].dead ?? 0) > 0)
    .sort();
}
