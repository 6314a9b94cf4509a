import Database from 'better-sqlite3';
import { join } from 'node:path';
import { ShutdownState } from '../src/lifecycle/shutdown-state';
import { cognigySignature } from './support/signing';
import { startTestApp, TestApp } from './support/test-app';
import {
  DIALOG_CASE,
  ENDPOINT_CASE,
  ENDPOINT_ROUTE,
  post,
  PostOptions,
  postSigned,
  storedCount,
  rawPost,
  ROUTES,
  store,
  UNAUTHORIZED_BODY,
  unique,
} from './support/webhook-cases';

/**
 * Every answer of through real HTTP into the real app (src/bootstrap.ts), for both
 * webhook routes, with the documented check order and "nothing stored after a non-2xx answer".
 */

const SECRET = 'answers-secret';
const MAX_BODY = 2048;

/** A signed POST (hex HMAC of the exact bytes sent). */
const signed = (t: TestApp, path: string, body: string | object, options: PostOptions = {}) =>
  postSigned(t, SECRET, path, body, options);

/** A JSON body padded (through `metadata`) to exactly `size` bytes. */
function paddedBody(base: Record<string, unknown>, size: number): string {
  const empty = JSON.stringify({ ...base, metadata: { pad: '' } });
  const body = JSON.stringify({ ...base, metadata: { pad: 'x'.repeat(size - Buffer.byteLength(empty)) } });
  expect(Buffer.byteLength(body)).toBe(size);
  return body;
}

function expectRetryAfter(value: string | string[] | undefined) {
  expect(value).toMatch(/^\d+$/);
  expect(Number(value)).toBeGreaterThan(0);
}

