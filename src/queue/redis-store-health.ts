import { StoreUnavailableError } from './queue-errors';
import { RedisConnections } from './redis-connections';
import { RedisEventQueries } from './redis-event-queries';
import { RedisStoreWatch } from './redis-store-watch';
import { CommitOutcome, LatestCommit, StoreHealth } from './store-health';
import { EventState } from './stored-event';

/** What health checks and metrics ask of the Redis store. */
export class RedisStoreHealth implements StoreHealth {
  constructor(
    private readonly connections: RedisConnections,
    private readonly queries: RedisEventQueries,
    private readonly latest: LatestCommit,
    private readonly watch: RedisStoreWatch,
  ) {}

  /**
   * Writes a probe key as an enqueue writes (with replica acks: confirmed by the replicas too, what
   * a 202 needs): it fails when an enqueue would.
   */
  async checkWritable(): Promise<void> {
    const { acked, prefix } = this.connections;
    try {
      await acked.set(`${prefix}:health`, String(Date.now()), 'PX', 60_000);
      await this.connections.confirm(true);
      this.latest.record(null);
    } catch (error) {
      this.latest.record((error as Error).message);
      throw new StoreUnavailableError(error);
    }
  }

  async latestCommit(): Promise<CommitOutcome | null> {
    return this.latest.get();
  }

  /** Also what a reset of the store reports as the events believed queued. */
  async countByState(): Promise<Record<EventState, number>> {
    const [counts, marker] = await Promise.all([
      this.queries.countByState(),
      this.connections.redis.get(this.watch.markerKey),
    ]);
    this.watch.noteQueued(counts.queued, marker);
    return counts;
  }

  countByTarget(): Promise<Record<string, Record<EventState, number>>> {
    return this.queries.countByTarget();
  }

  oldestQueuedAt(): Promise<number | null> {
    return this.queries.oldestQueuedAt();
  }
}
