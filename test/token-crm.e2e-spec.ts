import axios from 'axios';
import { CrmBreaker } from '../src/crm/client/crm-breaker';
import { TokenProvider } from '../src/crm/token/token-provider';
import { CrmSandbox } from '../src/dev/sandbox/crm-sandbox';
import { crmTokenApps } from './support/crm-token-apps';
import { captureStdout, StdoutCapture } from './support/stdout-capture';
import { TestApp } from './support/test-app';
import { unique } from './support/webhook-cases';

/**
 * The CRM token through the real app: webhooks in, deliveries to the CRM sandbox over loopback,
 * tokens from the sandbox's OAuth2 endpoint. The test owns the sandbox (passed as CRM_BASE_URL /
 * CRM_TOKEN_URL) to read its counters and request log, and captures every log line the app writes
 * (LOG_LEVEL=debug) to check that no secret is ever in one.
 *
 * The tests run in order: the last one reads every log line the others made the apps write. How
 * the apps are started and read: test/support/crm-token-apps.ts.
 */

const WEBHOOK_SECRET = `whk-${unique('secret')}`;
/** Characters that must be form-encoded inside Basic, so a client that forgets it fails. */
const CLIENT_SECRET = `crm secret+/:%&=${unique('s')}`;
const CLIENT_ID = `crm:client ${unique('id')}`;

/** Every line the app wrote to stdout while this file ran (pino writes there). */
let stdout: StdoutCapture;
/** Credentials seen during the tests: none of them may appear in a log line. */
const secrets = new Set<string>([WEBHOOK_SECRET, CLIENT_SECRET]);

const sandbox = new CrmSandbox({ port: 0, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET });

beforeAll(async () => {
  // Before any app is built, so that pino writes through the capture.
  stdout = captureStdout();
  await sandbox.start();
});

afterAll(async () => {
  stdout.restore();
  await sandbox.stop();
});

const { startApp, sendWebhook, waitForState, requestsFor, since, rememberToken } = crmTokenApps(
  sandbox,
  WEBHOOK_SECRET,
  secrets,
);

