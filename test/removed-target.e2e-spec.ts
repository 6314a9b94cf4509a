import request from 'supertest';
import { describeEachDriver } from './support/drivers';
import { parseSamples, Sample } from './support/prometheus-text';
import { removedTargetApp } from './support/removed-target-app';
import { waitFor } from './support/wait-for';

/**
 * A target taken out of ROUTES_FILE while the store still holds its deliveries (docs/routing.md,
 * "Removing a target"; the scenario: test/support/removed-target-app.ts). After the restart
 * without desk: one startup warning naming desk, its counts and the routes to use; GET /metrics
 * has desk's queue depth beside crm's. The admin API takes desk's name while the store holds its
 * deliveries (listed, shown, deleted one delivery at a time) and refuses to replay them (409, a
 * replay without target leaves them dead and says so); any other name keeps its 400 or 404, which
 * names desk too.
 */

const DESK_REMOVED = 'desk (removed from ROUTES_FILE, deliveries still stored)';
const REPLAY_REFUSED =
  'Dead letters of target desk not replayed: ROUTES_FILE does not name it, so nothing would deliver them. ' +
  'Name it in ROUTES_FILE again and restart first, or delete the dead letters: ' +
  'DELETE /admin/dead-letters/<eventId>?target=desk';

describeEachDriver('a target removed from ROUTES_FILE (%s driver)', (driver) => {
  const scenario = removedTargetApp(driver);
  const { admin, deliveries } = scenario;
  const scrape = async () => parseSamples((await request(scenario.app().server).get('/metrics')).text);
  const depth = (samples: Sample[], target: string, state: string) =>
    samples
      .filter((s) => s.name === 'queue_events' && s.labels.target === target && s.labels.state === state)
      .map((s) => s.value);
  /** `eventId target` of each item listed, sorted. */
  const listed = async (path: string) =>
    ((await admin('get', path)).body.items as { eventId: string; target: string }[])
      .map((item) => `${item.eventId} ${item.target}`)
      .sort();
  const settled = (eventId: string, states: string[]) =>
    waitFor(async () => JSON.stringify(await deliveries(eventId)) === JSON.stringify(states), {
      what: `event ${eventId}: ${states.join(', ')}`,
    });

  it('warns once at startup, naming the target, its queued and dead counts and the routes to use; nothing secret', () => {
    const warnings = scenario.startLines().filter((line) => line.context === 'RemovedTargetsWarning');
    expect(warnings).toEqual([expect.objectContaining({ level: 40, target: 'desk', queued: 1, dead: 2 })]);
    const { msg } = warnings[0];
    expect(msg).toMatch(
      /^Target desk: 1 queued and 2 dead deliveries stored, not delivered while ROUTES_FILE does not name it\./,
    );
    expect(msg).toContain('Name it in ROUTES_FILE again');
    expect(msg).toContain('GET /admin/dead-letters?target=desk');
    expect(msg).toContain('DELETE /admin/dead-letters/<eventId>?target=desk');
    for (const secret of scenario.secrets) expect(scenario.startOutput()).not.toContain(secret);
  });

  it("GET /metrics has the removed target's queue depth beside the configured target's; no other series names it", async () => {
    const samples = await scrape();
    expect(depth(samples, 'desk', 'queued')).toEqual([1]);
    expect(depth(samples, 'desk', 'dead')).toEqual([2]);
    expect(depth(samples, 'crm', 'queued')).toEqual([0]);
    expect(depth(samples, 'crm', 'dead')).toEqual([2]);
    const elsewhere = samples.filter((s) => s.name !== 'queue_events' && s.labels.target === 'desk');
    expect(elsewhere).toEqual([]);
  });

  it('GET /admin/route-names reports it apart from the configured targets', async () => {
    const res = await admin('get', '/admin/route-names');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ routed: true, sources: ['chat'], targets: ['crm'], removedTargets: ['desk'] });
  });

  it('lists and shows exactly its deliveries through the target filter and the per-delivery route', async () => {
    const [first, second] = scenario.events().deadOnBoth;
    const queued = scenario.events().queuedForDesk;
    expect(await listed('/admin/dead-letters?target=desk')).toEqual([`${first} desk`, `${second} desk`].sort());
    expect(await listed('/admin/events?state=queued&target=desk')).toEqual([`${queued} desk`]);
    expect(await listed('/admin/events?state=dead&target=desk&source=chat')).toEqual(
      [`${first} desk`, `${second} desk`].sort(),
    );
    const one = await admin('get', `/admin/events/${first}?target=desk`);
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({ eventId: first, target: 'desk', state: 'dead', lastStatus: 400 });
  });

  it.each([
    ['get', '/admin/dead-letters?target=nope'],
    ['get', '/admin/events?state=dead&target=nope'],
    ['post', '/admin/dead-letters/replay?target=nope&dryRun=true'],
  ] as const)(
    'answers %s %s, a name neither configured nor stored, with a 400 naming desk too',
    async (method, path) => {
      const res = await admin(method, path);
      expect(res.status).toBe(400);
      expect(res.body).toEqual({
        statusCode: 400,
        error: 'Bad Request',
        message: [`target must be one of crm, or of ${DESK_REMOVED}`],
      });
    },
  );

  it('answers a per-delivery route of such a name with a 404 naming desk too', async () => {
    const [first] = scenario.events().deadOnBoth;
    for (const [method, path, what] of [
      ['post', `/admin/dead-letters/${first}/replay?target=nope`, 'Dead letter'],
      ['delete', `/admin/dead-letters/${first}?target=nope`, 'Dead letter'],
      ['get', `/admin/events/${first}?target=nope`, 'Event'],
    ] as const) {
      const res = await admin(method, path);
      expect({ path, status: res.status, message: res.body.message }).toEqual({
        path,
        status: 404,
        message: `${what} not found: target must be one of crm, or of ${DESK_REMOVED}`,
      });
    }
  });

  it('refuses to replay its dead letters (409), one or all, dry run too, and changes nothing', async () => {
    const [first] = scenario.events().deadOnBoth;
    for (const path of [
      `/admin/dead-letters/${first}/replay?target=desk`,
      '/admin/dead-letters/replay?target=desk',
      '/admin/dead-letters/replay?target=desk&dryRun=true',
    ]) {
      const res = await admin('post', path);
      expect({ path, status: res.status, body: res.body }).toEqual({
        path,
        status: 409,
        body: { statusCode: 409, error: 'Conflict', message: REPLAY_REFUSED },
      });
    }
    expect(await deliveries(first)).toEqual(['crm dead', 'desk dead']);
    expect(depth(await scrape(), 'desk', 'dead')).toEqual([2]);
  });

  it("deletes its dead delivery of an event with target=desk, leaving crm's dead delivery of the same event", async () => {
    const [first, second] = scenario.events().deadOnBoth;
    expect((await admin('delete', `/admin/dead-letters/${first}?target=desk`)).status).toBe(204);
    expect(await deliveries(first)).toEqual(['crm dead']);
    expect(await listed('/admin/dead-letters?target=desk')).toEqual([`${second} desk`]);
    expect(await listed('/admin/dead-letters?target=crm')).toEqual([`${first} crm`, `${second} crm`].sort());
  });

  it('a replay without target replays the configured targets only, leaves its dead deliveries dead and says so', async () => {
    const [first, second] = scenario.events().deadOnBoth;
    const dryRun = await admin('post', '/admin/dead-letters/replay?dryRun=true');
    expect({ status: dryRun.status, body: dryRun.body }).toEqual({
      status: 200,
      body: { wouldReplay: 2, skippedByTarget: { desk: 1 } },
    });

    const one = await admin('post', `/admin/dead-letters/${second}/replay`);
    expect({ status: one.status, body: one.body }).toEqual({
      status: 202,
      body: { eventId: second, state: 'queued', skippedTargets: ['desk'] },
    });
    await settled(second, ['crm delivered', 'desk dead']);

    const all = await admin('post', '/admin/dead-letters/replay');
    expect({ status: all.status, body: all.body }).toEqual({
      status: 202,
      body: { replayed: 1, skippedByTarget: { desk: 1 } },
    });
    await settled(first, ['crm delivered']);

    // Only desk's dead delivery is left: nothing to replay, refused as if desk were named.
    const left = await admin('post', `/admin/dead-letters/${second}/replay`);
    expect({ status: left.status, message: left.body.message }).toEqual({ status: 409, message: REPLAY_REFUSED });
    expect(await deliveries(second)).toEqual(['crm delivered', 'desk dead']);
  });

  it('its last dead letter deleted, its dead series drops to 0 and its queued one stays', async () => {
    const [, second] = scenario.events().deadOnBoth;
    expect((await admin('delete', `/admin/dead-letters/${second}?target=desk`)).status).toBe(204);
    const samples = await scrape();
    expect(depth(samples, 'desk', 'dead')).toEqual([0]);
    expect(depth(samples, 'desk', 'queued')).toEqual([1]);
    expect((await admin('get', '/admin/route-names')).body.removedTargets).toEqual(['desk']);
  });
});
