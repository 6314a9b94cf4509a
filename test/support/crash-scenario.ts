import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { CrmSandbox } from '../../src/dev/sandbox/crm-sandbox';
import { ADMIN, drainAndCheck } from './crash-outcome';
import { FAILURES_AT, FAILURES_EACH, KILL_AFTER, SECRET, SentEvent } from './crash-stream';
import { CrmTap } from './crm-tap';
import { cleanRedis, Driver, driverEnv } from './drivers';
import { sandboxEnv } from './sandbox-env';
import { runService, ServiceProcess, serviceEnv } from './service-process';

/** Redis: the claims of a killed instance lapse this soon (QUEUE_LEASE_MS). */
export const LEASE_MS = 2000;

/**
 * For the enclosing describe of a crash suite (test/crash-*.e2e-spec.ts): before each test a CRM
 * sandbox, the tap in front of it and a store of `driver` (one Redis prefix shared by every
 * instance of the test); after it the instances are SIGKILLed and all of it removed. `current()`
 * is the test's root directory and tap; `start` runs the BUILT service (dist/main.js) as a child
 * process, `failSome` and `killInTheMiddle` act on the stream, `drainAndCheck` checks the outcome.
 */
export function crashScenario(driver: Driver) {
  let root: string;
  let sandbox: CrmSandbox;
  let tap: CrmTap;
  let redisEnv: Record<string, string>;
  let running: ServiceProcess[] = [];

  beforeEach(async () => {
    root = mkdtempSync(join(tmpdir(), 'ccs-crash-'));
    sandbox = new CrmSandbox({ port: 0 });
    await sandbox.start();
    // Every CRM request takes a little while, so deliveries are in flight when the kill comes.
    sandbox.inject({ latencyMs: 20, count: -1 });
    tap = new CrmTap(sandbox.url);
    await tap.start();
    redisEnv = driverEnv(driver); // one prefix shared by every instance of the test
  });

  afterEach(async () => {
    await Promise.all(running.map((s) => s.stop('SIGKILL')));
    running = [];
    await tap.stop();
    await sandbox.stop();
    await cleanRedis(redisEnv);
    rmSync(root, { recursive: true, force: true });
  });

  /** `victim`: the instance to be killed logs at info, its "event delivered" lines saying what it recorded. */
  function start(instance: string, port: number, dataDir: string, victim = false): ServiceProcess {
    const service = runService(
      serviceEnv(port, dataDir, {
        LOG_LEVEL: victim ? 'info' : 'warn',
        COGNIGY_WEBHOOK_SECRETS: SECRET,
        ADMIN_TOKEN: ADMIN,
        // The CRM API through the tap, under this instance's path; tokens from the sandbox itself.
        ...sandboxEnv(sandbox, {
          CRM_BASE_URL: tap.urlFor(instance),
          CRM_RETRY_BASE_MS: '20',
          CRM_RETRY_MAX_MS: '200',
        }),
        ...redisEnv,
        ...(driver === 'redis' ? { QUEUE_LEASE_MS: String(LEASE_MS) } : {}),
      }),
      root,
    );
    running.push(service);
    return service;
  }

  /** A few CRM 503s at FAILURES_AT: those events are retried (with the next one of the record queued). */
  function failSome(attempted: number): void {
    if (!FAILURES_AT.includes(attempted)) return;
    sandbox.clearFaults();
    sandbox.inject({ status: 503, latencyMs: 20, count: FAILURES_EACH });
    sandbox.inject({ latencyMs: 20, count: -1 });
  }

  /**
   * Arms the kill: once `KILL_AFTER` events were attempted, the next CRM request of `victim`
   * SIGKILLs it (the request itself still reaches the CRM). A timer kills anyway if no delivery
   * comes within 1 s. Resolves with the kill time (performance.now()).
   */
  function killInTheMiddle(
    victim: ServiceProcess,
    instance: string,
  ): { onAttempted(n: number): void; killed: Promise<number> } {
    let resolveKilled: (at: number) => void = () => undefined;
    const killed = new Promise<number>((resolve) => (resolveKilled = resolve));
    let armed = false;
    let done = false;
    const kill = () => {
      if (done) return;
      done = true;
      tap.onCall = undefined;
      victim.child.kill('SIGKILL');
      resolveKilled(performance.now());
    };
    return {
      killed,
      onAttempted(n: number) {
        if (armed || n < KILL_AFTER) return;
        armed = true;
        tap.onCall = (call) => {
          if (call.instance === instance) kill();
        };
        setTimeout(kill, 1000).unref();
      },
    };
  }

  return {
    current: () => ({ root, tap }),
    start,
    failSome,
    killInTheMiddle,
    drainAndCheck: (
      stream: SentEvent[],
      adminPort: number,
      killed: { instance: string; at: number; service: ServiceProcess },
    ) => drainAndCheck(sandbox, tap, stream, adminPort, killed),
  };
}
