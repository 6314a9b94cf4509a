import { INestApplication } from '@nestjs/common';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ModuleImport } from '../../src/app.module';
import { createApp } from '../../src/bootstrap';
import { CrmSandbox } from '../../src/dev/sandbox/crm-sandbox';
import { cleanRedis } from './drivers';
import { FIXTURE_RECORD_STATE_TTL } from './fixture-times';
import { sandboxEnv } from './sandbox-env';

export interface TestApp {
  app: INestApplication;
  /** The HTTP server, for supertest. */
  server: any;
  dataDir: string;
  close(): Promise<void>;
}

/** Variables the service reads; cleared for each test app so the host's environment never leaks in. */
const OWN_PREFIXES = [
  'WEBHOOK_',
  'COGNIGY_',
  'STANDARD_WEBHOOK',
  'CRM_',
  'QUEUE_',
  'SQLITE_',
  'REDIS_',
  'DEDUP_',
  'RECORD_',
  'OPENAPI_',
  'MAPPINGS_',
  'LATENCY_',
  'SLA_',
  'ADMIN_',
  'DATA_DIR',
  'LOG_',
  'SHUTDOWN_',
  'NODE_ENV',
  'OTEL_',
];

/**
 * Builds the real application (src/bootstrap.ts, as `main.ts` does) with the given environment
 * and a fresh DATA_DIR, importing `added` modules besides its own. The environment is restored once
 * the app is built.
 */
export async function startTestApp(env: Record<string, string> = {}, added: ModuleImport[] = []): Promise<TestApp> {
  const dataDir = env.DATA_DIR ?? mkdtempSync(join(tmpdir(), 'ccs-test-'));
  const saved = { ...process.env };
  for (const key of Object.keys(process.env)) {
    if (OWN_PREFIXES.some((p) => key.startsWith(p))) delete process.env[key];
  }
  Object.assign(
    process.env,
    {
      LOG_LEVEL: 'silent',
      LOG_FORMAT: 'json',
      DATA_DIR: dataDir,
      CRM_SANDBOX_PORT: '0',
      RECORD_STATE_TTL_SECONDS: FIXTURE_RECORD_STATE_TTL,
    },
    env,
  );
  let app: INestApplication | undefined;
  try {
    app = await createApp(added);
    await app.init();
    // main.ts's listen() would flush the logs buffered during startup; init() does not.
    app.flushLogs();
  } catch (error) {
    await app?.close().catch(() => undefined);
    throw error;
  } finally {
    process.env = saved;
  }
  const built = app;
  return {
    app: built,
    server: built.getHttpServer(),
    dataDir,
    async close() {
      await built.close();
      if (!env.DATA_DIR) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * For the enclosing describe: a CRM sandbox and an app delivering to it. Before its tests the
 * sandbox starts, then the app with `sandboxEnv(sandbox, overrides)`; after them the sandbox's
 * faults are cleared, the app closed, the sandbox stopped and the app's Redis keys (if it used
 * Redis) deleted. `app()` is the running app, from the describe's own beforeAll on.
 */
export function sandboxedApp(overrides: Record<string, string>): { sandbox: CrmSandbox; app: () => TestApp } {
  const sandbox = new CrmSandbox({ port: 0 });
  let t: TestApp | undefined;

  beforeAll(async () => {
    await sandbox.start();
    t = await startTestApp(sandboxEnv(sandbox, overrides));
  });

  afterAll(async () => {
    sandbox.clearFaults();
    await t?.close();
    await sandbox.stop();
    await cleanRedis(overrides);
  });

  return { sandbox, app: () => t! };
}
