import type { Database } from 'better-sqlite3';
import { DeliveryQueue, targetQueue } from './delivery-queue';
import { EnqueueSignal } from './enqueue-signal';
import { minuteOf, SqliteEventReads, toStored } from './sqlite-event-reads';
import { GroupCommit } from './sqlite-group-commit';
import { DeliveryStatements, deliveryStatements, DueRow } from './sqlite-statements';
import { AttemptRecord, AttemptResult, ClaimedEvent, DEFAULT_TARGET } from './stored-event';

type RecordKey = [target: string, objectType: string, recordKey: string];

/** What a claim holds: the claimed event's record, and its event time for the record's newest. */
interface Claim {
  record: RecordKey;
  eventTime: number;
}

/**
 * The delivery worker's side of the SQLite store, one queue per target (`forTarget`) over one
 * connection. Claims are held in memory (the `claimed` and `ready` tables live in the connection's
 * temp schema): a single process owns the file, and a restart releases them. Outcomes are written
 * in the next group commit, then the claim ends.
 */
export class SqliteDeliveryQueue implements DeliveryQueue {
  private readonly statements: DeliveryStatements;
  /** Claimed event id → its claim, so neither recording a delivery nor ending the claim needs a read. */
  private readonly claimedEvents = new Map<string, Claim>();
  /** The other targets' queues (the `default` one keeps them): each target's claims in one place. */
  private readonly queues = new Map<string, SqliteDeliveryQueue>();
  /** holdRecords and releaseRecord, each as one transaction of the connection. */
  private readonly inTransaction: {
    holdRecords: (rows: DueRow[]) => void;
    releaseRecord: (record: RecordKey) => void;
  };

  constructor(
    private readonly db: Database,
    private readonly commit: GroupCommit,
    private readonly enqueued: EnqueueSignal,
    private readonly reads: SqliteEventReads,
    /** How long a record's newest delivered event time is kept (RECORD_STATE_TTL_SECONDS). */
    private readonly recordStateTtlMs: number,
    readonly target = DEFAULT_TARGET,
    private readonly first?: SqliteDeliveryQueue,
  ) {
    this.statements = deliveryStatements(db);
    // Made once: one runs per claim, the other per delivery.
    this.inTransaction = {
      holdRecords: db.transaction((rows: DueRow[]) => this.holdRecords(rows)),
      releaseRecord: db.transaction((record: RecordKey) => this.releaseRecord(record)),
    };
  }

  forTarget(target: string): SqliteDeliveryQueue {
    if (this.first) return this.first.forTarget(target);
    const make = (t: string) =>
      new SqliteDeliveryQueue(this.db, this.commit, this.enqueued, this.reads, this.recordStateTtlMs, t, this);
    return targetQueue(this, this.queues, target, make);
  }

  onEnqueued(listener: () => void): void {
    this.enqueued.listen(listener);
  }

  async claimDue(limit: number, now = Date.now()): Promise<ClaimedEvent[]> {
    if (limit <= 0) return [];
    const rows = this.statements.due.all(this.target, now, limit);
    if (rows.length > 0) this.inTransaction.holdRecords(rows);
    return rows.map((row) => {
      const event = toStored(row);
      return { ...event, stale: row.record_last_time != null && event.eventTime < row.record_last_time };
    });
  }

  /** Takes the claimed heads off the ready list until their claims end (memory only: no commit). */
  private holdRecords(rows: DueRow[]): void {
    for (const row of rows) {
      const record: RecordKey = [row.target, row.object_type, row.record_key];
      this.claimedEvents.set(row.event_id, { record, eventTime: row.event_time });
      this.statements.markRecordClaimed.run(...record);
      this.statements.dropFromReadyList.run(...record);
    }
  }

  /** Puts a record back: no longer claimed, and its head on the ready list again. */
  private releaseRecord(record: RecordKey): void {
    this.statements.unmarkRecordClaimed.run(...record);
    this.statements.dropFromReadyList.run(...record);
    this.statements.readyNextHead.run(...record);
  }

  /** Ends a claim: the record's head (the same event if still queued, or the next one) is ready again. */
  private endClaim(eventId: string): void {
    const record = this.claimedEvents.get(eventId)?.record;
    if (record === undefined) return;
    this.claimedEvents.delete(eventId);
    // After shutdown closed the file, the ready list is gone with it.
    if (!this.db.open) return;
    this.inTransaction.releaseRecord(record);
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
    const { target } = this;
    return this.writeOutcome(eventId, () => {
      const { statements } = this;
      const claimed = this.claimedOrStored(eventId);
      if (!claimed) return;
      const { record, eventTime } = claimed;
      const now = Date.now();
      const { status, error, crmRecordId = null, created = null } = result;
      const createdFlag = created === null ? null : Number(created);
      statements.delivered.run({ eventId, target, attempts, status, error, crmRecordId, created: createdFlag, now });
      const keepUntil = Math.max(now, eventTime) + this.recordStateTtlMs;
      statements.recordDelivered.run(...record, eventTime, keepUntil);
      this.recordAttempts(eventId, made);
      statements.countMinute.run({ minute: minuteOf(now), delivered: 1, dead: 0 });
    });
  }

  /** The claim of `eventId`, else (an outcome without a claim) its record and time as stored. */
  private claimedOrStored(eventId: string): Claim | undefined {
    const claim = this.claimedEvents.get(eventId);
    if (claim) return claim;
    const row = this.reads.row(eventId, this.target);
    return row && { record: [this.target, row.object_type, row.record_key], eventTime: row.event_time };
  }

  scheduleRetry(
    eventId: string,
    attempts: number,
    at: number,
    result: AttemptResult,
    made: AttemptRecord[] = [],
  ): Promise<void> {
    const { target } = this;
    return this.writeOutcome(eventId, () => {
      this.statements.retry.run({ eventId, target, attempts, at, status: result.status, error: result.error });
      this.recordAttempts(eventId, made);
    });
  }

  release(eventId: string, at: number): Promise<void> {
    return this.writeOutcome(eventId, () => this.statements.release.run(at, eventId, this.target));
  }

  markDead(eventId: string, attempts: number, result: AttemptResult, made: AttemptRecord[] = []): Promise<void> {
    const { target } = this;
    return this.writeOutcome(eventId, () => {
      const now = Date.now();
      const { statements } = this;
      statements.dead.run({ eventId, target, attempts, status: result.status, error: result.error, now });
      this.recordAttempts(eventId, made);
      statements.countMinute.run({ minute: minuteOf(now), delivered: 0, dead: 1 });
    });
  }

  markStale(eventId: string): Promise<void> {
    return this.writeOutcome(eventId, () => this.statements.stale.run(eventId, this.target));
  }

  private recordAttempts(eventId: string, made: AttemptRecord[]): void {
    for (const attempt of made) this.statements.attempt.run({ eventId, target: this.target, ...attempt });
  }

  /**
   * When claimDue can next hand something out: the ready list holds no event of a claimed record
   * and none waiting behind an older one of its record.
   */
  async nextDueAt(): Promise<number | null> {
    return this.statements.nextDue.get(this.target)?.at ?? null;
  }
}
