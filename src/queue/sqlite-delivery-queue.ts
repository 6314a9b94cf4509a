import type { Database } from 'better-sqlite3';
import { DeliveryQueue } from './delivery-queue';
import { EnqueueSignal } from './enqueue-signal';
import { minuteOf, SqliteEventReads, toStored } from './sqlite-event-reads';
import { GroupCommit } from './sqlite-group-commit';
import { DeliveryStatements, deliveryStatements, DueRow } from './sqlite-statements';
import { AttemptRecord, AttemptResult, ClaimedEvent } from './stored-event';

/**
 * The delivery worker's side of the SQLite store. Claims are held in memory (the `claimed` and
 * `ready` tables live in the connection's temp schema): a single process owns the file, and a
 * restart releases them. Outcomes are written in the next group commit, then the claim ends.
 */
export class SqliteDeliveryQueue implements DeliveryQueue {
  private readonly statements: DeliveryStatements;
  /** Claimed event id → its record (object type, external id), so ending a claim needs no read. */
  private readonly claimedEvents = new Map<string, [string, string]>();

  constructor(
    private readonly db: Database,
    private readonly commit: GroupCommit,
    private readonly enqueued: EnqueueSignal,
    private readonly reads: SqliteEventReads,
    /** How long a record's newest delivered event time is kept (RECORD_STATE_TTL_SECONDS). */
    private readonly recordStateTtlMs: number,
  ) {
    this.statements = deliveryStatements(db);
  }

  onEnqueued(listener: () => void): void {
    this.enqueued.listen(listener);
  }

  async claimDue(limit: number, now = Date.now()): Promise<ClaimedEvent[]> {
    if (limit <= 0) return [];
    const rows = this.statements.due.all(now, limit);
    if (rows.length > 0) this.holdRecords(rows);
    return rows.map((row) => {
      const event = toStored(row);
      return { ...event, stale: row.record_last_time != null && event.eventTime < row.record_last_time };
    });
  }

  /** Takes the claimed heads off the ready list until their claims end (memory only: no commit). */
  private holdRecords(rows: DueRow[]): void {
    this.db.transaction(() => {
      for (const row of rows) {
        this.claimedEvents.set(row.event_id, [row.object_type, row.record_key]);
        this.statements.markRecordClaimed.run(row.object_type, row.record_key);
        this.statements.dropFromReadyList.run(row.object_type, row.record_key);
      }
    })();
  }

  /** Ends a claim: the record's head (the same event if still queued, or the next one) is ready again. */
  private endClaim(eventId: string): void {
    const record = this.claimedEvents.get(eventId);
    if (record === undefined) return;
    this.claimedEvents.delete(eventId);
    // After shutdown closed the file, the ready list is gone with it.
    if (!this.db.open) return;
    this.db.transaction(() => {
      this.statements.unmarkRecordClaimed.run(...record);
      this.statements.dropFromReadyList.run(...record);
      this.statements.readyNextHead.run(...record);
    })();
  }

  /** Records a claimed event's outcome in the next group commit, then ends its claim. */
  private async writeOutcome(eventId: string, write: () => unknown): Promise<void> {
    try {
      await this.commit.add(write);
    } finally {
      this.endClaim(eventId);
    }
  }

  markDelivered(eventId: string, attempts: number, result: AttemptResult, made: AttemptRecord[] = []): Promise<void> {
    return this.writeOutcome(eventId, () => {
      const row = this.reads.row(eventId);
      if (!row) return;
      const now = Date.now();
      const { status, error, crmRecordId = null, created = null } = result;
      const createdFlag = created === null ? null : Number(created);
      this.statements.delivered.run({ eventId, attempts, status, error, crmRecordId, created: createdFlag, now });
      const keepUntil = Math.max(now, row.event_time) + this.recordStateTtlMs;
      this.statements.recordDelivered.run(row.object_type, row.record_key, row.event_time, keepUntil);
      this.recordAttempts(eventId, made);
      this.statements.countMinute.run({ minute: minuteOf(now), delivered: 1, dead: 0 });
    });
  }

  scheduleRetry(
    eventId: string,
    attempts: number,
    at: number,
    result: AttemptResult,
    made: AttemptRecord[] = [],
  ): Promise<void> {
    return this.writeOutcome(eventId, () => {
      this.statements.retry.run({ eventId, attempts, at, status: result.status, error: result.error });
      this.recordAttempts(eventId, made);
    });
  }

  release(eventId: string, at: number): Promise<void> {
    return this.writeOutcome(eventId, () => this.statements.release.run(at, eventId));
  }

  markDead(eventId: string, attempts: number, result: AttemptResult, made: AttemptRecord[] = []): Promise<void> {
    return this.writeOutcome(eventId, () => {
      const now = Date.now();
      this.statements.dead.run({ eventId, attempts, status: result.status, error: result.error, now });
      this.recordAttempts(eventId, made);
      this.statements.countMinute.run({ minute: minuteOf(now), delivered: 0, dead: 1 });
    });
  }

  markStale(eventId: string): Promise<void> {
    return this.writeOutcome(eventId, () => this.statements.stale.run(eventId));
  }

  private recordAttempts(eventId: string, made: AttemptRecord[]): void {
    for (const attempt of made) this.statements.attempt.run({ eventId, ...attempt });
  }

  /**
   * When claimDue can next hand something out: the ready list holds no event of a claimed record
   * and none waiting behind an older one of its record.
   */
  async nextDueAt(): Promise<number | null> {
    return this.statements.nextDue.get()?.at ?? null;
  }
}
