import request from 'supertest';
import { eventView, waitForState } from './support/admin-api';
import { Driver, driverEnv, describeEachDriver } from './support/drivers';
import { sandboxedApp, TestApp } from './support/test-app';
import { waitFor } from './support/wait-for';
import { contactDialog, sendAccepted, ticketDialog, unique } from './support/webhook-cases';

/**
 * The operators' API, end to end: dead letters are made by the CRM sandbox answering
 * a permanent 400, then listed, replayed (and delivered), deleted, and events looked up, over
 * real HTTP; every route with a missing, a wrong and the right token, and without ADMIN_TOKEN.
 * The same tests run against each queue driver (SQLite, Redis).
 */

const SECRET = 'admin-secret';
const ADMIN = 'adm';
const RIGHT = { authorization: `Bearer ${ADMIN}` };
const PROFILE = 'update_customer_profile';
const TICKET = 'log_support_ticket';
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const REJECTION = { error: 'invalid_field', message: 'status: unknown tier "mauve"' };

const DEAD_LETTER_FIELDS = [
  'attempts',
  'eventId',
  'externalId',
  'failedAt',
  'intent',
  'lastError',
  'lastStatus',
  'objectType',
];
/** An event's operator fields, plus the conversation, the attempt history and the mapped body, and what the CRM said of the record. */
const EVENT_FIELDS = [
  'attemptHistory',
  'attempts',
  'conversationId',
  'created',
  'crmRecordId',
  'deliveredAt',
  'eventId',
  'externalId',
  'intent',
  'lastError',
  'lastStatus',
  'objectType',
  'receivedAt',
  'state',
  'upsert',
];

type Method = 'get' | 'post' | 'delete';

interface DeadLetter {
  eventId: string;
  intent: string;
  objectType: string;
  externalId: string;
  attempts: number;
  lastStatus: number | null;
  lastError: string | null;
  failedAt: string;
}

const expectIso = (value: unknown) => {
  expect(value).toMatch(ISO);
  expect(new Date(value as string).toISOString()).toBe(value);
};

function call(t: TestApp, method: Method, path: string, headers: Record<string, string> = {}) {
  let req = request(t.server)[method](path);
  for (const [name, value] of Object.entries(headers)) req = req.set(name, value);
  return req;
}

/** A profile update to a tier the CRM rejects (REJECTION): a dead letter while the sandbox answers 400. */
const profileBody = (customerId: string) =>
  contactDialog(customerId, { newStatus: { value: 'mauve', confidence: 0.9 } });

