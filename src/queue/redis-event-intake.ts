import { EnqueueSignal } from './enqueue-signal';
import { EventIntake } from './event-intake';
import { StoreUnavailableError } from './queue-errors';
import { withTimeout } from './redis-clients';
import { RedisConnections } from './redis-connections';
import { WritesInFlight } from './redis-writes-in-flight';
import { LatestCommit } from './store-health';
import { DEFAULT_SOURCE, EnqueueResult, NewEvent, PlannedDelivery, plannedDeliveries } from './stored-event';
import { storedPayload } from './stored-payload';
import { recordKeyOf } from '../shared/dialog-completed-event';

/**
 * The webhook's side of the Redis store: an enqueue resolves once Redis has the event and its job
 * (and, with REDIS_MIN_REPLICAS_ACK > 0, once that many replicas have them too).
 */
export class RedisEventIntake implements EventIntake {
  constructor(
    private readonly connections: RedisConnections,
    private readonly writes: WritesInFlight,
    private readonly latest: LatestCommit,
    private readonly enqueued: EnqueueSignal,
  ) {}

  /**
   * Answers within its deadline (redis.config.ts) whatever Redis does: a master that stops
   * answering mid-enqueue is a 503 like one that is gone (the writes may still land: the sender's
   * retry is then a duplicate).
   */
  async enqueue(event: NewEvent): Promise<EnqueueResult> {
    const deadline = this.connections.redisConfig.enqueueDeadlineMs;
    try {
      return await withTimeout(
        this.write(event),
        deadline,
        () => new Error(`no answer from Redis within ${deadline} ms`),
      );
    } catch (error) {
      this.latest.record((error as Error).message);
      throw new StoreUnavailableError(error);
    }
  }

  private async write(event: NewEvent): Promise<EnqueueResult> {
    const { redis, prefix, logger } = this.connections;
    // A replayed body needs no job (one added anyway would wait and be dropped, as below).
    const first = event.bodyHash ? await redis.get(`${prefix}:body:${event.bodyHash}`) : null;
    if (first) {
      // "We have it" must hold after a failover too: the replicas hold the first event.
      await this.connections.confirm(false);
      return { outcome: 'duplicate', eventId: first };
    }
    const [verdict, eventId] = await this.writes.track(event.eventId, this.addAndWrite(event));
    this.latest.record(null);
    if (verdict === 1) this.enqueued.notify();
    if (verdict === 0 && event.bodyHash) {
      logger.warn(`Event id ${event.eventId} reused with a different body: the first body wins`);
    }
    return { outcome: verdict === 1 ? 'accepted' : 'duplicate', eventId };
  }

  /**
   * Jobs first: a job without its delivery waits and is dropped; a delivery without a job would
   * never be made (the script writes nothing when a job is not on this master: a failover lost it).
   */
  private async addAndWrite(event: NewEvent): Promise<[number, string]> {
    const deliveries = plannedDeliveries(event);
    const jobKeys = await Promise.all(deliveries.map(({ target }) => this.connections.addJob(event.eventId, target)));
    const [verdict, eventId] = (await this.connections.runAcked(
      'enqueue',
      ...eventArguments(event, this.connections.config.dedupTtlSeconds * 1000, event.bodyHash ?? ''),
      ...deliveries.flatMap((delivery, i) => [...deliveryArguments(event, delivery), jobKeys[i]]),
    )) as [number, string];
    if (verdict === 3) throw new Error('a delivery job was gone before its event was written');
    // Confirmed at once (no await before): the WAIT answers for the connection the write came back on.
    await this.connections.confirm(verdict === 1);
    return [verdict, eventId];
  }
}

/**
 * What the enqueue and import scripts take first (ARGV[2] to ARGV[10]): the event's own fields.
 * A stored delivery carries its event's (`upsert` stands for its intent).
 */
export function eventArguments(
  event: Pick<NewEvent, 'eventId' | 'event' | 'eventTime' | 'receivedAt' | 'requestId' | 'upsert' | 'source'>,
  dedupTtlMs: number,
  bodyHash: string,
): Array<string | number> {
  return [
    event.eventId,
    dedupTtlMs,
    event.eventTime,
    event.receivedAt,
    event.requestId,
    event.event.conversationId,
    bodyHash,
    event.source ?? DEFAULT_SOURCE,
    event.upsert.intent,
  ];
}

/** One delivery as the enqueue and import scripts take it: target, object type, external id, record key, payload. */
export function deliveryArguments(
  event: Pick<NewEvent, 'event' | 'trace'>,
  { target, upsert }: PlannedDelivery,
): string[] {
  const { objectType, externalId } = upsert;
  return [target, objectType, externalId, recordKeyOf(upsert), storedPayload(event.event, upsert, event.trace)];
}
