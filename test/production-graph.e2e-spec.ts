import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { cleanRedis, describeEachDriver, driverEnv } from './support/drivers';
import { freePort } from './support/service-process';

const PROBE = join(__dirname, 'support', 'app-graph-probe.js');

interface Graph {
  /** Every module, provider and controller class in the Nest container. */
  classes: string[];
  /** Files under dist/dev/ the process loaded. */
  devFiles: string[];
  /** Packages the process loaded from node_modules. */
  packages: string[];
  /** Ports of the TCP servers listening in the process. */
  listening: number[];
}

/**
 * The production module graph holds no sandbox code: the built application (dist/, as
 * `node dist/main` builds it) with CRM_BASE_URL set neither loads a file of the development
 * sandbox, nor holds a sandbox class in its container, nor listens anywhere. The same probe
 * without CRM_BASE_URL sees the sandbox, so it would see one that leaked into production.
 */
describe('the application graph with and without CRM_BASE_URL (the built service)', () => {
  let root: string;
  let n = 0;
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'ccs-graph-'));
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  /** Builds the app in a child process with exactly `env` (in a directory without `.env`). */
  async function probe(env: Record<string, string>): Promise<Graph> {
    const { stdout } = await promisify(execFile)(process.execPath, [PROBE], {
      cwd: root,
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        DATA_DIR: join(root, `data-${++n}`),
        LOG_LEVEL: 'silent',
        ...env,
      },
      timeout: 60000,
    });
    return JSON.parse(stdout.trim().split('\n').pop() as string) as Graph;
  }

  const CRM = {
    CRM_BASE_URL: 'http://127.0.0.1:9/crm',
    CRM_TOKEN_URL: 'http://127.0.0.1:9/oauth/token',
    CRM_CLIENT_ID: 'ccs-client',
    CRM_CLIENT_SECRET: 'ccs-client-secret',
    COGNIGY_WEBHOOK_SECRETS: 'graph-test-secret',
  };

  it.each(['production', 'development'])(
    'NODE_ENV=%s with CRM_BASE_URL set: no sandbox code, provider or server',
    async (mode) => {
      const sandboxPort = await freePort();
      const graph = await probe({ ...CRM, NODE_ENV: mode, CRM_SANDBOX_PORT: String(sandboxPort) });

      expect(graph.classes).toEqual(
        expect.arrayContaining(['AppModule', 'CrmModule', 'TargetRuntimes', 'WebhookController']),
      );
      expect(graph.classes.filter((name) => /sandbox/i.test(name))).toEqual([]);
      expect(graph.devFiles).toEqual([]);
      expect(graph.listening).toEqual([]);
    },
  );

  it('without CRM_BASE_URL (development), the probe sees the sandbox: its module, its files and its server', async () => {
    const sandboxPort = await freePort();
    const graph = await probe({
      NODE_ENV: 'development',
      COGNIGY_WEBHOOK_SECRETS: 'graph-test-secret',
      CRM_SANDBOX_PORT: String(sandboxPort),
    });

    expect(graph.classes).toEqual(expect.arrayContaining(['DevSandboxModule']));
    expect(graph.devFiles).toEqual(
      expect.arrayContaining(['dev/sandbox/crm-sandbox.js', 'dev/sandbox/dev-sandbox.module.js']),
    );
    expect(graph.listening).toEqual([sandboxPort]);
  });

  // The Redis driver's packages are ~230 modules a SQLite service would hold in memory for nothing.
  describeEachDriver('QUEUE_DRIVER=%s', (driver) => {
    const env = driverEnv(driver);
    afterAll(() => cleanRedis(env));

    it('loads bullmq and ioredis only when Redis is the driver', async () => {
      const graph = await probe({ ...CRM, NODE_ENV: 'production', ...env });

      const redisPackages = graph.packages.filter((name) => name === 'bullmq' || name === 'ioredis').sort();
      expect(redisPackages).toEqual(driver === 'redis' ? ['bullmq', 'ioredis'] : []);
    });
  });

  // Swagger loads on the first request under /docs (test/openapi.e2e-spec.ts serves it).
  it.each(['true', 'false'])('OPENAPI_ENABLED=%s: @nestjs/swagger not loaded at start-up', async (enabled) => {
    const graph = await probe({ ...CRM, NODE_ENV: 'production', OPENAPI_ENABLED: enabled });

    expect(graph.packages.filter((name) => name === '@nestjs/swagger' || name === 'swagger-ui-dist')).toEqual([]);
  });
});
