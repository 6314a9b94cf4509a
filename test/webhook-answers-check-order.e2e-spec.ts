import Database from 'better-sqlite3';
import { join } from 'node:path';
import { ShutdownState } from '../src/lifecycle/shutdown-state';
import { TestApp } from './support/test-app';
import { answersApp, expectRetryAfter, MAX_BODY, paddedBody, signed } from './support/webhook-answers';
import { DIALOG_CASE, ENDPOINT_ROUTE, post, ROUTES, storedCount, UNAUTHORIZED_BODY } from './support/webhook-cases';

/**
 * The documented check order of the webhook routes through real HTTP into the real app
 * (src/bootstrap.ts), for both routes: shutting down, size, content type, authentication,
 * JSON/DTO, mapping, store; what an earlier check refuses, a later one never sees, and nothing is
 * stored. While shutting down every request is 503 with Retry-After, whatever else is wrong.
 */

describe('webhook answers', () => {
  const { app, expectNothingStored } = answersApp();
  let t: TestApp;
  beforeAll(() => (t = app()));

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
});

describe('webhook answers while shutting down', () => {
  const { app } = answersApp();
  let t: TestApp;
  let storedBefore: number;

  beforeAll(async () => {
    t = app();
    // One event before the shutdown, so "nothing more stored" is measured against a non-empty store.
    const res = await signed(t, DIALOG_CASE.path, DIALOG_CASE.completion().body);
    expect(res.status).toBe(202);
    t.app.get(ShutdownState).begin();
    storedBefore = await storedCount(t);
  });

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
