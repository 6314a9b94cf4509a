import { OperatorEvents } from '../src/queue/operator-events';
import { sampleDialog } from '../src/webhook/dto/dialog-complete.fixture';
import { eventIdApp, send, sha256 } from './support/event-id-app';
import { TestApp } from './support/test-app';
import {
  DIALOG_ROUTE as DIALOG,
  ENDPOINT_ROUTE as ENDPOINT,
  freshDialog,
  storedCount,
  unique,
} from './support/webhook-cases';

/**
 * Which id an event gets (issue 2 "Event id"), through real, signed HTTP requests into the real
 * app: derived from a dialog completion, taken from an id header (which wins, up to 200
 * characters), or derived from an endpoint output's traceId and data. What happens to a
 * duplicate, and for how long: event-id-duplicates.
 */

const TICKET = { intent: 'log_support_ticket', entities: { ticketId: { value: 'T-77' } } };

function endpointOutput(data: Record<string, unknown> = {}, aiOutput: Record<string, unknown> = {}) {
  return {
    userId: 'user123',
    sessionId: unique('session'),
    AIOutput: {
      text: 'Logged.',
      data: { ...TICKET, timestamp: '2026-11-26T10:00:00Z', ...data },
      traceId: unique('endpoint-httpIncomingMessage'),
      ...aiOutput,
    },
  };
}

