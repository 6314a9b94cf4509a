import { eventView } from './support/admin-api';
import { adminConsoleApp, ADMIN, call, Method, PROFILE, RIGHT, SECRET } from './support/admin-console-app';
import { Driver, driverEnv, describeEachDriver } from './support/drivers';
import { sandboxedApp, TestApp } from './support/test-app';
import { contactDialog, unique } from './support/webhook-cases';

/**
 * Who may call the admin API the console uses, end to end over real HTTP for each queue driver:
 * every new route and filter with a missing, a wrong and the right token, and without ADMIN_TOKEN.
 */

describeEachDriver('admin API for the console (%s driver)', (driver: Driver) => {
  const { deadLetter, app } = adminConsoleApp(driver);
  let t: TestApp;
  beforeAll(() => (t = app()));

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
