import { createHash } from 'node:crypto';
import { InvalidPayloadError } from './request/webhook-errors';
import { MAX_EVENT_ID } from './dto/body-limits';
import { canonicalJson, derivedEventId, headerEventId, outputEventId } from './event-id';
import { WebhookRequest } from './request/webhook-request';

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

/** The parts of a request headerEventId reads: Node's lower-cased headers and the auth verdict. */
function req(headers: Record<string, string | string[]>, webhookId?: string): WebhookRequest {
  return {
    headers,
    ...(webhookId !== undefined ? { webhookAuth: { mode: 'standard', eventId: webhookId } } : {}),
  } as unknown as WebhookRequest;
}

function thrown(fn: () => unknown): InvalidPayloadError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidPayloadError);
    return error as InvalidPayloadError;
  }
  throw new Error('expected an InvalidPayloadError');
}

describe('derivedEventId', () => {
  it('is the SHA-256 hex of conversationId, intent and timestamp joined by \\n', () => {
    expect(derivedEventId('conv-8f2c', 'update_customer_profile', '2026-11-26T10:00:00Z')).toBe(
      sha256('conv-8f2c\nupdate_customer_profile\n2026-11-26T10:00:00Z'),
    );
  });

  it('matches a fixed vector', () => {
    // printf 'conv-fixed-vector\nupdate_customer_profile\n2026-11-26T10:00:00Z' | sha256sum
    expect(derivedEventId('conv-fixed-vector', 'update_customer_profile', '2026-11-26T10:00:00Z')).toBe(
      'f3cd879df0f4615c3bb57949b28047c768c0d7410852f98bb1cf79ef4e0f8eaf',
    );
  });

  it('is 64 lower-case hex characters', () => {
    expect(derivedEventId('c', 'i', 't')).toMatch(/^[0-9a-f]{64}$/);
  });

  it('is stable for the same triple', () => {
    const a = derivedEventId('conv-1', 'log_support_ticket', '2026-11-26T10:00:00Z');
    const b = derivedEventId('conv-1', 'log_support_ticket', '2026-11-26T10:00:00Z');
    expect(a).toBe(b);
  });

  it.each([
    ['conversationId', ['conv-2', 'log_support_ticket', '2026-11-26T10:00:00Z']],
    ['intent', ['conv-1', 'update_customer_profile', '2026-11-26T10:00:00Z']],
    ['timestamp', ['conv-1', 'log_support_ticket', '2026-11-26T10:00:01Z']],
    ['timestamp spelling of the same instant', ['conv-1', 'log_support_ticket', '2026-11-26T10:00:00.000Z']],
  ])('differs when the %s differs', (_, [c, i, ts]) => {
    expect(derivedEventId(c, i, ts)).not.toBe(derivedEventId('conv-1', 'log_support_ticket', '2026-11-26T10:00:00Z'));
  });

  it('hashes UTF-8 text', () => {
    expect(derivedEventId('gespräch-ü', 'intent', '2026-11-26')).toBe(sha256('gespräch-ü\nintent\n2026-11-26'));
  });
});

describe('canonicalJson', () => {
  it('sorts keys at every depth and keeps array order', () => {
    expect(canonicalJson({ b: [{ d: 1, c: 'x' }, 2], a: { z: null, y: true } })).toBe(
      '{"a":{"y":true,"z":null},"b":[{"c":"x","d":1},2]}',
    );
  });

  it('is the same whatever order and spacing the keys came in', () => {
    expect(canonicalJson(JSON.parse('{ "b" : 1 , "a" : { "d":2,"c":3 } }'))).toBe(
      canonicalJson(JSON.parse('{"a":{"c":3,"d":2},"b":1}')),
    );
  });

  it('keeps a __proto__ key of parsed JSON, and leaves undefined properties out', () => {
    expect(canonicalJson(JSON.parse('{"__proto__":{"x":1},"a":"é"}'))).toBe('{"__proto__":{"x":1},"a":"é"}');
    expect(canonicalJson({ a: undefined, b: 1 })).toBe('{"b":1}');
  });
});

