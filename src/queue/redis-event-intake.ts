import { EnqueueSignal } from './enqueue-signal';
import { EventIntake } from './event-intake';
import { StoreUnavailableError } from './queue-errors';
import { RedisConnections } from './redis-connections';
import { WritesInFlight } from './redis-writes-in-flight';
import { LatestCommit } from './store-health';
import { EnqueueResult, NewEvent } from './stored-event';

/** The webhook's side of the Redis store: an enqueue resolves once Redis has the event and its job. */
export class RedisEventIntake implements EventIntake {
  constructor(
    private readonly connections: RedisConnections,
    private readonly writes: WritesInFlight,
    private readonly latest: LatestCommit,
    private readonly enqueued: EnqueueSignal,
  ) {}

  async enqueue(event: NewEvent): Promise<EnqueueResult> {
    const { redis, prefix, logger } = this.connections;
    try {
      // A replayed body needs no job (one added anyway would wait and be dropped, as below).
      const first = event.bodyHash ? await redis.get(`${prefix}:body:${event.bodyHash}`) : null;
      if (first) return { outcome: 'duplicate', eventId: first };
      const [verdict, eventId] = await this.writes.track(event.eventId, this.addAndWrite(event));
      this.latest.record(null);
      if (verdict === 1) this.enqueued.notify();
      if (verdict === 0 && event.bodyHash) {
        logger.warn(`Event id ${event.eventId} reused with a different body: the first body wins`);
      }
      return { outcome: verdict === 1 ? 'accepted' : 'duplicate', eventId };
    } catch (error) {
      this.latest.record((error as Error).message);
      throw new StoreUnavailableError(error);
    }
  }

  /**
   * Job first: a job without its event waits and is dropped; an event without a job would never
   * be delivered.
   */
  private async addAndWrite(event: NewEvent): Promise<[number, string]> {
    await this.connections.addJob(event.eventId);
    return (await this.connections.runScript(
      'enqueue',
      ...eventArguments(event, this.connections.config.dedupTtlSeconds * 1000),
      event.bodyHash ?? '',
    )) as [number, string];
  }
}

/** What the enqueue and import scripts take first (ARGV[2] to ARGV[11]): the event as stored. */
export function eventArguments(event: NewEvent, dedupTtlMs: number): Array<string | number> {
  const { upsert } = event;
  return [
    event.eventId,
    dedupTtlMs,
    JSON.stringify({ event: event.event, upsert }),
    upsert.intent,
    upsert.objectType,
    upsert.externalId,
    event.eventTime,
    event.receivedAt,
    event.requestId,
    event.event.conversationId,
  ];
}
