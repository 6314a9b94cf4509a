import { openConnection, statusOf } from './support/raw-connection';
import { cognigySignature } from './support/signing';
import { startTestApp, TestApp } from './support/test-app';
import { waitFor } from './support/wait-for';
import {
  contactDialog,
  derivedId,
  DIALOG_ROUTE,
  ENDPOINT_CASE,
  ENDPOINT_ROUTE,
  post,
  postSigned,
  store,
  storedCount,
  unique,
} from './support/webhook-cases';

/**
 * Hostile senders, through real HTTP into the real app: event
 * times far in the future, bodies with too many JSON values, keys that name Object.prototype
 * members, bodies that never finish, and unauthenticated callers in header-only auth modes.
 */

const SECRET = 'hostile-input-secret';
const API_KEY = 'hostile-input-key';
const PROTOTYPE_KEYS = ['constructor', 'toString', 'valueOf', 'hasOwnProperty', '__proto__'];

describe('event time far in the future', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ COGNIGY_WEBHOOK_SECRETS: SECRET });
  });
  afterAll(() => t.close());

  const ahead = (seconds: number) => new Date(Date.now() + seconds * 1000).toISOString();

  it('year 9999 is a 400 naming timestamp, and nothing is stored', async () => {
    const before = await storedCount(t);
    const res = await postSigned(
      t,
      SECRET,
      DIALOG_ROUTE,
      contactDialog('C-future', {}, { timestamp: '9999-12-31T23:59:59Z' }),
    );
    expect(res.status).toBe(400);
    expect(res.body.message).toEqual([expect.stringMatching(/^timestamp must not be more than 300 seconds ahead/)]);
    expect(await storedCount(t)).toBe(before);
  });

  it('names AIOutput.data.timestamp on the endpoint-output route', async () => {
    const { body } = ENDPOINT_CASE.completion();
    (body as { AIOutput: { data: Record<string, unknown> } }).AIOutput.data.timestamp = ahead(3600);
    const res = await postSigned(t, SECRET, ENDPOINT_ROUTE, body);
    expect(res.status).toBe(400);
    expect(res.body.message).toEqual([
      expect.stringMatching(/^AIOutput\.data\.timestamp must not be more than 300 seconds/),
    ]);
  });

  it('a timestamp a minute ahead (clock skew) is accepted', async () => {
    const res = await postSigned(t, SECRET, DIALOG_ROUTE, contactDialog('C-skew', {}, { timestamp: ahead(60) }));
    expect(res.status).toBe(202);
  });
});

describe('WEBHOOK_MAX_FUTURE_SECONDS', () => {
  it('moves the limit', async () => {
    const t = await startTestApp({ COGNIGY_WEBHOOK_SECRETS: SECRET, WEBHOOK_MAX_FUTURE_SECONDS: '10' });
    try {
      const ahead = new Date(Date.now() + 120_000).toISOString();
      const res = await postSigned(t, SECRET, DIALOG_ROUTE, contactDialog('C-limit', {}, { timestamp: ahead }));
      expect(res.status).toBe(400);
      expect(res.body.message).toEqual([expect.stringMatching(/^timestamp must not be more than 10 seconds ahead/)]);
    } finally {
      await t.close();
    }
  });
});

