import Database from 'better-sqlite3';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { StoreUnavailableError } from './queue-errors';
import { SqliteEventStore } from './sqlite-event-store';
import { connectionOf, sqliteStores } from './sqlite-event-store.fixture';
import { eventReadStatements } from './sqlite-statements';
import { dueEvent, eventIds, newEvent } from './stored-event.fixture';

const T0 = Date.parse('2026-11-26T10:00:00Z');
const MINUTE = 60_000;

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

/**
 * What only the SQLite driver has: the file and its pragmas, group commit (counted in the WAL), the
 * busy lock, retention, reopening the file (migrations: sqlite-store-upgrade.spec.ts). Its claims and nextDueAt's exact answers:
 * sqlite-delivery-queue.spec.ts. The behaviour both drivers share is in
 * test/event-store-{intake,claims,dead-letters,reads}.e2e-spec.ts, run against each of them.
 */
describe('SqliteEventStore (real SQLite file)', () => {
  const stores = sqliteStores();
  let dir: string;
  let store: SqliteEventStore;

  beforeEach(() => {
    dir = join(stores.newDir(), 'nested');
    store = stores.open({}, dir);
  });

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
      const normal = stores.open({ sqliteSynchronous: 'normal' });
      expect(connectionOf(normal).pragma('synchronous', { simple: true })).toBe(1); // NORMAL
    });
  });

  describe('group commit', () => {
    it('commits the enqueues of one tick in one transaction: all resolve, all stored', async () => {
      const wal = join(dir, 'events.sqlite-wal');
      // Calibration: awaited enqueues commit one by one (this is what the counter would show
      // if the batch were not shared).
      const before = walCommits(wal);
      for (let i = 0; i < 5; i++) await store.intake.enqueue(dueEvent({ eventId: `seq-${i}`, externalId: `S-${i}` }));
      expect(walCommits(wal) - before).toBe(5);

      const batchStart = walCommits(wal);
      const outcomes = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          store.intake.enqueue(dueEvent({ eventId: `burst-${i}`, externalId: `B-${i}` })),
        ),
      );
      expect(outcomes.map((o) => o.outcome)).toEqual(Array(50).fill('accepted'));
      expect(walCommits(wal) - batchStart).toBe(1);
      expect((await store.operators.countByState()).queued).toBe(55);
      for (let i = 0; i < 50; i++) expect((await store.operators.get(`burst-${i}`))?.state).toBe('queued');
    });

    it('recognises a duplicate inside the same batch', async () => {
      const outcomes = await Promise.all([
        store.intake.enqueue(dueEvent({ eventId: 'twin' })),
        store.intake.enqueue(dueEvent({ eventId: 'twin' })),
        store.intake.enqueue(dueEvent({ eventId: 'single' })),
      ]);
      expect(outcomes.map((o) => o.outcome)).toEqual(['accepted', 'duplicate', 'accepted']);
      expect((await store.operators.countByState()).queued).toBe(2);
    });

    it('wakes its listeners once per commit that accepted something, not for duplicates only', async () => {
      let wakes = 0;
      store.delivery.onEnqueued(() => wakes++);
      await Promise.all([
        store.intake.enqueue(dueEvent({ eventId: 'w1' })),
        store.intake.enqueue(dueEvent({ eventId: 'w2' })),
      ]);
      expect(wakes).toBe(1);
      await store.intake.enqueue(dueEvent({ eventId: 'w1' }));
      expect(wakes).toBe(1);
    });
  });

  describe('the oldest queued event (read on every metrics scrape)', () => {
    it('is read from the (state, seq) index: no table scan, no sort', async () => {
      for (let i = 0; i < 20; i++) await store.intake.enqueue(dueEvent({ eventId: `p${i}`, externalId: `P${i}` }));
      const db = connectionOf(store);
      const plan = db.prepare(`EXPLAIN QUERY PLAN ${eventReadStatements(db).oldestQueued.source}`).all() as {
        detail: string;
      }[];
      expect(plan.map((step) => step.detail)).toEqual(['SEARCH events USING INDEX events_state (state=?)']);
    });
  });

  describe('when another connection holds the write lock', () => {
    it('checkWritable and enqueue fail with StoreUnavailableError, and recover once it is released', async () => {
      // The store waits up to its busy_timeout for the lock; kept short here so the test stays fast
      // whatever the production value is.
      connectionOf(store).pragma('busy_timeout = 50');
      await store.intake.enqueue(dueEvent({ eventId: 'before-lock' }));
      await expect(store.health.checkWritable()).resolves.toBeUndefined();

      const other = new Database(join(dir, 'events.sqlite'));
      try {
        other.exec('BEGIN EXCLUSIVE');
        await expect(store.health.checkWritable()).rejects.toBeInstanceOf(StoreUnavailableError);
        const refused = await Promise.allSettled([
          store.intake.enqueue(dueEvent({ eventId: 'locked-1', externalId: 'L1' })),
          store.intake.enqueue(dueEvent({ eventId: 'locked-2', externalId: 'L2' })),
        ]);
        expect(refused.map((r) => r.status)).toEqual(['rejected', 'rejected']);
        for (const r of refused) expect((r as PromiseRejectedResult).reason).toBeInstanceOf(StoreUnavailableError);
        other.exec('ROLLBACK');
      } finally {
        other.close();
      }

      await expect(store.health.checkWritable()).resolves.toBeUndefined();
      expect(await store.operators.get('locked-1')).toBeNull();
      expect((await store.intake.enqueue(dueEvent({ eventId: 'locked-1', externalId: 'L1' }))).outcome).toBe(
        'accepted',
      );
      expect((await store.operators.countByState()).queued).toBe(2);
    });
  });

  describe('retention', () => {
    it('purges delivered and stale events once their dedup window has passed, keeps queued and dead', async () => {
      const ttl = stores.open({ dedupTtlSeconds: 60 });
      for (const id of ['r-delivered', 'r-stale', 'r-dead', 'r-queued']) {
        await ttl.intake.enqueue(newEvent({ eventId: id, externalId: id, receivedAt: Date.now() }));
      }
      const claimed = await ttl.delivery.claimDue(10);
      expect(eventIds(claimed).sort()).toEqual(['r-dead', 'r-delivered', 'r-queued', 'r-stale']);
      await ttl.delivery.markDelivered('r-delivered', 1, { status: 200, error: null });
      await ttl.delivery.markStale('r-stale');
      await ttl.delivery.markDead('r-dead', 1, { status: 400, error: 'bad' });
      await ttl.delivery.release('r-queued', Date.now());

      expect(ttl.purge(Date.now())).toBe(0);
      expect(ttl.purge(Date.now() + MINUTE + 1)).toBe(2);
      expect(await ttl.operators.get('r-delivered')).toBeNull();
      expect(await ttl.operators.get('r-stale')).toBeNull();
      expect((await ttl.operators.get('r-dead'))?.state).toBe('dead');
      expect((await ttl.operators.get('r-queued'))?.state).toBe('queued');
    });
  });

  describe('closing and reopening', () => {
    it('keeps every event, its state, dead letters and the delivered history', async () => {
      await store.intake.enqueue(dueEvent({ eventId: 'k-queued', externalId: 'K1' }));
      await store.intake.enqueue(dueEvent({ eventId: 'k-delivered', externalId: 'K2', eventTime: T0 + 100 }));
      await store.intake.enqueue(dueEvent({ eventId: 'k-dead', externalId: 'K3' }));
      await store.intake.enqueue(dueEvent({ eventId: 'k-claimed', externalId: 'K4' }));
      await store.delivery.claimDue(10);
      await store.delivery.release('k-queued', 0);
      await store.delivery.markDelivered('k-delivered', 2, { status: 200, error: null });
      await store.delivery.markDead('k-dead', 15, { status: 500, error: 'gone' });
      const before = await Promise.all(
        ['k-queued', 'k-delivered', 'k-dead', 'k-claimed'].map((id) => store.operators.get(id)),
      );
      // The last enqueue is still pending when the store closes: it must be flushed, not lost.
      const pending = store.intake.enqueue(dueEvent({ eventId: 'k-pending', externalId: 'K5' }));
      stores.close(store);
      expect((await pending).outcome).toBe('accepted');
      await expect(store.intake.enqueue(dueEvent({ eventId: 'after-close' }))).rejects.toBeInstanceOf(
        StoreUnavailableError,
      );

      const reopened = stores.open({}, dir);
      const after = await Promise.all(
        ['k-queued', 'k-delivered', 'k-dead', 'k-claimed'].map((id) => reopened.operators.get(id)),
      );
      expect(after).toEqual(before);
      expect(await reopened.operators.countByState()).toEqual({ queued: 3, delivered: 1, dead: 1, stale: 0 });
      expect(eventIds((await reopened.operators.listDead(10)).items)).toEqual(['k-dead']);
      expect((await reopened.intake.enqueue(dueEvent({ eventId: 'k-queued' }))).outcome).toBe('duplicate');
      // Claims do not survive a restart: the claimed but unfinished event is handed out again.
      expect(eventIds(await reopened.delivery.claimDue(10)).sort()).toEqual(['k-claimed', 'k-pending', 'k-queued']);
      // The delivered history does: an older event of K2 is recognised as stale.
      await reopened.intake.enqueue(dueEvent({ eventId: 'k2-older', externalId: 'K2', eventTime: T0 }));
      const [older] = await reopened.delivery.claimDue(10);
      expect(older).toMatchObject({ eventId: 'k2-older', stale: true });
    });
  });
});
