import { OperatorEvents } from '../src/queue/operator-events';
import { StoredEvent } from '../src/queue/stored-event';
import { ENDPOINT_ROUTE as ENDPOINT } from './support/webhook-cases';
import { endpointOutput, MAX, validationApp, without } from './support/webhook-validation';

/**
 * DTO validation of the endpoint-output route (Webhook Endpoint outputs), through real, signed HTTP
 * requests into the real app: a dialog completion is accepted with its defaults, outputs that are
 * not one are ignored, and every 400 has Nest's validation shape, names each bad field by its full
 * path and leaves nothing in the store.
 */

describe('webhook DTO validation', () => {
  const { app, send, expect400, totalStored } = validationApp();
  let store: OperatorEvents;
  beforeAll(() => (store = app().app.get(OperatorEvents)));

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
