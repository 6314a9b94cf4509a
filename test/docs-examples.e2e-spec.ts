import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runInNewContext } from 'node:vm';
import request from 'supertest';
import { CONNECTORS } from '../src/crm/connector-registry';
import { LOGICAL_FIELDS, LogicalObject } from '../src/mapping/record-change';
import { outputEventId } from '../src/webhook/event-id';
import { cognigySignature, nowSeconds, standardSignature } from './support/signing';
import { startTestApp, TestApp } from './support/test-app';
import { serviceVariables } from './support/variables';
import { DIALOG_ROUTE, ENDPOINT_ROUTE, post } from './support/webhook-cases';

/**
 * Every example of docs/cognigy-setup.md, docs/mappings.md and docs/operations.md, exercised: the
 * JSON each Cognigy variant sends is posted through the real app with that variant's
 * authentication, each example mappings file is loaded by the app, and each mistake gives the
 * startup error the docs quote.
 */

const ROOT = join(__dirname, '..');
const EXAMPLES = join(ROOT, 'docs', 'examples');
const example = (path: string) => readFileSync(join(EXAMPLES, path), 'utf8');
const doc = (name: string) => readFileSync(join(ROOT, 'docs', name), 'utf8');

const HMAC_SECRET = 'cognigy-hmac-secret';
const BASIC = { user: 'cognigy', password: 'basic-password' };
const API_KEY = 'cognigy-api-key';
const WHSEC = `whsec_${Buffer.from('gateway-signing-key-0123456789').toString('base64')}`;
const ADMIN_TOKEN = 'docs-admin-token';

/**
 * Runs the guide's Code node (the code block after its "example: code-node" marker) as Cognigy
 * would: with `input` and `context` of a flow that collected customerId and newStatus, not notes.
 */
function codeNodeEvent(): Record<string, unknown> {
  const guide = doc('cognigy-setup.md');
  const code = /<!-- example: code-node[^>]*-->\s*```js\n([\s\S]*?)```/.exec(guide)?.[1];
  if (!code) throw new Error('docs/cognigy-setup.md has no Code node example');
  const context: Record<string, unknown> = { customerId: 'C-1001', newStatus: 'gold', notes: '' };
  const input = { sessionId: 'session-5f1c2a', channel: 'voice', language: 'en-GB' };
  const at = new Date('2026-11-26T10:00:00.000Z');
  const FixedDate = class extends Date {
    constructor() {
      super(at.getTime());
    }
  };
  runInNewContext(code, { input, context, Date: FixedDate, Object });
  return JSON.parse(JSON.stringify(context.crmEvent));
}

const basic = () => `Basic ${Buffer.from(`${BASIC.user}:${BASIC.password}`).toString('base64')}`;

