import { Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QueueConfig } from '../src/config/queue.config';
import { DeliveryQueue } from '../src/queue/delivery-queue';
import { EventStoreDriver } from '../src/queue/event-store-driver';
import { RedisEventStore } from '../src/queue/redis-event-store';
import { SqliteEventStore } from '../src/queue/sqlite-event-store';
import { DeadLetterFilter, EventSearch } from '../src/queue/stored-event';
import { claimWithin, dueEvent, eventIds, newEvent, NewEventOptions } from '../src/queue/stored-event.fixture';
import { Telemetry } from '../src/telemetry/telemetry';
import { cleanRedis, Driver, describeEachDriver, testRedisConfig } from './support/drivers';
import { sleep } from './support/wait-for';

/**
 * One behaviour suite, two drivers (both pass the same behaviour tests). The same
 * test code runs against the embedded SQLite store and the shared Redis store; a difference between
 * the drivers is a failing test. SQLite-only details (group commit, reopening the file, the busy
 * lock, nextDueAt's exact times) are in src/queue/sqlite-event-store.spec.ts; several Redis
 * instances on one prefix in redis-event-store.e2e-spec.ts.
 *
 * Everything runs in real time: the Redis store ignores claimDue's `now` (BullMQ's delayed set
 * decides when a job is due) and re-checks a job that waited behind a claimed or older event of
 * its record only after ~250 ms, so "becomes claimable" is polled for (claimWithin) and "stays
 * blocked" is watched for a while (claimDuring), never judged from a single call.
 */

const T0 = Date.parse('2026-11-26T10:00:00Z');
const MINUTE = 60_000;
/** Longer than the Redis store's re-check of a blocked job (250 ms), twice over. */
const BLOCKED_WATCH_MS = 600;

/** Everything claimDue hands out while polling for `ms` (expected: nothing, for a blocked event). */
const claimDuring = (queue: DeliveryQueue, ms = BLOCKED_WATCH_MS) => claimWithin(queue, Number.POSITIVE_INFINITY, ms);