describe('JSON value count and prototype keys', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ COGNIGY_WEBHOOK_SECRETS: SECRET });
  });
  afterAll(() => t.close());

  it('more than 10,000 JSON values is a 400, and nothing is stored', async () => {
    const before = await storedCount(t);
    // 60,000 empty arrays: 180 KB, under the size limit.
    const body = contactDialog('C-wide', {}, { metadata: { list: new Array(60_000).fill([]) } });
    const res = await postSigned(t, SECRET, DIALOG_ROUTE, body);
    expect(res.status).toBe(400);
    expect(res.body.message).toEqual(['body holds more than 10000 JSON values']);
    expect(await storedCount(t)).toBe(before);
  });

  it('a body of 9,000 values is accepted', async () => {
    const body = contactDialog('C-nine-thousand', {}, { metadata: { list: new Array(9_000).fill(0) } });
    const res = await postSigned(t, SECRET, DIALOG_ROUTE, body);
    expect(res.status).toBe(202);
  });

  it('entity and metadata keys named after Object.prototype members are kept as own properties', async () => {
    const extra = Object.fromEntries(PROTOTYPE_KEYS.map((key) => [key, { value: `entity-${key}`, confidence: 0.5 }]));
    const metadataKeys = Object.fromEntries(PROTOTYPE_KEYS.map((key) => [key, `meta-${key}`]));
    const raw = JSON.stringify(contactDialog('C-proto', {}, { metadata: { channel: 'voice', ...metadataKeys } }))
      // JSON.stringify of an object literal cannot produce a "__proto__" entity: splice it in.
      .replace('"customerId":', `${JSON.stringify(extra).slice(1, -1)},"customerId":`)
      .replace('"meta-__proto__"', '{"polluted":"yes"}');
    expect(raw).toContain('"__proto__":{"value":"entity-__proto__"');
    const res = await postSigned(t, SECRET, DIALOG_ROUTE, raw);
    expect(res.status).toBe(202);

    const stored = await store(t).get(res.body.eventId);
    const { entities, metadata } = stored!.event;
    for (const key of PROTOTYPE_KEYS) {
      expect(Object.hasOwn(entities, key)).toBe(true);
      expect(entities[key]).toEqual({ value: `entity-${key}`, confidence: 0.5 });
      expect(Object.hasOwn(metadata, key)).toBe(true);
    }
    expect(Object.getOwnPropertyDescriptor(metadata, 'toString')?.value).toBe('meta-toString');
    expect(Object.getOwnPropertyDescriptor(metadata, '__proto__')?.value).toEqual({ polluted: 'yes' });
    expect(entities.customerId.value).toBe('C-proto');
    // Nothing was merged into a prototype.
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    // The SQLite store answers from its own thread, so its objects carry the Object.prototype of
    // Node's main realm, not of the realm Jest runs this test in: check the prototype's shape.
    const prototype = Object.getPrototypeOf(metadata) as object;
    expect(Object.getPrototypeOf(prototype)).toBeNull();
    expect(Object.hasOwn(prototype, 'polluted')).toBe(false);
    expect(Object.hasOwn(prototype, 'hasOwnProperty')).toBe(true);
  });

  it('a bad entity under a prototype key is a 400 naming it (not a crash)', async () => {
    const raw = JSON.stringify(contactDialog('C-proto-bad', { constructor: { value: { nested: true } } } as never));
    const res = await postSigned(t, SECRET, DIALOG_ROUTE, raw);
    expect(res.status).toBe(400);
    expect(res.body.message).toEqual([
      expect.stringMatching(/^entities\.constructor\.value must be a string, number or boolean/),
    ]);
  });

  it('a metadata object with a "constructor" key holding an object is accepted as sent', async () => {
    const res = await postSigned(
      t,
      SECRET,
      DIALOG_ROUTE,
      contactDialog('C-ctor', {}, { metadata: { constructor: { name: 'x' } } }),
    );
    expect(res.status).toBe(202);
    const stored = await store(t).get(res.body.eventId);
    expect(Object.getOwnPropertyDescriptor(stored!.event.metadata, 'constructor')?.value).toEqual({ name: 'x' });
  });
});

