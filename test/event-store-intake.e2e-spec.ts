import { EventStoreDriver } from '../src/queue/event-store-driver';
import { SqliteEventStore } from '../src/queue/sqlite-event-store';
import { claimWithin, dueEvent, eventIds, newEvent } from '../src/queue/stored-event.fixture';
import { Driver, describeEachDriver } from './support/drivers';
import { storesClosedAfterEachTest, T0 } from './support/event-store-suite';
import { sleep } from './support/wait-for';

/**
 * The event store's intake, the same tests on both drivers (test/support/event-store-suite.ts):
 * enqueue's answers (accepted, duplicate by id and by body, within DEDUP_TTL_SECONDS) and how long
 * each record's newest delivered event time is kept (RECORD_STATE_TTL_SECONDS).
 */

const MINUTE = 60_000;

describeEachDriver('EventStore behaviour (%s driver)', (driver: Driver) => {
  const openStore = storesClosedAfterEachTest(driver);
  let store: EventStoreDriver;

  beforeEach(async () => {
    store = await openStore();
  });

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
});