describeEachDriver('EventStore behaviour (%s driver)', (driver: Driver) => {
  let root: string;
  let seq = 0;
  let store: EventStoreDriver;
  const open: { close: () => unknown; prefix?: string }[] = [];

  function configFor(overrides: Partial<QueueConfig>): QueueConfig {
    return {
      driver,
      dataDir: join(root, `data-${++seq}`),
      sqliteSynchronous: 'full',
      leaseMs: 2000,
      dedupTtlSeconds: 86400,
      recordStateTtlSeconds: 2_592_000,
      ...overrides,
    };
  }

  /** A fresh, empty store of this driver (own DATA_DIR, or own Redis key prefix). */
  async function openStore(overrides: Partial<QueueConfig> = {}): Promise<EventStoreDriver> {
    const config = configFor(overrides);
    if (driver === 'sqlite') {
      const sqlite = new SqliteEventStore(config, new Logger(SqliteEventStore.name));
      open.push({ close: () => sqlite.close() });
      return sqlite;
    }
    const prefix = `ccs-test-${randomUUID().slice(0, 8)}`;
    const redis = new RedisEventStore(config, testRedisConfig(prefix), new Telemetry());
    open.push({ close: () => redis.onApplicationShutdown(), prefix });
    await redis.onModuleInit();
    return redis;
  }

  beforeAll(() => {
    Logger.overrideLogger(false);
    root = mkdtempSync(join(tmpdir(), 'ccs-event-store-'));
  });
  beforeEach(async () => {
    store = await openStore();
  });
  afterEach(async () => {
    for (const { close, prefix } of open.splice(0)) {
      await close();
      if (prefix) await cleanRedis({ QUEUE_DRIVER: 'redis', REDIS_KEY_PREFIX: prefix });
    }
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  describe('enqueue', () => {
    it('accepts a new event and answers duplicate for the same id, without overwriting it', async () => {
      expect((await store.intake.enqueue(dueEvent({ eventId: 'e1' }))).outcome).toBe('accepted');
      expect((await store.intake.enqueue(dueEvent({ eventId: 'e1', externalId: 'other' }))).outcome).toBe('duplicate');
      expect((await store.intake.enqueue(dueEvent({ eventId: 'e2' }))).outcome).toBe('accepted');
      expect(await store.operators.countByState()).toEqual({ queued: 2, delivered: 0, dead: 0, stale: 0 });
      expect((await store.operators.get('e1'))?.upsert.externalId).toBe('C-1');
    });

    it('accepts exactly one of concurrent enqueues of the same id', async () => {
      const outcomes = await Promise.all([
        store.intake.enqueue(dueEvent({ eventId: 'twin' })),
        store.intake.enqueue(dueEvent({ eventId: 'twin' })),
        store.intake.enqueue(dueEvent({ eventId: 'single', externalId: 'S' })),
      ]);
      expect(outcomes[2].outcome).toBe('accepted');
      expect(
        outcomes
          .slice(0, 2)
          .map((o) => o.outcome)
          .sort(),
      ).toEqual(['accepted', 'duplicate']);
      expect((await store.operators.countByState()).queued).toBe(2);
    });

    it('stores the event, its upsert and the bookkeeping fields, as get() returns them', async () => {
      const input = dueEvent({ eventId: 'full', externalId: 'C-42', eventTime: T0 + 5 });
      await store.intake.enqueue(input);
      expect(await store.operators.get('full')).toEqual({
        ...input,
        state: 'queued',
        attempts: 0,
        replays: 0,
        nextAttemptAt: input.receivedAt,
        lastStatus: null,
        lastError: null,
        crmRecordId: null,
        created: null,
        deliveredAt: null,
        failedAt: null,
      });
      expect(await store.operators.get('unknown')).toBeNull();
    });

    it('keeps what the CRM said about a delivered record: its id and whether it was created', async () => {
      for (const [eventId, externalId] of [
        ['made', 'M'],
        ['changed', 'U'],
        ['silent', 'S'],
      ]) {
        await store.intake.enqueue(dueEvent({ eventId, externalId }));
      }
      expect(eventIds(await claimWithin(store.delivery, 3)).sort()).toEqual(['changed', 'made', 'silent']);
      await store.delivery.markDelivered('made', 1, { status: 201, error: null, crmRecordId: '003A', created: true });
      await store.delivery.markDelivered('changed', 2, {
        status: 200,
        error: null,
        crmRecordId: '003B',
        created: false,
      });
      await store.delivery.markDelivered('silent', 1, { status: 204, error: null });

      expect(await store.operators.get('made')).toMatchObject({
        state: 'delivered',
        crmRecordId: '003A',
        created: true,
      });
      expect(await store.operators.get('changed')).toMatchObject({
        state: 'delivered',
        attempts: 2,
        crmRecordId: '003B',
        created: false,
      });
      expect(await store.operators.get('silent')).toMatchObject({
        state: 'delivered',
        crmRecordId: null,
        created: null,
      });
    });

    it('answers duplicate within DEDUP_TTL_SECONDS, and accepts the id again afterwards once it is no longer queued', async () => {
      const short = await openStore({ dedupTtlSeconds: 1 });
      const fresh = (eventId: string) => newEvent({ eventId, externalId: eventId, receivedAt: Date.now() });
      expect((await short.intake.enqueue(fresh('done'))).outcome).toBe('accepted');
      expect((await short.intake.enqueue(fresh('waiting'))).outcome).toBe('accepted');
      expect(eventIds(await claimWithin(short.delivery, 2)).sort()).toEqual(['done', 'waiting']);
      await short.delivery.markDelivered('done', 1, { status: 200, error: null });
      await short.delivery.release('waiting', Date.now() + MINUTE);
      expect((await short.intake.enqueue(fresh('done'))).outcome).toBe('duplicate');
      expect((await short.intake.enqueue(fresh('waiting'))).outcome).toBe('duplicate');

      await sleep(1100); // the 1 s dedup window must pass

      expect((await short.intake.enqueue(fresh('done'))).outcome).toBe('accepted');
      expect(await short.operators.get('done')).toMatchObject({ state: 'queued', attempts: 0, deliveredAt: null });
      // Still queued: still the same event, whatever the window.
      expect((await short.intake.enqueue(fresh('waiting'))).outcome).toBe('duplicate');
      expect(await short.operators.countByState()).toMatchObject({ queued: 2, dead: 0 });
      // The accepted-again event is delivered again.
      expect(eventIds(await claimWithin(short.delivery, 1))).toEqual(['done']);
    });

    it('wakes its listeners after accepting an event, not for a duplicate', async () => {
      let wakes = 0;
      store.delivery.onEnqueued(() => wakes++);
      await store.intake.enqueue(dueEvent({ eventId: 'w1' }));
      expect(wakes).toBeGreaterThanOrEqual(1);
      const after = wakes;
      expect((await store.intake.enqueue(dueEvent({ eventId: 'w1' }))).outcome).toBe('duplicate');
      expect(wakes).toBe(after);
    });

    it('a byte-identical body is a duplicate of the event first accepted with it, whatever its id', async () => {
      const first = await store.intake.enqueue({ ...dueEvent({ eventId: 'body-1' }), bodyHash: 'h-1' });
      expect(first).toEqual({ outcome: 'accepted', eventId: 'body-1' });
      // The same body under new ids, one of them the id a later event will use: nothing new stored.
      for (const id of ['body-2', 'later-event']) {
        expect(await store.intake.enqueue({ ...dueEvent({ eventId: id }), bodyHash: 'h-1' })).toEqual({
          outcome: 'duplicate',
          eventId: 'body-1',
        });
        expect(await store.operators.get(id)).toBeNull();
      }
      // So the later event itself is still accepted under its id.
      expect(
        await store.intake.enqueue({ ...dueEvent({ eventId: 'later-event', externalId: 'L' }), bodyHash: 'h-2' }),
      ).toEqual({
        outcome: 'accepted',
        eventId: 'later-event',
      });
      expect(await store.operators.countByState()).toMatchObject({ queued: 2 });
    });

    it('an id reused with a different body stays a duplicate: the first body wins', async () => {
      await store.intake.enqueue({ ...dueEvent({ eventId: 'reused' }), bodyHash: 'h-first' });
      const again = await store.intake.enqueue({
        ...dueEvent({ eventId: 'reused', externalId: 'other' }),
        bodyHash: 'h-second',
      });
      expect(again).toEqual({ outcome: 'duplicate', eventId: 'reused' });
      expect((await store.operators.get('reused'))!.upsert.externalId).toBe('C-1');
    });

    it('remembers a body for DEDUP_TTL_SECONDS only', async () => {
      const short = await openStore({ dedupTtlSeconds: 1 });
      const fresh = (eventId: string) => ({
        ...newEvent({ eventId, externalId: eventId, receivedAt: Date.now() }),
        bodyHash: 'h-ttl',
      });
      expect((await short.intake.enqueue(fresh('ttl-1'))).outcome).toBe('accepted');
      expect(await short.intake.enqueue(fresh('ttl-2'))).toEqual({ outcome: 'duplicate', eventId: 'ttl-1' });
      await sleep(1100);
      if (driver === 'sqlite') (short as SqliteEventStore).purge();
      expect(await short.intake.enqueue(fresh('ttl-3'))).toEqual({ outcome: 'accepted', eventId: 'ttl-3' });
    });
  });

  describe('per-record state', () => {
    /** Delivers `eventId` (contact R at `eventTime`) through claim and markDelivered. */
    async function deliver(s: EventStoreDriver, eventId: string, eventTime: number): Promise<void> {
      await s.intake.enqueue(newEvent({ eventId, externalId: 'R', eventTime, receivedAt: Date.now() }));
      expect(eventIds(await claimWithin(s.delivery, 1))).toEqual([eventId]);
      await s.delivery.markDelivered(eventId, 1, { status: 200, error: null });
    }
    /** Whether an event older than the delivered one is handed out as stale. */
    async function olderIsStale(s: EventStoreDriver, eventId: string): Promise<boolean> {
      await s.intake.enqueue(newEvent({ eventId, externalId: 'R', eventTime: T0, receivedAt: Date.now() }));
      const [claimed] = await claimWithin(s.delivery, 1);
      expect(claimed.eventId).toBe(eventId);
      return claimed.stale;
    }
    const expire = async (s: EventStoreDriver) => {
      await sleep(1100); // the 1 s windows must pass
      if (driver === 'sqlite') (s as SqliteEventStore).purge();
    };

    it('is kept past the dedup window, for RECORD_STATE_TTL_SECONDS: an older event is still stale', async () => {
      const short = await openStore({ dedupTtlSeconds: 1, recordStateTtlSeconds: 3600 });
      await deliver(short, 'newest', T0 + 100);
      await expire(short);
      expect(await olderIsStale(short, 'older-after-dedup')).toBe(true);
    });

    it('is dropped once nothing is queued for the record and RECORD_STATE_TTL_SECONDS have passed', async () => {
      const short = await openStore({ dedupTtlSeconds: 1, recordStateTtlSeconds: 1 });
      await deliver(short, 'newest', T0 + 100);
      expect(await olderIsStale(short, 'older-at-once')).toBe(true);
      await short.delivery.markStale('older-at-once');
      await expire(short);
      // Nothing is known of the record any more: an older event is no longer recognised as stale.
      expect(await olderIsStale(short, 'older-later')).toBe(false);
    });

    it('is kept while an event of the record is queued, however long it waits', async () => {
      const short = await openStore({ dedupTtlSeconds: 1, recordStateTtlSeconds: 1 });
      await deliver(short, 'newest', T0 + 100);
      await short.intake.enqueue(
        newEvent({ eventId: 'waiting', externalId: 'R', eventTime: T0 + 200, receivedAt: Date.now() }),
      );
      expect(eventIds(await claimWithin(short.delivery, 1))).toEqual(['waiting']);
      await short.delivery.release('waiting', Date.now() + MINUTE);
      await expire(short);
      expect(await olderIsStale(short, 'older')).toBe(true);
    });
  });

  describe('claimDue', () => {
    it('hands out only the oldest queued event of each record, in event-time order with arrival breaking ties', async () => {
      await store.intake.enqueue(dueEvent({ eventId: 'a-late', externalId: 'A', eventTime: T0 + 100 }));
      await store.intake.enqueue(dueEvent({ eventId: 'a-first', externalId: 'A', eventTime: T0 + 50 }));
      await store.intake.enqueue(dueEvent({ eventId: 'a-tie', externalId: 'A', eventTime: T0 + 50 }));
      await store.intake.enqueue(dueEvent({ eventId: 'b', externalId: 'B', eventTime: T0 + 500 }));
      // Same external id, other object type: another record.
      await store.intake.enqueue(
        dueEvent({ eventId: 'a-ticket', externalId: 'A', objectType: 'ticket', eventTime: T0 + 900 }),
      );

      expect(eventIds(await store.delivery.claimDue(10)).sort()).toEqual(['a-first', 'a-ticket', 'b']);
      expect(await claimDuring(store.delivery)).toEqual([]);

      await store.delivery.markDelivered('a-first', 1, { status: 200, error: null });
      expect(eventIds(await claimWithin(store.delivery, 1))).toEqual(['a-tie']);
      expect(await claimDuring(store.delivery)).toEqual([]);
      await store.delivery.markDelivered('a-tie', 1, { status: 200, error: null });
      const last = await claimWithin(store.delivery, 1);
      expect(eventIds(last)).toEqual(['a-late']);
      expect(last[0].stale).toBe(false);
    });

    it('never hands out the same event twice while it is claimed, and respects the limit', async () => {
      for (let i = 0; i < 5; i++) await store.intake.enqueue(dueEvent({ eventId: `r${i}`, externalId: `R${i}` }));
      const one = await store.delivery.claimDue(2);
      const two = await store.delivery.claimDue(2);
      const three = await store.delivery.claimDue(2);
      expect(one).toHaveLength(2);
      expect(two).toHaveLength(2);
      expect(three).toHaveLength(1);
      expect(new Set([...eventIds(one), ...eventIds(two), ...eventIds(three)]).size).toBe(5);
      expect(await claimDuring(store.delivery)).toEqual([]);
      expect(await store.delivery.claimDue(0)).toEqual([]);
    });

    it('hands out the events of different records together', async () => {
      for (let i = 0; i < 5; i++) await store.intake.enqueue(dueEvent({ eventId: `m${i}`, externalId: `M${i}` }));
      expect(eventIds(await store.delivery.claimDue(10)).sort()).toEqual(['m0', 'm1', 'm2', 'm3', 'm4']);
    });

    it('keeps a newer event waiting while the older one is scheduled for retry, and hands it out once the older is delivered', async () => {
      await store.intake.enqueue(dueEvent({ eventId: 'old', externalId: 'R', eventTime: T0 }));
      await store.intake.enqueue(dueEvent({ eventId: 'new', externalId: 'R', eventTime: T0 + 1 }));
      expect(eventIds(await store.delivery.claimDue(10))).toEqual(['old']);
      const retryAt = Date.now() + 1500;
      await store.delivery.scheduleRetry('old', 1, retryAt, { status: 503, error: 'CRM answered 503' });
      expect(await store.operators.get('old')).toMatchObject({
        state: 'queued',
        attempts: 1,
        nextAttemptAt: retryAt,
        lastStatus: 503,
        lastError: 'CRM answered 503',
      });

      // Neither the older (not due yet) nor the newer (must wait for it).
      expect(await claimDuring(store.delivery)).toEqual([]);

      const retried = await claimWithin(store.delivery, 1);
      expect(eventIds(retried)).toEqual(['old']);
      expect(Date.now()).toBeGreaterThanOrEqual(retryAt);
      expect(retried[0]).toMatchObject({ attempts: 1, stale: false });
      await store.delivery.markDelivered('old', 2, { status: 200, error: null });
      const next = await claimWithin(store.delivery, 1);
      expect(eventIds(next)).toEqual(['new']);
      expect(next[0].stale).toBe(false);
    });

    it('lets a released event be claimed again at the given time, without using an attempt', async () => {
      await store.intake.enqueue(dueEvent({ eventId: 'held' }));
      expect(eventIds(await store.delivery.claimDue(10))).toEqual(['held']);
      const at = Date.now() + 1000;
      await store.delivery.release('held', at);
      expect(await store.delivery.claimDue(10)).toEqual([]);
      const again = await claimWithin(store.delivery, 1);
      expect(eventIds(again)).toEqual(['held']);
      expect(Date.now()).toBeGreaterThanOrEqual(at);
      expect(again[0].attempts).toBe(0);
      expect((await store.operators.get('held'))?.attempts).toBe(0);
    });

    it('does not let a dead older event block the newer ones of its record', async () => {
      await store.intake.enqueue(dueEvent({ eventId: 'older', externalId: 'D', eventTime: T0 }));
      await store.intake.enqueue(dueEvent({ eventId: 'newer', externalId: 'D', eventTime: T0 + 1 }));
      expect(eventIds(await store.delivery.claimDue(10))).toEqual(['older']);
      await store.delivery.markDead('older', 1, { status: 400, error: 'bad request' });
      expect(eventIds(await claimWithin(store.delivery, 1))).toEqual(['newer']);
    });

    it('flags an event as stale when a newer event of its record was already delivered', async () => {
      await store.intake.enqueue(dueEvent({ eventId: 'newest', externalId: 'S', eventTime: T0 + 200 }));
      expect(eventIds(await store.delivery.claimDue(10))).toEqual(['newest']);
      await store.delivery.markDelivered('newest', 1, { status: 200, error: null });

      await store.intake.enqueue(dueEvent({ eventId: 'late-older', externalId: 'S', eventTime: T0 + 100 }));
      const [older] = await claimWithin(store.delivery, 1);
      expect(older).toMatchObject({ eventId: 'late-older', stale: true });
      await store.delivery.markStale('late-older');
      expect((await store.operators.get('late-older'))?.state).toBe('stale');

      // Same event time as the delivered one: not older, so not stale.
      await store.intake.enqueue(dueEvent({ eventId: 'same-time', externalId: 'S', eventTime: T0 + 200 }));
      const [same] = await claimWithin(store.delivery, 1);
      expect(same).toMatchObject({ eventId: 'same-time', stale: false });
      // Another record is unaffected.
      await store.intake.enqueue(dueEvent({ eventId: 'elsewhere', externalId: 'S2', eventTime: T0 }));
      const [elsewhere] = await claimWithin(store.delivery, 1);
      expect(elsewhere).toMatchObject({ eventId: 'elsewhere', stale: false });
    });

    it('orders events by their record key: ids differing only in case are one record where the key folds them', async () => {
      /** An event for `externalId` whose record key the connector folded (a CRM matching ids case-insensitively). */
      const folded = (o: NewEventOptions & { externalId: string }) => {
        const event = dueEvent(o);
        return { ...event, upsert: { ...event.upsert, recordKey: o.externalId.toLowerCase() } };
      };
      await store.intake.enqueue(folded({ eventId: 'upper', externalId: 'CASE-1', eventTime: T0 + 100 }));
      await store.intake.enqueue(folded({ eventId: 'lower', externalId: 'case-1', eventTime: T0 + 200 }));
      // Without a record key (rows stored before it): the external id as it is, another record.
      await store.intake.enqueue(dueEvent({ eventId: 'unkeyed', externalId: 'Case-1', eventTime: T0 }));
      expect(eventIds(await store.delivery.claimDue(10)).sort()).toEqual(['unkeyed', 'upper']);
      expect(await claimDuring(store.delivery)).toEqual([]);
      await store.delivery.markDelivered('upper', 1, { status: 200, error: null });
      expect(eventIds(await claimWithin(store.delivery, 1))).toEqual(['lower']);
      await store.delivery.markDelivered('lower', 1, { status: 200, error: null });
      // An older event of the record, in yet another case: stale, as the record's own would be.
      await store.intake.enqueue(folded({ eventId: 'older', externalId: 'Case-1', eventTime: T0 + 150 }));
      expect(await claimWithin(store.delivery, 1)).toEqual([
        expect.objectContaining({ eventId: 'older', stale: true }),
      ]);
      // The external id is kept as sent, for the operators.
      expect((await store.operators.get('lower'))?.upsert).toMatchObject({ externalId: 'case-1', recordKey: 'case-1' });
      expect(eventIds((await store.operators.search({ externalId: 'CASE-1' }, 10)).items)).toEqual(['upper']);
    });

    it('holds back an older event arriving while a newer one of its record is claimed, then hands it out as stale', async () => {
      await store.intake.enqueue(dueEvent({ eventId: 'mid', externalId: 'X', eventTime: T0 + 100 }));
      await store.intake.enqueue(dueEvent({ eventId: 'newer', externalId: 'X', eventTime: T0 + 200 }));
      expect(eventIds(await store.delivery.claimDue(10))).toEqual(['mid']);
      // Arrives later but is older: now the oldest queued event of the record, yet the record is held.
      await store.intake.enqueue(dueEvent({ eventId: 'older', externalId: 'X', eventTime: T0 }));
      expect(await claimDuring(store.delivery)).toEqual([]);

      await store.delivery.markDelivered('mid', 1, { status: 200, error: null });
      const [older] = await claimWithin(store.delivery, 1);
      expect(older).toMatchObject({ eventId: 'older', stale: true });
      expect(await claimDuring(store.delivery)).toEqual([]);
      await store.delivery.markStale('older');
      expect(await claimWithin(store.delivery, 1)).toEqual([
        expect.objectContaining({ eventId: 'newer', stale: false }),
      ]);
    });
  });

  describe('dead letters', () => {
    async function deadLetters(n: number, intent = 'update_customer_profile', prefix = 'dead') {
      for (let i = 0; i < n; i++) {
        const eventId = `${prefix}-${i}`;
        await store.intake.enqueue(dueEvent({ eventId, externalId: `${prefix}-${i}`, intent }));
        expect(eventIds(await claimWithin(store.delivery, 1))).toContain(eventId);
        await store.delivery.markDead(eventId, 15, { status: 500, error: `boom ${i}` });
      }
    }

    it('markDead records attempts, status, error and time', async () => {
      await deadLetters(1);
      const dead = await store.operators.get('dead-0');
      expect(dead).toMatchObject({ state: 'dead', attempts: 15, lastStatus: 500, lastError: 'boom 0' });
      expect(dead?.failedAt).toEqual(expect.any(Number));
      expect(Math.abs((dead?.failedAt as number) - Date.now())).toBeLessThan(5000);
    });

    it('lists dead letters page by page with a cursor, in arrival order', async () => {
      await deadLetters(3, 'update_customer_profile', 'x');
      await store.intake.enqueue(dueEvent({ eventId: 'still-queued', externalId: 'Q' }));
      await deadLetters(2, 'update_customer_profile', 'y');

      const page1 = await store.operators.listDead(2);
      expect(eventIds(page1.items)).toEqual(['x-0', 'x-1']);
      expect(page1.nextCursor).toEqual(expect.any(String));
      const page2 = await store.operators.listDead(2, page1.nextCursor as string);
      expect(eventIds(page2.items)).toEqual(['x-2', 'y-0']);
      const page3 = await store.operators.listDead(2, page2.nextCursor as string);
      expect(eventIds(page3.items)).toEqual(['y-1']);
      expect(page3.nextCursor).toBeNull();

      const exact = await store.operators.listDead(5);
      expect(exact.items).toHaveLength(5);
      expect(exact.nextCursor).toBeNull();
      expect(exact.items[0]).toMatchObject({ state: 'dead', attempts: 15, lastStatus: 500, lastError: 'boom 0' });
    });

    it('replayDead puts a dead letter back: queued, attempts 0, replays + 1, off the list, claimable again', async () => {
      await deadLetters(2);
      expect(await store.operators.replayDead('dead-1')).toBe(true);
      expect(await store.operators.get('dead-1')).toMatchObject({
        state: 'queued',
        attempts: 0,
        replays: 1,
        failedAt: null,
      });
      expect(eventIds((await store.operators.listDead(10)).items)).toEqual(['dead-0']);
      expect(await store.operators.replayDead('dead-1')).toBe(false); // no longer a dead letter
      expect(await store.operators.replayDead('never-seen')).toBe(false);

      const claimed = await claimWithin(store.delivery, 1);
      expect(eventIds(claimed)).toEqual(['dead-1']);
      expect(claimed[0]).toMatchObject({ replays: 1, attempts: 0 });
      await store.delivery.markDead('dead-1', 15, { status: 500, error: 'again' });
      expect(await store.operators.replayDead('dead-1')).toBe(true);
      expect((await store.operators.get('dead-1'))?.replays).toBe(2);
      expect(eventIds(await claimWithin(store.delivery, 1))).toEqual(['dead-1']);
    });

    it('replayAllDead replays every dead letter, or those of one intent', async () => {
      await deadLetters(2, 'update_customer_profile', 'p');
      await deadLetters(3, 'log_support_ticket', 't');
      expect(await store.operators.replayAllDead({ intent: 'log_support_ticket' })).toBe(3);
      expect(eventIds((await store.operators.listDead(10)).items)).toEqual(['p-0', 'p-1']);
      expect(await store.operators.get('t-2')).toMatchObject({ state: 'queued', attempts: 0, replays: 1 });
      expect(await store.operators.replayAllDead({ intent: 'log_support_ticket' })).toBe(0);
      expect(await store.operators.replayAllDead()).toBe(2);
      expect((await store.operators.listDead(10)).items).toEqual([]);
      expect(await store.operators.countByState()).toEqual({ queued: 5, delivered: 0, dead: 0, stale: 0 });
      expect(eventIds(await claimWithin(store.delivery, 5)).sort()).toEqual(['p-0', 'p-1', 't-0', 't-1', 't-2']);
    });

    it('deleteDead removes a dead letter only', async () => {
      await deadLetters(1);
      await store.intake.enqueue(dueEvent({ eventId: 'alive', externalId: 'L' }));
      expect(await store.operators.deleteDead('alive')).toBe(false);
      expect((await store.operators.get('alive'))?.state).toBe('queued');
      expect(await store.operators.deleteDead('dead-0')).toBe(true);
      expect(await store.operators.get('dead-0')).toBeNull();
      expect(await store.operators.deleteDead('dead-0')).toBe(false);
      expect(await store.operators.deleteDead('never-seen')).toBe(false);
      expect((await store.operators.listDead(10)).items).toEqual([]);
      expect(await store.operators.countByState()).toMatchObject({ queued: 1, dead: 0 });
    });

    it('deleteDead forgets the id and the body: the same id or the same bytes are a new event again', async () => {
      await store.intake.enqueue({ ...dueEvent({ eventId: 'gone', externalId: 'G' }), bodyHash: 'h-gone' });
      const [claimed] = await claimWithin(store.delivery, 1);
      expect(claimed.eventId).toBe('gone');
      await store.delivery.markDead('gone', 1, { status: 400, error: 'refused' });
      // While it is a dead letter, its id and its bytes name it.
      expect(await store.intake.enqueue({ ...dueEvent({ eventId: 'other' }), bodyHash: 'h-gone' })).toEqual({
        outcome: 'duplicate',
        eventId: 'gone',
      });
      expect(await store.operators.deleteDead('gone')).toBe(true);
      // No duplicate answer may name it now: the same bytes under another id, then its own id, are new.
      expect(
        await store.intake.enqueue({ ...dueEvent({ eventId: 'resent', externalId: 'G' }), bodyHash: 'h-gone' }),
      ).toEqual({
        outcome: 'accepted',
        eventId: 'resent',
      });
      expect(
        await store.intake.enqueue({ ...dueEvent({ eventId: 'gone', externalId: 'G2' }), bodyHash: 'h-new' }),
      ).toEqual({
        outcome: 'accepted',
        eventId: 'gone',
      });
      expect((await store.operators.get('gone'))?.state).toBe('queued');
    });
  });

  it('countByState counts every state', async () => {
    expect(await store.operators.countByState()).toEqual({ queued: 0, delivered: 0, dead: 0, stale: 0 });
    await store.intake.enqueue(dueEvent({ eventId: 'delivered', externalId: 'R1', eventTime: T0 + 10 }));
    for (const id of ['dead-1', 'dead-2', 'dead-3', 'queued-1'])
      await store.intake.enqueue(dueEvent({ eventId: id, externalId: id }));
    expect(await store.delivery.claimDue(100)).toHaveLength(5);
    await store.delivery.markDelivered('delivered', 1, { status: 200, error: null });
    for (const id of ['dead-1', 'dead-2', 'dead-3']) await store.delivery.markDead(id, 3, { status: 422, error: 'no' });
    await store.intake.enqueue(dueEvent({ eventId: 'stale', externalId: 'R1', eventTime: T0 }));
    await store.intake.enqueue(dueEvent({ eventId: 'queued-2', externalId: 'R2' }));
    const stale = (await claimWithin(store.delivery, 2)).filter((e) => e.stale);
    expect(eventIds(stale)).toEqual(['stale']);
    await store.delivery.markStale('stale');
    expect(await store.operators.countByState()).toEqual({ queued: 2, delivered: 1, dead: 3, stale: 1 });
  });

  it('nextDueAt is null with nothing queued, a time while something is due, null again once all is finished', async () => {
    expect(await store.delivery.nextDueAt()).toBeNull();
    await store.intake.enqueue(dueEvent({ eventId: 'n1', externalId: 'N1' }));
    expect(await store.delivery.nextDueAt()).toEqual(expect.any(Number));
    expect(eventIds(await store.delivery.claimDue(10))).toEqual(['n1']);
    await store.delivery.markDelivered('n1', 1, { status: 200, error: null });
    expect(await store.delivery.nextDueAt()).toBeNull();
  });

  it('oldestQueuedAt is the receipt time of the oldest queued event, claimed or not, null once none is queued', async () => {
    expect(await store.health.oldestQueuedAt()).toBeNull();
    const receivedAt = Date.now() - 90_000;
    await store.intake.enqueue(newEvent({ eventId: 'o1', externalId: 'O1', receivedAt }));
    await store.intake.enqueue(newEvent({ eventId: 'o2', externalId: 'O2', receivedAt: receivedAt + 30_000 }));
    expect(await store.health.oldestQueuedAt()).toBe(receivedAt);
    // Claimed (a delivery in flight) is still queued: it has not reached the CRM yet.
    expect(eventIds(await claimWithin(store.delivery, 2)).sort()).toEqual(['o1', 'o2']);
    expect(await store.health.oldestQueuedAt()).toBe(receivedAt);
    await store.delivery.markDelivered('o1', 1, { status: 200, error: null });
    expect(await store.health.oldestQueuedAt()).toBe(receivedAt + 30_000);
    await store.delivery.markDead('o2', 1, { status: 400, error: 'no' });
    expect(await store.health.oldestQueuedAt()).toBeNull();
  });

  it('checkWritable passes on a healthy store', async () => {
    await expect(store.health.checkWritable()).resolves.toBeUndefined();
  });

  describe("the operators' reads", () => {
    const attempt = (at: number, status: number | null, error: string | null) => ({ at, status, error, durationMs: 7 });

    /** Enqueues, claims and finishes one event as the worker would. */
    async function finished(o: Parameters<typeof dueEvent>[0], finish: (id: string) => Promise<void>): Promise<void> {
      await store.intake.enqueue(dueEvent(o));
      expect(eventIds(await claimWithin(store.delivery, 1))).toEqual([o.eventId]);
      await finish(o.eventId);
    }

    it('keeps every attempt of an event, oldest first, across retries and a replay, and drops them with it', async () => {
      await finished({ eventId: 'h1' }, (id) =>
        store.delivery.scheduleRetry(id, 2, Date.now(), { status: 503, error: 'x' }, [
          attempt(T0, 401, 'a'),
          attempt(T0 + 1, 503, 'x'),
        ]),
      );
      expect(eventIds(await claimWithin(store.delivery, 1))).toEqual(['h1']);
      await store.delivery.markDead('h1', 3, { status: 400, error: 'bad' }, [attempt(T0 + 2, 400, 'bad')]);
      expect(await store.operators.replayDead('h1')).toBe(true);
      expect(eventIds(await claimWithin(store.delivery, 1))).toEqual(['h1']);
      await store.delivery.markDelivered('h1', 1, { status: 200, error: null }, [
        attempt(T0 + 3, null, 'timeout'),
        attempt(T0 + 4, 200, null),
      ]);
      expect(await store.operators.attemptsOf('h1')).toEqual([
        attempt(T0, 401, 'a'),
        attempt(T0 + 1, 503, 'x'),
        attempt(T0 + 2, 400, 'bad'),
        attempt(T0 + 3, null, 'timeout'),
        attempt(T0 + 4, 200, null),
      ]);
      expect(await store.operators.attemptsOf('never-seen')).toEqual([]);

      await finished({ eventId: 'h2', externalId: 'H2' }, (id) =>
        store.delivery.markDead(id, 1, { status: 422, error: 'no' }, [attempt(T0, 422, 'no')]),
      );
      expect(await store.operators.deleteDead('h2')).toBe(true);
      expect(await store.operators.attemptsOf('h2')).toEqual([]);
    });

    it('searches by conversation, external id, state and intent, newest first, with a cursor', async () => {
      const inConversation = (eventId: string, conversationId: string, o: Partial<NewEventOptions> = {}) => {
        const input = dueEvent({ eventId, ...o });
        return store.intake.enqueue({ ...input, event: { ...input.event, conversationId } });
      };
      await inConversation('s1', 'conv-a', { externalId: 'X1' });
      await inConversation('s2', 'conv-b', { externalId: 'X1', eventTime: T0 + 1 });
      await inConversation('s3', 'conv-a', { externalId: 'X2', intent: 'log_support_ticket' });
      await inConversation('s4', 'conv-a:b', { externalId: 'X3' });

      const search = async (filter: EventSearch, limit = 10, cursor?: string) =>
        store.operators.search(filter, limit, cursor);
      expect(eventIds((await search({ conversationId: 'conv-a' })).items)).toEqual(['s3', 's1']);
      expect(eventIds((await search({ conversationId: 'conv' })).items)).toEqual([]);
      expect(eventIds((await search({ externalId: 'X1' })).items)).toEqual(['s2', 's1']);
      expect(eventIds((await search({ intent: 'log_support_ticket' })).items)).toEqual(['s3']);
      expect(eventIds((await search({ state: 'queued' })).items)).toEqual(['s4', 's3', 's2', 's1']);
      expect(eventIds((await search({ conversationId: 'conv-a', intent: 'update_customer_profile' })).items)).toEqual([
        's1',
      ]);
      expect((await search({ state: 'dead' })).items).toEqual([]);

      const first = await search({ state: 'queued' }, 3);
      expect(eventIds(first.items)).toEqual(['s4', 's3', 's2']);
      expect(first.nextCursor).toEqual(expect.any(String));
      const second = await search({ state: 'queued' }, 3, first.nextCursor!);
      expect(eventIds(second.items)).toEqual(['s1']);
      expect(second.nextCursor).toBeNull();
      expect((await search({ conversationId: 'conv-a' }, 2)).nextCursor).toBeNull();
    });

    it('filters dead letters by intent, object type, last status and failure time, and counts them', async () => {
      const dead = async (eventId: string, status: number, o: Partial<NewEventOptions> = {}) =>
        finished({ eventId, externalId: eventId, ...o }, (id) =>
          store.delivery.markDead(id, 1, { status, error: 'no' }),
        );
      const start = Date.now();
      await dead('d1', 400);
      await dead('d2', 422, { intent: 'log_support_ticket', objectType: 'ticket' });
      await sleep(20);
      const middle = Date.now();
      await sleep(20);
      await dead('d3', 400, { intent: 'log_support_ticket', objectType: 'ticket' });

      const list = async (filter: DeadLetterFilter) =>
        eventIds((await store.operators.listDead(10, undefined, filter)).items);
      expect(await list({})).toEqual(['d1', 'd2', 'd3']);
      expect(await list({ intent: 'log_support_ticket' })).toEqual(['d2', 'd3']);
      expect(await list({ objectType: 'contact' })).toEqual(['d1']);
      expect(await list({ lastStatus: 400 })).toEqual(['d1', 'd3']);
      expect(await list({ failedAfter: middle })).toEqual(['d3']);
      expect(await list({ failedAfter: start, failedBefore: middle })).toEqual(['d1', 'd2']);
      expect(await list({ lastStatus: 400, objectType: 'ticket' })).toEqual(['d3']);
      const page = await store.operators.listDead(1, undefined, { lastStatus: 400 });
      expect(eventIds(page.items)).toEqual(['d1']);
      expect(eventIds((await store.operators.listDead(1, page.nextCursor!, { lastStatus: 400 })).items)).toEqual([
        'd3',
      ]);

      expect(await store.operators.countDead({ intent: 'log_support_ticket' })).toBe(2);
      expect(await store.operators.countDead({})).toBe(3);
      expect(await store.operators.replayAllDead({ lastStatus: 400, objectType: 'ticket' })).toBe(1);
      expect(await list({})).toEqual(['d1', 'd2']);
    });

    it('counts deliveries and dead letters per minute, and knows the oldest queued event', async () => {
      const empty = await store.operators.activity(60);
      expect(empty.perMinute).toHaveLength(60);
      expect(empty.perMinute.every((m) => m.delivered === 0 && m.deadLettered === 0)).toBe(true);
      expect(empty.oldestQueuedAt).toBeNull();

      await finished({ eventId: 'a1', externalId: 'A1' }, (id) =>
        store.delivery.markDelivered(id, 1, { status: 200, error: null }),
      );
      await finished({ eventId: 'a2', externalId: 'A2' }, (id) =>
        store.delivery.markDelivered(id, 1, { status: 200, error: null }),
      );
      await finished({ eventId: 'a3', externalId: 'A3' }, (id) =>
        store.delivery.markDead(id, 1, { status: 400, error: 'no' }),
      );
      const receivedAt = Date.now() - 5000;
      await store.intake.enqueue(newEvent({ eventId: 'a4', externalId: 'A4', receivedAt }));
      await store.intake.enqueue(newEvent({ eventId: 'a5', externalId: 'A5', receivedAt: receivedAt + 1000 }));

      const now = Date.now();
      const activity = await store.operators.activity(60, now);
      const minutes = activity.perMinute.map((m) => m.minute);
      expect(minutes[59]).toBe(now - (now % 60_000));
      expect(minutes[0]).toBe(minutes[59] - 59 * 60_000);
      const sum = (key: 'delivered' | 'deadLettered') => activity.perMinute.reduce((n, m) => n + m[key], 0);
      expect([sum('delivered'), sum('deadLettered')]).toEqual([2, 1]);
      expect(activity.oldestQueuedAt).toBe(receivedAt);
    });
  });
});
