import request from 'supertest';
import { AttemptView, eventView, waitForState } from './support/admin-api';
import { Driver, driverEnv, describeEachDriver } from './support/drivers';
import { sandboxedApp, TestApp } from './support/test-app';
import { contactDialog, sendAccepted, ticketDialog, unique } from './support/webhook-cases';

/**
 * The admin API the console uses, end to end over real HTTP for each queue driver:
 * attempt history and mapped body, search, dead-letter filters, the replay dry run, the stats and
 * the route names (without ROUTES_FILE, `default` alone).
 * Dead letters are made by the CRM sandbox answering 400 or 422; every new route and filter is
 * called with a missing, a wrong and the right token, and without ADMIN_TOKEN.
 */

const SECRET = 'console-secret';
const ADMIN = 'console-admin';
const RIGHT = { authorization: `Bearer ${ADMIN}` };
const PROFILE = 'update_customer_profile';
const TICKET = 'log_support_ticket';
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

type Method = 'get' | 'post';

function call(t: TestApp, method: Method, path: string, headers: Record<string, string> = {}) {
  let req = request(t.server)[method](path);
  for (const [name, value] of Object.entries(headers)) req = req.set(name, value);
  return req;
}

const ids = (body: { items: Array<{ eventId: string }> }) => body.items.map((item) => item.eventId);

