import { EventStoreDriver } from '../src/queue/event-store-driver';
import { claimWithin, dueEvent, eventIds, NewEventOptions } from '../src/queue/stored-event.fixture';
import { Driver, describeEachDriver } from './support/drivers';
import { claimDuring, storesClosedAfterEachTest, T0 } from './support/event-store-suite';

/**
 * The event store's claims, the same tests on both drivers (test/support/event-store-suite.ts):
 * claimDue hands out only the oldest queued event of each record, never one twice, and holds a
 * record's newer events behind a claimed, retried or released older one; stale events; record keys.
 */

describeEachDriver('EventStore behaviour (%s driver)', (driver: Driver) => {
  const openStore = storesClosedAfterEachTest(driver);
  let store: EventStoreDriver;

  beforeEach(async () => {
    store = await openStore();
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
});