describe('webhook answers', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({
      COGNIGY_WEBHOOK_SECRETS: SECRET,
      WEBHOOK_MAX_BODY_BYTES: String(MAX_BODY),
    });
  });
  afterAll(() => t.close());

  /** Runs `send`, then checks that the queue holds exactly as many events as before. */
  async function expectNothingStored(send: () => Promise<unknown>) {
    const before = await storedCount(t);
    await send();
    expect(await storedCount(t)).toBe(before);
  }

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

    describe('400 bad request', () => {
      it('refuses a body that is not JSON', async () => {
        await expectNothingStored(async () => {
          const res = await signed(t, route.path, '{"conversationId": "conv-1", ');
          expect(res.status).toBe(400);
          expect(res.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
          expect(res.body.message).toEqual(expect.arrayContaining([expect.stringMatching(/JSON/)]));
        });
      });

      it('refuses a JSON value that is not an object', async () => {
        await expectNothingStored(async () => {
          const res = await signed(t, route.path, '[1,2,3]');
          expect(res.status).toBe(400);
          expect(res.body.statusCode).toBe(400);
        });
      });

      it('refuses a body that breaks the DTO and names the field', async () => {
        const { body, field } = route.badDto();
        await expectNothingStored(async () => {
          const res = await signed(t, route.path, body);
          expect(res.status).toBe(400);
          expect(res.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
          expect(Array.isArray(res.body.message)).toBe(true);
          expect(res.body.message.join('\n')).toMatch(field);
        });
      });

      it('refuses an event id header over 200 characters', async () => {
        await expectNothingStored(async () => {
          const res = await signed(t, route.path, route.completion().body, {
            headers: { 'x-cognigy-event-id': 'e'.repeat(201) },
          });
          expect(res.status).toBe(400);
          expect(res.body.message.join('\n')).toMatch(/x-cognigy-event-id/i);
        });
      });
    });

    describe('401 unauthorized', () => {
      it('refuses an unsigned request with exactly {"statusCode":401,"message":"Unauthorized"}', async () => {
        await expectNothingStored(async () => {
          const res = await post(t, route.path, route.completion().body);
          expect(res.status).toBe(401);
          expect(res.body).toEqual(UNAUTHORIZED_BODY);
          expect(res.text).toBe(JSON.stringify(UNAUTHORIZED_BODY));
        });
      });

      it('refuses a wrong signature with the same body', async () => {
        const raw = JSON.stringify(route.completion().body);
        await expectNothingStored(async () => {
          const res = await post(t, route.path, raw, {
            headers: { 'x-cognigy-signature': cognigySignature('not-the-secret', raw) },
          });
          expect(res.status).toBe(401);
          expect(res.body).toEqual(UNAUTHORIZED_BODY);
        });
      });
    });

    describe('413 payload too large', () => {
      it('refuses a signed body one byte over WEBHOOK_MAX_BODY_BYTES', async () => {
        const raw = paddedBody(route.completion().body, MAX_BODY + 1);
        await expectNothingStored(async () => {
          const res = await signed(t, route.path, raw);
          expect(res.status).toBe(413);
        });
      });

      it('refuses an oversized body streamed without Content-Length', async () => {
        const raw = paddedBody(route.completion().body, MAX_BODY * 2);
        await expectNothingStored(async () => {
          const res = await rawPost(
            t.server,
            route.path,
            {
              'content-type': 'application/json',
              'transfer-encoding': 'chunked',
              'x-cognigy-signature': cognigySignature(SECRET, raw),
            },
            [raw.slice(0, 1000), raw.slice(1000, 3000), raw.slice(3000)],
          );
          expect(res.status).toBe(413);
        });
      });
    });

    describe('415 unsupported media type', () => {
      it('refuses text/plain even when signed', async () => {
        const raw = JSON.stringify(route.completion().body);
        await expectNothingStored(async () => {
          const res = await signed(t, route.path, raw, { contentType: 'text/plain' });
          expect(res.status).toBe(415);
        });
      });

      it('refuses a look-alike type (application/jsonp)', async () => {
        await expectNothingStored(async () => {
          const res = await signed(t, route.path, route.completion().body, { contentType: 'application/jsonp' });
          expect(res.status).toBe(415);
        });
      });

      it('refuses a request without Content-Type', async () => {
        const raw = JSON.stringify(route.completion().body);
        await expectNothingStored(async () => {
          const res = await rawPost(
            t.server,
            route.path,
            { 'content-length': String(Buffer.byteLength(raw)), 'x-cognigy-signature': cognigySignature(SECRET, raw) },
            [raw],
          );
          expect(res.status).toBe(415);
          expect(JSON.parse(res.body).statusCode).toBe(415);
        });
      });
    });

    describe('422 unprocessable', () => {
      it('refuses an unsupported intent, naming it', async () => {
        await expectNothingStored(async () => {
          const res = await signed(t, route.path, route.completion('order_pizza', { size: { value: 'xl' } }).body);
          expect(res.status).toBe(422);
          expect(res.body.message).toBe('Unsupported intent: order_pizza');
        });
      });

      it('refuses an event without the id entity', async () => {
        const { body } = route.completion('update_customer_profile', { newStatus: { value: 'gold' } });
        await expectNothingStored(async () => {
          const res = await signed(t, route.path, body);
          expect(res.status).toBe(422);
          expect(res.body.message).toBe('Missing required entity: customerId');
        });
      });

      it('treats an empty-string id entity as absent', async () => {
        const { body } = route.completion('update_customer_profile', {
          customerId: { value: '', confidence: 0.99 },
          newStatus: { value: 'gold' },
        });
        await expectNothingStored(async () => {
          const res = await signed(t, route.path, body);
          expect(res.status).toBe(422);
          expect(res.body.message).toBe('Missing required entity: customerId');
        });
      });

      it('refuses a log_support_ticket event without ticketId', async () => {
        const { body } = route.completion('log_support_ticket', { priority: { value: 'high' } });
        await expectNothingStored(async () => {
          const res = await signed(t, route.path, body);
          expect(res.status).toBe(422);
          expect(res.body.message).toBe('Missing required entity: ticketId');
        });
      });

      it('stores nothing, so the corrected event is accepted later under the same id', async () => {
        const key = unique('idem');
        const bad = await signed(t, route.path, route.completion('order_pizza').body, {
          headers: { 'idempotency-key': key },
        });
        expect(bad.status).toBe(422);
        const good = await signed(t, route.path, route.completion().body, { headers: { 'idempotency-key': key } });
        expect(good.status).toBe(202);
        expect(good.body).toEqual({ status: 'accepted', eventId: key });
      });
    });

    describe('503 store unavailable', () => {
      it('answers 503 with Retry-After while the SQLite file is locked, stores nothing, then accepts the retry', async () => {
        const { body, eventId } = route.completion();
        const before = await storedCount(t);
        const locker = new Database(join(t.dataDir, 'events.sqlite'));
        let res;
        try {
          locker.exec('BEGIN EXCLUSIVE');
          res = await signed(t, route.path, body);
        } finally {
          if (locker.inTransaction) locker.exec('ROLLBACK');
          locker.close();
        }
        expect(res.status).toBe(503);
        expectRetryAfter(res.headers['retry-after']);
        expect(await storedCount(t)).toBe(before);
        expect(await store(t).get(eventId)).toBeNull();

        // The sender retries: the event is new, not a duplicate of the refused one.
        const retry = await signed(t, route.path, body);
        expect(retry.status).toBe(202);
        expect(retry.body).toEqual({ status: 'accepted', eventId });
        expect(await storedCount(t)).toBe(before + 1);
      }, 30000);
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

  describe('check order: shutting down, size, content type, authentication, JSON/DTO, mapping, store', () => {
    describe.each(ROUTES)('$path', (route) => {
      it('a too-large unsigned body is 413, not 401', async () => {
        await expectNothingStored(async () => {
          const res = await post(t, route.path, paddedBody(route.completion().body, MAX_BODY + 100));
          expect(res.status).toBe(413);
        });
      });

      it('a too-large text/plain body is 413, not 415', async () => {
        await expectNothingStored(async () => {
          const res = await post(t, route.path, paddedBody(route.completion().body, MAX_BODY + 100), {
            contentType: 'text/plain',
          });
          expect(res.status).toBe(413);
        });
      });

      it('an unsigned text/plain body is 415, not 401', async () => {
        await expectNothingStored(async () => {
          const res = await post(t, route.path, route.completion().body, { contentType: 'text/plain' });
          expect(res.status).toBe(415);
        });
      });

      it('unsigned bad JSON is 401, not 400', async () => {
        await expectNothingStored(async () => {
          const res = await post(t, route.path, '{not json');
          expect(res.status).toBe(401);
          expect(res.body).toEqual(UNAUTHORIZED_BODY);
        });
      });

      it('an unsigned bad DTO is 401, not 400', async () => {
        await expectNothingStored(async () => {
          const res = await post(t, route.path, route.badDto().body);
          expect(res.status).toBe(401);
          expect(res.body).toEqual(UNAUTHORIZED_BODY);
        });
      });

      it('an unsigned unknown intent is 401, not 422', async () => {
        await expectNothingStored(async () => {
          const res = await post(t, route.path, route.completion('order_pizza').body);
          expect(res.status).toBe(401);
          expect(res.body).toEqual(UNAUTHORIZED_BODY);
        });
      });

      it('signed bad JSON is 400', async () => {
        await expectNothingStored(async () => {
          const res = await signed(t, route.path, '{not json');
          expect(res.status).toBe(400);
        });
      });

      it('a signed bad DTO with an unknown intent is 400, not 422', async () => {
        const { body, field } = route.badDto();
        const data = (body as { AIOutput?: { data: Record<string, unknown> } }).AIOutput?.data ?? body;
        data.intent = 'order_pizza';
        await expectNothingStored(async () => {
          const res = await signed(t, route.path, body);
          expect(res.status).toBe(400);
          expect(res.body.message.join('\n')).toMatch(field);
        });
      });

      it('a signed unknown intent is 422', async () => {
        await expectNothingStored(async () => {
          const res = await signed(t, route.path, route.completion('order_pizza').body);
          expect(res.status).toBe(422);
          expect(res.body.message).toBe('Unsupported intent: order_pizza');
        });
      });

      it('mapping comes before the store: an unknown intent is 422 even while the store is locked', async () => {
        const before = await storedCount(t);
        const locker = new Database(join(t.dataDir, 'events.sqlite'));
        let res;
        try {
          locker.exec('BEGIN EXCLUSIVE');
          res = await signed(t, route.path, route.completion('order_pizza').body);
        } finally {
          if (locker.inTransaction) locker.exec('ROLLBACK');
          locker.close();
        }
        expect(res.status).toBe(422);
        expect(await storedCount(t)).toBe(before);
      });
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

describe('webhook answers while shutting down', () => {
  let t: TestApp;
  let storedBefore: number;

  beforeAll(async () => {
    t = await startTestApp({ COGNIGY_WEBHOOK_SECRETS: SECRET, WEBHOOK_MAX_BODY_BYTES: String(MAX_BODY) });
    // One event before the shutdown, so "nothing more stored" is measured against a non-empty store.
    const res = await signed(t, DIALOG_CASE.path, DIALOG_CASE.completion().body);
    expect(res.status).toBe(202);
    t.app.get(ShutdownState).begin();
    storedBefore = await storedCount(t);
  });
  afterAll(() => t.close());

  afterEach(async () => {
    expect(await storedCount(t)).toBe(storedBefore);
  });

  it.each(ROUTES)('answers a valid signed event on $path with 503 and Retry-After', async (route) => {
    const res = await signed(t, route.path, route.completion().body, { headers: { 'x-request-id': 'rid-503' } });
    expect(res.status).toBe(503);
    expectRetryAfter(res.headers['retry-after']);
    expect(res.headers['x-request-id']).toBe('rid-503');
  });

  it.each(ROUTES)(
    'shutting down is checked first: an oversized unsigned text/plain body on $path is 503',
    async (route) => {
      const res = await post(t, route.path, paddedBody(route.completion().body, MAX_BODY * 2), {
        contentType: 'text/plain',
      });
      expect(res.status).toBe(503);
      expectRetryAfter(res.headers['retry-after']);
    },
  );

  it('an ignorable endpoint output is 503 too', async () => {
    const res = await signed(t, ENDPOINT_ROUTE, { userId: 'u1', sessionId: 's1', AIOutput: { text: 'Hi' } });
    expect(res.status).toBe(503);
    expectRetryAfter(res.headers['retry-after']);
  });
});
