import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CrmSandbox } from '../../src/dev/sandbox/crm-sandbox';
import { sandboxEnv } from './sandbox-env';
import { call, freePort, runService, ServiceProcess, serviceEnv, startService } from './service-process';
import { signedEvent } from './signing';

/** Whether redis-server, redis-sentinel, redis-cli and openssl are on PATH. */
const toolsPresent = ['redis-server', 'redis-sentinel', 'redis-cli', 'openssl'].every(
  (tool) => spawnSync('which', [tool]).status === 0,
);

/**
 * describe for suites that start their own Redis processes: skipped with a notice without the
 * binaries (Debian's redis-server, redis-sentinel, redis-tools, openssl), run (and failing) under
 * CI=true, where .ci/run installs them.
 */
export function describeWithRedisBinaries(name: string, fn: () => void): void {
  const runs = toolsPresent || process.env.CI === 'true';
  if (!runs) console.warn(`NOTICE: redis-server/redis-sentinel/redis-cli/openssl missing: "${name}" is SKIPPED`);
  (runs ? describe : describe.skip)(name, fn);
}

export const DIALOG_PATH = '/webhooks/cognigy/dialog-complete';

/** Posts the signed event `key` (contact C-<key>) to the service on `port`. */
export function postEvent(port: number, secret: string, key: string, timeoutMs = 15_000) {
  const { raw, headers } = signedEvent(secret, key);
  return call(port, 'POST', DIALOG_PATH, { raw, headers, timeoutMs });
}

/** How many times the CRM applied the upsert of contact C-<key> (0: never). */
export function applications(sandbox: CrmSandbox, key: string): number {
  for (const records of Object.values(sandbox.records())) {
    const record = records.find((r) => r.external_id === `C-${key}`);
    if (record) return Number(record.version);
  }
  return 0;
}

/** Every contact key the CRM holds with how often it was applied: C-<key> → versions. */
export function applicationsByKey(sandbox: CrmSandbox): Map<string, number> {
  const counts = new Map<string, number>();
  for (const records of Object.values(sandbox.records())) {
    for (const record of records) counts.set(String(record.external_id).replace(/^C-/, ''), Number(record.version));
  }
  return counts;
}

/** Something a test started that must be stopped after it (a Redis fleet or topology). */
interface Closable {
  close(): Promise<void>;
}

export interface RedisServiceSuite {
  sandbox: CrmSandbox;
  /** The environment of a service on this Redis (`redis`: REDIS_* and the test's own variables). */
  env: (redis: Record<string, string>) => Promise<Record<string, string>>;
  /** The built service started with env(redis), answering on the port it returns; stopped after the test. */
  start: (redis: Record<string, string>) => Promise<{ service: ServiceProcess; port: number }>;
  /** The built service run with env(redis) without waiting for it (one that must fail to start). */
  run: (redis: Record<string, string>) => Promise<ServiceProcess>;
  /** Closed after the test: the Redis processes it started. */
  track: <T extends Closable>(closable: T) => T;
}

/**
 * For the enclosing describe: a CRM sandbox, and services (the BUILT dist/main.js, signed with
 * `secret`, QUEUE_DRIVER=redis) that each test starts on the Redis processes it starts itself;
 * after each test both are stopped, after the describe the sandbox.
 */
export function redisServiceSuite(name: string, secret: string): RedisServiceSuite {
  const sandbox = new CrmSandbox({ port: 0 });
  const running: ServiceProcess[] = [];
  const tracked: Closable[] = [];
  let root: string;

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), `ccs-${name}-`));
    await sandbox.start();
  });
  afterEach(async () => {
    await Promise.all(running.splice(0).map((service) => service.stop('SIGKILL')));
    await Promise.all(tracked.splice(0).map((closable) => closable.close()));
  });
  afterAll(async () => {
    await sandbox.stop();
    rmSync(root, { recursive: true, force: true });
  });

  const env = async (redis: Record<string, string>) => {
    const port = await freePort();
    return serviceEnv(port, join(root, `data-${port}`), {
      ...sandboxEnv(sandbox),
      COGNIGY_WEBHOOK_SECRETS: secret,
      QUEUE_DRIVER: 'redis',
      ...redis,
    });
  };
  return {
    sandbox,
    env,
    start: async (redis) => {
      const settings = await env(redis);
      return { service: await startService(settings, root, running), port: Number(settings.PORT) };
    },
    run: async (redis) => {
      const service = runService(await env(redis), root);
      running.push(service);
      return service;
    },
    track: (closable) => {
      tracked.push(closable);
      return closable;
    },
  };
}
