import { OperatorEvents } from '../../src/queue/operator-events';
import { StoredEvent } from '../../src/queue/stored-event';
import { CrmSandbox } from '../../src/dev/sandbox/crm-sandbox';
import { SandboxRequest } from '../../src/dev/sandbox/sandbox-state';
import { Driver, driverEnv } from './drivers';
import { sandboxedApp, TestApp } from './test-app';
import { waitFor } from './wait-for';
import { contactDialog, DIALOG_ROUTE, Entities, postSigned, unique } from './webhook-cases';

/**
 * What the delivery-outcome suites (test/delivery-outcomes-*.e2e-spec.ts) share: their apps'
 * settings, a warmed-up app per describe, signed webhooks sent over HTTP, and the event store and
 * the CRM sandbox's request log read back.
 */

const SECRET = 's';
export const CONTACTS = '/api/v2/contacts/upsert';
export const TICKETS = '/api/v2/tickets/upsert';
/** CRM_RETRY_MAX_MS below: the longest any retry may wait, Retry-After included. */
export const RETRY_CAP_MS = 40;
/** CRM_TIMEOUT_MS of the app that tests timeouts. */
export const TIMEOUT_MS = 300;
/**
 * CRM_TIMEOUT_MS of the other apps. The sandbox shares the test's event loop: on a busy machine a
 * 300 ms timeout can fire before the sandbox has even read a request, adding an attempt that no
 * test expects. Only the timeout tests need a short one, so they get their own app.
 */
const RELAXED_TIMEOUT_MS = 5000;

/** The settings of every app of this file, besides the sandbox's own. */
export const SETTINGS: Record<string, string> = {
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
export async function sendSigned(t: TestApp, route: string, body: object): Promise<Sent> {
  const requestId = unique('req');
  const res = await postSigned(t, SECRET, route, body, { headers: { 'x-request-id': requestId } });
  expect(res.status).toBe(202);
  expect(res.body.status).toBe('accepted');
  expect(res.headers['x-request-id']).toBe(requestId);
  return { eventId: res.body.eventId as string, requestId };
}

/** A dialog completion for contact `customerId` (update_customer_profile). */
export function sendContact(
  t: TestApp,
  customerId: string,
  more: Entities = { newStatus: { value: 'gold', confidence: 0.91 } },
) {
  return sendSigned(t, DIALOG_ROUTE, contactDialog(customerId, more));
}

export const eventOf = (t: TestApp, eventId: string) => t.app.get(OperatorEvents).get(eventId);

/** Waits until the event left `queued` (delivered, dead or stale) and returns it. */
export function settled(t: TestApp, eventId: string, timeoutMs = 5000): Promise<StoredEvent> {
  return waitFor(
    async () => {
      const event = await eventOf(t, eventId);
      return event && event.state !== 'queued' ? event : null;
    },
    { timeoutMs, what: `event ${eventId} settled` },
  );
}

/** The requests the sandbox saw for one record (failed ones included), oldest first. */
export const requestsFor = (sandbox: CrmSandbox, externalId: string): SandboxRequest[] =>
  sandbox.requests().filter((r) => (r.body as { external_id?: string } | undefined)?.external_id === externalId);

export const recordOf = (sandbox: CrmSandbox, collection: string, externalId: string) =>
  (sandbox.records()[collection] ?? []).find((r) => r.external_id === externalId);

/** Milliseconds between consecutive requests (by their arrival time at the sandbox). */
export const gaps = (requests: SandboxRequest[]) =>
  requests.slice(1).map((r, i) => Date.parse(r.at) - Date.parse(requests[i].at));

/**
 * A sandbox and an app delivering to it (this file's SETTINGS, `extra`, a store of `driver`), for
 * the enclosing describe. The app delivers one event before the tests (token cached, connection
 * made), so a cold start adds nothing to the first test; faults are cleared after each test.
 */
export function warmApp(driver: Driver, extra: Record<string, string>): { sandbox: CrmSandbox; app: () => TestApp } {
  const sandboxed = sandboxedApp({ ...SETTINGS, ...extra, ...driverEnv(driver) });

  beforeAll(async () => {
    const t = sandboxed.app();
    const { eventId } = await sendContact(t, unique('warm-up'));
    expect(await settled(t, eventId, 10_000)).toMatchObject({ state: 'delivered' });
  });

  afterEach(() => sandboxed.sandbox.clearFaults());

  return sandboxed;
}

/**
 * How long to watch for a request that must not come (no retry after a final outcome). A retry
 * would come within RETRY_CAP_MS with SQLite; the Redis driver sees a due retry by polling
 * (every 250 ms), so it is watched for longer.
 */
export const quietPeriodMs = (driver: Driver) => (driver === 'redis' ? 600 : RETRY_CAP_MS * 2);
