import { EventStoreDriver } from '../src/queue/event-store-driver';
import { DeadLetterFilter, EventSearch } from '../src/queue/stored-event';
import { claimWithin, dueEvent, eventIds, newEvent, NewEventOptions } from '../src/queue/stored-event.fixture';
import { Driver, describeEachDriver } from './support/drivers';
import { storesClosedAfterEachTest, T0 } from './support/event-store-suite';
import { sleep } from './support/wait-for';

/**
 * What the event store reports, the same tests on both drivers (test/support/event-store-suite.ts):
 * counts by state, the next due time, the oldest queued event, writability; and the operators'
 * reads: attempt histories, search, dead-letter filters and counts, activity per minute.
 */

describeEachDriver('EventStore behaviour (%s driver)', (driver: Driver) => {
  const openStore = storesClosedAfterEachTest(driver);
  let store: EventStoreDriver;

  beforeEach(async () => {
    store = await openStore();
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