describeEachDriver('admin API for the console (%s driver)', (driver: Driver) => {
  const { sandbox, app } = sandboxedApp({
    COGNIGY_WEBHOOK_SECRETS: SECRET,
    ADMIN_TOKEN: ADMIN,
    CRM_RETRY_BASE_MS: '50',
    CRM_RETRY_MAX_MS: '200',
    CRM_TIMEOUT_MS: '1500',
    ...driverEnv(driver),
  });
  let t: TestApp;
  const get = (path: string) => call(t, 'get', path, RIGHT);
  const post = (path: string) => call(t, 'post', path, RIGHT);

  beforeAll(() => {
    t = app();
  });
  afterEach(() => sandbox.clearFaults());

  /** Sends one event while the CRM answers `status` to everything; waits for its dead letter. */
  async function deadLetter(body: object, status = 400): Promise<string> {
    sandbox.inject({ status, count: -1, body: { error: 'rejected', message: `rejected with ${status}` } });
    const id = await sendAccepted(t, SECRET, body);
    await waitForState(t, ADMIN, [id], 'dead');
    sandbox.clearFaults();
    return id;
  }

  describe('authorisation of the new routes', () => {
    let target: string;
    beforeAll(async () => {
      target = await deadLetter(contactDialog(unique('C-AUTH')));
    });

    const routes: Array<[string, Method, () => string]> = [
      ['GET /admin/events?conversationId=', 'get', () => '/admin/events?conversationId=x'],
      ['GET /admin/events?state=', 'get', () => '/admin/events?state=dead'],
      ['GET /admin/stats', 'get', () => '/admin/stats'],
      ['GET /admin/route-names', 'get', () => '/admin/route-names'],
      [
        'GET /admin/dead-letters?intent=&objectType=&lastStatus=',
        'get',
        () => `/admin/dead-letters?intent=${PROFILE}&objectType=contact&lastStatus=400`,
      ],
      [
        'GET /admin/dead-letters?failedAfter=&failedBefore=',
        'get',
        () => '/admin/dead-letters?failedAfter=2020-01-01T00:00:00Z&failedBefore=2100-01-01T00:00:00Z',
      ],
      ['POST /admin/dead-letters/replay?dryRun=true', 'post', () => '/admin/dead-letters/replay?dryRun=true'],
      [
        'POST /admin/dead-letters/replay?objectType=',
        'post',
        () => '/admin/dead-letters/replay?objectType=contact&lastStatus=400',
      ],
    ];
    const wrong: Array<[string, Record<string, string>]> = [
      ['no Authorization header', {}],
      ['a wrong bearer token', { authorization: 'Bearer wrong' }],
      ['the token without the Bearer scheme', { authorization: ADMIN }],
    ];

    describe.each(routes)('%s', (_name, method, path) => {
      it.each(wrong)('answers 401 to %s and changes nothing', async (_what, headers) => {
        const res = await call(t, method, path(), headers);
        expect(res.status).toBe(401);
        expect(res.body).toEqual({ statusCode: 401, message: 'Unauthorized' });
        expect(await eventView(t, ADMIN, target)).toMatchObject({ state: 'dead' });
      });

      it('answers the right token with 200', async () => {
        const res = await call(
          t,
          method,
          path().includes('replay') && !path().includes('dryRun') ? `${path()}&dryRun=true` : path(),
          RIGHT,
        );
        expect(res.status).toBe(200);
        expect(await eventView(t, ADMIN, target)).toMatchObject({ state: 'dead' });
      });
    });
  });

  describe('GET /admin/events/:eventId: attempt history and mapped body', () => {
    const expectAttempt = (attempt: AttemptView, status: number | null, error: RegExp | null) => {
      expect(Object.keys(attempt).sort()).toEqual(['at', 'durationMs', 'error', 'status']);
      expect(attempt.at).toMatch(ISO);
      expect(attempt.status).toBe(status);
      if (error === null) expect(attempt.error).toBeNull();
      else expect(attempt.error).toMatch(error);
      expect(Number.isInteger(attempt.durationMs) && attempt.durationMs >= 0).toBe(true);
    };

    it('lists one entry per CRM request, oldest first, kept across a replay', async () => {
      const started = Date.now();
      const id = await deadLetter(
        contactDialog(unique('C-HIST'), { notes: { value: '<b>loud</b>', confidence: 0.9 } }),
        422,
      );
      const dead = await eventView(t, ADMIN, id);
      expect(dead.attemptHistory).toHaveLength(1);
      expectAttempt(dead.attemptHistory[0], 422, /^CRM answered 422: .*rejected with 422/);
      expect(Date.parse(dead.attemptHistory[0].at)).toBeGreaterThanOrEqual(started - 1000);
      const sent = sandbox.requests().find((r) => r.idempotencyKey === `cognigy-${id}`)!;
      expect(dead.upsert).toEqual(sent.body);
      expect(dead.upsert).toMatchObject({ notes: '<b>loud</b>' });

      // A 503 (retried) and then a 200 after the replay: three requests, the count restarted.
      sandbox.inject({ status: 503, count: 1 });
      expect((await post(`/admin/dead-letters/${id}/replay`)).status).toBe(202);
      const [delivered] = await waitForState(t, ADMIN, [id], 'delivered');
      expect(delivered.attempts).toBe(2);
      expect(delivered.attemptHistory).toHaveLength(3);
      expectAttempt(delivered.attemptHistory[1], 503, /^CRM answered 503/);
      expectAttempt(delivered.attemptHistory[2], 200, null);
      const times = delivered.attemptHistory.map((a) => Date.parse(a.at));
      expect([...times].sort((a, b) => a - b)).toEqual(times);
    });

    it('records both requests of a 401 answered by a token refresh and one retry', async () => {
      sandbox.inject({ status: 401, count: 1, body: { error: 'invalid_token' } });
      const id = await sendAccepted(t, SECRET, contactDialog(unique('C-401')));
      const [delivered] = await waitForState(t, ADMIN, [id], 'delivered');
      expect(delivered.attempts).toBe(2);
      expect(delivered.attemptHistory).toHaveLength(2);
      expectAttempt(delivered.attemptHistory[0], 401, /^CRM answered 401: .*invalid_token/);
      expectAttempt(delivered.attemptHistory[1], delivered.lastStatus, null);
    });

    it('records a timeout as status null and error "timeout"', async () => {
      sandbox.inject({ hang: true, count: 1 });
      const id = await sendAccepted(t, SECRET, ticketDialog(unique('T-SLOW')));
      const [delivered] = await waitForState(t, ADMIN, [id], 'delivered');
      expect(delivered.attemptHistory.map((a) => a.error)).toEqual(['timeout', null]);
      expect(delivered.attemptHistory.map((a) => a.status)).toEqual([null, delivered.lastStatus]);
      expect(delivered.attemptHistory[0].durationMs).toBeGreaterThanOrEqual(1400);
    });
  });

  describe('GET /admin/events (search)', () => {
    it('finds the events of a conversation and of an external id, newest first, paged', async () => {
      const conversationId = unique('conv-search');
      const customer = unique('C-SEARCH');
      const first = await sendAccepted(
        t,
        SECRET,
        contactDialog(customer, {}, { conversationId, timestamp: '2026-11-26T10:00:00Z' }),
      );
      const second = await sendAccepted(
        t,
        SECRET,
        contactDialog(customer, {}, { conversationId, timestamp: '2026-11-26T10:01:00Z' }),
      );
      const other = await sendAccepted(t, SECRET, ticketDialog(unique('T-SEARCH'), 'low', { conversationId }));
      await waitForState(t, ADMIN, [first, second, other], 'delivered');

      const byConversation = await get(`/admin/events?conversationId=${encodeURIComponent(conversationId)}`);
      expect(byConversation.status).toBe(200);
      expect(byConversation.body).toEqual({ items: expect.any(Array), nextCursor: null });
      expect(ids(byConversation.body)).toEqual([other, second, first]);
      expect(Object.keys(byConversation.body.items[0]).sort()).toEqual([
        'attempts',
        'deliveredAt',
        'eventId',
        'externalId',
        'intent',
        'lastError',
        'lastStatus',
        'objectType',
        'receivedAt',
        'state',
      ]);

      const byCustomer = await get(`/admin/events?externalId=${encodeURIComponent(customer)}`);
      expect(ids(byCustomer.body)).toEqual([second, first]);

      const combined = await get(
        `/admin/events?conversationId=${encodeURIComponent(conversationId)}&intent=${TICKET}&state=delivered`,
      );
      expect(ids(combined.body)).toEqual([other]);
      const none = await get(`/admin/events?conversationId=${encodeURIComponent(conversationId)}&state=dead`);
      expect(none.body).toEqual({ items: [], nextCursor: null });

      const paged: string[] = [];
      let cursor: string | null = null;
      do {
        const query: string = cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`;
        const res = await get(`/admin/events?conversationId=${encodeURIComponent(conversationId)}&limit=1${query}`);
        expect(res.status).toBe(200);
        paged.push(...ids(res.body));
        cursor = res.body.nextCursor;
      } while (cursor !== null && paged.length < 10);
      expect(paged).toEqual([other, second, first]);
    });

    it('finds dead letters by state and intent, newest first', async () => {
      const older = await deadLetter(ticketDialog(unique('T-DEAD')));
      const newer = await deadLetter(ticketDialog(unique('T-DEAD')));
      const res = await get(`/admin/events?state=dead&intent=${TICKET}&limit=500`);
      expect(res.status).toBe(200);
      const found = ids(res.body);
      expect(found.indexOf(newer)).toBeLessThan(found.indexOf(older));
      expect(found.indexOf(older)).toBeGreaterThanOrEqual(0);
      expect(
        res.body.items.every(
          (item: { state: string; intent: string }) => item.state === 'dead' && item.intent === TICKET,
        ),
      ).toBe(true);
    });

    it.each(['', '?limit=5', '?source=default'])(
      'answers %j with one 400 message naming the filters',
      async (query) => {
        const res = await get(`/admin/events${query}`);
        expect(res.status).toBe(400);
        expect(res.body.message).toEqual(['at least one of conversationId, externalId, state, intent is required']);
      },
    );

    it.each([
      ['', /at least one of conversationId, externalId, state, intent/],
      ['?limit=5', /at least one of conversationId, externalId, state, intent/],
      ['?state=lost', /state must be one of queued, delivered, dead, stale/],
      ['?state=dead&limit=0', /limit/],
      ['?state=dead&limit=abc', /limit/],
      ['?state=dead&cursor=abc', /cursor/],
    ])('answers 400 naming the parameter to %j', async (query, message) => {
      const res = await get(`/admin/events${query}`);
      expect(res.status).toBe(400);
      expect(JSON.stringify(res.body.message)).toMatch(message);
    });
  });

  describe('GET /admin/dead-letters filters and the replay dry run', () => {
    let ticket400: string;
    let contact422: string;
    let between: { after: string; before: string };

    beforeAll(async () => {
      const before = new Date().toISOString();
      ticket400 = await deadLetter(ticketDialog(unique('T-FILTER')), 400);
      const middle = new Date(Date.now() + 1).toISOString();
      await new Promise((resolve) => setTimeout(resolve, 5));
      contact422 = await deadLetter(contactDialog(unique('C-FILTER')), 422);
      between = { after: before, before: middle };
    });

    const listed = async (query: string) => {
      const res = await get(`/admin/dead-letters?limit=500&${query}`);
      expect(res.status).toBe(200);
      return ids(res.body);
    };

    it('filters by intent, object type, last status and failure time', async () => {
      expect(await listed(`intent=${TICKET}`)).toContain(ticket400);
      expect(await listed(`intent=${TICKET}`)).not.toContain(contact422);
      expect(await listed('objectType=contact')).toContain(contact422);
      expect(await listed('objectType=contact')).not.toContain(ticket400);
      expect(await listed('lastStatus=422')).toContain(contact422);
      expect(await listed('lastStatus=422')).not.toContain(ticket400);
      const inWindow = await listed(`failedAfter=${between.after}&failedBefore=${between.before}`);
      expect(inWindow).toContain(ticket400);
      expect(inWindow).not.toContain(contact422);
      expect(await listed(`failedAfter=${between.before}`)).toContain(contact422);
      expect(await listed(`failedAfter=${between.before}`)).not.toContain(ticket400);
      expect(await listed(`objectType=contact&lastStatus=400&intent=${TICKET}`)).toEqual([]);
    });

    it('pages a filtered list by limit and nextCursor', async () => {
      const all = await listed('objectType=contact');
      const paged: string[] = [];
      let cursor: string | null = null;
      do {
        const query: string = cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`;
        const res = await get(`/admin/dead-letters?objectType=contact&limit=1${query}`);
        paged.push(...ids(res.body));
        cursor = res.body.nextCursor;
      } while (cursor !== null && paged.length < 500);
      expect(paged).toEqual(all);
    });

    it('counts with dryRun=true (200, nothing changed), then replays the same set (202)', async () => {
      const query = `lastStatus=422&objectType=contact&failedAfter=${between.before}`;
      const matching = await listed(query);
      expect(matching).toContain(contact422);

      const dry = await post(`/admin/dead-letters/replay?${query}&dryRun=true`);
      expect(dry.status).toBe(200);
      expect(dry.body).toEqual({ wouldReplay: matching.length });
      expect(await eventView(t, ADMIN, contact422)).toMatchObject({ state: 'dead' });
      expect(await listed(query)).toEqual(matching);

      const notDry = await post(`/admin/dead-letters/replay?${query}&dryRun=false`);
      expect(notDry.status).toBe(202);
      expect(notDry.body).toEqual({ replayed: matching.length });
      await waitForState(t, ADMIN, matching, 'delivered');
      expect(await eventView(t, ADMIN, ticket400)).toMatchObject({ state: 'dead' });
    });

    it.each([
      ['lastStatus=abc', /lastStatus/],
      ['lastStatus=99', /lastStatus/],
      ['failedAfter=yesterday', /failedAfter must be an ISO-8601 time/],
      ['failedBefore=2026-13-01T00:00:00Z', /failedBefore must be an ISO-8601 time/],
      ['limit=0', /limit/],
    ])('GET answers 400 naming the parameter to %s', async (query, message) => {
      const res = await get(`/admin/dead-letters?${query}`);
      expect(res.status).toBe(400);
      expect(JSON.stringify(res.body.message)).toMatch(message);
    });

    it.each([
      ['dryRun=yes', /dryRun must be true or false/],
      ['dryRun=true&lastStatus=x', /lastStatus/],
      ['failedAfter=soon', /failedAfter/],
    ])('POST replay answers 400 naming the parameter to %s, replaying nothing', async (query, message) => {
      const res = await post(`/admin/dead-letters/replay?${query}`);
      expect(res.status).toBe(400);
      expect(JSON.stringify(res.body.message)).toMatch(message);
      expect(await eventView(t, ADMIN, ticket400)).toMatchObject({ state: 'dead' });
    });
  });

  describe('GET /admin/stats', () => {
    it('answers states, 60 minutes of activity, the oldest queued age, breaker, token and the SLA figures', async () => {
      const delivered = await sendAccepted(t, SECRET, contactDialog(unique('C-STATS')));
      await waitForState(t, ADMIN, [delivered], 'delivered');
      const dead = await deadLetter(ticketDialog(unique('T-STATS')));

      const res = await get('/admin/stats');
      expect(res.status).toBe(200);
      const stats = res.body;
      expect(Object.keys(stats).sort()).toEqual([
        'breaker',
        'oldestQueuedAgeSeconds',
        'perMinute',
        'sla',
        'states',
        'token',
      ]);
      expect(Object.keys(stats.states).sort()).toEqual(['dead', 'delivered', 'queued', 'stale']);
      expect(stats.states.dead).toBeGreaterThanOrEqual(1);
      expect(stats.states.delivered).toBeGreaterThanOrEqual(1);

      expect(stats.perMinute).toHaveLength(60);
      const minutes = stats.perMinute.map((m: { minute: string }) => Date.parse(m.minute));
      for (const [i, minute] of minutes.entries()) {
        expect(stats.perMinute[i].minute).toMatch(ISO);
        expect(minute % 60_000).toBe(0);
        if (i > 0) expect(minute - minutes[i - 1]).toBe(60_000);
      }
      expect(minutes[59]).toBeLessThanOrEqual(Date.now());
      expect(minutes[59]).toBeGreaterThan(Date.now() - 120_000);
      const total = (key: 'delivered' | 'deadLettered') =>
        stats.perMinute.reduce((sum: number, m: Record<string, number>) => sum + m[key], 0);
      expect(total('delivered')).toBeGreaterThanOrEqual(1);
      expect(total('deadLettered')).toBeGreaterThanOrEqual(1);

      expect(stats.breaker).toBe('closed');
      expect(stats.token).toMatchObject({ mode: 'client_credentials', cached: true });

      const latency = await request(t.server).get('/metrics/latency');
      expect(Object.keys(stats.sla).sort()).toEqual(Object.keys(latency.body).sort());
      expect(stats.sla.sla_threshold_seconds).toBe(latency.body.sla_threshold_seconds);
      expect(stats.sla.ack).toEqual(expect.objectContaining({ total_requests: expect.any(Number) }));

      expect(await eventView(t, ADMIN, dead)).toMatchObject({ state: 'dead' });
    });
  });

  it('GET /admin/route-names: without ROUTES_FILE the one source and target, both default', async () => {
    const res = await get('/admin/route-names');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ routed: false, sources: ['default'], targets: ['default'] });
  });

  describe('with delivery off (events stay queued)', () => {
    const queuedApp = sandboxedApp({
      COGNIGY_WEBHOOK_SECRETS: SECRET,
      ADMIN_TOKEN: ADMIN,
      DELIVERY_ENABLED: 'false',
      ...driverEnv(driver),
    });

    it('shows a queued event with an empty history, and the age of the oldest queued event', async () => {
      const q = queuedApp.app();
      const before = Date.now();
      const id = await sendAccepted(q, SECRET, contactDialog(unique('C-NEW')));
      const view = await eventView(q, ADMIN, id);
      expect(view).toMatchObject({ state: 'queued', attempts: 0, attemptHistory: [] });
      expect(view.conversationId).toEqual(expect.any(String));

      const stats = (await call(q, 'get', '/admin/stats', RIGHT)).body;
      expect(stats.states).toEqual({ queued: 1, delivered: 0, dead: 0, stale: 0 });
      expect(stats.oldestQueuedAgeSeconds).toBeGreaterThanOrEqual(0);
      expect(stats.oldestQueuedAgeSeconds).toBeLessThanOrEqual(Math.ceil((Date.now() - before) / 1000));
      expect(
        stats.perMinute.every((m: { delivered: number; deadLettered: number }) => m.delivered + m.deadLettered === 0),
      ).toBe(true);
      expect(stats.sla).toEqual({ status: 'no_data', ack: expect.objectContaining({ total_requests: 1 }) });
    });
  });
});

describeEachDriver('admin API for the console without ADMIN_TOKEN (%s driver)', (driver: Driver) => {
  const { app } = sandboxedApp({ COGNIGY_WEBHOOK_SECRETS: SECRET, DELIVERY_ENABLED: 'false', ...driverEnv(driver) });

  it.each([
    ['get', '/admin/events?conversationId=x'],
    ['get', '/admin/events'],
    ['get', '/admin/stats'],
    ['get', '/admin/route-names'],
    ['get', '/admin/dead-letters?intent=x&lastStatus=400'],
    ['post', '/admin/dead-letters/replay?dryRun=true'],
    ['get', '/console'],
    ['get', '/console/console.js'],
  ] as Array<[Method, string]>)('%s %s answers 404 with any credentials', async (method, path) => {
    for (const headers of [{}, { authorization: `Bearer ${ADMIN}` }, { authorization: 'Bearer undefined' }] as Array<
      Record<string, string>
    >) {
      const res = await call(app(), method, path, headers);
      expect(res.status).toBe(404);
      expect(res.body).toEqual({
        statusCode: 404,
        message: `Cannot ${method.toUpperCase()} ${path.split('?')[0]}`,
        error: 'Not Found',
      });
    }
  });
});