describe('outputEventId', () => {
  it('is the SHA-256 hex of the traceId and the canonical data, joined by \\n', () => {
    expect(outputEventId('trace-1', { intent: 'i', entities: { a: { value: 'v' } } })).toBe(
      sha256('trace-1\n{"entities":{"a":{"value":"v"}},"intent":"i"}'),
    );
  });

  it('matches a fixed vector', () => {
    // printf 'endpoint-httpIncomingMessage-83b5\n{"intent":"log_support_ticket"}' | sha256sum
    expect(outputEventId('endpoint-httpIncomingMessage-83b5', { intent: 'log_support_ticket' })).toBe(
      '289305ec9da23a815d509cbf87da8b907187b6cd08d8a298e73ffe5814d39f40',
    );
  });

  it('differs for two outputs of one traceId', () => {
    expect(outputEventId('t', { intent: 'a' })).not.toBe(outputEventId('t', { intent: 'b' }));
  });
});

describe('headerEventId', () => {
  it('is undefined without any id header', () => {
    expect(headerEventId(req({ 'content-type': 'application/json' }))).toBeUndefined();
  });

  it('takes Idempotency-Key', () => {
    expect(headerEventId(req({ 'idempotency-key': 'idem-1' }))).toBe('idem-1');
  });

  it('takes X-Cognigy-Event-Id', () => {
    expect(headerEventId(req({ 'x-cognigy-event-id': 'cog-1' }))).toBe('cog-1');
  });

  it('prefers Idempotency-Key over X-Cognigy-Event-Id', () => {
    expect(headerEventId(req({ 'x-cognigy-event-id': 'cog-1', 'idempotency-key': 'idem-1' }))).toBe('idem-1');
  });

  it('prefers the Standard Webhooks webhook-id over both headers', () => {
    expect(
      headerEventId(
        req({ 'idempotency-key': 'idem-1', 'x-cognigy-event-id': 'cog-1' }, 'msg_2KWPBgLlAfxdpx2AI54pPJ85f4W'),
      ),
    ).toBe('msg_2KWPBgLlAfxdpx2AI54pPJ85f4W');
  });

  it('trims surrounding white space', () => {
    expect(headerEventId(req({ 'idempotency-key': '  idem-1\t' }))).toBe('idem-1');
  });

  it('skips a blank header and takes the next one', () => {
    expect(headerEventId(req({ 'idempotency-key': '   ', 'x-cognigy-event-id': 'cog-1' }))).toBe('cog-1');
    expect(headerEventId(req({ 'idempotency-key': '' }))).toBeUndefined();
  });

  it('takes the first value of a repeated header', () => {
    expect(headerEventId(req({ 'idempotency-key': ['idem-1', 'idem-2'] }))).toBe('idem-1');
  });

  it(`accepts exactly ${MAX_EVENT_ID} characters`, () => {
    expect(MAX_EVENT_ID).toBe(200);
    const id = 'k'.repeat(200);
    expect(headerEventId(req({ 'idempotency-key': id }))).toBe(id);
    expect(headerEventId(req({ 'x-cognigy-event-id': id }))).toBe(id);
  });

  it.each(['idempotency-key', 'x-cognigy-event-id'])('refuses %s over 200 characters, naming it', (name) => {
    const error = thrown(() => headerEventId(req({ [name]: 'k'.repeat(201) })));
    expect(error.details).toHaveLength(1);
    expect(error.details[0]).toMatch(new RegExp(`^${name} header must be at most 200 characters`));
  });

  it('refuses a webhook-id over 200 characters, naming it', () => {
    const error = thrown(() => headerEventId(req({}, 'w'.repeat(201))));
    expect(error.details[0]).toMatch(/^webhook-id\b/);
  });

  it('counts the length after trimming', () => {
    const id = ` ${'k'.repeat(200)} `;
    expect(headerEventId(req({ 'idempotency-key': id }))).toBe(id.trim());
  });
});
