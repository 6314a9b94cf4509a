import { waitForState } from './admin-api';
import { ADMIN, call, ISO, RIGHT, SECRET, TICKET } from './admin-console-app';
import { Driver, driverEnv } from './drivers';
import { sandboxedApp } from './test-app';
import { contactDialog, sendAccepted, ticketDialog, unique } from './webhook-cases';

/**
 * The operators' API suites (test/admin-api-*.e2e-spec.ts): their app, the dead letters they make
 * (the CRM sandbox answering a permanent 400) and what the sandbox was sent. Credentials and
 * `call` are the console suites' (admin-console-app.ts).
 */

const REJECTION = { error: 'invalid_field', message: 'status: unknown tier "mauve"' };

/** A dead letter as GET /admin/dead-letters lists it. */
export interface DeadLetter {
  eventId: string;
  intent: string;
  objectType: string;
  externalId: string;
  attempts: number;
  lastStatus: number | null;
  lastError: string | null;
  failedAt: string;
}

/** `value` is an ISO 8601 UTC time with milliseconds, as toISOString() writes it. */
export const expectIso = (value: unknown) => {
  expect(value).toMatch(ISO);
  expect(new Date(value as string).toISOString()).toBe(value);
};

/** A profile update to a tier the CRM rejects (REJECTION): a dead letter while the sandbox answers 400. */
export const profileBody = (customerId: string) =>
  contactDialog(customerId, { newStatus: { value: 'mauve', confidence: 0.9 } });

/**
 * For the enclosing describe: a CRM sandbox and an app on `driver` delivering to it, with
 * ADMIN_TOKEN; the sandbox's faults cleared after each test.
 */
export function adminApiApp(driver: Driver) {
  const { sandbox, app } = sandboxedApp({ COGNIGY_WEBHOOK_SECRETS: SECRET, ADMIN_TOKEN: ADMIN, ...driverEnv(driver) });

  afterEach(() => sandbox.clearFaults());

  /** Sends events of these intents while the CRM rejects everything with a permanent 400. */
  async function makeDeadLetters(intents: string[]): Promise<string[]> {
    sandbox.inject({ status: 400, count: -1, body: REJECTION });
    const ids: string[] = [];
    for (const intent of intents) {
      const body = intent === TICKET ? ticketDialog(unique('T')) : profileBody(unique('C'));
      ids.push(await sendAccepted(app(), SECRET, body));
    }
    await waitForState(app(), ADMIN, ids, 'dead');
    sandbox.clearFaults();
    return ids;
  }

  /** Every dead letter, in one page; expects 200. */
  async function listAll(): Promise<DeadLetter[]> {
    const res = await call(app(), 'get', '/admin/dead-letters?limit=500', RIGHT);
    expect(res.status).toBe(200);
    expect(res.body.nextCursor).toBeNull();
    return res.body.items as DeadLetter[];
  }

  /** The CRM requests with this idempotency key. */
  const sentWith = (key: string) => sandbox.requests().filter((r) => r.idempotencyKey === key);
  /** The CRM requests of this event: its first delivery and its replays (-r1, -r2, ...). */
  const sentFor = (eventId: string) =>
    sandbox
      .requests()
      .filter((r) => r.idempotencyKey === `cognigy-${eventId}` || r.idempotencyKey?.startsWith(`cognigy-${eventId}-`));

  return { sandbox, app, makeDeadLetters, listAll, sentWith, sentFor };
}
