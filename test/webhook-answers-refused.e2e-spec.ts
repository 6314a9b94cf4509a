import Database from 'better-sqlite3';
import { join } from 'node:path';
import { cognigySignature } from './support/signing';
import { TestApp } from './support/test-app';
import { answersApp, expectRetryAfter, MAX_BODY, paddedBody, SECRET, signed } from './support/webhook-answers';
import { post, rawPost, ROUTES, store, storedCount, UNAUTHORIZED_BODY, unique } from './support/webhook-cases';

/**
 * Every refusal through real HTTP into the real app (src/bootstrap.ts), for both webhook routes:
 * 400, 401, 413, 415, 422 and 503 while the store is unavailable, each leaving nothing stored.
 * The order in which the checks run: webhook-answers-check-order.
 */

describe('webhook answers', () => {
  const { app, expectNothingStored } = answersApp();
  let t: TestApp;
  beforeAll(() => (t = app()));

  describe.each(ROUTES)('$path', (route) => {
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
});
