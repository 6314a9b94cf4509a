import { DeliveryQueue } from '../src/queue/delivery-queue';
import { OperatorEvents } from '../src/queue/operator-events';
import { eventIdApp, send, sha256 } from './support/event-id-app';
import { TestApp } from './support/test-app';
import { DIALOG_ROUTE as DIALOG, freshDialog, storedCount, unique } from './support/webhook-cases';

/**
 * Duplicates and the dedup window (issue 2 "Event id"), through real, signed HTTP requests into
 * the real app: a duplicate is answered 200 and stored once, even when sent together; a refused
 * event leaves no id behind; after DEDUP_TTL_SECONDS the same id is a new event. How an event
 * gets its id: event-id-derivation.
 */

describe('event id and duplicates', () => {
  const { app, acceptedId } = eventIdApp();
  let t: TestApp;
  let store: OperatorEvents;

  beforeAll(() => {
    t = app();
    store = t.app.get(OperatorEvents);
  });

  describe('duplicates', () => {
    it('are answered 200 {"status":"duplicate","eventId"} and stored once (the first one kept)', async () => {
      const first = freshDialog({ entities: { customerId: { value: 'C-first' } } });
      const id = await acceptedId(DIALOG, first);
      const before = await storedCount(t);
      for (let i = 0; i < 3; i++) {
        const res = await send(t, DIALOG, { ...first, entities: { customerId: { value: `C-retry-${i}` } } });
        expect(res.status).toBe(200);
        expect(res.body).toEqual({ status: 'duplicate', eventId: id });
      }
      expect(await storedCount(t)).toBe(before);
      const stored = await store.get(id);
      expect(stored?.event.entities.customerId.value).toBe('C-first');
      expect(stored?.upsert.externalId).toBe('C-first');
    });

    it('sent together (same commit), only one is accepted', async () => {
      const body = freshDialog();
      const before = await storedCount(t);
      const answers = await Promise.all(Array.from({ length: 5 }, () => send(t, DIALOG, body)));
      const statuses = answers.map((r) => r.body.status).sort();
      expect(statuses).toEqual(['accepted', 'duplicate', 'duplicate', 'duplicate', 'duplicate']);
      expect(answers.find((r) => r.body.status === 'accepted')?.status).toBe(202);
      expect(answers.filter((r) => r.status === 200)).toHaveLength(4);
      expect(new Set(answers.map((r) => r.body.eventId)).size).toBe(1);
      expect(await storedCount(t)).toBe(before + 1);
    });

    it('a duplicate of a 400 is not a duplicate: nothing was stored the first time', async () => {
      const body = freshDialog({ timestamp: 'not a time' });
      expect((await send(t, DIALOG, body)).status).toBe(400);
      expect((await send(t, DIALOG, body)).status).toBe(400);
      const fixed = await acceptedId(DIALOG, { ...body, timestamp: '2026-11-26T10:00:00Z' });
      expect(fixed).toBe(sha256(`${body.conversationId}\nupdate_customer_profile\n2026-11-26T10:00:00Z`));
    });

    it('a duplicate of a 422 is not a duplicate: nothing was stored the first time', async () => {
      const key = unique('idem');
      const unmapped = freshDialog({ entities: {} });
      expect((await send(t, DIALOG, unmapped, { 'Idempotency-Key': key })).status).toBe(422);
      expect(await store.get(key)).toBeNull();
      expect(await acceptedId(DIALOG, freshDialog(), { 'Idempotency-Key': key })).toBe(key);
    });
  });
});

describe('dedup window (DEDUP_TTL_SECONDS)', () => {
  const TTL_SECONDS = 60;
  const { app } = eventIdApp({ DEDUP_TTL_SECONDS: String(TTL_SECONDS) });
  let t: TestApp;
  let store: OperatorEvents;
  let queue: DeliveryQueue;

  beforeAll(() => {
    t = app();
    store = t.app.get(OperatorEvents);
    queue = t.app.get(DeliveryQueue);
  });
  afterEach(() => jest.useRealTimers());

  /** Only `Date` is faked: timers, immediates and I/O of the real app keep running for real. */
  function fakeDate() {
    jest.useFakeTimers({
      doNotFake: [
        'hrtime',
        'nextTick',
        'performance',
        'queueMicrotask',
        'requestAnimationFrame',
        'cancelAnimationFrame',
        'requestIdleCallback',
        'cancelIdleCallback',
        'setImmediate',
        'clearImmediate',
        'setInterval',
        'clearInterval',
        'setTimeout',
        'clearTimeout',
      ],
      now: Date.now(),
    });
  }
  const advance = (ms: number) => jest.setSystemTime(Date.now() + ms);

  /** Takes the event out of the queue as the delivery worker would on a successful upsert. */
  async function deliver(eventId: string) {
    for (let i = 0; i < 100; i++) {
      const claimed = await queue.claimDue(100, Date.now());
      const mine = claimed.find((e) => e.eventId === eventId);
      for (const other of claimed.filter((e) => e.eventId !== eventId)) await queue.release(other.eventId, Date.now());
      if (mine) return queue.markDelivered(eventId, 1, { status: 200, error: null });
      // Not claimable here (e.g. a delivery worker holds it): wait until it left the queue.
      if ((await store.get(eventId))?.state !== 'queued') return;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error(`event ${eventId} stayed queued`);
  }

  it('the same id is a duplicate within the window and a new event after it', async () => {
    fakeDate();
    const body = freshDialog();
    const first = await send(t, DIALOG, body);
    expect(first.status).toBe(202);
    const id = first.body.eventId;
    const firstReceivedAt = (await store.get(id))!.receivedAt;
    await deliver(id);
    expect((await store.get(id))!.state).not.toBe('queued');

    advance((TTL_SECONDS - 2) * 1000);
    const within = await send(t, DIALOG, body);
    expect(within.status).toBe(200);
    expect(within.body).toEqual({ status: 'duplicate', eventId: id });

    advance(3000);
    const after = await send(t, DIALOG, body);
    expect(after.status).toBe(202);
    expect(after.body).toEqual({ status: 'accepted', eventId: id });
    // Stored anew (a delivery worker may already be sending it, so its state is not checked).
    const again = await store.get(id);
    expect(again!.receivedAt).toBeGreaterThanOrEqual(firstReceivedAt + TTL_SECONDS * 1000);
    expect(again!.attempts).toBe(0);

    // The new event opens a new window: a retry of it right away is a duplicate again.
    const retry = await send(t, DIALOG, body);
    expect(retry.status).toBe(200);
    expect(retry.body.status).toBe('duplicate');
  });

  it('a header id is released after the window too', async () => {
    fakeDate();
    const key = unique('idem');
    // A record of its own: the previous test's renewed event may still be queued for C-1001.
    const dialog = () => freshDialog({ entities: { customerId: { value: `C-${key}` } } });
    expect((await send(t, DIALOG, dialog(), { 'Idempotency-Key': key })).status).toBe(202);
    await deliver(key);
    advance(TTL_SECONDS * 1000 + 1000);
    const res = await send(t, DIALOG, dialog(), { 'Idempotency-Key': key });
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ status: 'accepted', eventId: key });
  });
});
