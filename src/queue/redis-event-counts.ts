import { RedisClient } from './redis-clients';
import { DEFAULT_TARGET, EventState, StoreActivity } from './stored-event';

const MINUTE_MS = 60_000;

/**
 * The counting reads of the Redis store: deliveries by state (in all and per target), the oldest
 * queued one, per-minute activity.
 */
export class RedisEventCounts {
  constructor(
    protected readonly redis: RedisClient,
    protected readonly prefix: string,
  ) {}

  async activity(minutes: number, now: number): Promise<StoreActivity> {
    const first = now - (now % MINUTE_MS) - (minutes - 1) * MINUTE_MS;
    const starts = Array.from({ length: minutes }, (_, i) => first + i * MINUTE_MS);
    const pipeline = this.redis.pipeline();
    for (const minute of starts) pipeline.hmget(`${this.prefix}:min:${minute}`, 'delivered', 'dead');
    const counts = (await pipeline.exec()) ?? [];
    const perMinute = starts.map((minute, i) => {
      const [delivered, dead] = (counts[i]?.[1] ?? []) as Array<string | null>;
      return { minute, delivered: Number(delivered ?? 0), deadLettered: Number(dead ?? 0) };
    });
    return { perMinute, oldestQueuedAt: await this.oldestQueuedAt() };
  }

  async countByState(): Promise<Record<EventState, number>> {
    const [queued, dead, delivered, stale] = await Promise.all([
      this.redis.scard(`${this.prefix}:queued`),
      this.redis.zcard(`${this.prefix}:dead`),
      this.redis.get(`${this.prefix}:count:delivered`),
      this.redis.get(`${this.prefix}:count:stale`),
    ]);
    return { queued, dead, delivered: Number(delivered ?? 0), stale: Number(stale ?? 0) };
  }

  /**
   * Per target: a target other than `default` keeps its own counts (tq, td, tc); `default`'s are
   * the totals minus the others' (what the previous release stored counts only in the totals).
   */
  async countByTarget(): Promise<Record<string, Record<EventState, number>>> {
    const targets = await this.redis.smembers(`${this.prefix}:targets`);
    const pipeline = this.redis.pipeline();
    for (const t of targets) {
      pipeline.scard(`${this.prefix}:tq:${t}`);
      pipeline.zcard(`${this.prefix}:td:${t}`);
      pipeline.get(`${this.prefix}:tc:${t}:delivered`);
      pipeline.get(`${this.prefix}:tc:${t}:stale`);
    }
    const [results, totals] = await Promise.all([pipeline.exec(), this.countByState()]);
    const counts: Record<string, Record<EventState, number>> = {};
    const rest = { ...totals };
    targets.forEach((t, i) => {
      const [queued, dead, delivered, stale] = [0, 1, 2, 3].map((k) => Number(results?.[i * 4 + k]?.[1] ?? 0));
      counts[t] = { queued, dead, delivered, stale };
      for (const state of Object.keys(rest) as EventState[]) rest[state] -= counts[t][state];
    });
    if (Object.values(rest).some((n) => n > 0)) counts[DEFAULT_TARGET] = rest;
    return counts;
  }

  /** Queued deliveries of `target` (see countByTarget). */
  async countQueued(target: string): Promise<number> {
    if (target !== DEFAULT_TARGET) return this.redis.scard(`${this.prefix}:tq:${target}`);
    const others = await this.redis.smembers(`${this.prefix}:targets`);
    const pipeline = this.redis.pipeline().scard(`${this.prefix}:queued`);
    for (const t of others) pipeline.scard(`${this.prefix}:tq:${t}`);
    const [total, ...rest] = ((await pipeline.exec()) ?? []).map(([, n]) => Number(n ?? 0));
    return rest.reduce((left, n) => left - n, total);
  }

  /** The lowest score of the queued ids by receipt time: O(log n) in the sorted set. */
  async oldestQueuedAt(): Promise<number | null> {
    const [, oldest] = await this.redis.zrange(`${this.prefix}:queued:at`, 0, 0, 'WITHSCORES');
    return oldest === undefined ? null : Number(oldest);
  }
}