describe('CRM token through the app', () => {
  describe('client credentials, client_secret_basic (the default)', () => {
    let t: TestApp;

    beforeAll(async () => {
      sandbox.reset();
      // Threshold 2: were the two failed token requests below breaker failures, it would open
      // for the 30 s cooldown and the event would not be delivered in time.
      t = await startApp({ CRM_BREAKER_THRESHOLD: '2' });
    });
    afterAll(() => t.close());

    it('a failing token endpoint is a failed attempt, retried with backoff, then the event is delivered', async () => {
      expect(t.app.get(TokenProvider).state().cached).toBe(false);
      const before = sandbox.stats();
      sandbox.inject({ target: 'token', status: 500, count: 2 });

      const eventId = await sendWebhook(t);
      const event = await waitForState(t, eventId, 'delivered');

      // Two failed token requests (one attempt each), then a token and one CRM request.
      expect(event.attempts).toBe(3);
      expect(event.lastStatus).toBe(200);
      expect(since(before)).toMatchObject({
        tokenRequests: 3,
        tokensIssued: 1,
        requests: 1,
        applied: 1,
        faultsServed: 2,
      });
      expect(requestsFor(eventId).map((r) => [r.status, r.authorization])).toEqual([[200, 'Bearer']]);
      expect(t.app.get(CrmBreaker).state).toBe('closed');
      expect(t.app.get(TokenProvider).state()).toMatchObject({ cached: true, lastError: null });
      await rememberToken(t);
    });

    it('caches the token across deliveries: several webhooks, no token request', async () => {
      const token = await rememberToken(t);
      const before = sandbox.stats();

      const ids = [await sendWebhook(t), await sendWebhook(t), await sendWebhook(t), await sendWebhook(t)];
      for (const id of ids) expect((await waitForState(t, id, 'delivered')).attempts).toBe(1);

      expect(since(before)).toMatchObject({ tokenRequests: 0, requests: 4, applied: 4, unauthorized: 0 });
      expect(await t.app.get(TokenProvider).getToken()).toBe(token);
    });

    it('after the CRM revokes the token: one 401, exactly one refresh, one retry with the same Idempotency-Key', async () => {
      const old = await rememberToken(t);
      sandbox.revokeTokens();
      const before = sandbox.stats();

      const eventId = await sendWebhook(t);
      const event = await waitForState(t, eventId, 'delivered');

      expect(since(before)).toMatchObject({
        tokenRequests: 1,
        tokensIssued: 1,
        unauthorized: 1,
        requests: 2,
        applied: 1,
      });
      const requests = requestsFor(eventId);
      expect(requests.map((r) => [r.status, r.authorization])).toEqual([
        [401, 'invalid'],
        [200, 'Bearer'],
      ]);
      expect(requests[0].body).toEqual(requests[1].body);
      expect(requests[0].requestId).toBe(requests[1].requestId);
      // Both requests count as attempts.
      expect(event.attempts).toBe(2);
      const fresh = await rememberToken(t);
      expect(fresh).not.toBe(old);

      // The new token is cached in turn.
      const next = await sendWebhook(t);
      await waitForState(t, next, 'delivered');
      expect(since(before)).toMatchObject({ tokenRequests: 1, unauthorized: 1 });
    });

    it('a 401 right after a fresh token is an ordinary failed attempt: no second refresh, retried later', async () => {
      await rememberToken(t);
      const before = sandbox.stats();
      // Both the first request and the retry after the refresh are refused.
      sandbox.inject({ target: 'api', status: 401, count: 2 });

      const eventId = await sendWebhook(t);
      const event = await waitForState(t, eventId, 'delivered');

      expect(since(before)).toMatchObject({ tokenRequests: 1, requests: 3, applied: 1, faultsServed: 2 });
      expect(requestsFor(eventId).map((r) => r.status)).toEqual([401, 401, 200]);
      expect(event.attempts).toBe(3);
      await rememberToken(t);
    });
  });

  describe('client credentials, CRM_CLIENT_AUTH=post', () => {
    let t: TestApp;

    beforeAll(async () => {
      sandbox.reset();
      t = await startApp({ CRM_CLIENT_AUTH: 'post' });
    });
    afterAll(() => t.close());

    it('obtains a token with the secret in the form body and delivers', async () => {
      const before = sandbox.stats();
      const first = await sendWebhook(t);
      await waitForState(t, first, 'delivered');
      const second = await sendWebhook(t);
      await waitForState(t, second, 'delivered');

      expect(since(before)).toMatchObject({
        tokenRequests: 1,
        tokensIssued: 1,
        requests: 2,
        applied: 2,
        unauthorized: 0,
      });
      expect(requestsFor(first).map((r) => [r.status, r.authorization])).toEqual([[200, 'Bearer']]);
      await rememberToken(t);
    });
  });

  describe('client credentials with a wrong client secret', () => {
    const WRONG_SECRET = `${CLIENT_SECRET}-wrong`;
    let t: TestApp;

    beforeAll(async () => {
      sandbox.reset();
      secrets.add(WRONG_SECRET);
      t = await startApp({ CRM_CLIENT_SECRET: WRONG_SECRET, CRM_MAX_ATTEMPTS: '2' });
    });
    afterAll(() => t.close());

    it('never reaches the CRM API; each refused token request is an attempt, then a dead letter', async () => {
      const before = sandbox.stats();
      const eventId = await sendWebhook(t);
      const event = await waitForState(t, eventId, 'dead');

      expect(event.attempts).toBe(2);
      expect(event.lastError).toMatch(/token endpoint answered 401: invalid_client/);
      expect(event.lastError).not.toContain(WRONG_SECRET);
      expect(since(before)).toMatchObject({ tokenRequests: 2, tokensIssued: 0, requests: 0 });
    });
  });

  describe('CRM_AUTH=static', () => {
    let t: TestApp;
    let staticToken: string;

    beforeAll(async () => {
      sandbox.reset();
      // A token the sandbox honours, as an operator would paste a HubSpot private-app token.
      const form = new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: CLIENT_ID,
        client_secret: CLIENT_SECRET,
      });
      const { data } = await axios.post<{ access_token: string }>(sandbox.tokenUrl, form.toString());
      staticToken = data.access_token;
      secrets.add(staticToken);
      t = await startApp({ CRM_AUTH: 'static', CRM_ACCESS_TOKEN: staticToken, CRM_MAX_ATTEMPTS: '3' });
    });
    afterAll(() => t.close());

    it('sends the configured token and never asks the token endpoint', async () => {
      const before = sandbox.stats();
      const eventId = await sendWebhook(t);
      const event = await waitForState(t, eventId, 'delivered');

      expect(event.attempts).toBe(1);
      expect(requestsFor(eventId).map((r) => [r.status, r.authorization])).toEqual([[200, 'Bearer']]);
      expect(since(before)).toMatchObject({ tokenRequests: 0, unauthorized: 0 });
      expect(await t.app.get(TokenProvider).getToken()).toBe(staticToken);
    });

    it('a 401 is not refreshed: no token request, no immediate retry, the event is retried with backoff', async () => {
      sandbox.revokeTokens();
      const before = sandbox.stats();

      const eventId = await sendWebhook(t);
      const event = await waitForState(t, eventId, 'dead');

      // One request per attempt: CRM_MAX_ATTEMPTS (3) attempts, each a single 401.
      expect(event.attempts).toBe(3);
      expect(event.lastStatus).toBe(401);
      const requests = requestsFor(eventId);
      expect(requests.map((r) => [r.status, r.authorization])).toEqual([
        [401, 'invalid'],
        [401, 'invalid'],
        [401, 'invalid'],
      ]);
      expect(since(before)).toMatchObject({ tokenRequests: 0, unauthorized: 3, applied: 0 });
    });
  });

  it('no secret appears in any log line the app wrote (LOG_LEVEL=debug)', () => {
    const logLines = stdout.chunks;
    const text = logLines.join('');
    // The capture works and saw the interesting lines: debug level, the token failures above.
    expect(logLines.length).toBeGreaterThan(20);
    expect(text).toMatch(/"level":20/);
    expect(text).toMatch(/Token request failed: token endpoint answered 500/);
    expect(text).toMatch(/Token request failed: token endpoint answered 401: invalid_client/);
    // Tokens from the three client-credentials phases and the static one.
    expect(secrets.size).toBeGreaterThanOrEqual(7);

    const forms = [...secrets].flatMap((s) => [
      s,
      encodeURIComponent(s),
      new URLSearchParams({ s }).toString().slice(2),
    ]);
    const formEncode = (v: string) => encodeURIComponent(v).replace(/%20/g, '+');
    forms.push(Buffer.from(`${formEncode(CLIENT_ID)}:${formEncode(CLIENT_SECRET)}`).toString('base64'));
    const leaks = logLines.filter((line) => forms.some((secret) => line.includes(secret)));
    expect(leaks).toEqual([]);
  });
});
