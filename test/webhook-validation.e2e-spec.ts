import { randomBytes } from 'node:crypto';
import { OperatorEvents } from '../src/queue/operator-events';
import { StoredEvent } from '../src/queue/stored-event';
import { sampleDialog } from '../src/webhook/dto/dialog-complete.fixture';
import { startTestApp, TestApp } from './support/test-app';
import { freshDialog, postSigned, sendAccepted, storedCount, unique } from './support/webhook-cases';

/**
 * DTO validation of both webhook routes (400 naming every problem), through real, signed HTTP
 * requests into the real app. Every 400 must have Nest's validation shape and name each bad
 * field; no request answered 400 may leave anything in the store.
 */

const SECRET = 'validation-secret';
const DIALOG = '/webhooks/cognigy/dialog-complete';
const ENDPOINT = '/webhooks/cognigy/endpoint-output';
const REQUIRED = ['conversationId', 'botId', 'status', 'intent', 'timestamp'] as const;
const MAX = 10_000;

/** A valid Webhook Endpoint dialog completion with a trace id no other test uses. */
function endpointOutput(data: Record<string, unknown> = {}, top: Record<string, unknown> = {}) {
  return {
    userId: 'user123',
    sessionId: unique('session'),
    AIOutput: {
      text: 'Your ticket is logged.',
      data: { intent: 'log_support_ticket', entities: { ticketId: { value: 'T-77' } }, ...data },
      traceId: unique('endpoint-httpIncomingMessage'),
      source: 'bot',
    },
    ...top,
  };
}

const without = (body: Record<string, unknown>, key: string) => {
  const copy = { ...body };
  delete copy[key];
  return copy;
};

/** Escapes a field path for use in a RegExp. */
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * True when a message of its own names `field` by its whole path: the message starts with it,
 * followed by a space, `:` or the end. `timestamp` is therefore not found in
 * `AIOutput.data.timestamp must ...`, nor `entities` in `entities.customerId.value ...`.
 */
const names = (messages: string[], field: string) =>
  messages.some((m) => new RegExp(`^${escape(field)}([ :]|$)`).test(m));

