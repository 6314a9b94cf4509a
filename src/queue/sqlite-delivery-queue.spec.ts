import { sqliteStores } from './sqlite-event-store.fixture';
import { SqliteEventStore } from './sqlite-event-store';
import { eventIds, newEvent } from './stored-event.fixture';

const T0 = Date.parse('2026-11-26T10:00:00Z');
const MINUTE = 60_000;

/**
 * The SQLite delivery queue with an explicit clock: claimDue's `now` and nextDueAt's exact answers
 * (the Redis driver ignores `now` and answers nextDueAt with a polling hint). What both drivers
 * share is in test/event-store-{intake,claims,dead-letters,reads}.e2e-spec.ts.
 */
describe('SqliteDeliveryQueue (real SQLite file)', () => {
  const stores = sqliteStores();
  let store: SqliteEventStore;

  beforeEach(() => {
    store = stores.open();
  });

  describe('claimDue with an explicit clock', () => {
    it('hands out nothing before it is due', async () => {
      await store.intake.enqueue(newEvent({ eventId: 'future', receivedAt: T0 }));
      expect(await store.delivery.claimDue(10, T0 - 1)).toEqual([]);
      expect(eventIds(await store.delivery.claimDue(10, T0))).toEqual(['future']);
    });
  });

  describe('markDelivered keeps the newest delivered event time of the record', () => {
    const older = (eventId: string, externalId: string) =>
      newEvent({ eventId, externalId, eventTime: T0 - MINUTE, receivedAt: T0 });

    it('from the claim: an older event of the record is handed out stale', async () => {
      await store.intake.enqueue(newEvent({ eventId: 'claimed', externalId: 'K', eventTime: T0, receivedAt: T0 }));
      await store.delivery.claimDue(1, T0);
      await store.delivery.markDelivered('claimed', 1, { status: 200, error: null });
      await store.intake.enqueue(older('claimed-older', 'K'));
      expect(await store.delivery.claimDue(1, T0)).toMatchObject([{ eventId: 'claimed-older', stale: true }]);
    });

    it('from the stored row when the outcome comes without a claim in this process', async () => {
      await store.intake.enqueue(newEvent({ eventId: 'unclaimed', externalId: 'U', eventTime: T0, receivedAt: T0 }));
      await store.delivery.markDelivered('unclaimed', 1, { status: 200, error: null });
      expect(await store.operators.get('unclaimed')).toMatchObject({ state: 'delivered' });
      await store.intake.enqueue(older('unclaimed-older', 'U'));
      expect(await store.delivery.claimDue(1, T0)).toMatchObject([{ eventId: 'unclaimed-older', stale: true }]);
    });
  });

  describe('nextDueAt', () => {
    it('is the earliest next attempt of a queued event, null when none is queued', async () => {
      expect(await store.delivery.nextDueAt()).toBeNull();
      await store.intake.enqueue(newEvent({ eventId: 'n1', externalId: 'N1', receivedAt: T0 + 10 }));
      await store.intake.enqueue(newEvent({ eventId: 'n2', externalId: 'N2', receivedAt: T0 + 5 }));
      expect(await store.delivery.nextDueAt()).toBe(T0 + 5);
      await store.delivery.claimDue(10, T0 + 10);
      await store.delivery.markDead('n2', 1, { status: 400, error: 'x' });
      await store.delivery.markDelivered('n1', 1, { status: 200, error: null });
      expect(await store.delivery.nextDueAt()).toBeNull();
    });

    it('ignores claimed events: nothing is due while the only event is in flight', async () => {
      await store.intake.enqueue(newEvent({ eventId: 'c1', externalId: 'C1', receivedAt: T0 }));
      await store.intake.enqueue(newEvent({ eventId: 'c2', externalId: 'C2', receivedAt: T0 + 50 }));
      expect(eventIds(await store.delivery.claimDue(1, T0))).toEqual(['c1']);
      expect(await store.delivery.nextDueAt()).toBe(T0 + 50);
      expect(eventIds(await store.delivery.claimDue(1, T0 + 50))).toEqual(['c2']);
      expect(await store.delivery.nextDueAt()).toBeNull();
      await store.delivery.release('c1', T0 + 1000);
      expect(await store.delivery.nextDueAt()).toBe(T0 + 1000);
    });

    it('ignores an event that waits behind a claimed or retrying older event of its record', async () => {
      await store.intake.enqueue(newEvent({ eventId: 'older', externalId: 'W', eventTime: T0, receivedAt: T0 }));
      await store.intake.enqueue(newEvent({ eventId: 'newer', externalId: 'W', eventTime: T0 + 1, receivedAt: T0 }));
      expect(eventIds(await store.delivery.claimDue(10, T0))).toEqual(['older']);
      expect(await store.delivery.nextDueAt()).toBeNull(); // 'newer' is not claimable while 'older' is in flight
      await store.delivery.scheduleRetry('older', 1, T0 + MINUTE, { status: 503, error: 'unavailable' });
      expect(await store.delivery.nextDueAt()).toBe(T0 + MINUTE); // not T0: 'newer' waits for 'older'
      expect(await store.delivery.claimDue(10, T0 + MINUTE - 1)).toEqual([]);
      expect(eventIds(await store.delivery.claimDue(10, T0 + MINUTE))).toEqual(['older']);
    });

    it('finds the next due event behind many claimed records', async () => {
      for (let i = 0; i < 5; i++) {
        await store.intake.enqueue(newEvent({ eventId: `busy-${i}`, externalId: `B${i}`, receivedAt: T0 + i }));
      }
      await store.intake.enqueue(newEvent({ eventId: 'idle', externalId: 'I', receivedAt: T0 + 500 }));
      expect(await store.delivery.claimDue(5, T0 + 10)).toHaveLength(5);
      expect(await store.delivery.nextDueAt()).toBe(T0 + 500);
    });
  });
});
