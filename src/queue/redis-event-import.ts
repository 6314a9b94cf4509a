import { RedisConnections } from './redis-connections';
import { deliveryArguments, eventArguments } from './redis-event-intake';
import { RecordState, TransferredEvent } from './store-transfer-lines';
import { DEFAULT_TARGET } from './stored-event';

/**
 * The Redis store's side of a move from another store: an event arrives in its state (queued or
 * dead) with its attempts and history, a record with its newest delivered event time. Written by
 * the store's own scripts (redis-scripts.ts), so the layout stays theirs.
 */
export class RedisEventImport {
  constructor(private readonly connections: RedisConnections) {}

  /** False when the store holds that delivery already (it is left as it is). */
  async importEvent(event: TransferredEvent): Promise<boolean> {
    const queued = event.state === 'queued';
    const target = event.target ?? DEFAULT_TARGET;
    // As on enqueue: the job first, so no queued delivery is ever without one.
    if (queued) await this.connections.addJob(event.eventId, target);
    const imported = await this.connections.runScript(
      'import_event',
      ...eventArguments(event, this.connections.config.dedupTtlSeconds * 1000, ''),
      ...deliveryArguments(event, { target, upsert: event.upsert }),
      queued ? 'queued' : 'dead',
      event.attempts,
      event.replays,
      event.nextAttemptAt,
      event.lastStatus ?? '',
      event.lastError ?? '',
      event.failedAt ?? '',
      ...event.history.map((attempt) => JSON.stringify(attempt)),
    );
    return Number(imported) === 1;
  }

  async importRecordState(record: RecordState): Promise<void> {
    await this.connections.runScript(
      'import_record',
      record.target ?? DEFAULT_TARGET,
      record.objectType,
      record.externalId,
      record.lastEventTime,
      this.connections.config.recordStateTtlSeconds * 1000,
      Date.now(),
    );
  }
}
