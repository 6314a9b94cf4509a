import { eventView } from './support/admin-api';
import { ADMIN, call, Method, PROFILE, RIGHT, SECRET } from './support/admin-console-app';
import { adminApiApp, DeadLetter, profileBody } from './support/admin-api-app';
import { Driver, driverEnv, describeEachDriver } from './support/drivers';
import { sandboxedApp, TestApp } from './support/test-app';
import { sendAccepted, unique } from './support/webhook-cases';

/**
 * Who may use the operators' API, end to end over real HTTP for each queue driver: every route
 * with a missing, a wrong and the right token (a dead letter the wrong ones aim at comes out
 * untouched), and without ADMIN_TOKEN, where every route answers as one that does not exist.
 */

describeEachDriver('admin API (%s driver)', (driver: Driver) => {
  const { app, makeDeadLetters, sentFor } = adminApiApp(driver);
  let t: TestApp;
  /** A dead letter the unauthorised calls aim at; it must come out of them untouched. */
  let target: string;

  beforeAll(async () => {
    t = app();
    [target] = await makeDeadLetters([PROFILE]);
  });

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