describe('webhook DTO validation', () => {
  let t: TestApp;
  let store: OperatorEvents;

  beforeAll(async () => {
    t = await startTestApp({ COGNIGY_WEBHOOK_SECRETS: SECRET });
    store = t.app.get(OperatorEvents);
  });
  afterAll(() => t.close());

  const totalStored = () => storedCount(t);

  /** A signed POST of exactly these bytes. */
  const send = (path: string, body: string | object, headers: Record<string, string> = {}) =>
    postSigned(t, SECRET, path, body, { headers });

  /**
   * Posts, expects Nest's validation 400 naming every one of `fields` (and, when `only` is set,
   * no other required field), and checks nothing was stored. Returns the messages.
   */
  async function expect400(path: string, body: string | object, fields: string[], only = false): Promise<string[]> {
    const before = await totalStored();
    const res = await send(path, body);
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(Object.keys(res.body).sort()).toEqual(['error', 'message', 'statusCode']);
    expect(res.body.statusCode).toBe(400);
    expect(res.body.error).toBe('Bad Request');
    expect(Array.isArray(res.body.message)).toBe(true);
    const messages: string[] = res.body.message;
    expect(messages.length).toBeGreaterThan(0);
    for (const m of messages) expect(typeof m).toBe('string');
    for (const field of fields) {
      if (!names(messages, field)) throw new Error(`400 does not name "${field}": ${JSON.stringify(messages)}`);
    }
    if (only) {
      for (const other of REQUIRED.filter((f) => !fields.includes(f))) {
        if (names(messages, other)) throw new Error(`400 wrongly names "${other}": ${JSON.stringify(messages)}`);
      }
    }
    expect(await totalStored()).toBe(before);
    return messages;
  }

  /** Posts, expects 202 accepted and returns the stored event. */
  async function accepted(path: string, body: string | object, headers: Record<string, string> = {}) {
    const stored = await store.get(await sendAccepted(t, SECRET, body, { path, headers }));
    expect(stored).not.toBeNull();
    return stored as StoredEvent;
  }

  it('accepts the documented example body as the baseline', async () => {
    const stored = await accepted(DIALOG, freshDialog());
    expect(stored.event.intent).toBe('update_customer_profile');
    expect(stored.upsert.body).toMatchObject({ external_id: 'C-1001', status: 'gold' });
  });

  describe('dialog-complete: required strings', () => {
    it.each(REQUIRED)('%s missing → 400 naming it (and only it)', async (field) => {
      await expect400(DIALOG, without(freshDialog(), field), [field], true);
    });

    const wrongTypes: [string, unknown][] = [
      ['a number', 42],
      ['a boolean', true],
      ['null', null],
      ['an object', { text: 'x' }],
      ['an array', ['x']],
    ];
    describe.each(REQUIRED)('%s of the wrong type', (field) => {
      it.each(wrongTypes)('%s → 400 naming it', async (_, value) => {
        await expect400(DIALOG, freshDialog({ [field]: value }), [field], true);
      });
    });

    it.each(REQUIRED)('%s as the empty string → 400 naming it', async (field) => {
      await expect400(DIALOG, freshDialog({ [field]: '' }), [field], true);
    });

    it('names every bad field when several are bad at once', async () => {
      const body = without(
        freshDialog({
          conversationId: 17,
          intent: ['update_customer_profile'],
          timestamp: 'yesterday',
          entities: { customerId: { value: { id: 'C-1' } }, newStatus: { value: 'gold', confidence: 7 } },
          metadata: ['voice'],
        }),
        'botId',
      );
      const messages = await expect400(DIALOG, body, [
        'conversationId',
        'botId',
        'intent',
        'timestamp',
        'entities.customerId.value',
        'entities.newStatus.confidence',
        'metadata',
      ]);
      // status was fine and is not blamed.
      expect(names(messages, 'status')).toBe(false);
    });
  });

  describe('dialog-complete: entities', () => {
    it('absent entities pass validation as {} (the mapping then misses its id entity: 422, not 400)', async () => {
      const before = await totalStored();
      const res = await send(DIALOG, without(freshDialog(), 'entities'));
      expect(res.status).toBe(422);
      expect(res.body.message).toBe('Missing required entity: customerId');
      expect(await totalStored()).toBe(before);
    });

    it('entities: null is treated as absent, not as a bad field', async () => {
      const res = await send(DIALOG, freshDialog({ entities: null }));
      expect(res.status).toBe(422);
      expect(res.body.message).toBe('Missing required entity: customerId');
    });

    it('keeps string, number and boolean values as strings (stored event and CRM body)', async () => {
      const stored = await accepted(
        DIALOG,
        freshDialog({
          entities: {
            customerId: { value: 1001, confidence: 1 },
            newStatus: { value: false, confidence: 0.5 },
            notes: { value: 0 },
            extra: { value: true },
            text: { value: 'gold member' },
            fraction: { value: 2.5 },
          },
        }),
      );
      expect(stored.event.entities).toEqual({
        customerId: { value: '1001', confidence: 1 },
        newStatus: { value: 'false', confidence: 0.5 },
        notes: { value: '0', confidence: 0 },
        extra: { value: 'true', confidence: 0 },
        text: { value: 'gold member', confidence: 0 },
        fraction: { value: '2.5', confidence: 0 },
      });
      expect(stored.upsert.externalId).toBe('1001');
      expect(stored.upsert.body).toEqual({
        external_id: '1001',
        status: 'false',
        notes: '0',
        last_interaction: '2026-11-26T10:00:00.000Z',
      });
    });

    it('confidence defaults to 0', async () => {
      const stored = await accepted(DIALOG, freshDialog({ entities: { customerId: { value: 'C-7' } } }));
      expect(stored.event.entities.customerId).toEqual({ value: 'C-7', confidence: 0 });
    });

    it.each([0, 1, 0.5])('confidence %p (inside [0, 1]) is accepted and kept', async (confidence) => {
      const stored = await accepted(DIALOG, freshDialog({ entities: { customerId: { value: 'C-8', confidence } } }));
      expect(stored.event.entities.customerId.confidence).toBe(confidence);
    });

    it.each<[string, unknown]>([
      ['below 0', -0.01],
      ['above 1', 1.01],
      ['a large number', 98],
      ['a numeric string', '0.9'],
      ['a boolean', true],
      ['null', null],
      ['an object', { p: 0.9 }],
    ])('confidence %s → 400 naming entities.customerId.confidence', async (_, confidence) => {
      await expect400(DIALOG, freshDialog({ entities: { customerId: { value: 'C-1', confidence } } }), [
        'entities.customerId.confidence',
      ]);
    });

    it.each<[string, unknown]>([
      ['an object', { id: 'C-1001' }],
      ['an array', ['C-1001']],
      ['null', null],
    ])('a value that is %s → 400 naming entities.customerId.value', async (_, value) => {
      await expect400(DIALOG, freshDialog({ entities: { customerId: { value, confidence: 0.9 } } }), [
        'entities.customerId.value',
      ]);
    });

    it('an entity without a value → 400 naming its value', async () => {
      await expect400(DIALOG, freshDialog({ entities: { customerId: { confidence: 0.9 } } }), [
        'entities.customerId.value',
      ]);
    });

    it.each<[string, unknown]>([
      ['a bare string', 'C-1001'],
      ['an array', [{ value: 'C-1001' }]],
      ['null', null],
    ])('an entity that is %s instead of an object → 400 naming the entity', async (_, entity) => {
      await expect400(DIALOG, freshDialog({ entities: { customerId: entity } }), ['entities.customerId']);
    });

    it('names every bad entity when several are bad', async () => {
      await expect400(
        DIALOG,
        freshDialog({
          entities: {
            customerId: { value: 'C-1' },
            newStatus: { value: ['gold'] },
            notes: { value: 'ok', confidence: -1 },
            priority: 'high',
          },
        }),
        ['entities.newStatus.value', 'entities.notes.confidence', 'entities.priority'],
      );
    });

    it('lists at most 25 entity problems, one message each, the last counting the rest', async () => {
      const entities: Record<string, unknown> = { customerId: { value: 'C-1' } };
      for (let i = 0; i < 30; i++) entities[`e${i}`] = { value: [i] };
      const messages = await expect400(DIALOG, freshDialog({ entities }), ['entities.e0.value', 'entities.e24.value']);
      const entityMessages = messages.filter((m) => m.startsWith('entities.'));
      expect(entityMessages).toHaveLength(25);
      expect(entityMessages[24]).toMatch(/\(and 5 more problems\)$/);
      expect(names(messages, 'entities.e25.value')).toBe(false);
    });
  });

  describe('dialog-complete: arrays and scalars where objects belong', () => {
    it('entities as an array → 400 naming entities', async () => {
      await expect400(DIALOG, freshDialog({ entities: [{ customerId: { value: 'C-1' } }] }), ['entities']);
    });

    it('entities as a string → 400 naming entities', async () => {
      await expect400(DIALOG, freshDialog({ entities: 'customerId=C-1' }), ['entities']);
    });

    it('metadata as an array → 400 naming metadata', async () => {
      await expect400(DIALOG, freshDialog({ metadata: [{ channel: 'voice' }] }), ['metadata']);
    });

    it('metadata as a string → 400 naming metadata', async () => {
      await expect400(DIALOG, freshDialog({ metadata: 'voice' }), ['metadata']);
    });

    it('metadata may be any object, nested included, and is stored as sent', async () => {
      const metadata = { channel: 'voice', locale: { lang: 'de', region: 'AT' }, tags: ['vip', 1, true, null] };
      const stored = await accepted(DIALOG, freshDialog({ metadata }));
      expect(stored.event.metadata).toEqual(metadata);
    });

    it('absent metadata is stored as {}', async () => {
      const stored = await accepted(DIALOG, without(freshDialog(), 'metadata'));
      expect(stored.event.metadata).toEqual({});
    });

    it.each<[string, string]>([
      ['an array', JSON.stringify([sampleDialog()])],
      ['a string', JSON.stringify('conv-8f2c')],
      ['a number', '42'],
      ['null', 'null'],
    ])('the body itself as %s → 400 naming the body', async (_, raw) => {
      await expect400(DIALOG, raw, ['body']);
    });
  });

  describe('dialog-complete: timestamp', () => {
    it.each([
      ['yesterday'],
      ['1764151200'],
      ['26/11/2026 10:00'],
      ['2026-11-26T10:00:00 GMT'],
      ['2026-13-01T10:00:00Z'],
      ['2026-11-32T10:00:00Z'],
      ['2026-02-30T10:00:00Z'],
      ['2026-04-31'],
      ['2025-02-29T00:00:00Z'],
      ['2026-11-26T25:00:00Z'],
      ['2026-11-26T10:60:00Z'],
      ['Thu, 26 Nov 2026 10:00:00 GMT'],
      [' 2026-11-26T10:00:00Z'],
    ])('unparsable %p → 400 naming timestamp', async (timestamp) => {
      await expect400(DIALOG, freshDialog({ timestamp }), ['timestamp'], true);
    });

    it.each([
      ['2026-11-26T10:00:00Z', '2026-11-26T10:00:00.000Z'],
      ['2026-11-26T11:30:00+01:30', '2026-11-26T10:00:00.000Z'],
      ['2026-11-26T05:00:00-0500', '2026-11-26T10:00:00.000Z'],
      ['2026-11-26T10:00:00.250Z', '2026-11-26T10:00:00.250Z'],
      ['2026-11-26T10:00:00', '2026-11-26T10:00:00.000Z'],
      ['2026-11-26T10:00', '2026-11-26T10:00:00.000Z'],
      ['2026-11-26', '2026-11-26T00:00:00.000Z'],
      ['2024-02-29T10:00:00Z', '2024-02-29T10:00:00.000Z'],
    ])('%p is accepted, kept as received and normalised to %p in the CRM body', async (timestamp, iso) => {
      const stored = await accepted(DIALOG, freshDialog({ timestamp }));
      expect(stored.event.timestamp).toBe(timestamp);
      expect(stored.eventTime).toBe(Date.parse(iso));
      expect(stored.upsert.body.last_interaction).toBe(iso);
    });
  });

  describe('dialog-complete: strings over 10,000 characters', () => {
    it.each(['conversationId', 'botId', 'status', 'intent'])(
      '%s of 10,001 characters → 400 naming it',
      async (field) => {
        await expect400(DIALOG, freshDialog({ [field]: 'x'.repeat(MAX + 1) }), [field], true);
      },
    );

    it('a timestamp of 10,001 characters → 400 naming timestamp', async () => {
      await expect400(
        DIALOG,
        freshDialog({ timestamp: `2026-11-26T10:00:00.${'0'.repeat(MAX - 20)}Z` }),
        ['timestamp'],
        true,
      );
    });

    it('strings of exactly 10,000 characters are accepted', async () => {
      const stored = await accepted(
        DIALOG,
        freshDialog({
          conversationId: `c${'x'.repeat(MAX - 1 - 12)}${randomBytes(6).toString('hex')}`,
          botId: 'b'.repeat(MAX),
          entities: { customerId: { value: 'C-1' }, notes: { value: 'n'.repeat(MAX) } },
          metadata: { note: 'm'.repeat(MAX) },
        }),
      );
      expect(stored.event.conversationId).toHaveLength(MAX);
      expect(stored.event.botId).toHaveLength(MAX);
      expect(stored.upsert.body.notes).toHaveLength(MAX);
    });

    it('an entity value of 10,001 characters → 400 naming it', async () => {
      await expect400(
        DIALOG,
        freshDialog({ entities: { customerId: { value: 'C-1' }, notes: { value: 'n'.repeat(MAX + 1) } } }),
        ['entities.notes.value'],
      );
    });

    it('a metadata string of 10,001 characters, at any depth → 400 naming its path', async () => {
      await expect400(
        DIALOG,
        freshDialog({
          metadata: { channel: 'voice', note: 'm'.repeat(MAX + 1), deep: { list: ['ok', 'd'.repeat(MAX + 1)] } },
        }),
        ['metadata.note', 'metadata.deep.list.1'],
      );
    });

    it('names every over-long field at once', async () => {
      const long = 'x'.repeat(MAX + 1);
      await expect400(
        DIALOG,
        freshDialog({ conversationId: long, status: long, entities: { customerId: { value: long } } }),
        ['conversationId', 'status', 'entities.customerId.value'],
      );
    });
  });

  describe('dialog-complete: JSON', () => {
    it.each([
      ['a syntax error', '{"conversationId": "conv-1",'],
      ['a bare word', 'conversationId=conv-1'],
      ['single quotes', "{'conversationId': 'conv-1'}"],
      ['a trailing comma', '{"conversationId": "conv-1",}'],
      ['an empty body', ''],
    ])('invalid JSON (%s) → 400 in the validation shape', async (_, raw) => {
      const messages = await expect400(DIALOG, raw, []);
      expect(messages.join(' ')).toMatch(/JSON/);
    });

    // Hostile input must never be a 5xx (issue 2, "Bad input"). A few KB of brackets nest deeper
    // than class-transformer's recursion can go: it must be refused as a bad body, not crash the pipe.
    it.each(['metadata', 'entities', 'unknownField'])(
      'JSON nested 5,000 levels deep in %s → 400, not a 5xx',
      async (field) => {
        const nested = `${'['.repeat(5000)}${']'.repeat(5000)}`;
        const raw = JSON.stringify(freshDialog()).replace(/}$/, `,"${field}":${nested}}`);
        await expect400(DIALOG, raw, []);
      },
    );

    it('JSON nested 5,000 levels deep in an endpoint output → 400, not a 5xx', async () => {
      const nested = `${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}`;
      const raw = JSON.stringify(endpointOutput()).replace(/}$/, `,"deep":${nested}}`);
      await expect400(ENDPOINT, raw, []);
    });

    it('unknown top-level fields are dropped, not stored', async () => {
      const stored = await accepted(DIALOG, freshDialog({ extra: 'dropped', password: 'hunter2' }));
      expect(JSON.stringify(stored.event)).not.toMatch(/dropped|hunter2/);
    });
  });

  describe('endpoint-output', () => {
    it('a dialog completion is accepted: sessionId is the conversation', async () => {
      const body = endpointOutput({ botId: 'bot-1', status: 'done', timestamp: '2026-11-26T10:00:00Z' });
      const res = await send(ENDPOINT, body);
      expect(res.status).toBe(202);
      expect(res.body).toEqual({ status: 'accepted', eventId: expect.stringMatching(/^[0-9a-f]{64}$/) });
      const stored = (await store.get(res.body.eventId)) as StoredEvent;
      expect(stored.event).toMatchObject({
        eventId: res.body.eventId,
        conversationId: body.sessionId,
        botId: 'bot-1',
        status: 'done',
        intent: 'log_support_ticket',
        timestamp: '2026-11-26T10:00:00Z',
        entities: { ticketId: { value: 'T-77', confidence: 0 } },
      });
      expect(stored.upsert).toMatchObject({ objectType: 'ticket', externalId: 'T-77' });
    });

    it('botId, status and timestamp default to "unknown", "completed" and the receipt time', async () => {
      const body = endpointOutput();
      const before = Date.now();
      const res = await send(ENDPOINT, body);
      const after = Date.now();
      expect(res.status).toBe(202);
      const stored = (await store.get(res.body.eventId)) as StoredEvent;
      expect(stored.event.botId).toBe('unknown');
      expect(stored.event.status).toBe('completed');
      const { timestamp } = stored.event;
      expect(timestamp).toBe(new Date(Date.parse(timestamp)).toISOString());
      expect(Date.parse(timestamp)).toBeGreaterThanOrEqual(before);
      expect(Date.parse(timestamp)).toBeLessThanOrEqual(after);
      expect(Date.parse(timestamp)).toBe(stored.receivedAt);
      expect(stored.eventTime).toBe(stored.receivedAt);
    });

    it('entity values are kept as strings here too', async () => {
      const res = await send(
        ENDPOINT,
        endpointOutput({ entities: { ticketId: { value: 77 }, priority: { value: true } } }),
      );
      expect(res.status).toBe(202);
      const stored = (await store.get(res.body.eventId)) as StoredEvent;
      expect(stored.event.entities).toEqual({
        ticketId: { value: '77', confidence: 0 },
        priority: { value: 'true', confidence: 0 },
      });
      expect(stored.upsert.body).toMatchObject({ external_id: '77', priority: 'true' });
    });

    it('an intent without sessionId → 400 naming sessionId', async () => {
      const messages = await expect400(ENDPOINT, without(endpointOutput(), 'sessionId'), ['sessionId']);
      expect(messages.every((m) => /^sessionId /.test(m))).toBe(true);
    });

    it.each<[string, unknown]>([
      ['empty', ''],
      ['a number', 123],
      ['null', null],
      ['an object', { id: 's' }],
    ])('an intent with sessionId %s → 400 naming sessionId', async (_, sessionId) => {
      await expect400(ENDPOINT, endpointOutput({}, { sessionId }), ['sessionId']);
    });

    it.each<[string, Record<string, unknown>]>([
      [
        'plain text',
        { userId: 'user123', sessionId: 'session123', AIOutput: { text: 'Hello, how can I help?', source: 'bot' } },
      ],
      ['data without an intent', { sessionId: 's1', AIOutput: { text: 'Hi', data: { entities: {} }, traceId: 't-1' } }],
      ['a null intent', { AIOutput: { text: 'Hi', data: { intent: null } } }],
      ['no AIOutput at all', { userId: 'user123', sessionId: 'session123' }],
      ['text only, no sessionId', { AIOutput: { text: 'Hi' } }],
    ])('%s → 200 {"status":"ignored"} and nothing stored', async (_, body) => {
      const before = await totalStored();
      const res = await send(ENDPOINT, body);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ status: 'ignored' });
      expect(await totalStored()).toBe(before);
    });

    it('names nested bad fields by their full path', async () => {
      await expect400(
        ENDPOINT,
        endpointOutput({
          entities: { ticketId: { value: { id: 'T-1' } }, priority: { value: 'high', confidence: 2 } },
          timestamp: 'last tuesday',
          botId: 5,
          status: [],
        }),
        [
          'AIOutput.data.entities.ticketId.value',
          'AIOutput.data.entities.priority.confidence',
          'AIOutput.data.timestamp',
          'AIOutput.data.botId',
          'AIOutput.data.status',
        ],
      );
    });

    it.each<[string, Record<string, unknown>, string]>([
      ['AIOutput as an array', { sessionId: 's', AIOutput: [{ text: 'Hi' }] }, 'AIOutput'],
      [
        'AIOutput.data as an array',
        { sessionId: 's', AIOutput: { data: [{ intent: 'log_support_ticket' }] } },
        'AIOutput.data',
      ],
      [
        'AIOutput.data.entities as an array',
        endpointOutput({ entities: [{ value: 'T-1' }] }),
        'AIOutput.data.entities',
      ],
      ['AIOutput.data.metadata as an array', endpointOutput({ metadata: ['x'] }), 'AIOutput.data.metadata'],
    ])('%s → 400 naming it', async (_, body, field) => {
      await expect400(ENDPOINT, body, [field]);
    });

    it('an empty-string intent → 400 naming AIOutput.data.intent', async () => {
      await expect400(ENDPOINT, endpointOutput({ intent: '' }), ['AIOutput.data.intent']);
    });

    it('strings over 10,000 characters → 400 naming each', async () => {
      const long = 'x'.repeat(MAX + 1);
      await expect400(
        ENDPOINT,
        endpointOutput({ botId: long, entities: { ticketId: { value: long } } }, { sessionId: long }),
        ['sessionId', 'AIOutput.data.botId', 'AIOutput.data.entities.ticketId.value'],
      );
    });

    it('the body as an array → 400 naming the body', async () => {
      await expect400(ENDPOINT, JSON.stringify([endpointOutput()]), ['body']);
    });

    it('invalid JSON → 400 in the validation shape', async () => {
      const messages = await expect400(ENDPOINT, '{"AIOutput": {', []);
      expect(messages.join(' ')).toMatch(/JSON/);
    });
  });
});
