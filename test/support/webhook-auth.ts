import { randomBytes } from 'node:crypto';
import { startTestApp, TestApp } from './test-app';
import { post, RouteCase, store, storedCount, UNAUTHORIZED_BODY } from './webhook-cases';

/**
 * The authentication suites (test/webhook-auth-*.e2e-spec.ts): the credentials, one app per
 * configuration of WEBHOOK_AUTH_MODES, and the requests a route must accept or refuse.
 */

export const TOLERANCE = 60;
export const OLD_SECRET = 'old-hmac-secret';
export const NEW_SECRET = 'new-hmac-secret';
export const WHSEC_OLD = `whsec_${randomBytes(24).toString('base64')}`;
export const WHSEC_NEW = `whsec_${randomBytes(32).toString('base64')}`;
export const WHSEC_OTHER = `whsec_${randomBytes(32).toString('base64')}`;
export const BASIC_USER = 'cognigy';
export const BASIC_PASSWORD = 'p:ss w0rd!';

export const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

const CONFIGS = {
  hmac: {
    COGNIGY_WEBHOOK_SECRETS: `${OLD_SECRET},${NEW_SECRET}`,
    WEBHOOK_TOLERANCE_SECONDS: String(TOLERANCE),
  },
  hmacRequired: {
    COGNIGY_WEBHOOK_SECRETS: NEW_SECRET,
    WEBHOOK_TOLERANCE_SECONDS: String(TOLERANCE),
    WEBHOOK_REQUIRE_TIMESTAMP: 'true',
  },
  basic: {
    WEBHOOK_AUTH_MODES: 'basic',
    WEBHOOK_BASIC_USER: BASIC_USER,
    WEBHOOK_BASIC_PASSWORD: BASIC_PASSWORD,
    // Configured but not enabled: must not let anything through.
    COGNIGY_WEBHOOK_SECRETS: NEW_SECRET,
    WEBHOOK_API_KEYS: 'k1,k2',
  },
  apikey: { WEBHOOK_AUTH_MODES: 'apikey', WEBHOOK_API_KEYS: 'k1,k2' },
  standard: {
    WEBHOOK_AUTH_MODES: 'standard',
    STANDARD_WEBHOOK_SECRETS: `${WHSEC_OLD},${WHSEC_NEW}`,
    WEBHOOK_TOLERANCE_SECONDS: String(TOLERANCE),
  },
  multi: {
    WEBHOOK_AUTH_MODES: 'hmac,apikey',
    COGNIGY_WEBHOOK_SECRETS: NEW_SECRET,
    WEBHOOK_API_KEYS: 'k1,k2',
    WEBHOOK_BASIC_USER: BASIC_USER,
    WEBHOOK_BASIC_PASSWORD: BASIC_PASSWORD,
  },
  // hmac only, with every other mode's credentials configured.
  hmacOnly: {
    WEBHOOK_AUTH_MODES: 'hmac',
    COGNIGY_WEBHOOK_SECRETS: NEW_SECRET,
    WEBHOOK_BASIC_USER: BASIC_USER,
    WEBHOOK_BASIC_PASSWORD: BASIC_PASSWORD,
    WEBHOOK_API_KEYS: 'k1,k2',
    STANDARD_WEBHOOK_SECRETS: WHSEC_NEW,
  },
} satisfies Record<string, Record<string, string>>;

export type AuthConfig = keyof typeof CONFIGS;

/** One app per configuration named, started before the file's tests and closed after them. */
export function authApps<N extends AuthConfig>(...names: N[]): Record<N, TestApp> {
  const apps = {} as Record<N, TestApp>;
  beforeAll(async () => {
    for (const name of names) apps[name] = await startTestApp(CONFIGS[name]);
  });
  afterAll(async () => {
    for (const app of Object.values<TestApp>(apps)) await app.close();
  });
  return apps;
}

/** Requests to `route` with the headers `headersFor(raw)` builds, and what their answers must be. */
export function authRequests(route: RouteCase) {
  /** Sends a fresh completion with the headers `headersFor(raw)` builds. */
  async function send(t: TestApp, headersFor: (raw: string) => Record<string, string>, raw?: string) {
    const completion = route.completion();
    const body = raw ?? JSON.stringify(completion.body);
    const headers = headersFor(body);
    const res = await post(t, route.path, body, { headers });
    // Standard Webhooks: the authenticated webhook-id is the event id.
    return { res, eventId: headers['webhook-id'] ?? completion.eventId };
  }

  /** Expects 202 with the expected event id, and the event stored once. */
  async function accepted(t: TestApp, headersFor: (raw: string) => Record<string, string>) {
    const before = await storedCount(t);
    const { res, eventId } = await send(t, headersFor);
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ status: 'accepted', eventId });
    expect(await storedCount(t)).toBe(before + 1);
    expect((await store(t).get(eventId))?.eventId).toBe(eventId);
    return res;
  }

  /** Expects exactly the 401 of an unauthenticated request, and nothing stored. */
  async function refused(t: TestApp, headersFor: (raw: string) => Record<string, string>, raw?: string) {
    const before = await storedCount(t);
    const { res } = await send(t, headersFor, raw);
    expect(res.status).toBe(401);
    expect(res.body).toEqual(UNAUTHORIZED_BODY);
    expect(await storedCount(t)).toBe(before);
  }

  return { send, accepted, refused };
}
