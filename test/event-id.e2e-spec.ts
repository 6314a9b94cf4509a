import { createHash } from 'node:crypto';
import { DeliveryQueue } from '../src/queue/delivery-queue';
import { OperatorEvents } from '../src/queue/operator-events';
import { sampleDialog } from '../src/webhook/dto/dialog-complete.fixture';
import { startTestApp, TestApp } from './support/test-app';
import { freshDialog, postSigned, sendAccepted, storedCount, unique } from './support/webhook-cases';

/**
 * Event ids and de-duplication (issue 2 "Event id"), through real, signed
 * HTTP requests into the real app.
 */

const SECRET = 'event-id-secret';
const DIALOG = '/webhooks/cognigy/dialog-complete';
const ENDPOINT = '/webhooks/cognigy/endpoint-output';

/** Computed here independently of src/webhook/event-id.ts. */
const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

const TICKET = { intent: 'log_support_ticket', entities: { ticketId: { value: 'T-77' } } };

function endpointOutput(data: Record<string, unknown> = {}, aiOutput: Record<string, unknown> = {}) {
  return {
    userId: 'user123',
    sessionId: unique('session'),
    AIOutput: {
      text: 'Logged.',
      data: { ...TICKET, timestamp: '2026-11-26T10:00:00Z', ...data },
      traceId: unique('endpoint-httpIncomingMessage'),
      ...aiOutput,
    },
  };
}

/** A signed POST of exactly these bytes. */
const send = (t: TestApp, path: string, body: string | object, headers: Record<string, string> = {}) =>
  postSigned(t, SECRET, path, body, { headers });