describe('docs/cognigy-setup.md: each way Cognigy reaches the service', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({
      WEBHOOK_AUTH_MODES: 'hmac,basic,apikey,standard',
      COGNIGY_WEBHOOK_SECRETS: HMAC_SECRET,
      WEBHOOK_BASIC_USER: BASIC.user,
      WEBHOOK_BASIC_PASSWORD: BASIC.password,
      WEBHOOK_API_KEYS: API_KEY,
      STANDARD_WEBHOOK_SECRETS: WHSEC,
    });
  });
  afterAll(() => t?.close());

  it('every example file is referenced by the guide', () => {
    const guide = doc('cognigy-setup.md');
    for (const file of readdirSync(join(EXAMPLES, 'cognigy'))) expect(guide).toContain(`examples/cognigy/${file}`);
  });

  it('every Cognigy claim cites a listed page, and every listed page is cited', () => {
    const guide = doc('cognigy-setup.md');
    const [text, sources] = guide.split('## Cognigy pages cited');
    const cited = new Set([...text.matchAll(/\[(C\d+)\]/g)].map((m) => m[1]));
    const listed = [...sources.matchAll(/^\| (C\d+) \| \[[^\]]+\]\((https:\/\/[^)]+)\)/gm)];
    expect([...cited].sort()).toEqual(listed.map((m) => m[1]).sort());
    for (const [, , url] of listed) expect(url).toMatch(/^https:\/\/(docs\.cognigy\.com|www\.npmjs\.com)\//);
  });

  it("HTTP Request node: the guide's Code node builds http-request-node.json, missing entities left out", () => {
    expect(codeNodeEvent()).toEqual(JSON.parse(example('cognigy/http-request-node.json')));
  });

  it('HTTP Request node, Basic Auth through a Connection: 202', async () => {
    const res = await post(t, DIALOG_ROUTE, JSON.stringify(codeNodeEvent()), { headers: { authorization: basic() } });
    expect([res.status, res.body.status]).toEqual([202, 'accepted']);
  });

  it('HTTP Request node, "API Key (X-API-Key)": 202', async () => {
    const body = { ...codeNodeEvent(), conversationId: 'session-apikey' };
    const res = await post(t, DIALOG_ROUTE, JSON.stringify(body), { headers: { 'x-api-key': API_KEY } });
    expect([res.status, res.body.status]).toEqual([202, 'accepted']);
  });

  it('an entity written inline whose value Cognigy dropped is a 400 naming it (the pitfall the guide warns of)', async () => {
    const body = {
      ...codeNodeEvent(),
      conversationId: 'session-inline',
      entities: { customerId: { value: 'C-1' }, notes: { confidence: 0.8 } },
    };
    const res = await post(t, DIALOG_ROUTE, JSON.stringify(body), { headers: { authorization: basic() } });
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body.message)).toContain('entities.notes.value');
  });

  it('Webhook Endpoint with Basic Auth: a dialog completion is 202, plain chat output is ignored', async () => {
    const done = await post(t, ENDPOINT_ROUTE, example('cognigy/webhook-endpoint-output.json'), {
      headers: { authorization: basic() },
    });
    expect(done.status).toBe(202);
    // The output's id: its traceId and its data (other outputs of the same user input share the traceId).
    const { traceId, data } = JSON.parse(example('cognigy/webhook-endpoint-output.json')).AIOutput;
    expect(done.body).toEqual({ status: 'accepted', eventId: outputEventId(traceId, data) });
    const chat = await post(t, ENDPOINT_ROUTE, example('cognigy/webhook-endpoint-chat-output.json'), {
      headers: { authorization: basic() },
    });
    expect([chat.status, chat.body]).toEqual([200, { status: 'ignored' }]);
  });

  it("the Extension node's body (what its example fields make), signed over `<timestamp>.<body>`: 202", async () => {
    // extensions/cognigy-crm-sync/test checks that the node sends exactly this for extension-node-fields.json.
    const raw = example('cognigy/extension-node.json');
    const ts = nowSeconds();
    const res = await post(t, DIALOG_ROUTE, raw, {
      headers: { 'x-cognigy-timestamp': String(ts), 'x-cognigy-signature': cognigySignature(HMAC_SECRET, raw, ts) },
    });
    expect([res.status, res.body.status]).toEqual([202, 'accepted']);
  });

  it('Standard Webhooks through a gateway: 202, the message id is the event id', async () => {
    const raw = example('cognigy/standard-webhooks-gateway.json');
    const ts = nowSeconds();
    const res = await post(t, DIALOG_ROUTE, raw, {
      headers: {
        'webhook-id': 'msg_2Kx9',
        'webhook-timestamp': String(ts),
        'webhook-signature': standardSignature(WHSEC, 'msg_2Kx9', ts, raw),
      },
    });
    expect([res.status, res.body]).toEqual([202, { status: 'accepted', eventId: 'msg_2Kx9' }]);
  });
});

