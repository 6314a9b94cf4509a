import { StoreUnavailableError } from './queue-errors';
import { RedisConnections } from './redis-connections';
import { RedisEventQueries } from './redis-event-queries';
import { CommitOutcome, LatestCommit, StoreHealth } from './store-health';
import { EventState } from './stored-event';

/** What health checks and metrics ask of the Redis store. */
export class RedisStoreHealth implements StoreHealth {
  constructor(
    private readonly connections: RedisConnections,
    private readonly queries: RedisEventQueries,
    private readonly latest: LatestCommit,
  ) {}

  /** Writes a probe key on the webhook path's connection: it fails as an enqueue would. */
  async checkWritable(): Promise<void> {
    const { redis, prefix } = this.connections;
    try {
      await redis.set(`${prefix}:health`, String(Date.now()), 'PX', 60_000);
      this.latest.record(null);
    } catch (error) {
      this.latest.record((error as Error).message);
      throw new StoreUnavailableError(error);
    }
  }

  async latestCommit(): Promise<CommitOutcome | null> {
    return this.latest.get();
  }

  countByState(): Promise<Record<EventState, number>> {
    return this.queries.countByState();
  }

  oldestQueuedAt(): Promise<number | null> {
    return this.queries.oldestQueuedAt();
  }
}
