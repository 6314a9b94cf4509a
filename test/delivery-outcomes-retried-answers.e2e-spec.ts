import { describeEachDriver, Driver } from './support/drivers';
import {
  eventOf,
  gaps,
  quietPeriodMs,
  recordOf,
  requestsFor,
  RETRY_CAP_MS,
  sendContact,
  settled,
  warmApp,
} from './support/delivery-outcomes-app';
import { TestApp } from './support/test-app';
import { sleep, waitFor } from './support/wait-for';
import { unique } from './support/webhook-cases';

/**
 * Delivery verdicts, end to end, for the CRM answers that are retried: 429 (after its Retry-After,
 * in seconds or as an HTTP-date, up to CRM_RETRY_MAX_MS; with backoff without one), 408 and 5xx
 * (with backoff, under the same Idempotency-Key), each a counted attempt, until the
 * CRM_MAX_ATTEMPTS-th failed one dead-letters. A signed webhook goes in over HTTP, the real
 * delivery worker sends it to the CRM sandbox over loopback, and each row of the outcome table is
 * checked in the event store and in what the sandbox saw. The same tests run against each queue
 * driver (SQLite, Redis).
 */

describeEachDriver('delivery outcomes (%s driver)', (driver: Driver) => {
  const quietMs = quietPeriodMs(driver);

  describe('delivery outcomes (webhook to CRM sandbox)', () => {
    const { sandbox, app } = warmApp(driver, { CRM_MAX_ATTEMPTS: '3' });
    let t: TestApp;
    beforeAll(() => (t = app()));

    describe('429', () => {
      it('Retry-After: 0 (seconds): retried at once, every 429 counted as an attempt', async () => {
        sandbox.inject({ status: 429, retryAfter: '0', count: 2 });
        const id = unique('C');
        const { eventId } = await sendContact(t, id);

        const event = await settled(t, eventId);
        expect(event).toMatchObject({ state: 'delivered', attempts: 3, lastStatus: 200, lastError: null });
        const requests = requestsFor(sandbox, id);
        expect(requests.map((r) => r.status)).toEqual([429, 429, 200]);
        expect(new Set(requests.map((r) => r.idempotencyKey))).toEqual(new Set([`cognigy-${eventId}`]));
        expect(recordOf(sandbox, 'contacts', id)).toMatchObject({ version: 1 });
      });

      it('Retry-After in seconds is honoured, up to CRM_RETRY_MAX_MS', async () => {
        // 3600 s capped to 40 ms: without honouring it the first backoff would be under 10 ms.
        sandbox.inject({ status: 429, retryAfter: '3600' });
        const id = unique('C');
        const { eventId } = await sendContact(t, id);

        const event = await settled(t, eventId);
        expect(event).toMatchObject({ state: 'delivered', attempts: 2, lastStatus: 200 });
        const requests = requestsFor(sandbox, id);
        expect(requests.map((r) => r.status)).toEqual([429, 200]);
        expect(gaps(requests)[0]).toBeGreaterThanOrEqual(RETRY_CAP_MS - 1);
        // Far from the hour asked for; generous, so a busy machine cannot fail it.
        expect(gaps(requests)[0]).toBeLessThan(30_000);
      });

      it('Retry-After as an HTTP-date in the future is honoured, up to CRM_RETRY_MAX_MS', async () => {
        sandbox.inject({ status: 429, retryAfter: new Date(Date.now() + 3_600_000).toUTCString() });
        const id = unique('C');
        const { eventId } = await sendContact(t, id);

        const event = await settled(t, eventId);
        expect(event).toMatchObject({ state: 'delivered', attempts: 2, lastStatus: 200, lastError: null });
        const requests = requestsFor(sandbox, id);
        expect(requests.map((r) => r.status)).toEqual([429, 200]);
        expect(gaps(requests)[0]).toBeGreaterThanOrEqual(RETRY_CAP_MS - 1);
        // Far from the hour asked for; generous, so a busy machine cannot fail it.
        expect(gaps(requests)[0]).toBeLessThan(30_000);
      });

      it('Retry-After as an HTTP-date in the past: retried at once', async () => {
        sandbox.inject({ status: 429, retryAfter: 'Wed, 21 Oct 2015 07:28:00 GMT', count: 2 });
        const id = unique('C');
        const { eventId } = await sendContact(t, id);

        const event = await settled(t, eventId);
        expect(event).toMatchObject({ state: 'delivered', attempts: 3, lastStatus: 200 });
        expect(requestsFor(sandbox, id).map((r) => r.status)).toEqual([429, 429, 200]);
      });

      it('no Retry-After: retried with backoff, 429s counted', async () => {
        sandbox.inject({ status: 429, count: 2 });
        const id = unique('C');
        const { eventId } = await sendContact(t, id);

        const event = await settled(t, eventId);
        expect(event).toMatchObject({ state: 'delivered', attempts: 3, lastStatus: 200, lastError: null });
        const requests = requestsFor(sandbox, id);
        expect(requests.map((r) => r.status)).toEqual([429, 429, 200]);
        expect(new Set(requests.map((r) => r.idempotencyKey))).toEqual(new Set([`cognigy-${eventId}`]));
      });

      it('a 429 while retrying records its status and excerpt until the success', async () => {
        sandbox.inject({ status: 429, retryAfter: '0', body: { error: 'rate_limited', quota: 'contacts' } });
        // The retry is answered slowly: time enough to look at the recorded 429.
        sandbox.inject({ status: 503, latencyMs: 300 });
        const id = unique('C');
        const { eventId } = await sendContact(t, id);

        const waiting = await waitFor(async () => {
          const e = await eventOf(t, eventId);
          return e && e.attempts === 1 ? e : null;
        });
        expect(waiting).toMatchObject({ state: 'queued', lastStatus: 429 });
        expect(waiting.lastError).toContain('429');
        expect(waiting.lastError).toContain('rate_limited');

        expect(await settled(t, eventId)).toMatchObject({
          state: 'delivered',
          attempts: 3,
          lastStatus: 200,
          lastError: null,
        });
        expect(requestsFor(sandbox, id).map((r) => r.status)).toEqual([429, 503, 200]);
      });
    });

    describe.each([408, 500, 503])('%i', (status) => {
      it('retried with backoff under the same Idempotency-Key, then delivered once', async () => {
        sandbox.inject({ status, count: 2 });
        const id = unique('C');
        const { eventId, requestId } = await sendContact(t, id);

        const event = await settled(t, eventId);
        // CRM_MAX_ATTEMPTS=3: the third request succeeds, so the event is delivered, not dead.
        expect(event).toMatchObject({ state: 'delivered', attempts: 3, lastStatus: 200, lastError: null });

        const requests = requestsFor(sandbox, id);
        expect(requests.map((r) => r.status)).toEqual([status, status, 200]);
        for (const r of requests) {
          expect(r.idempotencyKey).toBe(`cognigy-${eventId}`);
          expect(r.requestId).toBe(requestId);
          expect(r.authorization).toBe('Bearer');
          expect(r.body).toEqual(requests[0].body);
        }
        // The backoff cap is 40 ms; the bound is generous so a busy machine cannot fail it.
        for (const gap of gaps(requests)) expect(gap).toBeLessThan(10_000);
        expect(recordOf(sandbox, 'contacts', id)).toMatchObject({ version: 1, applied_keys: [`cognigy-${eventId}`] });
      });
    });

    it('the CRM_MAX_ATTEMPTS-th failed request dead-letters (500 until cleared, CRM_MAX_ATTEMPTS=3)', async () => {
      sandbox.inject({ status: 500, count: Infinity, body: { error: 'db_down' } });
      const id = unique('C');
      const { eventId } = await sendContact(t, id);

      const event = await settled(t, eventId);
      expect(event).toMatchObject({ state: 'dead', attempts: 3, lastStatus: 500 });
      expect(event.lastError).toContain('500');
      expect(event.lastError).toContain('db_down');

      sandbox.clearFaults();
      await sleep(quietMs);
      const requests = requestsFor(sandbox, id);
      expect(requests.map((r) => r.status)).toEqual([500, 500, 500]);
      expect(new Set(requests.map((r) => r.idempotencyKey))).toEqual(new Set([`cognigy-${eventId}`]));
      expect(recordOf(sandbox, 'contacts', id)).toBeUndefined();
      expect(await eventOf(t, eventId)).toMatchObject({ state: 'dead', attempts: 3 });
    });

    it('429s count towards CRM_MAX_ATTEMPTS too', async () => {
      sandbox.inject({ status: 429, retryAfter: '0', count: Infinity });
      const id = unique('C');
      const { eventId } = await sendContact(t, id);

      const event = await settled(t, eventId);
      expect(event).toMatchObject({ state: 'dead', attempts: 3, lastStatus: 429 });
      sandbox.clearFaults();
      expect(requestsFor(sandbox, id).map((r) => r.status)).toEqual([429, 429, 429]);
    });
  });
});
