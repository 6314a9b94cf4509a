import { EventStoreDriver } from '../src/queue/event-store-driver';
import { claimWithin, dueEvent, eventIds } from '../src/queue/stored-event.fixture';
import { Driver, describeEachDriver } from './support/drivers';
import { storesClosedAfterEachTest } from './support/event-store-suite';

/**
 * The event store's dead letters, the same tests on both drivers (test/support/event-store-suite.ts):
 * markDead, listing page by page, replaying one, all or those of an intent, and deleting one, which
 * forgets its id and its body.
 */

describeEachDriver('EventStore behaviour (%s driver)', (driver: Driver) => {
  const openStore = storesClosedAfterEachTest(driver);
  let store: EventStoreDriver;

  beforeEach(async () => {
    store = await openStore();
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
});
