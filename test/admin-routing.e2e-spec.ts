import request from 'supertest';
import { CrmSandbox } from '../src/dev/sandbox/crm-sandbox';
import { EventIntake } from '../src/queue/event-intake';
import { dueEvent } from '../src/queue/stored-event.fixture';
import { cleanRedis, describeEachDriver, Driver, driverEnv } from './support/drivers';
import { routedAs, sandboxTarget, startRoutedApp } from './support/routed-app';
import { sandboxEnv } from './support/sandbox-env';
import { TestApp } from './support/test-app';
import { waitFor } from './support/wait-for';
import { unique } from './support/webhook-cases';

/**
 * The admin API with routing (docs/routing.md, What operators see), on both drivers: the names
 * GET /admin/route-names gives, `source` and `target` filters (a name the configuration does not
 * hold is a 400 naming the filter), the event view with its deliveries, dead letters replayed and
 * deleted per delivery, per-target stats.
 * Two targets, each its own CRM sandbox delivered to by its own runtime: crm accepts, desk
 * refuses with 400 (its deliveries dead-letter). Events are fanned out through the store's
 * intake port as the webhook does.
 */

const ADMIN = 'routing-admin';
const AUTH = { authorization: `Bearer ${ADMIN}` };
const TARGETS = ['crm', 'desk'];
const SOURCES = ['default', 'chat'];

