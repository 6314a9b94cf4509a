import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sampleDialog } from '../src/webhook/dto/dialog-complete.fixture';
import { exitWithin, runService, waitForOutput } from './support/service-process';
import { startTestApp, TestApp } from './support/test-app';
import { DIALOG_ROUTE, postSigned } from './support/webhook-cases';

/** Settings a production start needs besides the webhook secret. */
const PRODUCTION_CRM = {
  NODE_ENV: 'production',
  CRM_BASE_URL: 'https://crm.example.com',
  CRM_TOKEN_URL: 'https://crm.example.com/oauth/token',
  CRM_CLIENT_ID: 'ccs-client',
  CRM_CLIENT_SECRET: 'client-secret-do-not-print-7f3a',
};

/** Nest prints its own log line with the error: the variable must be named on stderr. */
const STARTED = /Nest application successfully started/;

describe('configuration at startup (the built service, dist/main.js)', () => {
  let root: string;
  let n = 0;
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'ccs-startup-'));
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const dataDir = () => join(root, `data-${++n}`);

  describe('a bad configuration stops the process with a non-zero exit naming the variable', () => {
    it('PORT=abc', async () => {
      const service = runService({ PORT: 'abc', DATA_DIR: dataDir() }, root);
      const exit = await exitWithin(service);
      expect(exit.code).not.toBe(0);
      expect(exit.code).not.toBeNull();
      expect(service.stderr()).toMatch(/\bPORT\b/);
      expect(service.output()).not.toMatch(STARTED);
    });

    it('several bad variables are all named in one run', async () => {
      const service = runService({ PORT: 'abc', CRM_CONCURRENCY: '1.5', LOG_LEVEL: 'loud', DATA_DIR: dataDir() }, root);
      const exit = await exitWithin(service);
      expect(exit.code).not.toBe(0);
      for (const name of ['PORT', 'CRM_CONCURRENCY', 'LOG_LEVEL']) expect(service.stderr()).toContain(name);
    });

    it('NODE_ENV=production without COGNIGY_WEBHOOK_SECRETS, without printing any secret', async () => {
      const service = runService({ ...PRODUCTION_CRM, PORT: '0', DATA_DIR: dataDir() }, root);
      const exit = await exitWithin(service);
      expect(exit.code).not.toBe(0);
      expect(exit.code).not.toBeNull();
      expect(service.stderr()).toContain('COGNIGY_WEBHOOK_SECRETS');
      // Only the missing secret is a problem here.
      expect(service.stderr()).not.toMatch(/CRM_BASE_URL:|CRM_CLIENT_SECRET:/);
      expect(service.output()).not.toContain(PRODUCTION_CRM.CRM_CLIENT_SECRET);
      expect(service.output()).not.toMatch(STARTED);
    });

    it('NODE_ENV=production with an http:// CRM URL off this host names it', async () => {
      const service = runService(
        {
          ...PRODUCTION_CRM,
          CRM_BASE_URL: 'http://crm.example.com',
          COGNIGY_WEBHOOK_SECRETS: 'prod-secret-never-printed',
          PORT: '0',
          DATA_DIR: dataDir(),
        },
        root,
      );
      expect((await exitWithin(service)).code).not.toBe(0);
      expect(service.stderr()).toMatch(/CRM_BASE_URL: http:\/\/ is refused in production/);
      expect(service.stderr()).not.toMatch(/CRM_TOKEN_URL:/);
      expect(service.output()).not.toMatch(STARTED);
    });

    it('CRM_ALLOW_INSECURE_HTTP=true lets it start, and every start says so', async () => {
      const service = runService(
        {
          ...PRODUCTION_CRM,
          CRM_BASE_URL: 'http://crm.example.com',
          CRM_ALLOW_INSECURE_HTTP: 'true',
          COGNIGY_WEBHOOK_SECRETS: 'prod-secret-never-printed',
          DELIVERY_ENABLED: 'false',
          PORT: '0',
          DATA_DIR: dataDir(),
        },
        root,
      );
      try {
        await waitForOutput(service, STARTED);
        expect(service.output()).toMatch(/CRM_BASE_URL is http:\/\/ \(CRM_ALLOW_INSECURE_HTTP=true\)/);
      } finally {
        await service.stop();
      }
    });

    it('NODE_ENV=production without the CRM settings names each of them', async () => {
      const service = runService(
        {
          NODE_ENV: 'production',
          COGNIGY_WEBHOOK_SECRETS: 'prod-secret-never-printed',
          PORT: '0',
          DATA_DIR: dataDir(),
        },
        root,
      );
      expect((await exitWithin(service)).code).not.toBe(0);
      for (const name of ['CRM_BASE_URL', 'CRM_TOKEN_URL', 'CRM_CLIENT_ID', 'CRM_CLIENT_SECRET']) {
        expect(service.stderr()).toContain(name);
      }
      expect(service.output()).not.toContain('prod-secret-never-printed');
    });
  });

  describe('outside production, the development webhook secret', () => {
    it('is created once with mode 0600, reused on the next start, and never printed', async () => {
      const dir = dataDir();
      const file = join(dir, 'dev-webhook-secret');
      const env = {
        NODE_ENV: 'development',
        PORT: '0',
        HOST: '127.0.0.1',
        CRM_SANDBOX_PORT: '0',
        DATA_DIR: dir,
      };

      const first = runService(env, root);
      try {
        await waitForOutput(first, STARTED);
      } finally {
        await first.stop();
      }
      expect(statSync(file).mode & 0o777).toBe(0o600);
      const secret = readFileSync(file, 'utf8').trim();
      expect(secret).toMatch(/^[0-9a-f]{64}$/);
      expect(first.output()).toContain(file);
      expect(first.output()).toMatch(/generated a development secret/);
      expect(first.output()).not.toContain(secret);

      const second = runService(env, root);
      try {
        await waitForOutput(second, STARTED);
      } finally {
        await second.stop();
      }
      expect(readFileSync(file, 'utf8').trim()).toBe(secret);
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(second.output()).toContain(file);
      expect(second.output()).toMatch(/using the development secret/);
      expect(second.output()).not.toContain(secret);
    });

    it('is the secret the running service checks signatures against, across restarts', async () => {
      const dir = dataDir();
      const post = (t: TestApp, secret: string, conversationId: string) =>
        postSigned(t, secret, DIALOG_ROUTE, sampleDialog({ conversationId }));

      const first = await startTestApp({ DATA_DIR: dir, NODE_ENV: 'development' });
      let secret: string;
      try {
        secret = readFileSync(join(dir, 'dev-webhook-secret'), 'utf8').trim();
        expect((await post(first, secret, 'conv-dev-1')).status).toBe(202);
        expect((await post(first, 'some-other-secret', 'conv-dev-2')).status).toBe(401);
      } finally {
        await first.close();
      }

      const second = await startTestApp({ DATA_DIR: dir, NODE_ENV: 'development' });
      try {
        expect(readFileSync(join(dir, 'dev-webhook-secret'), 'utf8').trim()).toBe(secret);
        expect((await post(second, secret, 'conv-dev-3')).status).toBe(202);
      } finally {
        await second.close();
      }
    });

    it('is not used when COGNIGY_WEBHOOK_SECRETS is set', async () => {
      const dir = dataDir();
      const t = await startTestApp({ DATA_DIR: dir, COGNIGY_WEBHOOK_SECRETS: 'configured' });
      try {
        expect(() => statSync(join(dir, 'dev-webhook-secret'))).toThrow(/ENOENT/);
      } finally {
        await t.close();
      }
    });
  });
});