describeEachDriver('admin API (%s driver)', (driver: Driver) => {
  const { sandbox, app } = sandboxedApp({ COGNIGY_WEBHOOK_SECRETS: SECRET, ADMIN_TOKEN: ADMIN, ...driverEnv(driver) });
  let t: TestApp;
  /** A dead letter the unauthorised calls aim at; it must come out of them untouched. */
  let target: string;

  beforeAll(async () => {
    t = app();
    [target] = await makeDeadLetters([PROFILE]);
  });

  afterEach(() => sandbox.clearFaults());

  /** Sends events of these intents while the CRM rejects everything with a permanent 400. */
  async function makeDeadLetters(intents: string[]): Promise<string[]> {
    sandbox.inject({ status: 400, count: -1, body: REJECTION });
    const ids: string[] = [];
    for (const intent of intents) {
      ids.push(await sendAccepted(t, SECRET, intent === TICKET ? ticketDialog(unique('T')) : profileBody(unique('C'))));
    }
    await waitForState(t, ADMIN, ids, 'dead');
    sandbox.clearFaults();
    return ids;
  }

  async function listAll(): Promise<DeadLetter[]> {
    const res = await call(t, 'get', '/admin/dead-letters?limit=500', RIGHT);
    expect(res.status).toBe(200);
    expect(res.body.nextCursor).toBeNull();
    return res.body.items as DeadLetter[];
  }

  const sentWith = (key: string) => sandbox.requests().filter((r) => r.idempotencyKey === key);
  const sentFor = (eventId: string) =>
    sandbox
      .requests()
      .filter((r) => r.idempotencyKey === `cognigy-${eventId}` || r.idempotencyKey?.startsWith(`cognigy-${eventId}-`));

  const routes: Array<[string, Method, () => string]> = [
    ['GET /admin/dead-letters', 'get', () => '/admin/dead-letters'],
    ['POST /admin/dead-letters/:eventId/replay', 'post', () => `/admin/dead-letters/${target}/replay`],
    ['POST /admin/dead-letters/replay', 'post', () => '/admin/dead-letters/replay'],
    ['POST /admin/dead-letters/replay?intent=X', 'post', () => `/admin/dead-letters/replay?intent=${PROFILE}`],
    ['DELETE /admin/dead-letters/:eventId', 'delete', () => `/admin/dead-letters/${target}`],
    ['GET /admin/events/:eventId', 'get', () => `/admin/events/${target}`],
  ];

  const wrongCredentials: Array<[string, Record<string, string>]> = [
    ['no Authorization header', {}],
    ['a wrong bearer token', { authorization: 'Bearer wrong' }],
    ['the token with a suffix', { authorization: `Bearer ${ADMIN}x` }],
    ['a prefix of the token', { authorization: `Bearer ${ADMIN.slice(0, -1)}` }],
    ['the token without the Bearer scheme', { authorization: ADMIN }],
    ['the token as Basic credentials', { authorization: `Basic ${ADMIN}` }],
    ['an empty bearer', { authorization: 'Bearer ' }],
  ];

  describe.each(routes)('%s', (_name, method, path) => {
    it.each(wrongCredentials)('answers 401 to %s and changes nothing', async (_what, headers) => {
      const res = await call(t, method, path(), headers);
      expect(res.status).toBe(401);
      expect(res.body).toEqual({ statusCode: 401, message: 'Unauthorized' });
      expect(await eventView(t, ADMIN, target)).toMatchObject({ state: 'dead', attempts: 1, lastStatus: 400 });
      expect(sentFor(target)).toHaveLength(1);
    });
  });

  it('lets the right token reach every route', async () => {
    const list = await call(t, 'get', '/admin/dead-letters', RIGHT);
    expect(list.status).toBe(200);
    expect(list.body.items.map((d: DeadLetter) => d.eventId)).toContain(target);

    const event = await call(t, 'get', `/admin/events/${target}`, { authorization: `bearer ${ADMIN}` });
    expect(event.status).toBe(200);
    expect(event.body).toMatchObject({ eventId: target, state: 'dead' });

    const unknown = unique('no-such-event');
    for (const [method, path, message] of [
      ['post', `/admin/dead-letters/${unknown}/replay`, 'Dead letter not found'],
      ['delete', `/admin/dead-letters/${unknown}`, 'Dead letter not found'],
      ['get', `/admin/events/${unknown}`, 'Event not found'],
    ] as Array<[Method, string, string]>) {
      const res = await call(t, method, path, RIGHT);
      expect(res.status).toBe(404);
      expect(res.body.message).toBe(message);
    }

    const replay = await call(t, 'post', '/admin/dead-letters/replay?intent=no_such_intent', RIGHT);
    expect(replay.status).toBe(202);
    expect(replay.body).toEqual({ replayed: 0 });
    expect(await eventView(t, ADMIN, target)).toMatchObject({ state: 'dead', attempts: 1 });
  });

  describe('GET /admin/dead-letters', () => {
    it('lists dead letters with every field, paged by limit and nextCursor', async () => {
      const startedAt = Date.now();
      const intents = [PROFILE, TICKET, PROFILE, TICKET, PROFILE];
      const ids = await makeDeadLetters(intents);

      const all = await listAll();
      const allIds = all.map((d) => d.eventId);
      expect(new Set(allIds).size).toBe(allIds.length);
      // In arrival order; ours are the newest.
      expect(allIds.slice(-ids.length)).toEqual(ids);

      for (const [i, id] of ids.entries()) {
        const item = all.find((d) => d.eventId === id)!;
        expect(Object.keys(item).sort()).toEqual(DEAD_LETTER_FIELDS);
        expect(item).toMatchObject({
          eventId: id,
          intent: intents[i],
          objectType: intents[i] === TICKET ? 'ticket' : 'contact',
          attempts: 1,
          lastStatus: 400,
        });
        expect(item.externalId).toMatch(intents[i] === TICKET ? /^T-/ : /^C-/);
        expect(item.lastError).toContain('400');
        expect(item.lastError).toContain('unknown tier');
        expectIso(item.failedAt);
        expect(Date.parse(item.failedAt)).toBeGreaterThanOrEqual(startedAt);
        expect(Date.parse(item.failedAt)).toBeLessThanOrEqual(Date.now());
      }

      // Default limit (50) covers them all here.
      const byDefault = await call(t, 'get', '/admin/dead-letters', RIGHT);
      expect(byDefault.body).toEqual({ items: all, nextCursor: null });

      // Pages of two, following nextCursor, give the same list once.
      const paged: DeadLetter[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const query: string = cursor === null ? '?limit=2' : `?limit=2&cursor=${encodeURIComponent(cursor)}`;
        const res = await call(t, 'get', `/admin/dead-letters${query}`, RIGHT);
        expect(res.status).toBe(200);
        expect(res.body.items.length).toBeGreaterThan(0);
        expect(res.body.items.length).toBeLessThanOrEqual(2);
        paged.push(...res.body.items);
        cursor = res.body.nextCursor;
        if (cursor !== null) {
          expect(typeof cursor).toBe('string');
          expect(res.body.items).toHaveLength(2);
        }
        pages += 1;
      } while (cursor !== null && pages < 100);
      expect(cursor).toBeNull();
      expect(pages).toBe(Math.ceil(all.length / 2));
      expect(paged).toEqual(all);

      const one = await call(t, 'get', '/admin/dead-letters?limit=1', RIGHT);
      expect(one.body.items).toEqual([all[0]]);
      expect(one.body.nextCursor).toEqual(expect.any(String));
    });

    it.each(['0', '-1', '501', 'abc', '1.5'])('answers 400 to limit=%j', async (limit) => {
      const res = await call(t, 'get', `/admin/dead-letters?limit=${limit}`, RIGHT);
      expect(res.status).toBe(400);
      expect(JSON.stringify(res.body.message)).toMatch(/limit/);
    });

    it('answers 400 to a cursor it did not hand out', async () => {
      const res = await call(t, 'get', '/admin/dead-letters?cursor=not-a-cursor', RIGHT);
      expect(res.status).toBe(400);
      expect(JSON.stringify(res.body.message)).toMatch(/cursor/);
    });
  });

  describe('GET /admin/events/:eventId', () => {
    it('reports a dead letter with every field', async () => {
      const before = Date.now();
      const [id] = await makeDeadLetters([TICKET]);
      const view = await eventView(t, ADMIN, id);
      expect(Object.keys(view).sort()).toEqual(EVENT_FIELDS);
      expect(view).toMatchObject({
        eventId: id,
        state: 'dead',
        intent: TICKET,
        objectType: 'ticket',
        attempts: 1,
        lastStatus: 400,
        deliveredAt: null,
      });
      expect(view.externalId).toMatch(/^T-/);
      expect(view.lastError).toContain('unknown tier');
      expectIso(view.receivedAt);
      expect(Date.parse(view.receivedAt)).toBeGreaterThanOrEqual(before);
      expect(Date.parse(view.receivedAt)).toBeLessThanOrEqual(Date.now());
    });

    it('reports an event queued while its request is open, then delivered', async () => {
      const before = Date.now();
      sandbox.inject({ latencyMs: 300 });
      const customer = unique('C');
      const id = await sendAccepted(t, SECRET, profileBody(customer));
      await waitFor(() => sentWith(`cognigy-${id}`).length === 1, { what: 'request sent' });

      const queued = await eventView(t, ADMIN, id);
      expect(Object.keys(queued).sort()).toEqual(EVENT_FIELDS);
      expect(queued).toMatchObject({
        eventId: id,
        state: 'queued',
        intent: PROFILE,
        objectType: 'contact',
        externalId: customer,
        attempts: 0,
        lastStatus: null,
        lastError: null,
        deliveredAt: null,
      });
      expectIso(queued.receivedAt);
      expect(Date.parse(queued.receivedAt)).toBeGreaterThanOrEqual(before);

      const [delivered] = await waitForState(t, ADMIN, [id], 'delivered');
      expect(delivered).toMatchObject({ attempts: 1, lastStatus: 200, lastError: null, receivedAt: queued.receivedAt });
      expectIso(delivered.deliveredAt);
      expect(Date.parse(delivered.deliveredAt!)).toBeGreaterThanOrEqual(Date.parse(delivered.receivedAt));
      expect(Date.parse(delivered.deliveredAt!)).toBeLessThanOrEqual(Date.now());
    });

    it('answers 404 for an unknown event', async () => {
      const res = await call(t, 'get', `/admin/events/${unique('unknown')}`, RIGHT);
      expect(res.status).toBe(404);
    });
  });

  describe('POST /admin/dead-letters/:eventId/replay', () => {
    it('queues the dead letter again and it is delivered under the key cognigy-<eventId>-r1', async () => {
      const [id] = await makeDeadLetters([PROFILE]);
      const res = await call(t, 'post', `/admin/dead-letters/${id}/replay`, RIGHT);
      expect(res.status).toBe(202);
      expect(res.body).toEqual({ eventId: id, state: 'queued' });

      const [view] = await waitForState(t, ADMIN, [id], 'delivered');
      expect(view).toMatchObject({ attempts: 1, lastStatus: 200, lastError: null });
      expectIso(view.deliveredAt);

      const sent = sentFor(id);
      expect(sent.map((r) => [r.idempotencyKey, r.status])).toEqual([
        [`cognigy-${id}`, 400],
        [`cognigy-${id}-r1`, 200],
      ]);
      expect(sent[1].body).toEqual(sent[0].body);
      const externalId = (sent[0].body as { external_id: string }).external_id;
      const record = sandbox.records().contacts.find((r) => r.external_id === externalId);
      expect(record).toMatchObject({ status: 'mauve', applied_keys: [`cognigy-${id}-r1`] });

      expect((await listAll()).map((d) => d.eventId)).not.toContain(id);
      const again = await call(t, 'post', `/admin/dead-letters/${id}/replay`, RIGHT);
      expect(again.status).toBe(404);
      expect(sentFor(id)).toHaveLength(2);
    });

    it('uses -r2 on the second replay of a letter that died again', async () => {
      const [id] = await makeDeadLetters([TICKET]);
      sandbox.inject({ status: 422, body: { error: 'still_invalid' } });
      expect((await call(t, 'post', `/admin/dead-letters/${id}/replay`, RIGHT)).status).toBe(202);
      const [dead] = await waitForState(t, ADMIN, [id], 'dead');
      expect(dead).toMatchObject({ attempts: 1, lastStatus: 422 });
      expect((await listAll()).filter((d) => d.eventId === id)).toHaveLength(1);

      expect((await call(t, 'post', `/admin/dead-letters/${id}/replay`, RIGHT)).status).toBe(202);
      await waitForState(t, ADMIN, [id], 'delivered');
      expect(sentFor(id).map((r) => [r.idempotencyKey, r.status])).toEqual([
        [`cognigy-${id}`, 400],
        [`cognigy-${id}-r1`, 422],
        [`cognigy-${id}-r2`, 200],
      ]);
    });

    it('answers 404 for an event that is not a dead letter', async () => {
      const id = await sendAccepted(t, SECRET, profileBody(unique('C')));
      await waitForState(t, ADMIN, [id], 'delivered');
      const res = await call(t, 'post', `/admin/dead-letters/${id}/replay`, RIGHT);
      expect(res.status).toBe(404);
      expect(sentFor(id)).toHaveLength(1);
      expect(await eventView(t, ADMIN, id)).toMatchObject({ state: 'delivered', attempts: 1 });
    });
  });

  describe('DELETE /admin/dead-letters/:eventId', () => {
    let deleted: string;

    it('removes a dead letter (204), then answers 404 for it', async () => {
      [deleted] = await makeDeadLetters([PROFILE]);
      const res = await call(t, 'delete', `/admin/dead-letters/${deleted}`, RIGHT);
      expect(res.status).toBe(204);
      expect(res.text).toBe('');
      expect((await listAll()).map((d) => d.eventId)).not.toContain(deleted);

      expect((await call(t, 'delete', `/admin/dead-letters/${deleted}`, RIGHT)).status).toBe(404);
      expect((await call(t, 'post', `/admin/dead-letters/${deleted}/replay`, RIGHT)).status).toBe(404);
    });

    it('answers 404 for an event that is not a dead letter, and leaves it', async () => {
      const id = await sendAccepted(t, SECRET, profileBody(unique('C')));
      await waitForState(t, ADMIN, [id], 'delivered');
      expect((await call(t, 'delete', `/admin/dead-letters/${id}`, RIGHT)).status).toBe(404);
      expect(await eventView(t, ADMIN, id)).toMatchObject({ state: 'delivered' });
    });

    it('does not send a deleted dead letter on a later replay of all', async () => {
      expect(deleted).toBeDefined();
      const dead = (await listAll()).map((d) => d.eventId);
      const res = await call(t, 'post', '/admin/dead-letters/replay', RIGHT);
      expect(res.status).toBe(202);
      expect(res.body).toEqual({ replayed: dead.length });
      await waitForState(t, ADMIN, dead, 'delivered');
      expect(await listAll()).toEqual([]);
      expect(sentFor(deleted).map((r) => r.idempotencyKey)).toEqual([`cognigy-${deleted}`]);
    });
  });

  describe('POST /admin/dead-letters/replay', () => {
    it('replays the dead letters of one intent, then all, and they are delivered', async () => {
      const intents = [PROFILE, TICKET, PROFILE, TICKET, TICKET];
      const ids = await makeDeadLetters(intents);
      const before = await listAll();
      const tickets = before.filter((d) => d.intent === TICKET).map((d) => d.eventId);
      const others = before.filter((d) => d.intent !== TICKET).map((d) => d.eventId);
      expect(tickets).toEqual(ids.filter((_, i) => intents[i] === TICKET));
      expect(others.length).toBeGreaterThanOrEqual(2);

      const byIntent = await call(t, 'post', `/admin/dead-letters/replay?intent=${TICKET}`, RIGHT);
      expect(byIntent.status).toBe(202);
      expect(byIntent.body).toEqual({ replayed: tickets.length });
      await waitForState(t, ADMIN, tickets, 'delivered');
      for (const id of tickets) expect(sentWith(`cognigy-${id}-r1`).map((r) => r.status)).toEqual([200]);
      const left = await listAll();
      expect(left.map((d) => d.eventId)).toEqual(others);
      for (const id of others) expect(sentFor(id).map((r) => r.idempotencyKey)).toEqual([`cognigy-${id}`]);

      const rest = await call(t, 'post', '/admin/dead-letters/replay', RIGHT);
      expect(rest.status).toBe(202);
      expect(rest.body).toEqual({ replayed: others.length });
      await waitForState(t, ADMIN, others, 'delivered');
      for (const id of others) expect(sentWith(`cognigy-${id}-r1`).map((r) => r.status)).toEqual([200]);

      const empty = await call(t, 'get', '/admin/dead-letters', RIGHT);
      expect(empty.body).toEqual({ items: [], nextCursor: null });
      const none = await call(t, 'post', '/admin/dead-letters/replay', RIGHT);
      expect(none.status).toBe(202);
      expect(none.body).toEqual({ replayed: 0 });
    });
  });
});