describe('event id and duplicates', () => {
  let t: TestApp;
  let store: OperatorEvents;

  beforeAll(async () => {
    t = await startTestApp({ COGNIGY_WEBHOOK_SECRETS: SECRET });
    store = t.app.get(OperatorEvents);
  });
  afterAll(() => t.close());

  /** Posts, expects 202, checks the event is stored under the answered id, returns the id. */
  async function acceptedId(path: string, body: object, headers: Record<string, string> = {}) {
    const eventId = await sendAccepted(t, SECRET, body, { path, headers });
    const stored = await store.get(eventId);
    expect(stored?.eventId).toBe(eventId);
    expect(stored?.event.eventId).toBe(eventId);
    return eventId;
  }

  describe('derived id (dialog-complete, no id header)', () => {
    it('is the SHA-256 hex of conversationId, intent and timestamp joined by \\n', async () => {
      const body = freshDialog();
      const id = await acceptedId(DIALOG, body);
      expect(id).toMatch(/^[0-9a-f]{64}$/);
      expect(id).toBe(sha256(`${body.conversationId}\nupdate_customer_profile\n2026-11-26T10:00:00Z`));
    });

    it('matches a fixed vector (the documented example body)', async () => {
      const fixed = sampleDialog({ conversationId: 'conv-fixed-vector' });
      const id = await acceptedId(DIALOG, fixed);
      expect(id).toBe('f3cd879df0f4615c3bb57949b28047c768c0d7410852f98bb1cf79ef4e0f8eaf');
    });

    it('uses the timestamp string as received, not its normalised instant', async () => {
      const conversationId = unique('conv');
      const a = await acceptedId(DIALOG, freshDialog({ conversationId, timestamp: '2026-11-26T10:00:00Z' }));
      const b = await acceptedId(DIALOG, freshDialog({ conversationId, timestamp: '2026-11-26T10:00:00.000Z' }));
      const c = await acceptedId(DIALOG, freshDialog({ conversationId, timestamp: '2026-11-26T11:00:00+01:00' }));
      expect(new Set([a, b, c]).size).toBe(3);
      expect(b).toBe(sha256(`${conversationId}\nupdate_customer_profile\n2026-11-26T10:00:00.000Z`));
      expect(c).toBe(sha256(`${conversationId}\nupdate_customer_profile\n2026-11-26T11:00:00+01:00`));
    });

    it('is stable for the same triple whatever else differs: the second is a duplicate', async () => {
      const first = freshDialog();
      const id = await acceptedId(DIALOG, first);
      const second = {
        ...first,
        botId: 'another-bot',
        status: 'abandoned',
        entities: { customerId: { value: 'C-2002' } },
        metadata: { channel: 'chat' },
      };
      const res = await send(t, DIALOG, second);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ status: 'duplicate', eventId: id });
    });

    it.each<[string, Record<string, unknown>]>([
      ['conversationId', { conversationId: 'other-conversation' }],
      ['intent', { intent: 'log_support_ticket', entities: { ticketId: { value: 'T-1' } } }],
      ['timestamp', { timestamp: '2026-11-26T10:00:01Z' }],
    ])('differs when the %s differs', async (_, change) => {
      const base = freshDialog();
      const changed = { ...base, ...change };
      if ('conversationId' in change) changed.conversationId = `${base.conversationId}-other`;
      const a = await acceptedId(DIALOG, base);
      const b = await acceptedId(DIALOG, changed);
      expect(b).not.toBe(a);
      expect(b).toBe(sha256(`${changed.conversationId}\n${changed.intent}\n${changed.timestamp}`));
    });
  });

  describe('id headers win', () => {
    it('Idempotency-Key is the event id', async () => {
      const key = unique('idem');
      const id = await acceptedId(DIALOG, freshDialog(), { 'Idempotency-Key': key });
      expect(id).toBe(key);
    });

    it('X-Cognigy-Event-Id is the event id', async () => {
      const key = unique('cog');
      const id = await acceptedId(DIALOG, freshDialog(), { 'X-Cognigy-Event-Id': key });
      expect(id).toBe(key);
    });

    it('Idempotency-Key wins over X-Cognigy-Event-Id', async () => {
      const idem = unique('idem');
      const cog = unique('cog');
      const id = await acceptedId(DIALOG, freshDialog(), { 'Idempotency-Key': idem, 'X-Cognigy-Event-Id': cog });
      expect(id).toBe(idem);
      expect(await store.get(cog)).toBeNull();
    });

    it('the same header id with different bodies is a duplicate', async () => {
      const key = unique('idem');
      await acceptedId(DIALOG, freshDialog(), { 'Idempotency-Key': key });
      const res = await send(t, DIALOG, freshDialog(), { 'Idempotency-Key': key });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ status: 'duplicate', eventId: key });
    });

    it('different header ids with the same body are one event: the body was replayed', async () => {
      const body = freshDialog();
      const a = await acceptedId(DIALOG, body, { 'X-Cognigy-Event-Id': unique('cog') });
      const again = await send(t, DIALOG, body, { 'X-Cognigy-Event-Id': unique('cog') });
      expect(again.status).toBe(200);
      expect(again.body).toEqual({ status: 'duplicate', eventId: a });
    });

    it('a header id wins over the id an endpoint output would derive', async () => {
      const body = endpointOutput();
      const key = unique('idem');
      const id = await acceptedId(ENDPOINT, body, { 'Idempotency-Key': key });
      expect(id).toBe(key);
    });

    it.each(['Idempotency-Key', 'X-Cognigy-Event-Id'])('%s of exactly 200 characters is accepted', async (name) => {
      const key = `${unique('k')}-`.padEnd(200, 'k');
      expect(key).toHaveLength(200);
      expect(await acceptedId(DIALOG, freshDialog(), { [name]: key })).toBe(key);
    });

    it.each([
      ['Idempotency-Key', DIALOG, freshDialog],
      ['X-Cognigy-Event-Id', DIALOG, freshDialog],
      ['Idempotency-Key', ENDPOINT, endpointOutput],
      ['X-Cognigy-Event-Id', ENDPOINT, endpointOutput],
    ])('%s over 200 characters → 400 naming it, nothing stored (%s)', async (name, path, make) => {
      const before = await storedCount(t);
      const res = await send(t, path, make(), { [name]: 'k'.repeat(201) });
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ statusCode: 400, message: [expect.any(String)], error: 'Bad Request' });
      expect(res.body.message[0]).toMatch(new RegExp(`^${name}\\b`, 'i'));
      expect(await storedCount(t)).toBe(before);
    });
  });

  describe('endpoint output', () => {
    /** The id of an output: its traceId and its data with sorted keys (Cognigy reuses a traceId for every output of one input). */
    const outputId = (traceId: string, data: string) => sha256(`${traceId}\n${data}`);

    it('the id is the SHA-256 hex of the traceId and the output data (keys sorted), joined by \\n', async () => {
      const body = endpointOutput({ metadata: { b: 1, a: [true, null] } });
      expect(await acceptedId(ENDPOINT, body)).toBe(
        outputId(
          body.AIOutput.traceId,
          '{"entities":{"ticketId":{"value":"T-77"}},"intent":"log_support_ticket","metadata":{"a":[true,null],"b":1},' +
            '"timestamp":"2026-11-26T10:00:00Z"}',
        ),
      );
    });

    it('two outputs of one user input (one traceId) are two events, both delivered', async () => {
      const traceId = unique('endpoint-httpIncomingMessage');
      const ticket = endpointOutput({}, { traceId });
      const contact = endpointOutput(
        { intent: 'update_customer_profile', entities: { customerId: { value: unique('C-turn') } } },
        { traceId },
      );
      const ids = [await acceptedId(ENDPOINT, ticket), await acceptedId(ENDPOINT, contact)];
      expect(new Set(ids).size).toBe(2);
      const stored = await Promise.all(ids.map((id) => store.get(id)));
      expect(stored.map((e) => e?.event.intent)).toEqual(['log_support_ticket', 'update_customer_profile']);
    });

    it('the same output sent again (keys reordered, another session) is a duplicate of the first', async () => {
      const body = endpointOutput({ status: 'completed' });
      const id = await acceptedId(ENDPOINT, body);
      const { data } = body.AIOutput;
      const reordered = {
        ...body,
        sessionId: unique('session'),
        AIOutput: { ...body.AIOutput, data: Object.fromEntries(Object.entries(data).reverse()) },
      };
      const res = await send(t, ENDPOINT, reordered);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ status: 'duplicate', eventId: id });
    });

    it('without a traceId, the id is the hash of sessionId, intent and timestamp', async () => {
      const body = endpointOutput({}, { traceId: undefined });
      const id = await acceptedId(ENDPOINT, body);
      expect(id).toBe(sha256(`${body.sessionId}\nlog_support_ticket\n2026-11-26T10:00:00Z`));
    });
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
  let t: TestApp;
  let store: OperatorEvents;
  let queue: DeliveryQueue;

  beforeAll(async () => {
    t = await startTestApp({ COGNIGY_WEBHOOK_SECRETS: SECRET, DEDUP_TTL_SECONDS: String(TTL_SECONDS) });
    store = t.app.get(OperatorEvents);
    queue = t.app.get(DeliveryQueue);
  });
  afterEach(() => jest.useRealTimers());
  afterAll(() => t.close());

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
