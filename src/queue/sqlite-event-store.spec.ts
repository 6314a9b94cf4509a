import { Logger } from '@nestjs/common';
import Database from 'better-sqlite3';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newEvent, NewEventOptions } from '../../test/support/events';
import { QueueConfig } from '../config/queue.config';
import { StoreUnavailableError } from '../shared/domain-error';
import { SqliteEventStore } from './sqlite-event-store';

const T0 = Date.parse('2026-11-26T10:00:00Z');
const MINUTE = 60_000;

function queueConfig(dataDir: string, overrides: Partial<QueueConfig> = {}): QueueConfig {
  return {
    driver: 'sqlite',
    dataDir,
    sqliteSynchronous: 'full',
    redisUrl: 'redis://127.0.0.1:6379',
    redisKeyPrefix: 'ccs',
    dedupTtlSeconds: 86400,
    ...overrides,
  };
}

/** Nest's shutdown hook of the store (flushes pending enqueues, closes the file). */
function shutdown(store: SqliteEventStore): void {
  const hooks = store as unknown as { onApplicationShutdown?: () => void; onModuleDestroy?: () => void };
  (hooks.onApplicationShutdown ?? hooks.onModuleDestroy)?.call(store);
}

/** The store's own connection (for pragmas only; every behaviour goes through the public API). */
const connectionOf = (store: SqliteEventStore) => (store as unknown as { db: Database.Database }).db;

/**
 * Commit frames in the live part of a WAL file: one per committed transaction since the WAL was
 * last reset (frame header bytes 4-7 hold the database size for a commit frame, 0 otherwise).
 */
function walCommits(walFile: string): number {
  const wal = readFileSync(walFile);
  if (wal.length < 32) return 0;
  const pageSize = wal.readUInt32BE(8);
  const [salt1, salt2] = [wal.readUInt32BE(16), wal.readUInt32BE(20)];
  let commits = 0;
  for (let at = 32; at + 24 + pageSize <= wal.length; at += 24 + pageSize) {
    if (wal.readUInt32BE(at + 8) !== salt1 || wal.readUInt32BE(at + 12) !== salt2) break;
    if (wal.readUInt32BE(at + 4) !== 0) commits++;
  }
  return commits;
}

