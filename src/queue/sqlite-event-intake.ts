import type { LoggerService } from '@nestjs/common';
import type { Database } from 'better-sqlite3';
import { EventIntake } from './event-intake';
import { GroupCommit } from './sqlite-group-commit';
import { IntakeStatements, intakeStatements } from './sqlite-statements';
import { recordKeyOf } from '../shared/dialog-completed-event';
import { DEFAULT_SOURCE, EnqueueResult, NewEvent, plannedDeliveries } from './stored-event';
import { storedPayload } from './stored-payload';

/** The webhook's side of the SQLite store: an enqueue resolves once its group commit is on disk. */
export class SqliteEventIntake implements EventIntake {
  private readonly statements: IntakeStatements;

  constructor(
    db: Database,
    private readonly commit: GroupCommit,
    private readonly dedupTtlMs: number,
    private readonly logger: LoggerService,
  ) {
    this.statements = intakeStatements(db);
  }

  enqueue(event: NewEvent): Promise<EnqueueResult> {
    return this.commit.add(() => {
      // The dedup window is measured on the receipt clock, the same clock that opened it.
      const result = this.insert(event, event.receivedAt);
      if (result.outcome === 'accepted') this.commit.wakeWorkerAfterCommit();
      return result;
    });
  }

  /** One row per delivery, all in this write's savepoint: every target gets the event, or none does. */
  private insert(event: NewEvent, now: number): EnqueueResult {
    const { bodyHash } = event;
    const first = bodyHash ? this.statements.bodySeen.get(bodyHash, now) : undefined;
    if (first) return { outcome: 'duplicate', eventId: first.event_id };
    this.statements.expire.run(event.eventId, now);
    if (this.statements.known.get(event.eventId)) {
      if (bodyHash) this.logger.warn(`Event id ${event.eventId} reused with a different body: the first body wins`);
      return { outcome: 'duplicate', eventId: event.eventId };
    }
    const dedupUntil = event.receivedAt + this.dedupTtlMs;
    for (const { target, upsert } of plannedDeliveries(event)) {
      this.statements.insert.run({
        eventId: event.eventId,
        target,
        source: event.source ?? DEFAULT_SOURCE,
        intent: upsert.intent,
        objectType: upsert.objectType,
        externalId: upsert.externalId,
        recordKey: recordKeyOf(upsert),
        conversationId: event.event.conversationId,
        eventTime: event.eventTime,
        receivedAt: event.receivedAt,
        requestId: event.requestId,
        payload: storedPayload(event.event, upsert, event.trace),
        dedupUntil,
      });
    }
    if (bodyHash) this.statements.rememberBody.run(bodyHash, event.eventId, dedupUntil);
    return { outcome: 'accepted', eventId: event.eventId };
  }
}
