import { Logger } from '@nestjs/common';
import IORedis from 'ioredis';
import { randomUUID } from 'node:crypto';
import { QueueConfig } from '../src/config/queue.config';
import { RedisEventStore } from '../src/queue/redis-event-store';
import { claimWithin, dueEvent, eventIds } from '../src/queue/stored-event.fixture';
import { Telemetry } from '../src/telemetry/telemetry';
import { cleanRedis, describeWithRedis, redisUrl, testRedisConfig } from './support/drivers';
import { sleep } from './support/wait-for';

/**
 * What only the Redis driver has: several instances sharing one store. Each
 * "instance" is a RedisEventStore of its own (own connections, own BullMQ worker) on the same key
 * prefix. The behaviour both drivers share is in event-store-{intake,claims,dead-letters,reads}.e2e-spec.ts.
 */

const T0 = Date.parse('2026-11-26T10:00:00Z');

describeWithRedis('RedisEventStore (several instances on one Redis)', () => {
  let prefix: string;
  const open = new Set<RedisEventStore>();

  /** One more instance on this test's prefix. */
  async function instance(overrides: Partial<QueueConfig> = {}): Promise<RedisEventStore> {
    const config = { driver: 'redis', dataDir: '/nonexistent', sqliteSynchronous: 'full', leaseMs: 2000 } as const;
    const store = new RedisEventStore(
      { ...config, dedupTtlSeconds: 86400, recordStateTtlSeconds: 2_592_000, ...overrides },
      testRedisConfig(prefix),
      new Telemetry(),
    );
    open.add(store);
    await store.onModuleInit();
    return store;
  }

  /** Orderly shutdown (Nest's hook): the instance gives back what it holds, then closes. */
  async function shutdown(store: RedisEventStore): Promise<void> {
    open.delete(store);
    await store.onApplicationShutdown();
  }

  /**
   * The instance dies (kill -9): its lease renewals stop and its connections go, but nothing it
   * holds is given back. The shutdown hook releases the claims it knows of, so it is made to forget
   * them first (the claims map is the store's only memory of them).
   */
  async function crash(store: RedisEventStore): Promise<void> {
    const claims = (store.delivery as unknown as { claims: Map<string, { renew: NodeJS.Timeout }> }).claims;
    for (const claim of claims.values()) clearInterval(claim.renew);
    claims.clear();
    await shutdown(store);
  }

  beforeAll(() => Logger.overrideLogger(false));
  beforeEach(() => {
    prefix = `ccs-test-${randomUUID().slice(0, 8)}`;
  });
  afterEach(async () => {
    for (const store of [...open]) await shutdown(store);
    await cleanRedis({ QUEUE_DRIVER: 'redis', REDIS_KEY_PREFIX: prefix });
  });

  it('warns at startup when Redis keeps neither an AOF nor snapshots', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn');
    try {
      const admin = new IORedis(redisUrl());
      const [, aof] = (await admin.config('GET', 'appendonly')) as string[];
      const [, save] = (await admin.config('GET', 'save')) as string[];
      admin.disconnect();
      await instance();
      const warned = warn.mock.calls.some(([message]) => /neither AOF nor snapshots/.test(String(message)));
      // The test Redis of .ci/run runs with --save "" --appendonly no; a local one may persist.
      expect(warned).toBe(aof !== 'yes' && !save);
    } finally {
      warn.mockRestore();
    }
  });

  it('orders events stored before the record key (no recordKey in their hash) by their external id', async () => {
    const store = await instance();
    await store.intake.enqueue(dueEvent({ eventId: 'kept-first', externalId: 'K-1', eventTime: T0 }));
    await store.intake.enqueue(dueEvent({ eventId: 'kept-second', externalId: 'K-1', eventTime: T0 + 1 }));
    // As the previous release wrote them: the same hash without the field.
    const admin = new IORedis(redisUrl());
    try {
      for (const id of ['kept-first', 'kept-second']) {
        expect(await admin.hdel(`${prefix}:store:ev:${id}`, 'recordKey')).toBe(1);
      }
    } finally {
      admin.disconnect();
    }
    expect(eventIds(await claimWithin(store.delivery, 1))).toEqual(['kept-first']);
    expect(await claimWithin(store.delivery, Number.POSITIVE_INFINITY, 600)).toEqual([]);
    await store.delivery.markDead('kept-first', 1, { status: 400, error: 'bad request' });
    expect(eventIds(await claimWithin(store.delivery, 1))).toEqual(['kept-second']);
    await store.delivery.markDelivered('kept-second', 1, { status: 200, error: null });
    // A replayed dead letter goes back into its record's queue: older than the delivered one, stale.
    expect(await store.operators.replayDead('kept-first')).toBe(true);
    expect(await claimWithin(store.delivery, 1)).toEqual([
      expect.objectContaining({ eventId: 'kept-first', stale: true }),
    ]);
  });

  it('shares duplicate detection: an id accepted by one instance is a duplicate on the other', async () => {
    const [a, b] = [await instance(), await instance()];
    expect((await a.intake.enqueue(dueEvent({ eventId: 'shared-1' }))).outcome).toBe('accepted');
    expect((await b.intake.enqueue(dueEvent({ eventId: 'shared-1', externalId: 'other' }))).outcome).toBe('duplicate');
    expect((await b.operators.get('shared-1'))?.upsert.externalId).toBe('C-1');

    const racing = await Promise.all([
      a.intake.enqueue(dueEvent({ eventId: 'race', externalId: 'R' })),
      b.intake.enqueue(dueEvent({ eventId: 'race', externalId: 'R' })),
    ]);
    expect(racing.map((o) => o.outcome).sort()).toEqual(['accepted', 'duplicate']);
    expect(await a.operators.countByState()).toEqual({ queued: 2, delivered: 0, dead: 0, stale: 0 });
    expect(await b.operators.countByState()).toEqual({ queued: 2, delivered: 0, dead: 0, stale: 0 });
  });

  it('never lets the other instance claim an event of a record one instance holds, not even a late older one', async () => {
    const [a, b] = [await instance(), await instance()];
    await a.intake.enqueue(dueEvent({ eventId: 'mid', externalId: 'X', eventTime: T0 + 100 }));
    await a.intake.enqueue(dueEvent({ eventId: 'newer', externalId: 'X', eventTime: T0 + 200 }));
    expect(eventIds(await a.delivery.claimDue(10))).toEqual(['mid']);
    // Arrives later but is older: the head of the record now, yet the record is held by A.
    await b.intake.enqueue(dueEvent({ eventId: 'older', externalId: 'X', eventTime: T0 }));
    await b.intake.enqueue(dueEvent({ eventId: 'free', externalId: 'Y' }));

    const meanwhile = [
      ...(await claimWithin(b.delivery, Number.POSITIVE_INFINITY, 1000)),
      ...(await a.delivery.claimDue(10)),
    ];
    expect(eventIds(meanwhile)).toEqual(['free']);

    await a.delivery.markDelivered('mid', 1, { status: 200, error: null });
    const [older] = await claimWithin(b.delivery, 1);
    expect(older).toMatchObject({ eventId: 'older', stale: true });
    expect(await a.delivery.claimDue(10)).toEqual([]);
    await b.delivery.markStale('older');
    const next = [...(await claimWithin(a.delivery, 1)), ...(await b.delivery.claimDue(10))];
    expect(next).toEqual([expect.objectContaining({ eventId: 'newer', stale: false })]);
  });

  it('delivers each event once, one at a time per record and in event-time order, with two instances consuming', async () => {
    const [a, b] = [await instance(), await instance()];
    const expected: Record<string, string[]> = { R: [], S: [], T: [] };
    const arrivals: { eventId: string; externalId: string; eventTime: number }[] = [];
    for (const externalId of Object.keys(expected)) {
      for (let i = 0; i < 5; i++) {
        const eventId = `${externalId}-${i}`;
        expected[externalId].push(eventId);
        arrivals.push({ eventId, externalId, eventTime: T0 + i * 10 });
      }
    }
    // Arrival order is not event-time order (newest first for every record), alternating instances.
    for (const [i, e] of [...arrivals].reverse().entries()) await (i % 2 ? a : b).intake.enqueue(dueEvent(e));

    const inFlight = new Map<string, string>();
    const delivered: Record<string, string[]> = { R: [], S: [], T: [] };
    const claimedBy = { a: 0, b: 0 };
    const violations: string[] = [];
    const deadline = Date.now() + 20_000;
    const total = arrivals.length;
    const count = () => Object.values(delivered).reduce((n, list) => n + list.length, 0);

    async function consume(store: RedisEventStore, name: 'a' | 'b'): Promise<void> {
      while (count() < total && Date.now() < deadline) {
        const batch = await store.delivery.claimDue(4);
        await Promise.all(
          batch.map(async (claimed) => {
            const record = claimed.upsert.externalId;
            const holder = inFlight.get(record);
            if (holder) violations.push(`${claimed.eventId} claimed by ${name} while ${holder} was in flight`);
            if (claimed.stale) violations.push(`${claimed.eventId} flagged stale`);
            inFlight.set(record, `${claimed.eventId}@${name}`);
            claimedBy[name] += 1;
            await sleep(20 + Math.random() * 30);
            inFlight.delete(record);
            delivered[record].push(claimed.eventId);
            await store.delivery.markDelivered(claimed.eventId, 1, { status: 200, error: null });
          }),
        );
        if (batch.length === 0) await sleep(25);
      }
    }

    await Promise.all([consume(a, 'a'), consume(b, 'b')]);
    expect(violations).toEqual([]);
    expect(delivered).toEqual(expected);
    expect(claimedBy.a + claimedBy.b).toBe(total);
    expect(await a.operators.countByState()).toEqual({ queued: 0, delivered: total, dead: 0, stale: 0 });
  });

  it('lets another instance take over the events of an instance that died, after the lease', async () => {
    const leaseMs = 1500;
    const [a, b] = [await instance({ leaseMs }), await instance({ leaseMs })];
    await a.intake.enqueue(dueEvent({ eventId: 'orphan', externalId: 'O' }));
    await a.intake.enqueue(dueEvent({ eventId: 'orphan-next', externalId: 'O', eventTime: T0 + 1 }));
    expect(eventIds(await a.delivery.claimDue(10))).toEqual(['orphan']);

    // While A lives it renews its lease: B gets nothing, even well past one lease.
    expect(await claimWithin(b.delivery, Number.POSITIVE_INFINITY, 2 * leaseMs)).toEqual([]);

    await crash(a);
    const diedAt = Date.now();
    // Not before its last renewed lease has run out...
    expect(await claimWithin(b.delivery, Number.POSITIVE_INFINITY, leaseMs / 2)).toEqual([]);
    // ...then within lease + two stalled checks (lease / 3 each), plus polling.
    const takenOver = await claimWithin(b.delivery, 1, 10_000);
    const after = Date.now() - diedAt;
    expect(eventIds(takenOver)).toEqual(['orphan']);
    expect(takenOver[0]).toMatchObject({ attempts: 0, state: 'queued', stale: false });
    expect(after).toBeLessThan(4000);

    await b.delivery.markDelivered('orphan', 1, { status: 200, error: null });
    expect(eventIds(await claimWithin(b.delivery, 1))).toEqual(['orphan-next']);
  });

  it('gives its claimed events back at once when an instance shuts down, without using an attempt', async () => {
    const [a, b] = [await instance({ leaseMs: 30_000 }), await instance({ leaseMs: 30_000 })];
    await a.intake.enqueue(dueEvent({ eventId: 'handed-back', externalId: 'H' }));
    await a.intake.enqueue(dueEvent({ eventId: 'handed-back-next', externalId: 'H', eventTime: T0 + 1 }));
    expect(eventIds(await a.delivery.claimDue(10))).toEqual(['handed-back']);
    expect(await claimWithin(b.delivery, Number.POSITIVE_INFINITY, 600)).toEqual([]);

    await shutdown(a);
    // Far sooner than the 30 s lease, and still in order: the older event first.
    const [again] = await claimWithin(b.delivery, 1, 2000);
    expect(again).toMatchObject({ eventId: 'handed-back', attempts: 0, stale: false });
    expect(await claimWithin(b.delivery, Number.POSITIVE_INFINITY, 600)).toEqual([]);
  });

  it('hands out the events it claimed beside one that could not be read, instead of holding them forever', async () => {
    const store = await instance();
    for (const id of ['readable-1', 'unreadable', 'readable-2']) {
      await store.intake.enqueue(dueEvent({ eventId: id, externalId: `R-${id}` }));
    }
    const admin = new IORedis(redisUrl());
    await admin.hset(`${prefix}:store:ev:unreadable`, 'payload', '{not json');
    admin.disconnect();
    // One wave fetches all three jobs; reading the unreadable one throws.
    expect(eventIds(await store.delivery.claimDue(10)).sort()).toEqual(['readable-1', 'readable-2']);
  });

  it('deletes a delivered event after its dedup window with its attempts and search entries, keeping dead letters', async () => {
    const store = await instance({ dedupTtlSeconds: 1 });
    const attempt = { at: T0, status: 200, error: null, durationMs: 3 };
    await store.intake.enqueue(dueEvent({ eventId: 'swept', externalId: 'SW' }));
    await store.intake.enqueue(dueEvent({ eventId: 'kept', externalId: 'KE' }));
    expect(eventIds(await claimWithin(store.delivery, 2)).sort()).toEqual(['kept', 'swept']);
    await store.delivery.markDelivered('swept', 1, { status: 200, error: null }, [attempt]);
    await store.delivery.markDead('kept', 1, { status: 400, error: 'no' }, [{ ...attempt, status: 400 }]);
    expect(await store.operators.attemptsOf('swept')).toEqual([attempt]);

    expect(await store.sweep(Date.now())).toBe(0); // still inside the window
    expect(await store.sweep(Date.now() + 1500)).toBe(1);
    expect(await store.operators.get('swept')).toBeNull();
    expect(await store.operators.attemptsOf('swept')).toEqual([]);
    expect((await store.operators.search({ externalId: 'SW' }, 10)).items).toEqual([]);
    expect(eventIds((await store.operators.search({ externalId: 'KE' }, 10)).items)).toEqual(['kept']);
    expect(await store.operators.attemptsOf('kept')).toHaveLength(1);
    const client = new IORedis(redisUrl());
    try {
      const left = await client.zrange(`${prefix}:store:ix:ext`, 0, -1);
      expect(left.some((member) => member.includes('swept'))).toBe(false);
    } finally {
      client.disconnect();
    }
  });
});