describe('docs/mappings.md: the example files', () => {
  const mapped = async (file: string, body: Record<string, unknown>) => {
    const t = await startTestApp({
      MAPPINGS_FILE: join(EXAMPLES, 'mappings', file),
      COGNIGY_WEBHOOK_SECRETS: HMAC_SECRET,
      ADMIN_TOKEN,
    });
    try {
      const raw = JSON.stringify(body);
      const res = await post(t, DIALOG_ROUTE, raw, {
        headers: { 'x-cognigy-signature': cognigySignature(HMAC_SECRET, raw) },
      });
      if (res.status !== 202) return { status: res.status, body: res.body };
      const view = await request(t.server)
        .get(`/admin/events/${res.body.eventId}`)
        .set('authorization', `Bearer ${ADMIN_TOKEN}`);
      return { status: res.status, upsert: view.body.upsert };
    } finally {
      await t.close();
    }
  };

  it('every example file is referenced by the guide', () => {
    const guide = doc('mappings.md');
    for (const file of readdirSync(join(EXAMPLES, 'mappings'))) expect(guide).toContain(`examples/mappings/${file}`);
  });

  it('custom-intent.json: one field per source kind; a low-confidence entity is left out', async () => {
    const result = await mapped('custom-intent.json', {
      conversationId: 'conv-cb-1',
      botId: 'bot-1',
      status: 'completed',
      intent: 'schedule_callback',
      entities: {
        callbackId: { value: 'CB-9', confidence: 0.97 },
        phone: { value: '+44 20 7946 0000', confidence: 0.9 },
        preferredTime: { value: 'tomorrow', confidence: 0.4 },
      },
      timestamp: '2026-11-26T10:00:00+01:00',
      metadata: { channel: 'voice', caller: { locale: 'en-GB' } },
    });
    expect(result.status).toBe(202);
    // GET /admin/events/:eventId shows the mapped body as `upsert`.
    expect(result.upsert).toEqual({
      external_id: 'CB-9',
      phone: '+44 20 7946 0000',
      channel: 'voice',
      caller_locale: 'en-GB',
      requested_at: '2026-11-26T09:00:00.000Z',
      conversation: 'conv-cb-1',
      source: 'cognigy_ai',
    });
  });

  it('override-builtin.json: the built-in intent now writes loyalty_tier instead of status', async () => {
    const result = await mapped('override-builtin.json', {
      conversationId: 'conv-ov-1',
      botId: 'bot-1',
      status: 'completed',
      intent: 'update_customer_profile',
      entities: { customerId: { value: 'C-1001', confidence: 0.98 }, newStatus: { value: 'gold', confidence: 0.91 } },
      timestamp: '2026-11-26T10:00:00Z',
    });
    expect(result.upsert).toEqual({
      external_id: 'C-1001',
      loyalty_tier: 'gold',
      last_interaction: '2026-11-26T10:00:00.000Z',
      source: 'cognigy_ai',
    });
  });

  it('the strategy in code is the one the custom-strategy suite delivers', () => {
    const shown = /<!-- example: custom-strategy -->\s*```ts\n([\s\S]*?)```/.exec(doc('mappings.md'))?.[1];
    const tested = readFileSync(join(ROOT, 'test', 'support', 'escalate-complaint.strategy.ts'), 'utf8');
    const region = /\/\/ <example: custom-strategy>\n([\s\S]*?)\/\/ <\/example: custom-strategy>/.exec(tested)?.[1];
    expect(shown).toBeDefined();
    expect(shown).toBe(region);
  });

  it.each(readdirSync(join(EXAMPLES, 'mappings')).filter((f) => f.startsWith('mistake-')))(
    '%s stops startup with the error the guide quotes',
    async (file) => {
      const error: Error = await startTestApp({ MAPPINGS_FILE: join(EXAMPLES, 'mappings', file) }).then(
        (t) => t.close().then(() => new Error('started')),
        (e: Error) => e,
      );
      const problems = error.message
        .split('\n')
        .slice(1)
        .map((line) => line.trim());
      expect(problems.length).toBeGreaterThan(0);
      for (const problem of problems) expect(doc('mappings.md')).toContain(problem);
    },
  );
});

describe('docs/connectors.md: the default records', () => {
  it("names each connector's object, id field and every field its default records write", () => {
    const section = doc('connectors.md').split('## Default records')[1].split('\n## ')[0];
    const rows = section.split('\n').filter((line) => line.startsWith('|'));
    const columns = rows[0].split('|').map((cell) => cell.trim());
    for (const { name, rendering } of CONNECTORS) {
      expect(columns).toContain(name);
      const cells = rows.map((row) => row.split('|')[columns.indexOf(name)]).join(' ');
      for (const objectType of Object.keys(LOGICAL_FIELDS) as LogicalObject[]) {
        const target = rendering.targetOf(objectType);
        for (const word of target ? [target.object, target.idField, ...target.fields] : []) {
          expect({ name, objectType, cells }).toEqual({
            name,
            objectType,
            cells: expect.stringContaining(`\`${word}\``),
          });
        }
      }
    }
  });
});

describe('docs/operations.md: the configuration reference', () => {
  const variables = Object.keys(serviceVariables());
  const documented = [...doc('operations.md').matchAll(/^\| `([A-Z_]+)` \|/gm)].map((m) => m[1]);

  it('lists every variable the service reads, once, and nothing else', () => {
    expect([...documented].sort()).toEqual([...variables].sort());
  });

  it('gives each variable its real default', () => {
    const defaults = serviceVariables();
    for (const name of variables.filter((n) => defaults[n] !== undefined)) {
      const row = doc('operations.md')
        .split('\n')
        .find((line) => line.startsWith(`| \`${name}\` |`))!;
      expect({ name, default: row.split('|')[2].trim() }).toEqual({
        name,
        default: `\`${String(defaults[name] as string)}\``,
      });
    }
  });

  it('links the alert rules and the dashboard that exist', () => {
    for (const path of ['deploy/prometheus/alerts.yml', 'deploy/grafana/cognigy-crm-sync.json']) {
      expect(doc('operations.md')).toContain(path);
      expect(readFileSync(join(ROOT, path), 'utf8').length).toBeGreaterThan(0);
    }
  });
});
