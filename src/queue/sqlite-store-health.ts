import type { Database } from 'better-sqlite3';
import { SqliteEventReads } from './sqlite-event-reads';
import { GroupCommit } from './sqlite-group-commit';
import { healthStatements } from './sqlite-statements';
import { CommitOutcome, StoreHealth } from './store-health';
import { EventState } from './stored-event';

/** What health checks and metrics ask of the SQLite store. */
export class SqliteStoreHealth implements StoreHealth {
  private readonly probe: ReturnType<typeof healthStatements>['probe'];

  constructor(
    db: Database,
    private readonly commit: GroupCommit,
    private readonly reads: SqliteEventReads,
  ) {
    this.probe = healthStatements(db).probe;
  }

  /** The probe joins the next group commit, so it fails as an enqueue would. */
  async checkWritable(): Promise<void> {
    await this.commit.add(() => this.probe.run(Date.now()));
  }

  async latestCommit(): Promise<CommitOutcome | null> {
    return this.commit.latestOutcome();
  }

  async countByState(): Promise<Record<EventState, number>> {
    return this.reads.countByState();
  }

  async countByTarget(): Promise<Record<string, Record<EventState, number>>> {
    return this.reads.countByTarget();
  }

  async oldestQueuedAt(): Promise<number | null> {
    return this.reads.oldestQueuedAt();
  }
}
