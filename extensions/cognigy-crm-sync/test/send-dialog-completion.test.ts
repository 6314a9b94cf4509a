import assert from 'assert/strict';
import { createHash, createHmac } from 'crypto';
import { readFileSync } from 'fs';
import { createServer, IncomingHttpHeaders } from 'http';
import { AddressInfo } from 'net';
import { join } from 'path';
import { after, before, describe, it } from 'node:test';
import { cognigyStandIn, runSendNode } from './support/cognigy-stand-in';
import {
  crmRecords,
  REPO_ROOT,
  removeDir,
  Sandbox,
  send,
  Service,
  startSandbox,
  startService,
  waitFor,
} from './support/processes';

/**
 * The node of the built extension, called as Cognigy calls it, against the real service
 * (`dist/main.js`) delivering into its CRM sandbox.
 */

const SECRET = 'extension-hmac-secret';
const BASIC = { username: 'cognigy', password: 'basic-password' };
const API_KEY = 'extension-api-key';

const AUTH_ENV = {
  WEBHOOK_AUTH_MODES: 'hmac,basic,apikey',
  COGNIGY_WEBHOOK_SECRETS: SECRET,
  WEBHOOK_REQUIRE_TIMESTAMP: 'true',
  WEBHOOK_BASIC_USER: BASIC.username,
  WEBHOOK_BASIC_PASSWORD: BASIC.password,
  WEBHOOK_API_KEYS: API_KEY,
};

/** The node's fields as Cognigy renders them for a flow that collected `context`'s values. */
function completionConfig(service: Service, conversationId: string, entities: Record<string, unknown>) {
  return {
    authType: 'hmac',
    hmacConnection: { serviceUrl: service.url, secret: SECRET },
    intent: 'update_customer_profile',
    entities,
    conversationId,
    botId: 'bot-support-eu',
    status: 'completed',
    eventTime: '',
    metadata: { channel: 'voice', locale: 'en-GB' },
    contextKey: 'crm.answer',
    timeBudgetMs: 15000,
    attemptTimeoutMs: 5000,
  };
}

const contacts = async (sandbox: Sandbox) => (await crmRecords(sandbox)).contacts ?? [];
const contact = async (sandbox: Sandbox, id: string) => (await contacts(sandbox)).find((r) => r.external_id === id);

