import { AddressInfo } from 'node:net';
import { chromium } from 'playwright-core';
import request from 'supertest';
import { CrmSandbox } from '../src/dev/sandbox/crm-sandbox';
import { sandboxEnv } from './support/sandbox-env';
import { cognigySignature, nowSeconds } from './support/signing';
import { startTestApp, TestApp } from './support/test-app';
import { contactDialog, DIALOG_ROUTE, post, unique } from './support/webhook-cases';

/**
 * What production serves by default (SPEC 13), through real HTTP into the real app: no Swagger UI
 * or OpenAPI document unless OPENAPI_ENABLED=true, and then with the console's security headers
 * (Swagger UI renders under them in a real Chromium, with no policy violation); no /admin answer,
 * error or not, that a browser or proxy may store. (http:// CRM URLs:
 * test/environment-credentials.e2e-spec.ts and test/config-startup.e2e-spec.ts.)
 */

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ADMIN = 'production-defaults-admin';
const SECRET = 'production-defaults';
const DOCS = ['/docs', '/docs/openapi.json', '/docs/openapi.yaml'];

describe('production defaults', () => {
  const sandbox = new CrmSandbox({ port: 0 });
  beforeAll(() => sandbox.start());
  afterAll(() => sandbox.stop());

  /** The app in production against the sandbox (a loopback http:// CRM is allowed). */
  const production = (env: Record<string, string> = {}) =>
    startTestApp(sandboxEnv(sandbox, { NODE_ENV: 'production', COGNIGY_WEBHOOK_SECRETS: SECRET, ...env }));

  const expectPageHeaders = (headers: Record<string, string>) => {
    const csp = headers['content-security-policy'];
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self';");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-eval');
    expect(headers['x-frame-options']).toBe('DENY');
    expect(headers['x-content-type-options']).toBe('nosniff');
    expect(headers['referrer-policy']).toBe('no-referrer');
  };

  describe('/docs', () => {
    it('is off in production by default: the UI and the document are 404', async () => {
      const t = await production();
      try {
        for (const path of DOCS) expect([path, (await request(t.server).get(path)).status]).toEqual([path, 404]);
      } finally {
        await t.close();
      }
    });

    it("with OPENAPI_ENABLED=true it is served, each answer with the console's security headers", async () => {
      const t = await production({ OPENAPI_ENABLED: 'true' });
      try {
        for (const path of [...DOCS, '/docs/swagger-ui-bundle.js']) {
          const res = await request(t.server).get(path);
          expect([path, res.status]).toEqual([path, 200]);
          expectPageHeaders(res.headers);
        }
      } finally {
        await t.close();
      }
    });

    it('is on outside production by default, with the same headers', async () => {
      const t = await startTestApp({ COGNIGY_WEBHOOK_SECRETS: 'production-defaults' });
      try {
        const res = await request(t.server).get('/docs');
        expect(res.status).toBe(200);
        expectPageHeaders(res.headers);
      } finally {
        await t.close();
      }
    });

    it('Swagger UI renders under its Content-Security-Policy with no violation (Chromium)', async () => {
      const t = await production({ OPENAPI_ENABLED: 'true' });
      const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu'] });
      try {
        await new Promise<void>((resolve) => t.server.listen(0, '127.0.0.1', resolve));
        const { port } = t.server.address() as AddressInfo;
        const page = await browser.newPage();
        const errors: string[] = [];
        page.on('console', (message) => message.type() === 'error' && errors.push(message.text()));
        page.on('pageerror', (error) => errors.push(error.message));
        await page.goto(`http://127.0.0.1:${port}/docs`);
        await page.waitForSelector('.swagger-ui .info .title', { timeout: 20_000 });
        expect(await page.textContent('.swagger-ui .info .title')).toContain('cognigy-crm-sync');
        expect(await page.locator('.opblock').count()).toBeGreaterThan(5);
        expect(errors).toEqual([]);
      } finally {
        await browser.close();
        await t.close();
      }
    });
  });

  it('hmac requires X-Cognigy-Timestamp in production: the same signed bytes without it are 401', async () => {
    const t = await production();
    try {
      const raw = JSON.stringify(contactDialog(unique('C-ts')));
      const bare = await post(t, DIALOG_ROUTE, raw, {
        headers: { 'x-cognigy-signature': cognigySignature(SECRET, raw) },
      });
      expect(bare.status).toBe(401);
      const ts = nowSeconds();
      const stamped = await post(t, DIALOG_ROUTE, raw, {
        headers: { 'x-cognigy-timestamp': String(ts), 'x-cognigy-signature': cognigySignature(SECRET, raw, ts) },
      });
      expect(stamped.status).toBe(202);
    } finally {
      await t.close();
    }
  });

  describe('Cache-Control: no-store on every /admin answer', () => {
    let t: TestApp;
    beforeAll(async () => (t = await production({ ADMIN_TOKEN: ADMIN })));
    afterAll(() => t.close());

    const bearer = { authorization: `Bearer ${ADMIN}` };
    it.each([
      ['a page of dead letters', 'get', '/admin/dead-letters', 200, bearer],
      ['no token', 'get', '/admin/dead-letters', 401, {}],
      ['a wrong token', 'get', '/admin/events/x', 401, { authorization: 'Bearer wrong' }],
      ['an unknown event', 'get', '/admin/events/nope', 404, bearer],
      ['a bad query', 'get', '/admin/dead-letters?limit=0', 400, bearer],
      ['an unknown dead letter to delete', 'delete', '/admin/dead-letters/nope', 404, bearer],
      ['a route that does not exist', 'get', '/admin/nothing-here', 404, bearer],
      ['the bare prefix', 'get', '/admin', 404, bearer],
    ] as const)('%s (%s %s): %i', async (_, method, path, status, headers) => {
      const res = await request(t.server)[method](path).set(headers);
      expect(res.status).toBe(status);
      expect(res.headers['cache-control']).toBe('no-store');
    });

    it('also while ADMIN_TOKEN is unset (every /admin route 404)', async () => {
      const bare = await production();
      try {
        const res = await request(bare.server).get('/admin/dead-letters');
        expect(res.status).toBe(404);
        expect(res.headers['cache-control']).toBe('no-store');
      } finally {
        await bare.close();
      }
    });
  });
});
