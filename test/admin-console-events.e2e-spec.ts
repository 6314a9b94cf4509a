import { AttemptView, eventView, waitForState } from './support/admin-api';
import { adminConsoleApp, ADMIN, ids, ISO, SECRET, TICKET } from './support/admin-console-app';
import { Driver, describeEachDriver } from './support/drivers';
import { TestApp } from './support/test-app';
import { contactDialog, sendAccepted, ticketDialog, unique } from './support/webhook-cases';

/**
 * The events of the admin API the console uses, end to end over real HTTP for each queue driver:
 * one event's attempt history and mapped body, and the search by conversation, external id,
 * state and intent.
 */

describeEachDriver('admin API for the console (%s driver)', (driver: Driver) => {
  const { sandbox, app, get, post, deadLetter } = adminConsoleApp(driver);
  let t: TestApp;
  beforeAll(() => (t = app()));

  describe('GET /admin/events/:eventId: attempt history and mapped body', () => {
    const expectAttempt = (attempt: AttemptView, status: number | null, error: RegExp | null) => {
      expect(Object.keys(attempt).sort()).toEqual(['at', 'durationMs', 'error', 'status']);
      expect(attempt.at).toMatch(ISO);
      expect(attempt.status).toBe(status);
      if (error === null) expect(attempt.error).toBeNull();
      else expect(attempt.error).toMatch(error);
      expect(Number.isInteger(attempt.durationMs) && attempt.durationMs >= 0).toBe(true);
    };

    it('lists one entry per CRM request, oldest first, kept across a replay', async () => {
      const started = Date.now();
      const id = await deadLetter(
        contactDialog(unique('C-HIST'), { notes: { value: '<b>loud</b>', confidence: 0.9 } }),
        422,
      );
      const dead = await eventView(t, ADMIN, id);
      expect(dead.attemptHistory).toHaveLength(1);
      expectAttempt(dead.attemptHistory[0], 422, /^CRM answered 422: .*rejected with 422/);
      expect(Date.parse(dead.attemptHistory[0].at)).toBeGreaterThanOrEqual(started - 1000);
      const sent = sandbox.requests().find((r) => r.idempotencyKey === `cognigy-${id}`)!;
      expect(dead.upsert).toEqual(sent.body);
      expect(dead.upsert).toMatchObject({ notes: '<b>loud</b>' });

      // A 503 (retried) and then a 200 after the replay: three requests, the count restarted.
      sandbox.inject({ status: 503, count: 1 });
      expect((await post(`/admin/dead-letters/${id}/replay`)).status).toBe(202);
      const [delivered] = await waitForState(t, ADMIN, [id], 'delivered');
      expect(delivered.attempts).toBe(2);
      expect(delivered.attemptHistory).toHaveLength(3);
      expectAttempt(delivered.attemptHistory[1], 503, /^CRM answered 503/);
      expectAttempt(delivered.attemptHistory[2], 200, null);
      const times = delivered.attemptHistory.map((a) => Date.parse(a.at));
      expect([...times].sort((a, b) => a - b)).toEqual(times);
    });

    it('records both requests of a 401 answered by a token refresh and one retry', async () => {
      sandbox.inject({ status: 401, count: 1, body: { error: 'invalid_token' } });
      const id = await sendAccepted(t, SECRET, contactDialog(unique('C-401')));
      const [delivered] = await waitForState(t, ADMIN, [id], 'delivered');
      expect(delivered.attempts).toBe(2);
      expect(delivered.attemptHistory).toHaveLength(2);
      expectAttempt(delivered.attemptHistory[0], 401, /^CRM answered 401: .*invalid_token/);
      expectAttempt(delivered.attemptHistory[1], delivered.lastStatus, null);
    });

    it('records a timeout as status null and error "timeout"', async () => {
      sandbox.inject({ hang: true, count: 1 });
      const id = await sendAccepted(t, SECRET, ticketDialog(unique('T-SLOW')));
      const [delivered] = await waitForState(t, ADMIN, [id], 'delivered');
      expect(delivered.attemptHistory.map((a) => a.error)).toEqual(['timeout', null]);
      expect(delivered.attemptHistory.map((a) => a.status)).toEqual([null, delivered.lastStatus]);
      expect(delivered.attemptHistory[0].durationMs).toBeGreaterThanOrEqual(1400);
    });
  });

  describe('GET /admin/events (search)', () => {
    it('finds the events of a conversation and of an external id, newest first, paged', async () => {
      const conversationId = unique('conv-search');
      const customer = unique('C-SEARCH');
      const first = await sendAccepted(
        t,
        SECRET,
        contactDialog(customer, {}, { conversationId, timestamp: '2026-11-26T10:00:00Z' }),
      );
      const second = await sendAccepted(
        t,
        SECRET,
        contactDialog(customer, {}, { conversationId, timestamp: '2026-11-26T10:01:00Z' }),
      );
      const other = await sendAccepted(t, SECRET, ticketDialog(unique('T-SEARCH'), 'low', { conversationId }));
      await waitForState(t, ADMIN, [first, second, other], 'delivered');

      const byConversation = await get(`/admin/events?conversationId=${encodeURIComponent(conversationId)}`);
      expect(byConversation.status).toBe(200);
      expect(byConversation.body).toEqual({ items: expect.any(Array), nextCursor: null });
      expect(ids(byConversation.body)).toEqual([other, second, first]);
      expect(Object.keys(byConversation.body.items[0]).sort()).toEqual([
        'attempts',
        'deliveredAt',
        'eventId',
        'externalId',
        'intent',
        'lastError',
        'lastStatus',
        'objectType',
        'receivedAt',
        'state',
      ]);

      const byCustomer = await get(`/admin/events?externalId=${encodeURIComponent(customer)}`);
      expect(ids(byCustomer.body)).toEqual([second, first]);

      const combined = await get(
        `/admin/events?conversationId=${encodeURIComponent(conversationId)}&intent=${TICKET}&state=delivered`,
      );
      expect(ids(combined.body)).toEqual([other]);
      const none = await get(`/admin/events?conversationId=${encodeURIComponent(conversationId)}&state=dead`);
      expect(none.body).toEqual({ items: [], nextCursor: null });

      const paged: string[] = [];
      let cursor: string | null = null;
      do {
        const query: string = cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`;
        const res = await get(`/admin/events?conversationId=${encodeURIComponent(conversationId)}&limit=1${query}`);
        expect(res.status).toBe(200);
        paged.push(...ids(res.body));
        cursor = res.body.nextCursor;
      } while (cursor !== null && paged.length < 10);
      expect(paged).toEqual([other, second, first]);
    });

    it('finds dead letters by state and intent, newest first', async () => {
      const older = await deadLetter(ticketDialog(unique('T-DEAD')));
      const newer = await deadLetter(ticketDialog(unique('T-DEAD')));
      const res = await get(`/admin/events?state=dead&intent=${TICKET}&limit=500`);
      expect(res.status).toBe(200);
      const found = ids(res.body);
      expect(found.indexOf(newer)).toBeLessThan(found.indexOf(older));
      expect(found.indexOf(older)).toBeGreaterThanOrEqual(0);
      expect(
        res.body.items.every(
          (item: { state: string; intent: string }) => item.state === 'dead' && item.intent === TICKET,
        ),
      ).toBe(true);
    });

    it.each(['', '?limit=5', '?source=default'])(
      'answers %j with one 400 message naming the filters',
      async (query) => {
        const res = await get(`/admin/events${query}`);
        expect(res.status).toBe(400);
        expect(res.body.message).toEqual(['at least one of conversationId, externalId, state, intent is required']);
      },
    );

    it.each([
      ['', /at least one of conversationId, externalId, state, intent/],
      ['?limit=5', /at least one of conversationId, externalId, state, intent/],
      ['?state=lost', /state must be one of queued, delivered, dead, stale/],
      ['?state=dead&limit=0', /limit/],
      ['?state=dead&limit=abc', /limit/],
      ['?state=dead&cursor=abc', /cursor/],
    ])('answers 400 naming the parameter to %j', async (query, message) => {
      const res = await get(`/admin/events${query}`);
      expect(res.status).toBe(400);
      expect(JSON.stringify(res.body.message)).toMatch(message);
    });
  });
});
