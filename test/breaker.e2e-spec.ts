import { CrmBreaker } from '../src/crm/client/crm-breaker';
import { DeliveryWorker } from '../src/crm/delivery/delivery-worker';
import { OperatorEvents } from '../src/queue/operator-events';
import { StoredEvent } from '../src/queue/stored-event';
import { SandboxRequest } from '../src/dev/sandbox/sandbox-state';
import { Telemetry } from '../src/telemetry/telemetry';
import { BreakerState } from '../src/telemetry/telemetry-signals';
import { Driver, driverEnv, describeEachDriver } from './support/drivers';
import { sandboxedApp, TestApp } from './support/test-app';
import { sleep, waitFor } from './support/wait-for';
import { contactDialog, sendAccepted, unique } from './support/webhook-cases';

/**
 * The CRM circuit breaker, end to end: signed webhooks in, the real worker and breaker, a CRM
 * sandbox failing on demand. Threshold 3, cooldown 600 ms. The tests of the outage run in order and
 * share its state (the 503 fault stays injected until the recovery step clears it). The same tests
 * run against each queue driver (SQLite, Redis).
 */

const SECRET = 's';
const THRESHOLD = 3;
/**
 * Long enough to observe ~200 ms of silence inside it even on a loaded 2-core machine, where the
 * checks between the breaker opening and that observation can take well over a second.
 */
const COOLDOWN_MS = 3000;

interface Transition {
  state: BreakerState;
  at: number;
  /** sandbox.stats().requests at the moment of the change. */
  requests: number;
}