describe('event id and duplicates', () => {
  const { app, acceptedId } = eventIdApp();
  let t: TestApp;
  let store: OperatorEvents;

  beforeAll(() => {
    t = app();
    store = t.app.get(OperatorEvents);
  });

  describe('derived id (dialog-complete, no id header)', () => {
    it('is the SHA-256 hex of conversationId, intent and timestamp joined by \\n', async () => {
      const body = freshDialog();
      const id = await acceptedId(DIALOG, body);
      expect(id).toMatch(/^[0-9a-f]{64}$/);
      expect(id).toBe(sha256(`${body.conversationId}\nupdate_customer_profile\n2026-11-26T10:00:00Z`));
    });

    it('matches a fixed vector (the documented example body)', async () => {
      const fixed = sampleDialog({ conversationId: 'conv-fixed-vector' });
      const id = await acceptedId(DIALOG, fixed);
      expect(id).toBe('f3cd879df0f4615c3bb57949b28047c768c0d7410852f98bb1cf79ef4e0f8eaf');
    });

    it('uses the timestamp string as received, not its normalised instant', async () => {
      const conversationId = unique('conv');
      const a = await acceptedId(DIALOG, freshDialog({ conversationId, timestamp: '2026-11-26T10:00:00Z' }));
      const b = await acceptedId(DIALOG, freshDialog({ conversationId, timestamp: '2026-11-26T10:00:00.000Z' }));
      const c = await acceptedId(DIALOG, freshDialog({ conversationId, timestamp: '2026-11-26T11:00:00+01:00' }));
      expect(new Set([a, b, c]).size).toBe(3);
      expect(b).toBe(sha256(`${conversationId}\nupdate_customer_profile\n2026-11-26T10:00:00.000Z`));
      expect(c).toBe(sha256(`${conversationId}\nupdate_customer_profile\n2026-11-26T11:00:00+01:00`));
    });

    it('is stable for the same triple whatever else differs: the second is a duplicate', async () => {
      const first = freshDialog();
      const id = await acceptedId(DIALOG, first);
      const second = {
        ...first,
        botId: 'another-bot',
        status: 'abandoned',
        entities: { customerId: { value: 'C-2002' } },
        metadata: { channel: 'chat' },
      };
      const res = await send(t, DIALOG, second);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ status: 'duplicate', eventId: id });
    });

    it.each<[string, Record<string, unknown>]>([
      ['conversationId', { conversationId: 'other-conversation' }],
      ['intent', { intent: 'log_support_ticket', entities: { ticketId: { value: 'T-1' } } }],
      ['timestamp', { timestamp: '2026-11-26T10:00:01Z' }],
    ])('differs when the %s differs', async (_, change) => {
      const base = freshDialog();
      const changed = { ...base, ...change };
      if ('conversationId' in change) changed.conversationId = `${base.conversationId}-other`;
      const a = await acceptedId(DIALOG, base);
      const b = await acceptedId(DIALOG, changed);
      expect(b).not.toBe(a);
      expect(b).toBe(sha256(`${changed.conversationId}\n${changed.intent}\n${changed.timestamp}`));
    });
  });

  describe('id headers win', () => {
    it('Idempotency-Key is the event id', async () => {
      const key = unique('idem');
      const id = await acceptedId(DIALOG, freshDialog(), { 'Idempotency-Key': key });
      expect(id).toBe(key);
    });

    it('X-Cognigy-Event-Id is the event id', async () => {
      const key = unique('cog');
      const id = await acceptedId(DIALOG, freshDialog(), { 'X-Cognigy-Event-Id': key });
      expect(id).toBe(key);
    });

    it('Idempotency-Key wins over X-Cognigy-Event-Id', async () => {
      const idem = unique('idem');
      const cog = unique('cog');
      const id = await acceptedId(DIALOG, freshDialog(), { 'Idempotency-Key': idem, 'X-Cognigy-Event-Id': cog });
      expect(id).toBe(idem);
      expect(await store.get(cog)).toBeNull();
    });

    it('the same header id with different bodies is a duplicate', async () => {
      const key = unique('idem');
      await acceptedId(DIALOG, freshDialog(), { 'Idempotency-Key': key });
      const res = await send(t, DIALOG, freshDialog(), { 'Idempotency-Key': key });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ status: 'duplicate', eventId: key });
    });

    it('different header ids with the same body are one event: the body was replayed', async () => {
      const body = freshDialog();
      const a = await acceptedId(DIALOG, body, { 'X-Cognigy-Event-Id': unique('cog') });
      const again = await send(t, DIALOG, body, { 'X-Cognigy-Event-Id': unique('cog') });
      expect(again.status).toBe(200);
      expect(again.body).toEqual({ status: 'duplicate', eventId: a });
    });

    it('a header id wins over the id an endpoint output would derive', async () => {
      const body = endpointOutput();
      const key = unique('idem');
      const id = await acceptedId(ENDPOINT, body, { 'Idempotency-Key': key });
      expect(id).toBe(key);
    });

    it.each(['Idempotency-Key', 'X-Cognigy-Event-Id'])('%s of exactly 200 characters is accepted', async (name) => {
      const key = `${unique('k')}-`.padEnd(200, 'k');
      expect(key).toHaveLength(200);
      expect(await acceptedId(DIALOG, freshDialog(), { [name]: key })).toBe(key);
    });

    it.each([
      ['Idempotency-Key', DIALOG, freshDialog],
      ['X-Cognigy-Event-Id', DIALOG, freshDialog],
      ['Idempotency-Key', ENDPOINT, endpointOutput],
      ['X-Cognigy-Event-Id', ENDPOINT, endpointOutput],
    ])('%s over 200 characters → 400 naming it, nothing stored (%s)', async (name, path, make) => {
      const before = await storedCount(t);
      const res = await send(t, path, make(), { [name]: 'k'.repeat(201) });
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ statusCode: 400, message: [expect.any(String)], error: 'Bad Request' });
      expect(res.body.message[0]).toMatch(new RegExp(`^${name}\\b`, 'i'));
      expect(await storedCount(t)).toBe(before);
    });
  });

  describe('endpoint output', () => {
    /** The id of an output: its traceId and its data with sorted keys (Cognigy reuses a traceId for every output of one input). */
    const outputId = (traceId: string, data: string) => sha256(`${traceId}\n${data}`);

    it('the id is the SHA-256 hex of the traceId and the output data (keys sorted), joined by \\n', async () => {
      const body = endpointOutput({ metadata: { b: 1, a: [true, null] } });
      expect(await acceptedId(ENDPOINT, body)).toBe(
        outputId(
          body.AIOutput.traceId,
          '{"entities":{"ticketId":{"value":"T-77"}},"intent":"log_support_ticket","metadata":{"a":[true,null],"b":1},' +
            '"timestamp":"2026-11-26T10:00:00Z"}',
        ),
      );
    });

    it('two outputs of one user input (one traceId) are two events, both delivered', async () => {
      const traceId = unique('endpoint-httpIncomingMessage');
      const ticket = endpointOutput({}, { traceId });
      const contact = endpointOutput(
        { intent: 'update_customer_profile', entities: { customerId: { value: unique('C-turn') } } },
        { traceId },
      );
      const ids = [await acceptedId(ENDPOINT, ticket), await acceptedId(ENDPOINT, contact)];
      expect(new Set(ids).size).toBe(2);
      const stored = await Promise.all(ids.map((id) => store.get(id)));
      expect(stored.map((e) => e?.event.intent)).toEqual(['log_support_ticket', 'update_customer_profile']);
    });

    it('the same output sent again (keys reordered, another session) is a duplicate of the first', async () => {
      const body = endpointOutput({ status: 'completed' });
      const id = await acceptedId(ENDPOINT, body);
      const { data } = body.AIOutput;
      const reordered = {
        ...body,
        sessionId: unique('session'),
        AIOutput: { ...body.AIOutput, data: Object.fromEntries(Object.entries(data).reverse()) },
      };
      const res = await send(t, ENDPOINT, reordered);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ status: 'duplicate', eventId: id });
    });

    it('without a traceId, the id is the hash of sessionId, intent and timestamp', async () => {
      const body = endpointOutput({}, { traceId: undefined });
      const id = await acceptedId(ENDPOINT, body);
      expect(id).toBe(sha256(`${body.sessionId}\nlog_support_ticket\n2026-11-26T10:00:00Z`));
    });
  });
});
