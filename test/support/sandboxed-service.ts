import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CrmSandbox, SandboxOptions } from '../../src/dev/sandbox/crm-sandbox';
import { sandboxEnv } from './sandbox-env';
import { freePort, ServiceProcess, serviceEnv, startService } from './service-process';

export interface SandboxedService {
  sandbox: CrmSandbox;
  /** The running service, from the describe's own beforeAll on. */
  service: () => ServiceProcess;
  port: () => number;
  /** Whether the service process still runs. */
  alive: () => boolean;
  /** The service's VmRSS (resident now) or VmHWM (peak resident since start), in bytes. */
  memory: (field: 'VmRSS' | 'VmHWM') => number;
}

/**
 * For the enclosing describe: a CRM sandbox and the BUILT service (dist/main.js) delivering to it,
 * with `env(sandbox)` on top of `sandboxEnv(sandbox)` (the suite's secrets and limits). Stopped
 * (SIGKILL) and cleaned up after the describe's tests.
 */
export function sandboxedService(
  name: string,
  env: (sandbox: CrmSandbox) => Record<string, string>,
  sandboxOptions: SandboxOptions = {},
): SandboxedService {
  const sandbox = new CrmSandbox({ port: 0, ...sandboxOptions });
  const running: ServiceProcess[] = [];
  let root: string;
  let port: number;
  let service: ServiceProcess;

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), `ccs-${name}-`));
    await sandbox.start();
    port = await freePort();
    service = await startService(
      serviceEnv(port, join(root, 'data'), sandboxEnv(sandbox, env(sandbox))),
      root,
      running,
    );
  });
  afterAll(async () => {
    await Promise.all(running.map((s) => s.stop('SIGKILL')));
    await sandbox.stop();
    rmSync(root, { recursive: true, force: true });
  });

  return {
    sandbox,
    service: () => service,
    port: () => port,
    alive: () => service.child.exitCode === null && service.child.signalCode === null,
    memory: (field) =>
      Number(new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync(`/proc/${service.child.pid}/status`, 'utf8'))![1]) *
      1024,
  };
}