describeEachDriver('admin API with routing (%s driver)', (driver: Driver) => {
  const crmSandbox = new CrmSandbox({ port: 0 });
  const deskSandbox = new CrmSandbox({ port: 0 });
  const env = driverEnv(driver);
  let t: TestApp;
  const get = (path: string) => request(t.server).get(path).set(AUTH);
  const post = (path: string) => request(t.server).post(path).set(AUTH);

  const deliveryStates = async (id: string) => {
    const res = await get(`/admin/events/${id}`);
    return res.status === 200 ? (res.body.deliveries as { target: string; state: string }[]) : [];
  };
  const settled = (id: string, states: string[]) =>
    waitFor(async () => JSON.stringify((await deliveryStates(id)).map((d) => d.state)) === JSON.stringify(states), {
      what: `event ${id}: ${states.join(', ')}`,
    });

  /** One event from `chat` to crm (delivered) and desk (dead after its CRM's 400). */
  async function fannedOut(): Promise<string> {
    // A record of its own: a replayed delivery of another record never holds its claim back.
    const event = dueEvent({ eventId: unique('ev'), externalId: unique('C') });
    const deliveries = TARGETS.map((target) => ({ target, upsert: event.upsert }));
    await t.app.get(EventIntake).enqueue({ ...event, source: 'chat', deliveries });
    await settled(event.eventId, ['delivered', 'dead']);
    return event.eventId;
  }

  beforeAll(async () => {
    await Promise.all([crmSandbox.start(), deskSandbox.start()]);
    deskSandbox.inject({ status: 400, count: -1, body: { error: 'invalid_field' } });
    const targets = { crm: sandboxTarget(crmSandbox), desk: sandboxTarget(deskSandbox) };
    t = await startRoutedApp(sandboxEnv(crmSandbox, { ...env, ADMIN_TOKEN: ADMIN }), routedAs(targets, SOURCES));
  });

  afterAll(async () => {
    await t?.close();
    await Promise.all([crmSandbox.stop(), deskSandbox.stop()]);
    await cleanRedis(env);
  });

  it('shows an event with each of its deliveries, its state derived from theirs', async () => {
    const id = await fannedOut();
    const res = await get(`/admin/events/${id}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ eventId: id, state: 'dead', source: 'chat' });
    expect(res.body.deliveries).toHaveLength(2);
    const [crm, desk] = res.body.deliveries;
    expect(crm).toMatchObject({ target: 'crm', state: 'delivered', attempts: 1, lastStatus: 200 });
    expect(crm.attemptHistory).toEqual([
      { at: expect.any(String), status: 200, error: null, durationMs: expect.any(Number) },
    ]);
    expect(desk).toMatchObject({ target: 'desk', state: 'dead', attempts: 1, lastStatus: 400 });
    expect(desk.attemptHistory).toEqual([
      {
        at: expect.any(String),
        status: 400,
        error: expect.stringContaining('invalid_field'),
        durationMs: expect.any(Number),
      },
    ]);
    expect(desk.failedAt).toEqual(expect.any(String));

    const one = await get(`/admin/events/${id}?target=desk`);
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({ eventId: id, target: 'desk', source: 'chat', state: 'dead' });
    expect(one.body.deliveries).toBeUndefined();
    expect(one.body.attemptHistory).toHaveLength(1);
  });

  it('filters searches and dead letters by source and target', async () => {
    const id = await fannedOut();
    const search = async (query: string) => (await get(`/admin/events?${query}`)).body.items;
    const dead = await search('state=dead&target=desk&source=chat');
    expect(dead.map((item: { eventId: string }) => item.eventId)).toContain(id);
    for (const item of dead) expect(item).toMatchObject({ state: 'dead', target: 'desk', source: 'chat' });
    expect(await search('state=dead&target=crm')).toEqual([]);
    expect(await search('state=dead&source=default')).toEqual([]);

    const letters = (await get('/admin/dead-letters?target=desk')).body.items;
    expect(letters.find((item: { eventId: string }) => item.eventId === id)).toMatchObject({
      target: 'desk',
      source: 'chat',
      lastStatus: 400,
    });
    expect((await get('/admin/dead-letters?target=crm')).body.items).toEqual([]);
    const dry = await post('/admin/dead-letters/replay?target=desk&source=chat&dryRun=true');
    expect(dry.status).toBe(200);
    expect(dry.body.wouldReplay).toBeGreaterThanOrEqual(1);
    expect((await post('/admin/dead-letters/replay?target=crm&dryRun=true')).body).toEqual({ wouldReplay: 0 });
  });

  it.each([
    ['GET', '/admin/events?state=dead&target=nope', ['target must be one of crm, desk']],
    ['GET', '/admin/events?state=dead&source=web', ['source must be one of default, chat']],
    [
      'GET',
      '/admin/dead-letters?source=web&target=nope',
      ['source must be one of default, chat', 'target must be one of crm, desk'],
    ],
    ['POST', '/admin/dead-letters/replay?target=default&dryRun=true', ['target must be one of crm, desk']],
  ])('answers %s %s with a 400 naming the filter', async (method, path, message) => {
    const res = await request(t.server)[method.toLowerCase() as 'get' | 'post' | 'delete'](path).set(AUTH);
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ statusCode: 400, error: 'Bad Request', message });
  });

  it.each([
    ['POST', '/replay', 'Dead letter'],
    ['DELETE', '', 'Dead letter'],
    ['GET', '', 'Event'],
  ])(
    'answers %s of a delivery to a target it does not know with a 404 naming the targets',
    async (method, tail, what) => {
      const id = await fannedOut();
      const base = method === 'GET' ? `/admin/events/${id}` : `/admin/dead-letters/${id}${tail}`;
      for (const query of ['?target=nope', '?target=crm&target=desk']) {
        const res = await request(t.server)
          [method.toLowerCase() as 'get' | 'post' | 'delete'](base + query)
          .set(AUTH);
        expect(res.status).toBe(404);
        expect(res.body.message).toBe(`${what} not found: target must be one of crm, desk`);
      }
    },
  );

  it('replays and deletes one delivery of an event, leaving the other', async () => {
    const id = await fannedOut();
    expect((await post(`/admin/dead-letters/${id}/replay?target=crm`)).status).toBe(404);
    deskSandbox.clearFaults();
    try {
      const replayed = await post(`/admin/dead-letters/${id}/replay?target=desk`);
      expect(replayed.status).toBe(202);
      expect(replayed.body).toEqual({ eventId: id, state: 'queued', target: 'desk' });
      await settled(id, ['delivered', 'delivered']);
      expect(crmSandbox.stats().applied).toBeGreaterThan(0);
    } finally {
      deskSandbox.inject({ status: 400, count: -1, body: { error: 'invalid_field' } });
    }
    expect((await get(`/admin/events/${id}`)).body.state).toBe('delivered');

    const other = await fannedOut();
    expect((await request(t.server).delete(`/admin/dead-letters/${other}?target=crm`).set(AUTH)).status).toBe(404);
    expect((await request(t.server).delete(`/admin/dead-letters/${other}?target=desk`).set(AUTH)).status).toBe(204);
    const left = (await get(`/admin/events/${other}`)).body;
    expect(left.deliveries.map((d: { target: string; state: string }) => [d.target, d.state])).toEqual([
      ['crm', 'delivered'],
    ]);
    expect(left.state).toBe('delivered');
  });

  it("names the routing's sources and targets, the values the filters take; no removed target", async () => {
    const res = await get('/admin/route-names');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ routed: true, sources: SOURCES, targets: TARGETS, removedTargets: [] });
  });

  it('counts deliveries per target in the stats, every target of the configuration listed', async () => {
    const before = (await get('/admin/stats')).body.targets;
    expect(Object.keys(before)).toEqual(TARGETS);
    await fannedOut();
    const after = (await get('/admin/stats')).body.targets;
    expect(after.crm.states.delivered - before.crm.states.delivered).toBe(1);
    expect(after.desk.states.dead - before.desk.states.dead).toBe(1);
    expect(Object.keys(after.desk.states).sort()).toEqual(['dead', 'delivered', 'queued', 'stale']);
    for (const target of TARGETS) {
      expect(after[target]).toMatchObject({
        connector: 'generic',
        breaker: 'closed',
        token: { mode: 'client_credentials', cached: true, lastError: null },
        activeDeliveries: 0,
        concurrency: expect.any(Number),
      });
    }
  });

  it('shows each target in the readiness details: breaker, token, in flight, queue depth', async () => {
    await fannedOut();
    const open = await request(t.server).get('/health/ready');
    expect(open.status).toBe(200);
    const targets = open.body.details.crm.targets;
    expect(Object.keys(targets)).toEqual(TARGETS);
    expect(targets.desk).toMatchObject({ connector: 'generic', breaker: 'closed', inFlight: 0, queued: 0 });
    expect(targets.desk.dead).toBeGreaterThanOrEqual(1);
    expect(targets.crm.dead).toBe(0);
    // Error texts of a token endpoint only for the admin.
    expect(targets.crm.token).toEqual({
      mode: 'client_credentials',
      cached: true,
      expiresAt: expect.any(String),
      failing: false,
    });
    const admin = await request(t.server).get('/health/ready').set(AUTH);
    expect(admin.body.details.crm.targets.crm.token).toMatchObject({ lastError: null });
    expect(admin.body.details.crm.targets.crm.token.failing).toBeUndefined();
  });
});
