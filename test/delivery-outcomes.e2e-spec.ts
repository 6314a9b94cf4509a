import { connect, createServer as createNetServer, Server as NetServer, Socket } from 'node:net';
import { OperatorEvents } from '../src/queue/operator-events';
import { StoredEvent } from '../src/queue/stored-event';
import { CrmSandbox } from '../src/dev/sandbox/crm-sandbox';
import { SandboxRequest } from '../src/dev/sandbox/sandbox-state';
import { cleanRedis, Driver, driverEnv, describeEachDriver } from './support/drivers';
import { sandboxEnv } from './support/sandbox-env';
import { freePort } from './support/service-process';
import { sandboxedApp, startTestApp, TestApp } from './support/test-app';
import { sleep, waitFor } from './support/wait-for';
import {
  contactDialog,
  DIALOG_ROUTE,
  ENDPOINT_CASE,
  ENDPOINT_ROUTE,
  Entities,
  postSigned,
  unique,
} from './support/webhook-cases';

/**
 * Delivery verdicts, end to end: a signed webhook goes in over HTTP, the real delivery worker sends it to
 * the CRM sandbox over loopback, and each row of the outcome table is checked in the event store
 * and in what the sandbox saw. The same tests run against each queue driver (SQLite, Redis).
 */

const SECRET = 's';
const CONTACTS = '/api/v2/contacts/upsert';
const TICKETS = '/api/v2/tickets/upsert';
/** CRM_RETRY_MAX_MS below: the longest any retry may wait, Retry-After included. */
const RETRY_CAP_MS = 40;
/** CRM_TIMEOUT_MS of the app that tests timeouts. */
const TIMEOUT_MS = 300;
/**
 * CRM_TIMEOUT_MS of the other apps. The sandbox shares the test's event loop: on a busy machine a
 * 300 ms timeout can fire before the sandbox has even read a request, adding an attempt that no
 * test expects. Only the timeout tests need a short one, so they get their own app.
 */
const RELAXED_TIMEOUT_MS = 5000;

/** The settings of every app of this file, besides the sandbox's own. */
const SETTINGS: Record<string, string> = {
  COGNIGY_WEBHOOK_SECRETS: SECRET,
  CRM_RETRY_MAX_MS: String(RETRY_CAP_MS),
  CRM_BREAKER_COOLDOWN_MS: '300',
  CRM_TIMEOUT_MS: String(RELAXED_TIMEOUT_MS),
  // Failures of one test must never open the breaker for the next: the breaker has its own suite.
  CRM_BREAKER_THRESHOLD: '1000',
};

interface Sent {
  eventId: string;
  requestId: string;
}

/** POSTs a signed webhook with an X-Request-Id of ours; expects the 202. */
async function sendSigned(t: TestApp, route: string, body: object): Promise<Sent> {
  const requestId = unique('req');
  const res = await postSigned(t, SECRET, route, body, { headers: { 'x-request-id': requestId } });
  expect(res.status).toBe(202);
  expect(res.body.status).toBe('accepted');
  expect(res.headers['x-request-id']).toBe(requestId);
  return { eventId: res.body.eventId as string, requestId };
}

/** A dialog completion for contact `customerId` (update_customer_profile). */
function sendContact(
  t: TestApp,
  customerId: string,
  more: Entities = { newStatus: { value: 'gold', confidence: 0.91 } },
) {
  return sendSigned(t, DIALOG_ROUTE, contactDialog(customerId, more));
}

const eventOf = (t: TestApp, eventId: string) => t.app.get(OperatorEvents).get(eventId);

/** Waits until the event left `queued` (delivered, dead or stale) and returns it. */
function settled(t: TestApp, eventId: string, timeoutMs = 5000): Promise<StoredEvent> {
  return waitFor(
    async () => {
      const event = await eventOf(t, eventId);
      return event && event.state !== 'queued' ? event : null;
    },
    { timeoutMs, what: `event ${eventId} settled` },
  );
}

/** The requests the sandbox saw for one record (failed ones included), oldest first. */
const requestsFor = (sandbox: CrmSandbox, externalId: string): SandboxRequest[] =>
  sandbox.requests().filter((r) => (r.body as { external_id?: string } | undefined)?.external_id === externalId);

