import { connect, createServer as createNetServer, Server as NetServer, Socket } from 'node:net';
import { CrmSandbox } from '../src/dev/sandbox/crm-sandbox';
import { cleanRedis, Driver, driverEnv, describeEachDriver } from './support/drivers';
import {
  eventOf,
  gaps,
  recordOf,
  requestsFor,
  sendContact,
  SETTINGS,
  settled,
  TIMEOUT_MS,
  warmApp,
} from './support/delivery-outcomes-app';
import { sandboxEnv } from './support/sandbox-env';
import { freePort } from './support/service-process';
import { startTestApp, TestApp } from './support/test-app';
import { waitFor } from './support/wait-for';
import { unique } from './support/webhook-cases';

/**
 * Delivery verdicts, end to end, when the CRM does not answer: a request that outlives
 * CRM_TIMEOUT_MS, and a CRM_BASE_URL nothing listens on (network error). Both are retried under
 * the same Idempotency-Key until the CRM answers. A signed webhook goes in over HTTP, the real
 * delivery worker sends it to the CRM sandbox over loopback, and each row of the outcome table is
 * checked in the event store and in what the sandbox saw. The same tests run against each queue
 * driver (SQLite, Redis).
 */

describeEachDriver('delivery outcomes (%s driver)', (driver: Driver) => {
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
