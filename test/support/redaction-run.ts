import { createHmac, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CrmSandbox } from '../../src/dev/sandbox/crm-sandbox';
import { sandboxEnv } from './sandbox-env';
import { call, exitWithin, freePort, post, runService, serviceEnv, waitUntilAnswering } from './service-process';
import { cognigySignature, keyedDialog, nowSeconds, standardSignature } from './signing';
import { startTokenRelay, TokenRelay } from './token-relay';
import { waitFor } from './wait-for';

/**
 * The run test/log-redaction.e2e-spec.ts reads: the BUILT service (dist/main.js, a child process)
 * at LOG_LEVEL=debug, taken through every auth mode, an admin call, rejected credentials, CRM
 * delivery and a forced token refresh, then stopped; its log capture, and every credential,
 * signature and token that went by (`forbidden`).
 *
 * The sandbox never reveals the access tokens it issues, so the service's CRM_TOKEN_URL is a
 * recording relay in front of the sandbox's token endpoint (token-relay.ts): the test then knows
 * every token value the service received and looks for each of them verbatim.
 */

const DIALOG = '/webhooks/cognigy/dialog-complete';
const OUTPUT = '/webhooks/cognigy/endpoint-output';

// Distinctive values (no characters JSON would escape, so a verbatim search finds any leak).
const tag = randomBytes(4).toString('hex');
const HMAC_SECRET = `hmacsecret-${tag}-Q7v2Lk`;
const HMAC_OLD_SECRET = `hmacrotated-${tag}-Zp41`;
const BASIC_USER = 'cognigy-flow';
const BASIC_PASSWORD = `basicpw-${tag}-Xr8Nw3`;
const API_KEY = `apikey-${tag}-Hd93Kq`;
const WHSEC_KEY = randomBytes(24).toString('base64');
const WHSEC = `whsec_${WHSEC_KEY}`;
const ADMIN_TOKEN = `admintok-${tag}-Vb62Ue`;
const CLIENT_ID = `client-${tag}`;
const CLIENT_SECRET = `clientsecret-${tag}-Mw5Tz0`;

const WRONG_HMAC_SECRET = `wrongsecret-${tag}-Jc7`;
const WRONG_PASSWORD = `wrongpw-${tag}-Lq2`;
const WRONG_API_KEY = `wrongkey-${tag}-Ys9`;
const WRONG_ADMIN_TOKEN = `wrongadmin-${tag}-Fo3`;

const dialog = (eventKey: string) => JSON.stringify(keyedDialog(eventKey));

/** What a run leaves for the tests to read. */
export interface RedactionCapture {
  sandbox: CrmSandbox;
  relay: TokenRelay;
  /** name → secret value that must not appear anywhere in stdout or stderr. */
  forbidden: Map<string, string>;
  /** Event ids the run produced; each must appear in the log. */
  eventIds: string[];
  /** The service's stdout (its pino lines). */
  stdout: string;
  /** stdout and stderr together. */
  output: string;
}

export class RedactionRun {
  /** Undoes what `capture` started (the service, the relay, the sandbox, the files), last first. */
  private readonly undo: Array<() => unknown> = [];

