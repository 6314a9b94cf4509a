import { RedisClient } from './redis-clients';
import {
  AttemptRecord,
  DeadLetterFilter,
  EventPage,
  EventSearch,
  EventState,
  StoreActivity,
  StoredEvent,
} from './stored-event';
import { fromPayload } from './stored-payload';

/** Candidates are read in batches of this many. */
const BATCH = 100;
/**
 * A search by state or intent alone walks every event newest first: one page looks at most this
 * many, then answers what it found with a cursor to go on (the operators' lookups by conversation
 * or external id use their own index and never hit this).
 */
const SCAN_BUDGET = 2000;
const MINUTE_MS = 60_000;

/** A source of candidate events, newest first: `[seq, id]` pairs below `before`. */
type Candidates = (before: number, count: number) => Promise<Array<[number, string]>>;

const pad = (seq: number) => String(seq).padStart(15, '0');

/**
 * The reads of the Redis store: one event, search, filtered dead letters, attempt history, counts
 * and per-minute activity, over the keys that the scripts in redis-scripts.ts keep.
 */
export class RedisEventQueries {
  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
  ) {}

  async get(eventId: string): Promise<StoredEvent | null> {
    const hash = await this.redis.hgetall(`${this.prefix}:ev:${eventId}`);
    return hash.state ? toStored(eventId, hash) : null;
  }

  private async getMany(ids: string[]): Promise<Array<{ id: string; hash: Record<string, string> }>> {
    if (ids.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.hgetall(`${this.prefix}:ev:${id}`);
    const results = (await pipeline.exec()) ?? [];
    return ids.map((id, i) => ({ id, hash: (results[i]?.[1] ?? {}) as Record<string, string> }));
  }

  async attemptsOf(eventId: string): Promise<AttemptRecord[]> {
    const entries = await this.redis.lrange(`${this.prefix}:att:${eventId}`, 0, -1);
    return entries.map((entry) => JSON.parse(entry) as AttemptRecord);
  }

  async search(filter: EventSearch, limit: number, cursor?: string): Promise<EventPage> {
    const before = cursor ? Number(cursor) : Number.MAX_SAFE_INTEGER;
    const matches = (h: Record<string, string>) =>
      (filter.conversationId === undefined || h.conversationId === filter.conversationId) &&
      (filter.externalId === undefined || h.externalId === filter.externalId) &&
      (filter.state === undefined || h.state === filter.state) &&
      (filter.intent === undefined || h.intent === filter.intent);
    return this.collect(this.candidatesFor(filter), before, limit, matches);
  }

  private candidatesFor(filter: EventSearch): Candidates {
    if (filter.conversationId !== undefined) return this.byValue('ix:conv', filter.conversationId);
    if (filter.externalId !== undefined) return this.byValue('ix:ext', filter.externalId);
    return this.byScore(filter.state === 'dead' ? 'dead' : 'ix:seq');
  }

  /**
   * Entries `<len>:<value>:<seq 15>|<id>` of one value, newest first. `<len>` is what the scripts'
   * `string.len` counts: UTF-8 bytes, not UTF-16 units (`é` is 2, an emoji 4).
   */
  private byValue(key: string, value: string): Candidates {
    const prefix = `${Buffer.byteLength(value, 'utf8')}:${value}:`;
    return async (before, count) => {
      const max = before === Number.MAX_SAFE_INTEGER ? `(${prefix};` : `(${prefix}${pad(before)}`;
      const members = await this.redis.zrevrangebylex(`${this.prefix}:${key}`, max, `[${prefix}`, 'LIMIT', 0, count);
      return members.map((m) => {
        const rest = m.slice(prefix.length);
        return [Number(rest.slice(0, 15)), rest.slice(16)] as [number, string];
      });
    };
  }

  private byScore(key: string): Candidates {
    return async (before, count) => {
      const flat = await this.redis.zrevrangebyscore(
        `${this.prefix}:${key}`,
        `(${before}`,
        '-inf',
        'WITHSCORES',
        'LIMIT',
        0,
        count,
      );
      const pairs: Array<[number, string]> = [];
      for (let i = 0; i < flat.length; i += 2) pairs.push([Number(flat[i + 1]), flat[i]]);
      return pairs;
    };
  }

  /** Walks `candidates` from `before` down, keeping matches, within the scan budget. */
  private async collect(
    candidates: Candidates,
    before: number,
    limit: number,
    matches: (hash: Record<string, string>) => boolean,
  ): Promise<EventPage> {
    const items: StoredEvent[] = [];
    let cursor = before;
    let examined = 0;
    for (;;) {
      const batch = await candidates(cursor, BATCH);
      const hashes = await this.getMany(batch.map(([, id]) => id));
      for (const [i, [seq, id]] of batch.entries()) {
        examined += 1;
        cursor = seq;
        const { hash } = hashes[i];
        // An entry left by an event deleted or expired meanwhile, or re-received under a new seq.
        if (!hash.state || Number(hash.seq) !== seq || !matches(hash)) continue;
        items.push(toStored(id, hash));
        if (items.length === limit)
          return { items, nextCursor: (await candidates(cursor, 1)).length > 0 ? String(cursor) : null };
      }
      if (batch.length < BATCH) return { items, nextCursor: null };
      if (examined >= SCAN_BUDGET) return { items, nextCursor: String(cursor) };
    }
  }

  /** Dead letters matching `filter`, oldest first, from after the seq `after`. */
  async listDead(limit: number, after: number, filter: DeadLetterFilter): Promise<EventPage> {
    const items: StoredEvent[] = [];
    const seqs: number[] = [];
    let from = after;
    for (;;) {
      const flat = await this.redis.zrangebyscore(
        `${this.prefix}:dead`,
        `(${from}`,
        '+inf',
        'WITHSCORES',
        'LIMIT',
        0,
        BATCH,
      );
      const ids = flat.filter((_, i) => i % 2 === 0);
      for (const [i, { id, hash }] of (await this.getMany(ids)).entries()) {
        from = Number(flat[i * 2 + 1]);
        if (!hash.state || !matchesDead(hash, filter)) continue;
        if (items.length === limit) return { items, nextCursor: String(seqs[seqs.length - 1]) };
        items.push(toStored(id, hash));
        seqs.push(from);
      }
      if (ids.length < BATCH) return { items, nextCursor: null };
    }
  }

  /** Ids of every dead letter matching `filter`, oldest first. */
  async deadIds(filter: DeadLetterFilter): Promise<string[]> {
    const matching: string[] = [];
    const all = await this.redis.zrange(`${this.prefix}:dead`, 0, -1);
    for (let i = 0; i < all.length; i += BATCH) {
      for (const { id, hash } of await this.getMany(all.slice(i, i + BATCH))) {
        if (hash.state === 'dead' && matchesDead(hash, filter)) matching.push(id);
      }
    }
    return matching;
  }

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
      this.countQueued(),
      this.redis.zcard(`${this.prefix}:dead`),
      this.redis.get(`${this.prefix}:count:delivered`),
      this.redis.get(`${this.prefix}:count:stale`),
    ]);
    return { queued, dead, delivered: Number(delivered ?? 0), stale: Number(stale ?? 0) };
  }

  countQueued(): Promise<number> {
    return this.redis.scard(`${this.prefix}:queued`);
  }

  /** The lowest score of the queued ids by receipt time: O(log n) in the sorted set. */
  async oldestQueuedAt(): Promise<number | null> {
    const [, oldest] = await this.redis.zrange(`${this.prefix}:queued:at`, 0, 0, 'WITHSCORES');
    return oldest === undefined ? null : Number(oldest);
  }
}