describe('slow and unauthenticated senders', () => {
  describe('a body that never finishes', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp({ COGNIGY_WEBHOOK_SECRETS: SECRET, WEBHOOK_BODY_TIMEOUT_MS: '300' });
    });
    afterAll(() => t.close());

    it('is answered 408 after WEBHOOK_BODY_TIMEOUT_MS and its connection is dropped', async () => {
      const before = await storedCount(t);
      const raw = JSON.stringify(contactDialog('C-slow'));
      const conn = await openConnection(t.server);
      conn.socket.write(
        `POST ${DIALOG_ROUTE} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n` +
          `Content-Length: ${raw.length}\r\nX-Cognigy-Signature: ${cognigySignature(SECRET, raw)}\r\n\r\n${raw.slice(0, 20)}`,
      );
      await waitFor(() => conn.closed(), { timeoutMs: 15000, what: 'the server to drop the connection' });
      expect(statusOf(conn.received())).toBe(408);
      expect(conn.received()).toMatch(/\r\nconnection: close\r\n/i);
      expect(await storedCount(t)).toBe(before);
    });

    it('the server bounds header and request time', () => {
      expect(t.server.headersTimeout).toBe(10_000);
      expect(t.server.requestTimeout).toBe(30_000);
    });
  });

  describe('header-only auth modes (basic, apikey)', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp({ WEBHOOK_AUTH_MODES: 'apikey', WEBHOOK_API_KEYS: API_KEY });
    });
    afterAll(() => t.close());

    const head = (headers: Record<string, string | number>) =>
      `POST ${DIALOG_ROUTE} HTTP/1.1\r\nHost: x\r\n` +
      Object.entries(headers)
        .map(([name, value]) => `${name}: ${value}\r\n`)
        .join('') +
      '\r\n';

    it('a wrong key is answered 401 before a byte of the body is sent', async () => {
      const conn = await openConnection(t.server);
      conn.socket.write(head({ 'Content-Type': 'application/json', 'Content-Length': 200_000, 'X-API-Key': 'wrong' }));
      await waitFor(() => statusOf(conn.received()), { timeoutMs: 15000, what: 'an answer without the body' });
      expect(statusOf(conn.received())).toBe(401);
      conn.socket.destroy();
    });

    it('Content-Length over the limit is still 413 first', async () => {
      const conn = await openConnection(t.server);
      conn.socket.write(
        head({ 'Content-Type': 'application/json', 'Content-Length': 10_000_000, 'X-API-Key': 'wrong' }),
      );
      await waitFor(() => statusOf(conn.received()), { timeoutMs: 15000, what: 'an answer without the body' });
      expect(statusOf(conn.received())).toBe(413);
      conn.socket.destroy();
    });

    it('the right key is read and accepted as before', async () => {
      const res = await post(t, DIALOG_ROUTE, contactDialog(unique('C-key')), { headers: { 'x-api-key': API_KEY } });
      expect(res.status).toBe(202);
    });
  });
});

describe('replays with changed id headers', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ COGNIGY_WEBHOOK_SECRETS: SECRET });
  });
  afterAll(() => t.close());

  it('the same signed body under four Idempotency-Keys is accepted once, then answered as a duplicate of that event', async () => {
    const before = await storedCount(t);
    const raw = JSON.stringify(contactDialog('C-replay'));
    const answers = [];
    for (const key of ['k-1', 'k-2', 'k-3', 'k-4'].map(unique)) {
      answers.push(await postSigned(t, SECRET, DIALOG_ROUTE, raw, { headers: { 'idempotency-key': key } }));
    }
    expect(answers.map((a) => a.status)).toEqual([202, 200, 200, 200]);
    const firstId = answers[0].body.eventId;
    for (const a of answers.slice(1)) expect(a.body).toEqual({ status: 'duplicate', eventId: firstId });
    expect(await storedCount(t)).toBe(before + 1);
  });

  it('a captured request resent under the id of a later event does not take that id', async () => {
    const captured = JSON.stringify(contactDialog('C-captured'));
    const first = await postSigned(t, SECRET, DIALOG_ROUTE, captured);
    expect(first.status).toBe(202);
    const later = contactDialog('C-later');
    const laterId = derivedId(later.conversationId as string, later.intent as string, later.timestamp as string);
    const squat = await postSigned(t, SECRET, DIALOG_ROUTE, captured, { headers: { 'idempotency-key': laterId } });
    expect(squat.body).toEqual({ status: 'duplicate', eventId: first.body.eventId });
    const real = await postSigned(t, SECRET, DIALOG_ROUTE, later);
    expect(real.status).toBe(202);
    expect(real.body).toEqual({ status: 'accepted', eventId: laterId });
  });
});
