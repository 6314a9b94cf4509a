import request from 'supertest';
import { waitForState } from './admin-api';
import { Driver, driverEnv } from './drivers';
import { sandboxedApp, TestApp } from './test-app';
import { sendAccepted } from './webhook-cases';

/**
 * The admin API the console uses (test/admin-console-*.e2e-spec.ts): its app, its credentials and
 * how its suites call it. Dead letters are made by the CRM sandbox answering 400 or 422. The
 * operators' API suites (admin-api-app.ts) use the same credentials and `call`.
 */

export const SECRET = 'console-secret';
export const ADMIN = 'console-admin';
export const RIGHT = { authorization: `Bearer ${ADMIN}` };
export const PROFILE = 'update_customer_profile';
export const TICKET = 'log_support_ticket';
export const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

export type Method = 'get' | 'post' | 'delete';

export function call(t: TestApp, method: Method, path: string, headers: Record<string, string> = {}) {
  let req = request(t.server)[method](path);
  for (const [name, value] of Object.entries(headers)) req = req.set(name, value);
  return req;
}

/** The event ids of a page of events or dead letters, in its order. */
export const ids = (body: { items: Array<{ eventId: string }> }) => body.items.map((item) => item.eventId);

/**
 * For the enclosing describe: a CRM sandbox and an app on `driver` delivering to it, with
 * ADMIN_TOKEN, short retries and a 1.5 s CRM timeout; the sandbox's faults cleared after each
 * test. `get` and `post` call the admin API with the right token; `deadLetter` makes one.
 */
export function adminConsoleApp(driver: Driver) {
  const { sandbox, app } = sandboxedApp({
    COGNIGY_WEBHOOK_SECRETS: SECRET,
    ADMIN_TOKEN: ADMIN,
    CRM_RETRY_BASE_MS: '50',
    CRM_RETRY_MAX_MS: '200',
    CRM_TIMEOUT_MS: '1500',
    ...driverEnv(driver),
  });
  const get = (path: string) => call(app(), 'get', path, RIGHT);
  const post = (path: string) => call(app(), 'post', path, RIGHT);

  afterEach(() => sandbox.clearFaults());

  /** Sends one event while the CRM answers `status` to everything; waits for its dead letter. */
  async function deadLetter(body: object, status = 400): Promise<string> {
    sandbox.inject({ status, count: -1, body: { error: 'rejected', message: `rejected with ${status}` } });
    const id = await sendAccepted(app(), SECRET, body);
    await waitForState(app(), ADMIN, [id], 'dead');
    sandbox.clearFaults();
    return id;
  }

  return { sandbox, app, get, post, deadLetter };
}