const recordOf = (sandbox: CrmSandbox, collection: string, externalId: string) =>
  (sandbox.records()[collection] ?? []).find((r) => r.external_id === externalId);

/** Milliseconds between consecutive requests (by their arrival time at the sandbox). */
const gaps = (requests: SandboxRequest[]) =>
  requests.slice(1).map((r, i) => Date.parse(r.at) - Date.parse(requests[i].at));

/**
 * A sandbox and an app delivering to it (this file's SETTINGS, `extra`, a store of `driver`), for
 * the enclosing describe. The app delivers one event before the tests (token cached, connection
 * made), so a cold start adds nothing to the first test; faults are cleared after each test.
 */
function warmApp(driver: Driver, extra: Record<string, string>): { sandbox: CrmSandbox; app: () => TestApp } {
  const sandboxed = sandboxedApp({ ...SETTINGS, ...extra, ...driverEnv(driver) });

  beforeAll(async () => {
    const t = sandboxed.app();
    const { eventId } = await sendContact(t, unique('warm-up'));
    expect(await settled(t, eventId, 10_000)).toMatchObject({ state: 'delivered' });
  });

  afterEach(() => sandboxed.sandbox.clearFaults());

  return sandboxed;
}

describeEachDriver('delivery outcomes (%s driver)', (driver: Driver) => {
  /**
   * How long to watch for a request that must not come (no retry after a final outcome). A retry
   * would come within RETRY_CAP_MS with SQLite; the Redis driver sees a due retry by polling
   * (every 250 ms), so it is watched for longer.
   */
  const quietMs = driver === 'redis' ? 600 : RETRY_CAP_MS * 2;

  describe('delivery outcomes (webhook to CRM sandbox)', () => {
    const { sandbox, app } = warmApp(driver, { CRM_MAX_ATTEMPTS: '3' });
    let t: TestApp;
    beforeAll(() => (t = app()));

    describe('2xx', () => {
      it('delivers with one attempt: exactly the mapped body, idempotency key, request id and bearer token', async () => {
        const id = unique('C');
        const { eventId, requestId } = await sendContact(t, id, {
          newStatus: { value: 'gold', confidence: 0.91 },
          notes: { value: 'asked for a callback' },
        });

        const event = await settled(t, eventId);
        expect(event).toMatchObject({ state: 'delivered', attempts: 1, lastStatus: 200, lastError: null });
        expect(event.deliveredAt).toEqual(expect.any(Number));

        const expectedBody = {
          external_id: id,
          status: 'gold',
          notes: 'asked for a callback',
          last_interaction: '2026-11-26T10:00:00.000Z',
        };
        const requests = requestsFor(sandbox, id);
        expect(requests).toHaveLength(1);
        expect(requests[0]).toMatchObject({
          method: 'POST',
          path: CONTACTS,
          idempotencyKey: `cognigy-${eventId}`,
          requestId,
          authorization: 'Bearer',
          status: 200,
        });
        expect(requests[0].body).toEqual(expectedBody);

        const record = recordOf(sandbox, 'contacts', id);
        expect(record).toMatchObject({ ...expectedBody, version: 1, applied_keys: [`cognigy-${eventId}`] });
        const { id: _crmId, version: _v, applied_keys: _k, ...fields } = record!;
        expect(fields).toEqual(expectedBody);
      });

      it.each([201, 204])('delivers on a %i answer', async (status) => {
        sandbox.inject({ status });
        const id = unique('C');
        const { eventId } = await sendContact(t, id);

        const event = await settled(t, eventId);
        expect(event).toMatchObject({ state: 'delivered', attempts: 1, lastStatus: status, lastError: null });
        expect(requestsFor(sandbox, id).map((r) => r.status)).toEqual([status]);
      });

      it('leaves an absent optional entity out of the body (ticket via endpoint output, contact via dialog-complete)', async () => {
        const ticketId = unique('T');
        // no `issue`: description must be absent, not ""
        const output = ENDPOINT_CASE.completion('log_support_ticket', {
          ticketId: { value: ticketId },
          priority: { value: 'high' },
        });
        const ticket = await sendSigned(t, ENDPOINT_ROUTE, output.body);

        const customerId = unique('C');
        // newStatus absent, notes empty (counts as absent): only external_id and last_interaction remain.
        const contact = await sendContact(t, customerId, { notes: { value: '' } });

        expect(await settled(t, ticket.eventId)).toMatchObject({ state: 'delivered', attempts: 1 });
        expect(await settled(t, contact.eventId)).toMatchObject({ state: 'delivered', attempts: 1 });

        const [ticketRequest] = requestsFor(sandbox, ticketId);
        expect(ticketRequest.path).toBe(TICKETS);
        expect(ticketRequest.body).toEqual({ external_id: ticketId, priority: 'high', source: 'cognigy_ai' });
        expect(recordOf(sandbox, 'tickets', ticketId)).not.toHaveProperty('description');

        const [contactRequest] = requestsFor(sandbox, customerId);
        expect(contactRequest.path).toBe(CONTACTS);
        expect(contactRequest.body).toEqual({ external_id: customerId, last_interaction: '2026-11-26T10:00:00.000Z' });
        const record = recordOf(sandbox, 'contacts', customerId);
        expect(record).not.toHaveProperty('status');
        expect(record).not.toHaveProperty('notes');
      });
    });

    it('409: delivered at once, not retried', async () => {
      sandbox.inject({ status: 409, body: { error: 'conflict', message: 'already applied' } });
      const id = unique('C');
      const { eventId } = await sendContact(t, id);

      const event = await settled(t, eventId);
      expect(event).toMatchObject({ state: 'delivered', attempts: 1, lastStatus: 409, lastError: null });
      // The history agrees with the verdict: a delivered 409 names no error.
      expect(await t.app.get(OperatorEvents).attemptsOf(eventId)).toMatchObject([{ status: 409, error: null }]);
      await sleep(quietMs);
      expect(requestsFor(sandbox, id).map((r) => r.status)).toEqual([409]);
    });

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

    describe.each([400, 404, 422])('%i (other 4xx)', (status) => {
      it('dead at once, with the status and an excerpt of the answer', async () => {
        sandbox.inject({ status, body: { error: 'invalid_request', message: `field status rejected (${status})` } });
        const id = unique('C');
        const { eventId } = await sendContact(t, id);

        const event = await settled(t, eventId);
        expect(event).toMatchObject({ state: 'dead', attempts: 1, lastStatus: status });
        expect(event.failedAt).toEqual(expect.any(Number));
        expect(event.lastError).toContain(String(status));
        expect(event.lastError).toContain(`field status rejected (${status})`);

        await sleep(quietMs);
        expect(requestsFor(sandbox, id).map((r) => r.status)).toEqual([status]);
        expect(recordOf(sandbox, 'contacts', id)).toBeUndefined();
      });
    });

    it('the excerpt of a long 4xx answer is short', async () => {
      const long = `bad field: ${'x'.repeat(5000)}`;
      sandbox.inject({ status: 422, body: { error: 'unprocessable', message: long } });
      const { eventId } = await sendContact(t, unique('C'));

      const event = await settled(t, eventId);
      expect(event).toMatchObject({ state: 'dead', attempts: 1, lastStatus: 422 });
      expect(event.lastError).toContain('unprocessable');
      expect(event.lastError).toContain('bad field: xxx');
      expect(event.lastError!.length).toBeLessThan(1000);
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

  describe(`delivery outcomes: timeout (CRM_TIMEOUT_MS=${TIMEOUT_MS})`, () => {
    const { sandbox, app } = warmApp(driver, { CRM_MAX_ATTEMPTS: '3', CRM_TIMEOUT_MS: String(TIMEOUT_MS) });
    let t: TestApp;
    beforeAll(() => (t = app()));

    it('a hanging CRM times out after CRM_TIMEOUT_MS; retried, then delivered', async () => {
      sandbox.inject({ hang: true, count: 2 });
      const id = unique('C');
      const { eventId } = await sendContact(t, id);

      // While the second request hangs, the first one's timeout is on record.
      const waiting = await waitFor(async () => {
        const e = await eventOf(t, eventId);
        return e && e.attempts === 1 ? e : null;
      });
      expect(waiting).toMatchObject({ state: 'queued', lastStatus: null });
      expect(waiting.lastError).toMatch(/timed out/i);

      const event = await settled(t, eventId);
      expect(event).toMatchObject({ state: 'delivered', attempts: 3, lastStatus: 200, lastError: null });
      const requests = requestsFor(sandbox, id);
      expect(requests.map((r) => r.status)).toEqual([null, null, 200]);
      expect(new Set(requests.map((r) => r.idempotencyKey))).toEqual(new Set([`cognigy-${eventId}`]));
      // Each hanging request was given up after about CRM_TIMEOUT_MS (not the 15 s default). The
      // lower bound allows for the loopback latency of the hanging request itself.
      for (const gap of gaps(requests)) {
        expect(gap).toBeGreaterThanOrEqual(TIMEOUT_MS - 100);
        // Well under the 15 s default, with room for a busy machine.
        expect(gap).toBeLessThan(10_000);
      }
    });

    it('an answer slower than CRM_TIMEOUT_MS is a timeout; the retry applies it and the late original changes nothing', async () => {
      sandbox.inject({ latencyMs: TIMEOUT_MS + 150 });
      const replayedBefore = sandbox.stats().replayedKeys;
      const id = unique('C');
      const { eventId } = await sendContact(t, id);

      const event = await settled(t, eventId);
      expect(event).toMatchObject({ state: 'delivered', attempts: 2, lastStatus: 200, lastError: null });
      expect(requestsFor(sandbox, id)).toHaveLength(2);

      // The slow first request reaches the upsert after the retry: same key, so it is a replay.
      await waitFor(() => sandbox.stats().replayedKeys > replayedBefore, { what: 'late original replayed' });
      expect(recordOf(sandbox, 'contacts', id)).toMatchObject({ version: 1, applied_keys: [`cognigy-${eventId}`] });
    });
  });

  describe('delivery outcomes: network error (CRM_BASE_URL on a closed port)', () => {
    const sandbox = new CrmSandbox({ port: 0 });
    let t: TestApp;
    let port: number;
    let forwarder: NetServer | undefined;
    const sockets = new Set<Socket>();
    const store = driverEnv(driver);

    beforeAll(async () => {
      await sandbox.start();
      port = await freePort();
      // The token endpoint works; only the CRM API is unreachable.
      t = await startTestApp({
        ...sandboxEnv(sandbox, { ...SETTINGS, CRM_BASE_URL: `http://127.0.0.1:${port}`, CRM_MAX_ATTEMPTS: '100' }),
        ...store,
      });
    });

    afterAll(async () => {
      await t?.close();
      sockets.forEach((s) => s.destroy());
      await new Promise<void>((resolve) => (forwarder ? forwarder.close(() => resolve()) : resolve()));
      await sandbox.stop();
      await cleanRedis(store);
    });

    it('retried while unreachable (lastError says so), delivered once the CRM answers again', async () => {
      const id = unique('C');
      const { eventId } = await sendContact(t, id);

      const failing = await waitFor(async () => {
        const e = await eventOf(t, eventId);
        return e && e.attempts >= 2 ? e : null;
      });
      expect(failing).toMatchObject({ state: 'queued', lastStatus: null });
      expect(failing.lastError).toMatch(/unreachable/i);
      expect(failing.lastError).toContain('ECONNREFUSED');
      expect(sandbox.stats().requests).toBe(0);

      // The CRM comes back on the same port: a plain TCP forwarder to the sandbox.
      forwarder = createNetServer((client) => {
        const upstream = connect(Number(new URL(sandbox.url).port), '127.0.0.1');
        for (const s of [client, upstream]) {
          sockets.add(s);
          s.on('error', () => s.destroy());
          s.on('close', () => sockets.delete(s));
        }
        client.pipe(upstream).pipe(client);
      });
      await new Promise<void>((resolve, reject) => {
        forwarder!.once('error', reject);
        forwarder!.listen(port, '127.0.0.1', resolve);
      });

      const event = await settled(t, eventId);
      expect(event.state).toBe('delivered');
      expect(event).toMatchObject({ lastStatus: 200, lastError: null });
      // Every refused connection was a request made, so an attempt; the last one reached the CRM.
      expect(event.attempts).toBeGreaterThan(failing.attempts);
      const requests = requestsFor(sandbox, id);
      expect(requests.map((r) => r.status)).toEqual([200]);
      expect(requests[0].idempotencyKey).toBe(`cognigy-${eventId}`);
      expect(recordOf(sandbox, 'contacts', id)).toMatchObject({ version: 1 });
    });
  });
});