  /** Starts everything, sends the traffic, stops the service and hands over its capture. */
  async capture(): Promise<RedactionCapture> {
    const root = mkdtempSync(join(tmpdir(), 'ccs-redaction-'));
    this.undo.push(() => rmSync(root, { recursive: true, force: true }));
    const sandbox = new CrmSandbox({ port: 0, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET });
    this.undo.push(() => sandbox.stop());
    await sandbox.start();
    const relay = await startTokenRelay(sandbox.tokenUrl);
    this.undo.push(() => new Promise<void>((resolve) => relay.server.close(() => resolve())));
    const port = await freePort();
    const service = runService(
      serviceEnv(port, join(root, 'data'), {
        LOG_LEVEL: 'debug',
        WEBHOOK_AUTH_MODES: 'hmac,basic,apikey,standard',
        COGNIGY_WEBHOOK_SECRETS: `${HMAC_OLD_SECRET},${HMAC_SECRET}`,
        WEBHOOK_BASIC_USER: BASIC_USER,
        WEBHOOK_BASIC_PASSWORD: BASIC_PASSWORD,
        WEBHOOK_API_KEYS: `${API_KEY}`,
        STANDARD_WEBHOOK_SECRETS: WHSEC,
        ADMIN_TOKEN,
        // The token requests go through the recording relay; the client is the sandbox's (CLIENT_ID).
        ...sandboxEnv(sandbox, { CRM_TOKEN_URL: relay.url, CRM_RETRY_BASE_MS: '50', CRM_RETRY_MAX_MS: '200' }),
        SHUTDOWN_GRACE_MS: '2000',
      }),
      root,
    );
    this.undo.push(() => service.stop('SIGKILL'));
    await waitUntilAnswering(service, port);

    const forbidden = new Map<string, string>();
    const eventIds: string[] = [];
    forbidden.set('COGNIGY_WEBHOOK_SECRETS (current)', HMAC_SECRET);
    forbidden.set('COGNIGY_WEBHOOK_SECRETS (rotated)', HMAC_OLD_SECRET);
    forbidden.set('WEBHOOK_BASIC_PASSWORD', BASIC_PASSWORD);
    forbidden.set('WEBHOOK_API_KEYS', API_KEY);
    forbidden.set('STANDARD_WEBHOOK_SECRETS', WHSEC);
    forbidden.set('STANDARD_WEBHOOK_SECRETS (base64 key)', WHSEC_KEY);
    forbidden.set('ADMIN_TOKEN', ADMIN_TOKEN);
    forbidden.set('CRM_CLIENT_SECRET', CLIENT_SECRET);
    forbidden.set('token request Basic credential', Buffer.from(`${CLIENT_ID}:${CLIENT_SECRET}`).toString('base64'));
    forbidden.set('wrong HMAC secret', WRONG_HMAC_SECRET);
    forbidden.set('wrong basic password', WRONG_PASSWORD);
    forbidden.set('wrong API key', WRONG_API_KEY);
    forbidden.set('wrong admin token', WRONG_ADMIN_TOKEN);

    // hmac: plain hex signature.
    const hmacId = `red-hmac-${tag}`;
    const hmacRaw = dialog(hmacId);
    const hmacSig = cognigySignature(HMAC_SECRET, hmacRaw);
    forbidden.set('HMAC signature', hmacSig);
    expect(
      (await post(port, DIALOG, hmacRaw, { 'x-cognigy-signature': hmacSig, 'x-cognigy-event-id': hmacId })).status,
    ).toBe(202);
    eventIds.push(hmacId);

    // hmac: timestamped, "sha256=" prefix, upper-case hex, signed with the rotated secret.
    const hmacTsId = `red-hmacts-${tag}`;
    const hmacTsRaw = dialog(hmacTsId);
    const ts = nowSeconds();
    const hmacTsSig = cognigySignature(HMAC_OLD_SECRET, hmacTsRaw, ts).toUpperCase();
    forbidden.set('HMAC signature (timestamped)', hmacTsSig);
    const tsAnswer = await post(port, DIALOG, hmacTsRaw, {
      'x-cognigy-signature': `sha256=${hmacTsSig}`,
      'x-cognigy-timestamp': String(ts),
      'x-cognigy-event-id': hmacTsId,
    });
    expect(tsAnswer.status).toBe(202);
    eventIds.push(hmacTsId);

    // basic
    const basicId = `red-basic-${tag}`;
    const basicCredential = Buffer.from(`${BASIC_USER}:${BASIC_PASSWORD}`).toString('base64');
    forbidden.set('Basic credential (base64)', basicCredential);
    expect(
      (
        await post(port, DIALOG, dialog(basicId), {
          authorization: `Basic ${basicCredential}`,
          'idempotency-key': basicId,
        })
      ).status,
    ).toBe(202);
    eventIds.push(basicId);

    // apikey
    const apiKeyId = `red-apikey-${tag}`;
    expect(
      (await post(port, DIALOG, dialog(apiKeyId), { 'x-api-key': API_KEY, 'x-cognigy-event-id': apiKeyId })).status,
    ).toBe(202);
    eventIds.push(apiKeyId);

    // standard webhooks (webhook-id becomes the event id)
    const standardId = `msg_red-standard-${tag}`;
    const standardRaw = dialog(standardId);
    const standardTs = nowSeconds();
    const standardSig = standardSignature(WHSEC, standardId, standardTs, standardRaw);
    forbidden.set('Standard Webhooks signature', standardSig.slice('v1,'.length));
    expect(
      (
        await post(port, DIALOG, standardRaw, {
          'webhook-id': standardId,
          'webhook-timestamp': String(standardTs),
          'webhook-signature': `v1,bm90LXRoaXMtb25l ${standardSig}`,
        })
      ).status,
    ).toBe(202);
    eventIds.push(standardId);

    // Wrong credentials in every mode: 401, and the attempted values must not be logged either.
    const wrongRaw = dialog(`red-wrong-${tag}`);
    const wrongSig = cognigySignature(WRONG_HMAC_SECRET, wrongRaw);
    forbidden.set('wrong HMAC signature', wrongSig);
    const wrongBasic = Buffer.from(`${BASIC_USER}:${WRONG_PASSWORD}`).toString('base64');
    forbidden.set('wrong Basic credential (base64)', wrongBasic);
    const wrongStandardSig = createHmac('sha256', Buffer.from(WHSEC_KEY, 'base64'))
      .update(`msg_wrong.${standardTs}.${wrongRaw}-tampered`)
      .digest('base64');
    forbidden.set('wrong Standard Webhooks signature', wrongStandardSig);
    const rejected = await Promise.all([
      post(port, DIALOG, wrongRaw, { 'x-cognigy-signature': wrongSig }),
      post(port, DIALOG, wrongRaw, { authorization: `Basic ${wrongBasic}` }),
      post(port, DIALOG, wrongRaw, { 'x-api-key': WRONG_API_KEY }),
      post(port, DIALOG, wrongRaw, {
        'webhook-id': 'msg_wrong',
        'webhook-timestamp': String(standardTs),
        'webhook-signature': `v1,${wrongStandardSig}`,
      }),
      call(port, 'GET', `/admin/events/${hmacId}`, { headers: { authorization: `Bearer ${WRONG_ADMIN_TOKEN}` } }),
    ]);
    expect(rejected.map((a) => a.status)).toEqual([401, 401, 401, 401, 401]);

    // Delivery with the first token.
    await waitFor(() => sandbox.stats().applied === 5, {
      timeoutMs: 10000,
      what: 'five events applied by the sandbox',
    });

    // An admin call with the right token.
    const admin = await waitFor(
      async () => {
        const answer = await call(port, 'GET', `/admin/events/${hmacId}`, {
          headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
        });
        return answer.status === 200 && JSON.parse(answer.body).state === 'delivered' ? answer : undefined;
      },
      { timeoutMs: 5000, what: 'admin shows the event delivered' },
    );
    expect(JSON.parse(admin.body)).toMatchObject({ eventId: hmacId, state: 'delivered' });

    // Revoke: the next CRM call gets a 401, the service drops its token and fetches another.
    sandbox.revokeTokens();
    const refreshId = `red-refresh-${tag}`;
    const endpointOutput = JSON.stringify({
      userId: 'user-red',
      sessionId: `session-${refreshId}`,
      AIOutput: {
        text: 'done',
        data: {
          intent: 'log_support_ticket',
          entities: { ticketId: { value: `T-${refreshId}` }, issue: { value: 'printer on fire' } },
          status: 'completed',
          timestamp: '2026-11-26T10:00:00Z',
          botId: 'bot-red',
        },
        traceId: refreshId,
        source: 'bot',
      },
    });
    const outputAnswer = await post(port, OUTPUT, endpointOutput, { 'x-api-key': API_KEY });
    expect(outputAnswer.status).toBe(202);
    eventIds.push((JSON.parse(outputAnswer.body) as { eventId: string }).eventId);
    await waitFor(() => sandbox.stats().applied === 6, {
      timeoutMs: 10000,
      what: 'the event after the token refresh applied',
    });
    expect(sandbox.stats().unauthorized).toBeGreaterThanOrEqual(1);

    // Readiness shows token details: read it once so that answer is in the capture as well.
    expect((await call(port, 'GET', '/health/ready')).status).toBe(200);

    service.child.kill('SIGTERM');
    expect(await exitWithin(service, 10000)).toEqual({ code: 0, signal: null });
    relay.tokens.forEach((token, i) => forbidden.set(`access token #${i + 1}`, token));
    return { sandbox, relay, forbidden, eventIds, stdout: service.stdout(), output: service.output() };
  }

  async stop(): Promise<void> {
    for (const undo of this.undo.splice(0).reverse()) await undo();
  }
}