describe('Send dialog completion, against the running service', () => {
  let sandbox: Sandbox;
  let service: Service;
  before(async () => {
    sandbox = await startSandbox(process.cwd());
    service = await startService(sandbox, AUTH_ENV);
  });
  after(async () => {
    await service?.process.stop();
    await sandbox?.process.stop();
    if (service) removeDir(service.dataDir);
  });

  it('a completion is accepted (202), stored under the context key, and reaches the CRM', async () => {
    const standIn = cognigyStandIn({ sessionId: 'session-ext-1' });
    const config = completionConfig(service, 'session-ext-1', {
      customerId: 'C-EXT-1',
      newStatus: { value: 'gold', confidence: '0.91' },
      notes: 'asked for the loyalty upgrade',
    });
    await runSendNode(standIn, config);

    const key = `cognigy-${createHash('sha256').update('session-ext-1\nupdate_customer_profile').digest('hex')}`;
    assert.deepEqual(standIn.context.crm, {
      answer: { status: 'accepted', eventId: key, httpStatus: 202, attempts: 1 },
    });
    assert.deepEqual(standIn.outputs, [], 'the node says nothing to the user');
    assert.ok(
      standIn.apiCalls.length <= 10,
      `Cognigy allows 10 API calls per execution, the node made ${standIn.apiCalls.length}`,
    );
    await waitFor('the contact in the CRM', async () => (await contact(sandbox, 'C-EXT-1')) !== undefined);
    const record = await contact(sandbox, 'C-EXT-1');
    assert.equal(record?.status, 'gold');
    assert.equal(record?.notes, 'asked for the loyalty upgrade');

    // The same dialog sent again (the flow ran the node twice) is one event.
    const again = cognigyStandIn({ sessionId: 'session-ext-1' });
    await runSendNode(again, config);
    assert.deepEqual(again.context.crm, {
      answer: { status: 'duplicate', eventId: key, httpStatus: 200, attempts: 1 },
    });
  });

  it('an entity the flow did not collect is left out, not sent empty (no 400)', async () => {
    const standIn = cognigyStandIn();
    await runSendNode(
      standIn,
      // Cognigy drops an inline {{context.notes}} whose value is missing; a $cs script yields null.
      completionConfig(service, 'session-ext-2', {
        customerId: 'C-EXT-2',
        newStatus: { value: '', confidence: 0.8 },
        notes: null,
      }),
    );
    assert.deepEqual(standIn.context.crm, {
      answer: {
        status: 'accepted',
        eventId: `cognigy-${createHash('sha256').update('session-ext-2\nupdate_customer_profile').digest('hex')}`,
        httpStatus: 202,
        attempts: 1,
        omittedEntities: ['newStatus', 'notes'],
      },
    });
    await waitFor('the contact in the CRM', async () => (await contact(sandbox, 'C-EXT-2')) !== undefined);
    const record = await contact(sandbox, 'C-EXT-2');
    assert.equal(record && 'notes' in record, false);
    assert.equal(record && 'status' in record, false);
  });

  it('a wrong secret stores a clear error (401, no retry) and logs it, without the secret', async () => {
    const standIn = cognigyStandIn();
    const config = completionConfig(service, 'session-ext-3', { customerId: 'C-EXT-3' });
    await runSendNode(standIn, { ...config, hmacConnection: { serviceUrl: service.url, secret: 'not-the-secret' } });
    const answer = (standIn.context.crm as { answer: Record<string, unknown> }).answer;
    assert.equal(answer.status, 'error');
    assert.equal(answer.httpStatus, 401);
    assert.equal(answer.attempts, 1);
    assert.match(
      String(answer.error),
      /refused the credentials \(401\).*COGNIGY_WEBHOOK_SECRETS.*WEBHOOK_AUTH_MODES lists hmac/,
    );
    assert.equal(JSON.stringify(standIn.context).includes('not-the-secret'), false);
    assert.deepEqual(
      standIn.logs.map((l) => l.level),
      ['error'],
    );
    assert.equal((await contact(sandbox, 'C-EXT-3')) === undefined, true);
  });

  it('Basic Auth and X-API-Key Connections: accepted', async () => {
    const base = completionConfig(service, 'session-ext-4', { customerId: 'C-EXT-4' });
    const basic = cognigyStandIn();
    await runSendNode(basic, { ...base, authType: 'basic', basicConnection: { serviceUrl: service.url, ...BASIC } });
    assert.equal((basic.context.crm as { answer: { status: string } }).answer.status, 'accepted');
    const apiKey = cognigyStandIn();
    const other = completionConfig(service, 'session-ext-5', { customerId: 'C-EXT-5' });
    await runSendNode(apiKey, {
      ...other,
      authType: 'apikey',
      apiKeyConnection: { serviceUrl: service.url, apiKey: API_KEY },
    });
    assert.equal((apiKey.context.crm as { answer: { status: string } }).answer.status, 'accepted');
  });

  it('settings the service would refuse are not sent: the stored error names each field', async () => {
    const standIn = cognigyStandIn();
    const config = completionConfig(service, '', { customerId: { value: 'C-EXT-6', confidence: 7 } });
    await runSendNode(standIn, { ...config, intent: '  ', contextKey: '' });
    assert.deepEqual(standIn.context.crmSync, {
      status: 'error',
      attempts: 0,
      error:
        'Not sent: Conversation ID is empty: fill the node\'s "Conversation ID" field; Intent is empty: fill the node\'s "Intent" field; ' +
        'Entities.customerId.confidence: expected a number between 0 and 1',
    });
    const none = cognigyStandIn();
    await runSendNode(none, { ...config, hmacConnection: undefined });
    assert.match(
      String((none.context.crm as { answer: { error: string } }).answer.error),
      /no Connection chosen.*hmac Connection field/,
    );
  });

  it("the guide's example fields make the guide's example body, sent as exactly the bytes signed", async () => {
    const examples = join(REPO_ROOT, 'docs', 'examples', 'cognigy');
    const fields = JSON.parse(readFileSync(join(examples, 'extension-node-fields.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    const expected = JSON.parse(readFileSync(join(examples, 'extension-node.json'), 'utf8')) as unknown;
    // A listener in the service's place keeps the request as it came over the wire.
    const seen: Array<{ raw: string; headers: IncomingHttpHeaders }> = [];
    const listener = createServer((req, res) => {
      let raw = '';
      req.setEncoding('utf8').on('data', (chunk: string) => (raw += chunk));
      req.on('end', () => {
        seen.push({ raw, headers: req.headers });
        res.writeHead(202, { 'content-type': 'application/json' }).end('{"status":"accepted","eventId":"seen"}');
      });
    });
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    try {
      const serviceUrl = `http://127.0.0.1:${(listener.address() as AddressInfo).port}`;
      await runSendNode(cognigyStandIn(), { ...fields, hmacConnection: { serviceUrl, secret: SECRET } });
    } finally {
      await new Promise<void>((resolve) => listener.close(() => resolve()));
    }
    assert.equal(seen.length, 1);
    const [{ raw, headers }] = seen;
    assert.deepEqual(JSON.parse(raw), expected);
    assert.equal(headers['content-type'], 'application/json');
    const timestamp = String(headers['x-cognigy-timestamp']);
    assert.equal(
      headers['x-cognigy-signature'],
      createHmac('sha256', SECRET).update(`${timestamp}.${raw}`).digest('hex'),
    );
    const key = createHash('sha256').update('session-77d0e4\nlog_support_ticket').digest('hex');
    assert.equal(headers['idempotency-key'], `cognigy-${key}`);

    // The service takes exactly those bytes with those headers.
    const forwarded = await send('POST', `${service.url}/webhooks/cognigy/dialog-complete`, raw, {
      'x-cognigy-timestamp': timestamp,
      'x-cognigy-signature': String(headers['x-cognigy-signature']),
      'idempotency-key': String(headers['idempotency-key']),
    });
    assert.deepEqual(
      [forwarded.status, JSON.parse(forwarded.body)],
      [202, { status: 'accepted', eventId: `cognigy-${key}` }],
    );
  });
});
