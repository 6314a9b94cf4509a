import { TestApp } from './support/test-app';
import { answersApp, MAX_BODY, paddedBody, signed } from './support/webhook-answers';
import {
  DIALOG_CASE,
  ENDPOINT_CASE,
  ENDPOINT_ROUTE,
  post,
  ROUTES,
  store,
  storedCount,
  UNAUTHORIZED_BODY,
  unique,
} from './support/webhook-cases';

/**
 * The answers that take an event, through real HTTP into the real app (src/bootstrap.ts), for both
 * webhook routes: 202 accepted (stored durably), 200 duplicate (stored once), 200 ignored (an
 * endpoint output that is not a dialog completion, nothing stored), and the X-Request-Id every
 * answer carries. The refusals: webhook-answers-refused; the check order: webhook-answers-check-order.
 */

describe('webhook answers', () => {
  const { app, expectNothingStored } = answersApp();
  let t: TestApp;
  beforeAll(() => (t = app()));

  describe.each(ROUTES)('$path', (route) => {
    describe('202 accepted', () => {
      it('stores the event durably and answers with its id', async () => {
        const { body, eventId } = route.completion();
        const before = await storedCount(t);
        const res = await signed(t, route.path, body);
        expect(res.status).toBe(202);
        expect(res.body).toEqual({ status: 'accepted', eventId });
        expect(await storedCount(t)).toBe(before + 1);
        const stored = await store(t).get(eventId);
        expect(stored).not.toBeNull();
        expect(stored!.eventId).toBe(eventId);
        expect(stored!.event.source).toBe(route.name);
        expect(stored!.event.intent).toBe(
          route.name === 'dialog-complete' ? 'update_customer_profile' : 'log_support_ticket',
        );
      });

      it('accepts `application/json; charset=utf-8`', async () => {
        const { body, eventId } = route.completion();
        const res = await signed(t, route.path, body, { contentType: 'application/json; charset=utf-8' });
        expect(res.status).toBe(202);
        expect(res.body).toEqual({ status: 'accepted', eventId });
      });

      it('accepts a body of exactly WEBHOOK_MAX_BODY_BYTES', async () => {
        const { body, eventId } = route.completion();
        const res = await signed(t, route.path, paddedBody(body, MAX_BODY));
        expect(res.status).toBe(202);
        expect(res.body).toEqual({ status: 'accepted', eventId });
      });

      it('takes Idempotency-Key as the event id', async () => {
        const { body } = route.completion();
        const key = unique('idem');
        const res = await signed(t, route.path, body, { headers: { 'idempotency-key': key } });
        expect(res.status).toBe(202);
        expect(res.body).toEqual({ status: 'accepted', eventId: key });
        expect(await store(t).get(key)).not.toBeNull();
      });
    });

    describe('200 duplicate', () => {
      it('answers the same event again with 200 duplicate and stores it once', async () => {
        const { body, eventId } = route.completion();
        const before = await storedCount(t);
        const first = await signed(t, route.path, body);
        expect(first.status).toBe(202);
        const second = await signed(t, route.path, body);
        expect(second.status).toBe(200);
        expect(second.body).toEqual({ status: 'duplicate', eventId });
        const third = await signed(t, route.path, body);
        expect(third.status).toBe(200);
        expect(third.body).toEqual({ status: 'duplicate', eventId });
        expect(await storedCount(t)).toBe(before + 1);
      });

      it('recognises a repeated Idempotency-Key even with a different body', async () => {
        const key = unique('idem');
        const before = await storedCount(t);
        const first = await signed(t, route.path, route.completion().body, { headers: { 'idempotency-key': key } });
        expect(first.status).toBe(202);
        const second = await signed(t, route.path, route.completion().body, { headers: { 'idempotency-key': key } });
        expect(second.status).toBe(200);
        expect(second.body).toEqual({ status: 'duplicate', eventId: key });
        expect(await storedCount(t)).toBe(before + 1);
      });
    });
  });

  describe('200 ignored (endpoint output that is not a dialog completion)', () => {
    it.each([
      ['plain chat text', { userId: 'u1', sessionId: 's1', AIOutput: { text: 'Hello!', source: 'bot' } }],
      ['data without an intent', { userId: 'u1', sessionId: 's1', AIOutput: { text: 'Hi', data: { foo: 'bar' } } }],
      ['no AIOutput at all', { userId: 'u1', sessionId: 's1' }],
      ['data without intent and without a session', { AIOutput: { text: 'Hi', data: {} } }],
    ])('%s', async (_name, body) => {
      await expectNothingStored(async () => {
        const res = await signed(t, ENDPOINT_ROUTE, body);
        expect(res.status).toBe(200);
        expect(res.body).toEqual({ status: 'ignored' });
      });
    });

    it('still needs authentication', async () => {
      const res = await post(t, ENDPOINT_ROUTE, { userId: 'u1', sessionId: 's1', AIOutput: { text: 'Hello!' } });
      expect(res.status).toBe(401);
      expect(res.body).toEqual(UNAUTHORIZED_BODY);
    });
  });

  describe('X-Request-Id', () => {
    it.each(ROUTES)('echoes an inbound X-Request-Id on $path and keeps it with the event', async (route) => {
      const requestId = unique('req');
      const { body, eventId } = route.completion();
      const res = await signed(t, route.path, body, { headers: { 'x-request-id': requestId } });
      expect(res.status).toBe(202);
      expect(res.headers['x-request-id']).toBe(requestId);
      expect((await store(t).get(eventId))!.requestId).toBe(requestId);
    });

    it.each(ROUTES)('generates one on $path when none is sent, different per request', async (route) => {
      const first = await signed(t, route.path, route.completion().body);
      const second = await signed(t, route.path, route.completion().body);
      expect(first.status).toBe(202);
      expect(second.status).toBe(202);
      const a = first.headers['x-request-id'];
      const b = second.headers['x-request-id'];
      expect(a).toMatch(/^\S{8,}$/);
      expect(b).toMatch(/^\S{8,}$/);
      expect(a).not.toBe(b);
      expect((await store(t).get(first.body.eventId))!.requestId).toBe(a);
    });

    it('echoes it on error answers too (401, 415, 413, 422)', async () => {
      const cases = [
        () => post(t, DIALOG_CASE.path, DIALOG_CASE.completion().body, { headers: { 'x-request-id': 'rid-401' } }),
        () =>
          signed(t, DIALOG_CASE.path, DIALOG_CASE.completion().body, {
            contentType: 'text/plain',
            headers: { 'x-request-id': 'rid-415' },
          }),
        () =>
          signed(t, ENDPOINT_CASE.path, paddedBody(ENDPOINT_CASE.completion().body, MAX_BODY + 1), {
            headers: { 'x-request-id': 'rid-413' },
          }),
        () =>
          signed(t, ENDPOINT_CASE.path, ENDPOINT_CASE.completion('order_pizza').body, {
            headers: { 'x-request-id': 'rid-422' },
          }),
      ];
      const answers = [];
      for (const send of cases) answers.push(await send());
      expect(answers.map((r) => [r.status, r.headers['x-request-id']])).toEqual([
        [401, 'rid-401'],
        [415, 'rid-415'],
        [413, 'rid-413'],
        [422, 'rid-422'],
      ]);
    });
  });
});