describeEachDriver('CRM circuit breaker (%s driver)', (driver: Driver) => {
  const { sandbox, app } = sandboxedApp({
    COGNIGY_WEBHOOK_SECRETS: SECRET,
    CRM_BREAKER_COOLDOWN_MS: String(COOLDOWN_MS),
    CRM_BREAKER_THRESHOLD: String(THRESHOLD),
    // No timeouts are tested here. The sandbox shares the test's event loop: on a busy machine a
    // short timeout can fire before the sandbox has read the request, an attempt it never logs.
    CRM_TIMEOUT_MS: '5000',
    // Nothing may dead-letter while the CRM is down in these tests.
    CRM_MAX_ATTEMPTS: '100',
    ...driverEnv(driver),
  });
  let t: TestApp;
  let breaker: CrmBreaker;
  let worker: DeliveryWorker;
  const transitions: Transition[] = [];

  beforeAll(async () => {
    t = app();
    // Warm-up (token cached, connection made) so that a cold start adds no attempt to the first test.
    const warmUp = await sendContact(unique('warm-up'));
    await delivered([warmUp], 10_000);
    breaker = t.app.get(CrmBreaker);
    worker = t.app.get(DeliveryWorker);
    t.app
      .get(Telemetry)
      .on('breakerStateChanged', ({ state }) =>
        transitions.push({ state, at: Date.now(), requests: sandbox.stats().requests }),
      );
  });

  const eventStore = () => t.app.get(OperatorEvents);

  const sendContact = (customerId: string) => sendAccepted(t, SECRET, contactDialog(customerId));

  const events = async (ids: string[]) =>
    Promise.all(ids.map(async (id) => (await eventStore().get(id)) as StoredEvent));
  const totalAttempts = async (ids: string[]) => (await events(ids)).reduce((sum, e) => sum + e.attempts, 0);
  const requestsFor = (externalId: string): SandboxRequest[] =>
    sandbox.requests().filter((r) => (r.body as { external_id?: string } | undefined)?.external_id === externalId);
  /**
   * An event's attempts are the requests the CRM saw, one for one: its attempt history (status,
   * or the error of a request that got no answer) reads as the CRM's log of its requests.
   */
  const expectAttemptsAreRequests = async (e: StoredEvent) => {
    const history = await eventStore().attemptsOf(e.eventId);
    const seen = requestsFor(e.upsert.externalId).map((r) => r.status);
    expect({ eventId: e.eventId, attempts: history.map((a) => a.status ?? a.error) }).toEqual({
      eventId: e.eventId,
      attempts: seen,
    });
    expect(e.attempts).toBe(history.length);
  };
  const idle = () => waitFor(() => worker.activeDeliveries === 0, { what: 'no delivery in flight' });
  const delivered = (ids: string[], timeoutMs = 5000) =>
    waitFor(async () => (await events(ids)).every((e) => e.state === 'delivered'), {
      timeoutMs,
      what: 'all delivered',
    });

  describe('what does not open it', () => {
    afterEach(() => sandbox.clearFaults());

    it('429 answers are no breaker failures: several in a row keep it closed', async () => {
      const since = transitions.length;
      sandbox.inject({ status: 429, retryAfter: '0', count: THRESHOLD + 3 });
      const id = unique('C');
      const eventId = await sendContact(id);

      await delivered([eventId]);
      const [event] = await events([eventId]);
      expect(event).toMatchObject({ attempts: THRESHOLD + 4, lastStatus: 200 });
      expect(requestsFor(id).map((r) => r.status)).toEqual([...Array(THRESHOLD + 3).fill(429), 200]);
      expect(transitions.slice(since)).toEqual([]);
      expect(breaker.state).toBe('closed');
    });

    it('fewer consecutive failures than the threshold keep it closed', async () => {
      const since = transitions.length;
      sandbox.inject({ status: 503, count: THRESHOLD - 1 });
      const eventId = await sendContact(unique('C'));

      await delivered([eventId]);
      expect((await events([eventId]))[0]).toMatchObject({ attempts: THRESHOLD, lastStatus: 200 });
      expect(transitions.slice(since)).toEqual([]);
      expect(breaker.state).toBe('closed');
    });
  });

  it(`exactly ${THRESHOLD} consecutive failures open it; the event waits the cooldown, then the probe delivers it`, async () => {
    expect(breaker.state).toBe('closed');
    const since = transitions.length;
    const before = sandbox.stats().requests;
    sandbox.inject({ status: 503, count: THRESHOLD });
    const id = unique('C');
    const eventId = await sendContact(id);

    await delivered([eventId]);
    const changes = transitions.slice(since);
    expect(changes.map((x) => x.state)).toEqual(['open', 'half-open', 'closed']);
    // One event, so its failures are strictly sequential: the breaker opened on the third, not later.
    expect(changes[0].requests - before).toBe(THRESHOLD);
    expect(changes[1].requests - before).toBe(THRESHOLD);
    expect(changes[2].requests - before).toBe(THRESHOLD + 1);
    const requests = requestsFor(id);
    expect(requests.map((r) => r.status)).toEqual([...Array(THRESHOLD).fill(503), 200]);
    // The retry after the third failure waited for the cooldown, not just the (≤ 40 ms) backoff.
    const lastGap = Date.parse(requests[THRESHOLD].at) - Date.parse(requests[THRESHOLD - 1].at);
    expect(lastGap).toBeGreaterThanOrEqual(COOLDOWN_MS - 5);
    expect((await events([eventId]))[0]).toMatchObject({
      state: 'delivered',
      attempts: THRESHOLD + 1,
      lastStatus: 200,
    });
    expect(breaker.state).toBe('closed');
  });

  /**
   * One outage, in order: the breaker opens, stays shut for the cooldown, lets one probe through
   * that fails, opens again, and after the CRM recovers lets one probe through that closes it.
   */
  describe('an outage (persistent 503)', () => {
    const customers = Array.from({ length: 5 }, () => unique('C'));
    const eventIds: string[] = [];
    let since: number;
    /** Sandbox requests and total attempts once the breaker was open and nothing in flight. */
    let openRequests: number;
    let openAttempts: number;

    it(`opens after ${THRESHOLD} consecutive failures`, async () => {
      expect(breaker.state).toBe('closed');
      since = transitions.length;
      const requestsBefore = sandbox.stats().requests;
      sandbox.inject({ status: 503, count: Infinity });
      eventIds.push(...(await Promise.all(customers.map((c) => sendContact(c)))));

      await waitFor(() => breaker.state === 'open', { what: 'breaker open' });
      const opened = transitions.slice(since);
      expect(opened.map((x) => x.state)).toEqual(['open']);
      // Opened on the third failure, not before (with 5 events some were already on their way).
      expect(opened[0].requests - requestsBefore).toBeGreaterThanOrEqual(THRESHOLD);

      await idle();
      expect(breaker.state).toBe('open');
      openRequests = sandbox.stats().requests;
      openAttempts = await totalAttempts(eventIds);
      // Every request made was a 503, and each is an attempt of its event: nothing more, nothing less.
      const made = sandbox.requests().slice(requestsBefore);
      expect(made.every((r) => r.status === 503)).toBe(true);
      expect(openAttempts).toBe(openRequests - requestsBefore);
      for (const e of await events(eventIds)) {
        expect(e.state).toBe('queued');
        await expectAttemptsAreRequests(e);
      }
    });

    it('during the cooldown: no CRM request, no attempt used, webhooks still accepted (202)', async () => {
      const openedAt = transitions[since].at;
      const lateCustomer = unique('C');
      customers.push(lateCustomer);
      eventIds.push(await sendContact(lateCustomer));

      // Watch for ~200 ms, ending well before the cooldown does.
      await sleep(Math.min(200, openedAt + COOLDOWN_MS - 50 - Date.now()));
      // Still inside the cooldown: the observation window is valid.
      expect(breaker.state).toBe('open');
      expect(Date.now() - openedAt).toBeLessThan(COOLDOWN_MS);
      expect(sandbox.stats().requests).toBe(openRequests);
      expect(await totalAttempts(eventIds)).toBe(openAttempts);
      const late = (await eventStore().get(eventIds[eventIds.length - 1]))!;
      expect(late).toMatchObject({ state: 'queued', attempts: 0 });
      expect(requestsFor(lateCustomer)).toEqual([]);
    });

    it('after the cooldown exactly one probe goes out; its failure opens the breaker again', async () => {
      await waitFor(() => transitions.length >= since + 3, { what: 'half-open and open again' });
      const [opened, halfOpen, reopened] = transitions.slice(since, since + 3);
      expect([opened.state, halfOpen.state, reopened.state]).toEqual(['open', 'half-open', 'open']);
      expect(halfOpen.at - opened.at).toBeGreaterThanOrEqual(COOLDOWN_MS - 5);
      expect(halfOpen.requests).toBe(openRequests);
      expect(reopened.requests).toBe(openRequests + 1);

      await idle();
      expect(breaker.state).toBe('open');
      expect(sandbox.stats().requests).toBe(openRequests + 1);
      expect(sandbox.requests().at(-1)!.status).toBe(503);
      // The probe is one attempt of one event.
      expect(await totalAttempts(eventIds)).toBe(openAttempts + 1);
      openRequests += 1;
      openAttempts += 1;
    });

    it('once the CRM recovers the next probe closes it and every event is delivered, no attempt lost', async () => {
      // Still inside the second cooldown.
      expect(breaker.state).toBe('open');
      sandbox.clearFaults();

      await waitFor(() => transitions.some((x, i) => i >= since + 3 && x.state === 'closed'), {
        what: 'breaker closed',
      });
      const [halfOpen, closed] = transitions.slice(since + 3, since + 5);
      expect([halfOpen.state, closed.state]).toEqual(['half-open', 'closed']);
      expect(halfOpen.at - transitions[since + 2].at).toBeGreaterThanOrEqual(COOLDOWN_MS - 5);
      // Exactly one probe while half-open, and it succeeded.
      expect(halfOpen.requests).toBe(openRequests);
      expect(closed.requests).toBe(openRequests + 1);

      await delivered(eventIds);
      expect(breaker.state).toBe('closed');
      const final = await events(eventIds);
      let attempts = 0;
      for (const e of final) {
        const requests = requestsFor(e.upsert.externalId);
        // Attempts are exactly the requests the CRM saw: failures plus the one success.
        expect(e).toMatchObject({ state: 'delivered', lastStatus: 200, lastError: null });
        await expectAttemptsAreRequests(e);
        expect(requests.at(-1)!.status).toBe(200);
        expect(requests.filter((r) => r.status === 200)).toHaveLength(1);
        attempts += e.attempts;
      }
      // Each of the 6 events needed one successful request after the outage, nothing else.
      expect(attempts).toBe(openAttempts + final.length);
      const records = sandbox.records().contacts ?? [];
      for (const customer of customers) {
        expect(records.find((r) => r.external_id === customer)).toMatchObject({ version: 1 });
      }
    });
  });
});
