import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { OperatorEvents } from '../src/queue/operator-events';
import { StoreHealth } from '../src/queue/store-health';
import { sampleDialog } from '../src/webhook/dto/dialog-complete.fixture';
import { startTestApp, TestApp } from './support/test-app';
import { DIALOG_ROUTE, postSigned } from './support/webhook-cases';

const SECRET = 'mapping-e2e-secret';
/** The repository example, named relative to the working directory as an operator would. */
const EXAMPLE = relative(process.cwd(), join(__dirname, '..', 'mappings', 'example.json'));

let n = 0;
const post = (t: TestApp, body: Record<string, unknown>) => postSigned(t, SECRET, DIALOG_ROUTE, body);

const callback = (entities: Record<string, unknown>, metadata: Record<string, unknown> = { channel: 'voice' }) =>
  sampleDialog({
    conversationId: `conv-map-${++n}-${process.pid}`,
    intent: 'schedule_callback',
    entities,
    metadata,
    timestamp: '2026-11-26T11:00:00+01:00',
  });

describe('MAPPINGS_FILE through the real application', () => {
  describe('with mappings/example.json', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp({ COGNIGY_WEBHOOK_SECRETS: SECRET, MAPPINGS_FILE: EXAMPLE });
    });
    afterAll(() => t.close());

    it('accepts a schedule_callback webhook (202) and stores the declarative upsert', async () => {
      const res = await post(
        t,
        callback({ callbackId: { value: 'CB-1', confidence: 0.9 }, phone: { value: 4930123, confidence: 0.8 } }),
      );
      expect(res.status).toBe(202);
      expect(res.body.status).toBe('accepted');
      const stored = await t.app.get(OperatorEvents).get(res.body.eventId);
      expect(stored?.upsert).toEqual({
        intent: 'schedule_callback',
        objectType: 'callback',
        method: 'POST',
        path: '/api/v2/callbacks/upsert',
        externalId: 'CB-1',
        body: {
          external_id: 'CB-1',
          phone: '4930123',
          channel: 'voice',
          requested_at: '2026-11-26T10:00:00.000Z',
          source: 'cognigy_ai',
        },
      });
    });

    it('leaves out a low-confidence entity and missing metadata', async () => {
      const res = await post(
        t,
        callback({ callbackId: { value: 'CB-2', confidence: 0.6 }, phone: { value: '+1', confidence: 0.2 } }, {}),
      );
      expect(res.status).toBe(202);
      const stored = await t.app.get(OperatorEvents).get(res.body.eventId);
      expect(stored?.upsert.body).toEqual({
        external_id: 'CB-2',
        requested_at: '2026-11-26T10:00:00.000Z',
        source: 'cognigy_ai',
      });
    });

    it('answers 422 when the id entity is below minConfidence, and stores nothing', async () => {
      const store = t.app.get(StoreHealth);
      // The delivery worker moves events between states meanwhile: compare the total.
      const total = async () => Object.values(await store.countByState()).reduce((a, b) => a + b, 0);
      const before = await total();
      const res = await post(t, callback({ callbackId: { value: 'CB-3', confidence: 0.1 } }));
      expect(res.status).toBe(422);
      expect(res.body.message).toBe('Missing required entity: callbackId');
      expect(await total()).toBe(before);
    });

    it('keeps the built-in intents next to the file intents', async () => {
      const res = await post(t, sampleDialog({ conversationId: `conv-builtin-${process.pid}` }));
      expect(res.status).toBe(202);
      const unsupported = await post(t, sampleDialog({ conversationId: 'conv-x', intent: 'order_pizza' }));
      expect(unsupported.status).toBe(422);
      expect(unsupported.body.message).toBe('Unsupported intent: order_pizza');
    });
  });

  it('without MAPPINGS_FILE, schedule_callback is an unsupported intent (422)', async () => {
    const t = await startTestApp({ COGNIGY_WEBHOOK_SECRETS: SECRET });
    try {
      const res = await post(t, callback({ callbackId: { value: 'CB-1', confidence: 0.9 } }));
      expect(res.status).toBe(422);
      expect(res.body.message).toBe('Unsupported intent: schedule_callback');
    } finally {
      await t.close();
    }
  });

  describe('a bad mappings file stops startup', () => {
    let dir: string;
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'ccs-bad-mappings-'));
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    /** No sandbox CRM and no worker: a half-built app that fails init leaves no server behind. */
    const start = (mappingsFile: string) =>
      startTestApp({
        COGNIGY_WEBHOOK_SECRETS: SECRET,
        MAPPINGS_FILE: mappingsFile,
        CRM_BASE_URL: 'http://127.0.0.1:9',
        CRM_AUTH: 'static',
        CRM_ACCESS_TOKEN: 'unused',
        DELIVERY_ENABLED: 'false',
        DATA_DIR: join(dir, 'data'),
      });

    it.each([
      [
        'two entries for one intent',
        {
          mappings: [
            { intent: 'a', objectType: 'o', path: '/a', idEntity: 'id', fields: { id: { entity: 'id' } } },
            { intent: 'a', objectType: 'o', path: '/a', idEntity: 'id', fields: { id: { entity: 'id' } } },
          ],
        },
        'intent "a" is mapped twice',
      ],
      [
        'a path without a leading slash',
        { mappings: [{ intent: 'a', objectType: 'o', path: 'api', idEntity: 'id', fields: { id: { entity: 'id' } } }] },
        'mappings[0] (a).path: must be a string starting with "/"',
      ],
      [
        'an unknown key',
        {
          mappings: [
            { intent: 'a', objectType: 'o', path: '/a', idEntity: 'id', verb: 'PUT', fields: { id: { entity: 'id' } } },
          ],
        },
        'unknown key(s) verb',
      ],
      [
        'a field without a source',
        { mappings: [{ intent: 'a', objectType: 'o', path: '/a', idEntity: 'id', fields: { id: {} } }] },
        'mappings[0] (a).fields.id: needs exactly one source',
      ],
      ['invalid JSON', '{"mappings": [', 'not valid JSON'],
    ])('refuses %s', async (_case, content, message) => {
      const file = join(dir, `bad-${++n}.json`);
      writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
      await expect(start(file)).rejects.toThrow(message);
      await expect(start(file)).rejects.toThrow(`Invalid mappings file ${file}`);
    });

    it('refuses a mappings file that does not exist', async () => {
      await expect(start(join(dir, 'missing.json'))).rejects.toThrow('cannot be read: ENOENT');
    });
  });
});