describe('SqliteEventStore (real SQLite file)', () => {
  let root: string;
  let dir: string;
  let store: SqliteEventStore;
  let seq = 0;
  const open: SqliteEventStore[] = [];

  function openStore(overrides: Partial<QueueConfig> = {}, dataDir = dir): SqliteEventStore {
    const s = new SqliteEventStore(queueConfig(dataDir, overrides));
    open.push(s);
    return s;
  }
  function closeStore(s: SqliteEventStore): void {
    open.splice(open.indexOf(s), 1);
    shutdown(s);
  }

  /** Received a minute ago, so it is due for any `now` from T0 on. */
  const event = (o: Partial<NewEventOptions> & { eventId: string }) =>
    newEvent({ receivedAt: Date.now() - MINUTE, ...o });
  const ids = (events: { eventId: string }[]) => events.map((e) => e.eventId);

  beforeAll(() => {
    Logger.overrideLogger(false);
    root = mkdtempSync(join(tmpdir(), 'ccs-store-'));
  });
  beforeEach(() => {
    dir = join(root, `data-${++seq}`, 'nested');
    store = openStore();
  });
  afterEach(() => {
    for (const s of open.splice(0)) shutdown(s);
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  describe('files and durability settings', () => {
    it('creates DATA_DIR and events.sqlite in WAL mode with synchronous=FULL', () => {
      const file = join(dir, 'events.sqlite');
      expect(existsSync(file)).toBe(true);
      const other = new Database(file, { readonly: true });
      try {
        expect(other.pragma('journal_mode', { simple: true })).toBe('wal');
      } finally {
        other.close();
      }
      expect(connectionOf(store).pragma('synchronous', { simple: true })).toBe(2); // FULL
    });

    it('uses synchronous=NORMAL when the operator chooses it', () => {
      const normal = openStore({ sqliteSynchronous: 'normal' }, join(root, `normal-${seq}`));
      expect(connectionOf(normal).pragma('synchronous', { simple: true })).toBe(1); // NORMAL
    });
  });

  describe('enqueue', () => {
    it('accepts a new event and answers duplicate for the same id', async () => {
      expect(await store.enqueue(event({ eventId: 'e1' }))).toBe('accepted');
      expect(await store.enqueue(event({ eventId: 'e1', externalId: 'other' }))).toBe('duplicate');
      expect(await store.enqueue(event({ eventId: 'e2' }))).toBe('accepted');
      expect(await store.countByState()).toEqual({ queued: 2, delivered: 0, dead: 0, stale: 0 });
      // The duplicate did not overwrite the first event.
      expect((await store.get('e1'))?.upsert.externalId).toBe('C-1');
    });

    it('stores the event, its upsert and the bookkeeping fields, as get() returns them', async () => {
      const input = event({ eventId: 'full', externalId: 'C-42', eventTime: T0 + 5 });
      await store.enqueue(input);
      expect(await store.get('full')).toEqual({
        ...input,
        state: 'queued',
        attempts: 0,
        replays: 0,
        nextAttemptAt: input.receivedAt,
        lastStatus: null,
        lastError: null,
        deliveredAt: null,
        failedAt: null,
      });
      expect(await store.get('unknown')).toBeNull();
    });

    it('commits the enqueues of one tick in one transaction: all resolve, all stored', async () => {
      const wal = join(dir, 'events.sqlite-wal');
      // Calibration: awaited enqueues commit one by one (this is what the counter would show
      // if the batch were not shared).
      const before = walCommits(wal);
      for (let i = 0; i < 5; i++) await store.enqueue(event({ eventId: `seq-${i}`, externalId: `S-${i}` }));
      expect(walCommits(wal) - before).toBe(5);

      const batchStart = walCommits(wal);
      const outcomes = await Promise.all(
        Array.from({ length: 50 }, (_, i) => store.enqueue(event({ eventId: `burst-${i}`, externalId: `B-${i}` }))),
      );
      expect(outcomes).toEqual(Array(50).fill('accepted'));
      expect(walCommits(wal) - batchStart).toBe(1);
      expect((await store.countByState()).queued).toBe(55);
      for (let i = 0; i < 50; i++) expect((await store.get(`burst-${i}`))?.state).toBe('queued');
    });

    it('recognises a duplicate inside the same batch', async () => {
      const outcomes = await Promise.all([
        store.enqueue(event({ eventId: 'twin' })),
        store.enqueue(event({ eventId: 'twin' })),
        store.enqueue(event({ eventId: 'single' })),
      ]);
      expect(outcomes).toEqual(['accepted', 'duplicate', 'accepted']);
      expect((await store.countByState()).queued).toBe(2);
    });

    it('accepts an id again after DEDUP_TTL_SECONDS once it is no longer queued', async () => {
      const short = openStore({ dedupTtlSeconds: 1 }, join(root, `ttl-${seq}`));
      const fresh = (eventId: string) => newEvent({ eventId, externalId: eventId, receivedAt: Date.now() });
      expect(await short.enqueue(fresh('done'))).toBe('accepted');
      expect(await short.enqueue(fresh('waiting'))).toBe('accepted');
      const claimed = await short.claimDue(10);
      expect(ids(claimed).sort()).toEqual(['done', 'waiting']);
      await short.markDelivered('done', 1, { status: 200, error: null });
      await short.release('waiting', Date.now() + MINUTE);
      expect(await short.enqueue(fresh('done'))).toBe('duplicate');

      await new Promise((resolve) => setTimeout(resolve, 1100)); // the 1 s dedup window must pass

      expect(await short.enqueue(fresh('done'))).toBe('accepted');
      const again = await short.get('done');
      expect(again).toMatchObject({ state: 'queued', attempts: 0, deliveredAt: null });
      // Still queued: still the same event, whatever the window.
      expect(await short.enqueue(fresh('waiting'))).toBe('duplicate');
      expect(await short.countByState()).toEqual({ queued: 2, delivered: 0, dead: 0, stale: 0 });
    });

    it('wakes its listeners after a commit that accepted something, not for duplicates only', async () => {
      let wakes = 0;
      store.onEnqueued(() => wakes++);
      await Promise.all([store.enqueue(event({ eventId: 'w1' })), store.enqueue(event({ eventId: 'w2' }))]);
      expect(wakes).toBe(1);
      await store.enqueue(event({ eventId: 'w1' }));
      expect(wakes).toBe(1);
    });
  });

  describe('claimDue', () => {
    it('returns only the oldest queued event of each record, in event-time order with arrival breaking ties', async () => {
      await store.enqueue(event({ eventId: 'a-late', externalId: 'A', eventTime: T0 + 100 }));
      await store.enqueue(event({ eventId: 'a-first', externalId: 'A', eventTime: T0 + 50 }));
      await store.enqueue(event({ eventId: 'a-tie', externalId: 'A', eventTime: T0 + 50 }));
      await store.enqueue(event({ eventId: 'b', externalId: 'B', eventTime: T0 + 500 }));
      // Same external id, other object type: another record.
      await store.enqueue(event({ eventId: 'a-ticket', externalId: 'A', objectType: 'ticket', eventTime: T0 + 900 }));

      const first = await store.claimDue(10);
      expect(ids(first).sort()).toEqual(['a-first', 'a-ticket', 'b']);
      expect(await store.claimDue(10)).toEqual([]);

      await store.markDelivered('a-first', 1, { status: 200, error: null });
      expect(ids(await store.claimDue(10))).toEqual(['a-tie']);
      await store.markDelivered('a-tie', 1, { status: 200, error: null });
      const last = await store.claimDue(10);
      expect(ids(last)).toEqual(['a-late']);
      expect(last[0].stale).toBe(false);
    });

    it('never hands out the same event twice while it is claimed, and respects the limit', async () => {
      for (let i = 0; i < 5; i++) await store.enqueue(event({ eventId: `r${i}`, externalId: `R${i}` }));
      const one = await store.claimDue(2);
      const two = await store.claimDue(2);
      const three = await store.claimDue(2);
      expect(one).toHaveLength(2);
      expect(two).toHaveLength(2);
      expect(three).toHaveLength(1);
      const all = [...ids(one), ...ids(two), ...ids(three)];
      expect(new Set(all).size).toBe(5);
      expect(await store.claimDue(10)).toEqual([]);
      expect(await store.claimDue(0)).toEqual([]);
    });

    it('hands out nothing before it is due', async () => {
      await store.enqueue(newEvent({ eventId: 'future', receivedAt: T0 }));
      expect(await store.claimDue(10, T0 - 1)).toEqual([]);
      expect(ids(await store.claimDue(10, T0))).toEqual(['future']);
    });

    it('keeps a newer event waiting while the older one is scheduled for retry', async () => {
      await store.enqueue(event({ eventId: 'old', externalId: 'R', eventTime: T0 }));
      await store.enqueue(event({ eventId: 'new', externalId: 'R', eventTime: T0 + 1 }));
      const now = Date.now();
      expect(ids(await store.claimDue(10, now))).toEqual(['old']);
      await store.scheduleRetry('old', 1, now + MINUTE, { status: 503, error: 'CRM answered 503' });

      expect(await store.claimDue(10, now + 1)).toEqual([]);
      expect(await store.nextDueAt()).toBe(now + MINUTE);
      expect(await store.get('old')).toMatchObject({
        state: 'queued',
        attempts: 1,
        nextAttemptAt: now + MINUTE,
        lastStatus: 503,
        lastError: 'CRM answered 503',
      });

      const retried = await store.claimDue(10, now + MINUTE);
      expect(ids(retried)).toEqual(['old']);
      expect(retried[0].attempts).toBe(1);
      await store.markDelivered('old', 2, { status: 200, error: null });
      expect(ids(await store.claimDue(10, now + MINUTE))).toEqual(['new']);
    });

    it('lets a released event be claimed again at the given time, without using an attempt', async () => {
      await store.enqueue(event({ eventId: 'held' }));
      const now = Date.now();
      expect(ids(await store.claimDue(10, now))).toEqual(['held']);
      await store.release('held', now + 5000);
      expect(await store.claimDue(10, now + 4999)).toEqual([]);
      const again = await store.claimDue(10, now + 5000);
      expect(ids(again)).toEqual(['held']);
      expect(again[0].attempts).toBe(0);
    });

    it('does not let a dead older event block the newer ones of its record', async () => {
      await store.enqueue(event({ eventId: 'older', externalId: 'D', eventTime: T0 }));
      await store.enqueue(event({ eventId: 'newer', externalId: 'D', eventTime: T0 + 1 }));
      expect(ids(await store.claimDue(10))).toEqual(['older']);
      await store.markDead('older', 1, { status: 400, error: 'bad request' });
      expect(ids(await store.claimDue(10))).toEqual(['newer']);
    });

    it('flags an event as stale when a newer event of its record was already delivered', async () => {
      await store.enqueue(event({ eventId: 'newest', externalId: 'S', eventTime: T0 + 200 }));
      expect(ids(await store.claimDue(10))).toEqual(['newest']);
      await store.markDelivered('newest', 1, { status: 200, error: null });

      await store.enqueue(event({ eventId: 'late-older', externalId: 'S', eventTime: T0 + 100 }));
      const [older] = await store.claimDue(10);
      expect(older.eventId).toBe('late-older');
      expect(older.stale).toBe(true);
      await store.markStale('late-older');
      expect((await store.get('late-older'))?.state).toBe('stale');

      // Same event time as the delivered one: not older, so not stale.
      await store.enqueue(event({ eventId: 'same-time', externalId: 'S', eventTime: T0 + 200 }));
      const [same] = await store.claimDue(10);
      expect(same).toMatchObject({ eventId: 'same-time', stale: false });
      // Another record is unaffected.
      await store.enqueue(event({ eventId: 'elsewhere', externalId: 'S2', eventTime: T0 }));
      expect((await store.claimDue(10)).find((e) => e.eventId === 'elsewhere')?.stale).toBe(false);
    });
  });

  describe('dead letters', () => {
    async function deadLetters(n: number, intent = 'update_customer_profile', prefix = 'dead') {
      for (let i = 0; i < n; i++) {
        const eventId = `${prefix}-${i}`;
        await store.enqueue(event({ eventId, externalId: `${prefix}-${i}`, intent }));
        await store.claimDue(100);
        await store.markDead(eventId, 15, { status: 500, error: `boom ${i}` });
      }
    }

    it('markDead records attempts, status, error and time', async () => {
      await deadLetters(1);
      const dead = await store.get('dead-0');
      expect(dead).toMatchObject({ state: 'dead', attempts: 15, lastStatus: 500, lastError: 'boom 0' });
      expect(dead?.failedAt).toEqual(expect.any(Number));
      expect(Math.abs((dead?.failedAt as number) - Date.now())).toBeLessThan(5000);
    });

    it('lists dead letters page by page with a cursor, in arrival order', async () => {
      await deadLetters(3, 'update_customer_profile', 'x');
      await store.enqueue(event({ eventId: 'still-queued', externalId: 'Q' }));
      await deadLetters(2, 'update_customer_profile', 'y');

      const page1 = await store.listDead(2);
      expect(ids(page1.items)).toEqual(['x-0', 'x-1']);
      expect(page1.nextCursor).toEqual(expect.any(String));
      const page2 = await store.listDead(2, page1.nextCursor as string);
      expect(ids(page2.items)).toEqual(['x-2', 'y-0']);
      const page3 = await store.listDead(2, page2.nextCursor as string);
      expect(ids(page3.items)).toEqual(['y-1']);
      expect(page3.nextCursor).toBeNull();

      const exact = await store.listDead(5);
      expect(exact.items).toHaveLength(5);
      expect(exact.nextCursor).toBeNull();
      expect(exact.items[0]).toMatchObject({ state: 'dead', attempts: 15, lastStatus: 500, lastError: 'boom 0' });
    });

    it('replayDead puts a dead letter back: queued, attempts 0, replays + 1, off the list', async () => {
      await deadLetters(2);
      expect(await store.replayDead('dead-1')).toBe(true);
      expect(await store.get('dead-1')).toMatchObject({ state: 'queued', attempts: 0, replays: 1, failedAt: null });
      expect(ids((await store.listDead(10)).items)).toEqual(['dead-0']);
      expect(await store.replayDead('dead-1')).toBe(false); // no longer a dead letter
      expect(await store.replayDead('never-seen')).toBe(false);

      const [claimed] = await store.claimDue(10, Date.now() + 1);
      expect(claimed).toMatchObject({ eventId: 'dead-1', replays: 1, attempts: 0 });
      await store.markDead('dead-1', 15, { status: 500, error: 'again' });
      expect(await store.replayDead('dead-1')).toBe(true);
      expect((await store.get('dead-1'))?.replays).toBe(2);
    });

    it('replayAllDead replays every dead letter, or those of one intent', async () => {
      await deadLetters(2, 'update_customer_profile', 'p');
      await deadLetters(3, 'log_support_ticket', 't');
      expect(await store.replayAllDead('log_support_ticket')).toBe(3);
      expect(ids((await store.listDead(10)).items)).toEqual(['p-0', 'p-1']);
      expect(await store.get('t-2')).toMatchObject({ state: 'queued', attempts: 0, replays: 1 });
      expect(await store.replayAllDead('log_support_ticket')).toBe(0);
      expect(await store.replayAllDead()).toBe(2);
      expect(await store.countByState()).toEqual({ queued: 5, delivered: 0, dead: 0, stale: 0 });
    });

    it('deleteDead removes a dead letter only', async () => {
      await deadLetters(1);
      await store.enqueue(event({ eventId: 'alive', externalId: 'L' }));
      expect(await store.deleteDead('alive')).toBe(false);
      expect((await store.get('alive'))?.state).toBe('queued');
      expect(await store.deleteDead('dead-0')).toBe(true);
      expect(await store.get('dead-0')).toBeNull();
      expect(await store.deleteDead('dead-0')).toBe(false);
      expect((await store.listDead(10)).items).toEqual([]);
    });
  });

  it('countByState counts every state', async () => {
    expect(await store.countByState()).toEqual({ queued: 0, delivered: 0, dead: 0, stale: 0 });
    await store.enqueue(event({ eventId: 'delivered', externalId: 'R1', eventTime: T0 + 10 }));
    for (const id of ['dead-1', 'dead-2', 'dead-3', 'queued-1']) await store.enqueue(event({ eventId: id, externalId: id }));
    await store.claimDue(100);
    await store.markDelivered('delivered', 1, { status: 200, error: null });
    for (const id of ['dead-1', 'dead-2', 'dead-3']) await store.markDead(id, 3, { status: 422, error: 'no' });
    await store.enqueue(event({ eventId: 'stale', externalId: 'R1', eventTime: T0 }));
    await store.enqueue(event({ eventId: 'queued-2', externalId: 'R2' }));
    const [stale] = (await store.claimDue(100)).filter((e) => e.stale);
    await store.markStale(stale.eventId);
    expect(stale.eventId).toBe('stale');
    expect(await store.countByState()).toEqual({ queued: 2, delivered: 1, dead: 3, stale: 1 });
  });

  describe('nextDueAt', () => {
    it('is the earliest next attempt of a queued event, null when none is queued', async () => {
      expect(await store.nextDueAt()).toBeNull();
      await store.enqueue(newEvent({ eventId: 'n1', externalId: 'N1', receivedAt: T0 + 10 }));
      await store.enqueue(newEvent({ eventId: 'n2', externalId: 'N2', receivedAt: T0 + 5 }));
      expect(await store.nextDueAt()).toBe(T0 + 5);
      await store.claimDue(10, T0 + 10);
      await store.markDead('n2', 1, { status: 400, error: 'x' });
      await store.markDelivered('n1', 1, { status: 200, error: null });
      expect(await store.nextDueAt()).toBeNull();
    });

    it('ignores claimed events: nothing is due while the only event is in flight', async () => {
      await store.enqueue(newEvent({ eventId: 'c1', externalId: 'C1', receivedAt: T0 }));
      await store.enqueue(newEvent({ eventId: 'c2', externalId: 'C2', receivedAt: T0 + 50 }));
      expect(ids(await store.claimDue(1, T0))).toEqual(['c1']);
      expect(await store.nextDueAt()).toBe(T0 + 50);
      expect(ids(await store.claimDue(1, T0 + 50))).toEqual(['c2']);
      expect(await store.nextDueAt()).toBeNull();
      await store.release('c1', T0 + 1000);
      expect(await store.nextDueAt()).toBe(T0 + 1000);
    });

    it('ignores an event that waits behind a claimed or retrying older event of its record', async () => {
      await store.enqueue(newEvent({ eventId: 'older', externalId: 'W', eventTime: T0, receivedAt: T0 }));
      await store.enqueue(newEvent({ eventId: 'newer', externalId: 'W', eventTime: T0 + 1, receivedAt: T0 }));
      expect(ids(await store.claimDue(10, T0))).toEqual(['older']);
      expect(await store.nextDueAt()).toBeNull(); // 'newer' is not claimable while 'older' is in flight
      await store.scheduleRetry('older', 1, T0 + MINUTE, { status: 503, error: 'unavailable' });
      expect(await store.nextDueAt()).toBe(T0 + MINUTE); // not T0: 'newer' waits for 'older'
      expect(await store.claimDue(10, T0 + MINUTE - 1)).toEqual([]);
      expect(ids(await store.claimDue(10, T0 + MINUTE))).toEqual(['older']);
    });

    it('finds the next due event behind many claimed records', async () => {
      for (let i = 0; i < 5; i++) {
        await store.enqueue(newEvent({ eventId: `busy-${i}`, externalId: `B${i}`, receivedAt: T0 + i }));
      }
      await store.enqueue(newEvent({ eventId: 'idle', externalId: 'I', receivedAt: T0 + 500 }));
      expect(await store.claimDue(5, T0 + 10)).toHaveLength(5);
      expect(await store.nextDueAt()).toBe(T0 + 500);
    });
  });

  describe('when another connection holds the write lock', () => {
    it('checkWritable and enqueue fail with StoreUnavailableError, and recover once it is released', async () => {
      // The store waits up to its busy_timeout for the lock; kept short here so the test stays fast
      // whatever the production value is.
      connectionOf(store).pragma('busy_timeout = 50');
      await store.enqueue(event({ eventId: 'before-lock' }));
      await expect(store.checkWritable()).resolves.toBeUndefined();

      const other = new Database(join(dir, 'events.sqlite'));
      try {
        other.exec('BEGIN EXCLUSIVE');
        await expect(store.checkWritable()).rejects.toBeInstanceOf(StoreUnavailableError);
        const refused = await Promise.allSettled([
          store.enqueue(event({ eventId: 'locked-1', externalId: 'L1' })),
          store.enqueue(event({ eventId: 'locked-2', externalId: 'L2' })),
        ]);
        expect(refused.map((r) => r.status)).toEqual(['rejected', 'rejected']);
        for (const r of refused) expect((r as PromiseRejectedResult).reason).toBeInstanceOf(StoreUnavailableError);
        other.exec('ROLLBACK');
      } finally {
        other.close();
      }

      await expect(store.checkWritable()).resolves.toBeUndefined();
      expect(await store.get('locked-1')).toBeNull();
      expect(await store.enqueue(event({ eventId: 'locked-1', externalId: 'L1' }))).toBe('accepted');
      expect((await store.countByState()).queued).toBe(2);
    });
  });

  describe('closing and reopening', () => {
    it('keeps every event, its state, dead letters and the delivered history', async () => {
      await store.enqueue(event({ eventId: 'k-queued', externalId: 'K1' }));
      await store.enqueue(event({ eventId: 'k-delivered', externalId: 'K2', eventTime: T0 + 100 }));
      await store.enqueue(event({ eventId: 'k-dead', externalId: 'K3' }));
      await store.enqueue(event({ eventId: 'k-claimed', externalId: 'K4' }));
      await store.claimDue(10);
      await store.release('k-queued', 0);
      await store.markDelivered('k-delivered', 2, { status: 200, error: null });
      await store.markDead('k-dead', 15, { status: 500, error: 'gone' });
      const before = await Promise.all(['k-queued', 'k-delivered', 'k-dead', 'k-claimed'].map((id) => store.get(id)));
      // The last enqueue is still pending when the store closes: it must be flushed, not lost.
      const pending = store.enqueue(event({ eventId: 'k-pending', externalId: 'K5' }));
      closeStore(store);
      expect(await pending).toBe('accepted');
      await expect(store.enqueue(event({ eventId: 'after-close' }))).rejects.toBeInstanceOf(StoreUnavailableError);

      const reopened = openStore();
      const after = await Promise.all(['k-queued', 'k-delivered', 'k-dead', 'k-claimed'].map((id) => reopened.get(id)));
      expect(after).toEqual(before);
      expect(await reopened.countByState()).toEqual({ queued: 3, delivered: 1, dead: 1, stale: 0 });
      expect(ids((await reopened.listDead(10)).items)).toEqual(['k-dead']);
      expect(await reopened.enqueue(event({ eventId: 'k-queued' }))).toBe('duplicate');
      // Claims do not survive a restart: the claimed but unfinished event is handed out again.
      expect(ids(await reopened.claimDue(10)).sort()).toEqual(['k-claimed', 'k-pending', 'k-queued']);
      // The delivered history does: an older event of K2 is recognised as stale.
      await reopened.enqueue(event({ eventId: 'k2-older', externalId: 'K2', eventTime: T0 }));
      const [older] = await reopened.claimDue(10);
      expect(older).toMatchObject({ eventId: 'k2-older', stale: true });
    });
  });
});