function matchesDead(h: Record<string, string>, f: DeadLetterFilter): boolean {
  const failedAt = Number(h.failedAt);
  return (
    (f.intent === undefined || h.intent === f.intent) &&
    (f.objectType === undefined || h.objectType === f.objectType) &&
    (f.lastStatus === undefined || h.lastStatus === String(f.lastStatus)) &&
    (f.failedAfter === undefined || failedAt >= f.failedAfter) &&
    (f.failedBefore === undefined || failedAt < f.failedBefore)
  );
}

export function toStored(eventId: string, h: Record<string, string>): StoredEvent {
  const num = (v: string | undefined) => (v === undefined || v === '' ? null : Number(v));
  return {
    eventId,
    ...fromPayload(h.payload),
    eventTime: Number(h.eventTime),
    receivedAt: Number(h.receivedAt),
    requestId: h.requestId,
    state: h.state as EventState,
    attempts: Number(h.attempts),
    replays: Number(h.replays),
    nextAttemptAt: Number(h.nextAttemptAt),
    lastStatus: num(h.lastStatus),
    lastError: h.lastError || null,
    crmRecordId: h.crmRecordId || null,
    created: h.created ? h.created === 'true' : null,
    deliveredAt: num(h.deliveredAt),
    failedAt: num(h.failedAt),
  };
}
