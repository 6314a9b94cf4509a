import { deliveryRef, parseRef } from './redis-connections';
import { RedisEventCounts } from './redis-event-counts';
import {
  AttemptRecord,
  DEFAULT_SOURCE,
  DEFAULT_TARGET,
  DeadLetterFilter,
  EventPage,
  EventSearch,
  EventState,
  routeOf,
  StoredEvent,
  targetOf,
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

/** A source of candidate deliveries, newest first: `[seq, ref]` pairs below `before`. */
type Candidates = (before: number, count: number) => Promise<Array<[number, string]>>;

const pad = (seq: number) => String(seq).padStart(15, '0');

/**
 * The reads of the Redis store: one event, search, filtered dead letters, attempt history, counts
 * and per-minute activity, over the keys that the scripts in redis-scripts.ts keep.
 */
export class RedisEventQueries extends RedisEventCounts {
  /** The event's delivery to `target`; without one, its first (route order). */
  async get(eventId: string, target?: string): Promise<StoredEvent | null> {
    if (target === undefined) return (await this.deliveriesOf(eventId))[0] ?? null;
    const ref = deliveryRef(eventId, target);
    const hash = await this.redis.hgetall(`${this.prefix}:ev:${ref}`);
    return hash.state ? toStored(ref, hash) : null;
  }

  /** In route order (they were stored in it: by seq). */
  async deliveriesOf(eventId: string): Promise<StoredEvent[]> {
    const found = await this.getMany((await this.targetsOf(eventId)).map((target) => deliveryRef(eventId, target)));
    return found
      .filter(({ hash }) => hash.state)
      .sort((a, b) => Number(a.hash.seq) - Number(b.hash.seq))
      .map(({ id, hash }) => toStored(id, hash));
  }

  /** The targets the event has a delivery for (`dl:<id>`; absent: `default` alone). */
  private async targetsOf(eventId: string): Promise<string[]> {
    const listed = await this.redis.smembers(`${this.prefix}:dl:${eventId}`);
    return listed.length > 0 ? listed : [DEFAULT_TARGET];
  }

  private async getMany(refs: string[]): Promise<Array<{ id: string; hash: Record<string, string> }>> {
    if (refs.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const ref of refs) pipeline.hgetall(`${this.prefix}:ev:${ref}`);
    const results = (await pipeline.exec()) ?? [];
    return refs.map((id, i) => ({ id, hash: (results[i]?.[1] ?? {}) as Record<string, string> }));
  }

  async attemptsOf(eventId: string, target?: string): Promise<AttemptRecord[]> {
    const targets = target === undefined ? (await this.deliveriesOf(eventId)).map(targetOf) : [target];
    const lists = await Promise.all(
      targets.map((t) => this.redis.lrange(`${this.prefix}:att:${deliveryRef(eventId, t)}`, 0, -1)),
    );
    return lists.flat().map((entry) => JSON.parse(entry) as AttemptRecord);
  }

  async search(filter: EventSearch, limit: number, cursor?: string): Promise<EventPage> {
    const before = cursor ? Number(cursor) : Number.MAX_SAFE_INTEGER;
    const matches = (h: Record<string, string>) =>
      (filter.conversationId === undefined || h.conversationId === filter.conversationId) &&
      (filter.externalId === undefined || h.externalId === filter.externalId) &&
      (filter.state === undefined || h.state === filter.state) &&
      (filter.intent === undefined || h.intent === filter.intent) &&
      matchesRoute(h, filter);
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

  /** The dead letters of `target` alone (a target other than `default` has its own set), else all. */
  private deadKey(target: string | undefined): string {
    return target === undefined || target === DEFAULT_TARGET ? `${this.prefix}:dead` : `${this.prefix}:td:${target}`;
  }

  /** Dead letters matching `filter`, oldest first, from after the seq `after`. */
  async listDead(limit: number, after: number, filter: DeadLetterFilter): Promise<EventPage> {
    const items: StoredEvent[] = [];
    const seqs: number[] = [];
    let from = after;
    for (;;) {
      const flat = await this.redis.zrangebyscore(
        this.deadKey(filter.target),
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

  /** Refs of every dead letter matching `filter`, oldest first. */
  async deadRefs(filter: DeadLetterFilter): Promise<string[]> {
    const matching: string[] = [];
    const all = await this.redis.zrange(this.deadKey(filter.target), 0, -1);
    for (let i = 0; i < all.length; i += BATCH) {
      for (const { id, hash } of await this.getMany(all.slice(i, i + BATCH))) {
        if (hash.state === 'dead' && matchesDead(hash, filter)) matching.push(id);
      }
    }
    return matching;
  }
}

/** The route filters: a hash of the previous release has neither field (its delivery is `default`'s). */
function matchesRoute(h: Record<string, string>, f: { source?: string; target?: string }): boolean {
  return (
    (f.source === undefined || (h.source ?? DEFAULT_SOURCE) === f.source) &&
    (f.target === undefined || (h.target ?? DEFAULT_TARGET) === f.target)
  );
}

function matchesDead(h: Record<string, string>, f: DeadLetterFilter): boolean {
  const failedAt = Number(h.failedAt);
  return (
    matchesRoute(h, f) &&
    (f.intent === undefined || h.intent === f.intent) &&
    (f.objectType === undefined || h.objectType === f.objectType) &&
    (f.lastStatus === undefined || h.lastStatus === String(f.lastStatus)) &&
    (f.failedAfter === undefined || failedAt >= f.failedAfter) &&
    (f.failedBefore === undefined || failedAt < f.failedBefore)
  );
}

/** The delivery `ref` names (see redis-script-parts.ts), as its hash holds it. */
export function toStored(ref: string, h: Record<string, string>): StoredEvent {
  const num = (v: string | undefined) => (v === undefined || v === '' ? null : Number(v));
  const { eventId, target } = parseRef(ref);
  return {
    eventId,
    ...routeOf(target, h.source ?? DEFAULT_SOURCE),
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
