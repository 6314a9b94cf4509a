import { createHmac, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, request, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CrmSandbox } from '../src/dev/sandbox/crm-sandbox';
import { sandboxEnv } from './support/sandbox-env';
import { cognigySignature, keyedDialog, nowSeconds, standardSignature } from './support/signing';
import {
  call,
  exitWithin,
  freePort,
  post,
  runService,
  ServiceProcess,
  serviceEnv,
  waitUntilAnswering,
} from './support/service-process';
import { waitFor } from './support/wait-for';

/**
 * Log redaction: a log capture of the BUILT service (dist/main.js, a child process) at
 * LOG_LEVEL=debug, through every auth mode, an admin call, rejected credentials, CRM delivery and
 * a forced token refresh, contains none of the credentials, signatures or tokens that went by.
 *
 * The sandbox never reveals the access tokens it issues, so the service's CRM_TOKEN_URL is a
 * small recording relay in front of the sandbox's token endpoint: the test then knows every token
 * value the service received and looks for each of them verbatim.
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

/** Forwards token requests to the sandbox unchanged and remembers every access_token answered. */
async function startTokenRelay(target: string): Promise<{ url: string; tokens: string[]; server: Server }> {
  const tokens: string[] = [];
  const upstream = new URL(target);
  const server = createServer((inbound, outbound) => {
    const chunks: Buffer[] = [];
    inbound.on('data', (chunk: Buffer) => chunks.push(chunk));
    inbound.on('end', () => {
      const forward = request(
        {
          host: upstream.hostname,
          port: upstream.port,
          path: upstream.pathname,
          method: inbound.method,
          headers: { ...inbound.headers, host: upstream.host },
          agent: false,
        },
        (answer) => {
          const parts: Buffer[] = [];
          answer.on('data', (chunk: Buffer) => parts.push(chunk));
          answer.on('end', () => {
            const body = Buffer.concat(parts);
            try {
              const token = (JSON.parse(body.toString('utf8')) as { access_token?: unknown }).access_token;
              if (typeof token === 'string') tokens.push(token);
            } catch {
              // not JSON: nothing issued
            }
            const { 'transfer-encoding': _te, connection: _c, ...headers } = answer.headers;
            outbound.writeHead(answer.statusCode ?? 502, { ...headers, 'content-length': body.length });
            outbound.end(body);
          });
        },
      );
      forward.on('error', () => outbound.writeHead(502).end());
      forward.end(Buffer.concat(chunks));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/oauth/token`, tokens, server };
}

const dialog = (eventKey: string) => JSON.stringify(keyedDialog(eventKey));

/** Every non-empty line of a JSON-lines capture, parsed. */
const jsonLines = (text: string) =>
  text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Record<string, any>);

describe('log redaction: a debug-level log capture of the built service holds no credential', () => {
  let root: string;
  let sandbox: CrmSandbox;
  let relay: Awaited<ReturnType<typeof startTokenRelay>>;
  let service: ServiceProcess;
  let port: number;

  /** name → secret value that must not appear anywhere in stdout or stderr. */
  const forbidden = new Map<string, string>();
  /** Event ids the run produced; each must appear in the log. */
  const eventIds: string[] = [];
  let stdout = '';
  let output = '';

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'ccs-redaction-'));
    sandbox = new CrmSandbox({ port: 0, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET });
    await sandbox.start();
    relay = await startTokenRelay(sandbox.tokenUrl);
    port = await freePort();
    service = runService(
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
    await waitUntilAnswering(service, port);

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
    stdout = service.stdout();
    output = service.output();
  }, 60000);

  afterAll(async () => {
    await service?.stop('SIGKILL');
    await new Promise<void>((resolve) => (relay ? relay.server.close(() => resolve()) : resolve()));
    await sandbox?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  it('the run really fetched two tokens (the second after a 401) and every token went through the relay', () => {
    expect(relay.tokens).toHaveLength(2);
    expect(sandbox.stats().tokensIssued).toBe(2);
    expect(new Set(relay.tokens).size).toBe(2);
  });

  it('contains none of the secrets, signatures, credentials or tokens', () => {
    const lower = output.toLowerCase();
    const lines = output.split('\n');
    const leaks = [...forbidden]
      .filter(([, value]) => output.includes(value) || lower.includes(value.toLowerCase()))
      .map(([name, value]) => {
        const line = lines.find((l) => l.toLowerCase().includes(value.toLowerCase())) ?? '';
        return `${name} leaked in: ${line.slice(0, 400)}`;
      });
    expect(leaks).toEqual([]);
    // All the values were collected (guards against a silently shortened list).
    expect(forbidden.size).toBeGreaterThanOrEqual(22);
  });

  it('every stdout line is a pino JSON object', () => {
    const lines = stdout.split('\n').filter((line) => line.trim() !== '');
    expect(lines.length).toBeGreaterThan(10);
    const bad = lines.filter((line) => {
      try {
        const parsed = JSON.parse(line) as Record<string, unknown>;
        return (
          typeof parsed !== 'object' ||
          parsed === null ||
          typeof parsed.level !== 'number' ||
          typeof parsed.time !== 'number'
        );
      } catch {
        return true;
      }
    });
    expect(bad).toEqual([]);
  });

  it('still says what happened: every event id, debug entities; credential headers are not in the logged header sets', () => {
    const records = jsonLines(stdout);
    for (const id of eventIds) expect(output).toContain(id);
    // The access line of each accepted webhook carries its event id.
    for (const id of eventIds) {
      expect(records.some((r) => r.eventId === id && r.res?.statusCode === 202)).toBe(true);
    }
    // LOG_LEVEL=debug took effect: entity values are logged at debug (20).
    expect(records.some((r) => r.level === 20 && r.entities)).toBe(true);
    // Request headers are logged from an allowlist: the credential headers are not among them.
    const requestLines = records.filter((r) => r.req?.headers);
    expect(requestLines.length).toBeGreaterThan(0);
    const logged = new Set(requestLines.flatMap((r) => Object.keys(r.req.headers)));
    for (const name of ['authorization', 'x-cognigy-signature', 'x-api-key', 'webhook-signature']) {
      expect(logged.has(name)).toBe(false);
    }
    expect(logged.has('content-type')).toBe(true);
    // The admin requests (good and bad token) were logged, without their Authorization.
    const adminLines = records.filter((r) => typeof r.req?.url === 'string' && r.req.url.startsWith('/admin/'));
    expect(adminLines.length).toBeGreaterThanOrEqual(2);
    expect(adminLines.every((r) => !('authorization' in r.req.headers))).toBe(true);
  });

  it("a line logged during a request carries that request's id and its event's ids", () => {
    const records = jsonLines(stdout);
    for (const id of eventIds) {
      const access = records.find((r) => r.eventId === id && r.res?.statusCode === 202);
      expect(typeof access?.reqId).toBe('string');
      // The debug entities line, written by WebhookIngestService while the request was open.
      const entities = records.find((r) => r.eventId === id && r.entities);
      expect(entities).toMatchObject({ reqId: access?.reqId, conversationId: access?.conversationId });
    }
  });
});