describeEachDriver('admin API without ADMIN_TOKEN (%s driver)', (driver: Driver) => {
  const { app } = sandboxedApp({ COGNIGY_WEBHOOK_SECRETS: SECRET, DELIVERY_ENABLED: 'false', ...driverEnv(driver) });
  let t: TestApp;
  let stored: string;

  beforeAll(async () => {
    t = app();
    stored = await sendAccepted(t, SECRET, profileBody(unique('C')));
  });

  const routes: Array<[string, Method, () => string]> = [
    ['GET /admin/dead-letters', 'get', () => '/admin/dead-letters'],
    ['GET /admin/dead-letters?limit=0', 'get', () => '/admin/dead-letters?limit=0'],
    ['POST /admin/dead-letters/:eventId/replay', 'post', () => `/admin/dead-letters/${stored}/replay`],
    ['POST /admin/dead-letters/replay', 'post', () => '/admin/dead-letters/replay'],
    ['POST /admin/dead-letters/replay?intent=X', 'post', () => `/admin/dead-letters/replay?intent=${PROFILE}`],
    ['DELETE /admin/dead-letters/:eventId', 'delete', () => `/admin/dead-letters/${stored}`],
    ['GET /admin/events/:eventId', 'get', () => `/admin/events/${stored}`],
  ];

  it.each(routes)('%s answers 404 with any credentials', async (_name, method, path) => {
    const attempts: Array<Record<string, string>> = [
      {},
      { authorization: `Bearer ${ADMIN}` },
      { authorization: 'Bearer ' },
      { authorization: 'Bearer undefined' },
    ];
    for (const headers of attempts) {
      const res = await call(t, method, path(), headers);
      expect(res.status).toBe(404);
      // Worded like Nest's 404 for a route that does not exist: nothing of the event shows.
      expect(res.body).toEqual({
        statusCode: 404,
        message: `Cannot ${method.toUpperCase()} ${path().split('?')[0]}`,
        error: 'Not Found',
      });
    }
  });
});
