import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CrmSandbox } from '../../src/dev/sandbox/crm-sandbox';
import { RedisNode } from '../support/redis-processes';
import { applicationsByKey } from '../support/redis-suites';
import { sandboxEnv } from '../support/sandbox-env';
import { call, Exit, freePort, MAIN, ServiceProcess, serviceEnv, waitUntilAnswering } from '../support/service-process';
import { isSettled, SignedLoad } from '../support/signed-load';
import { sleep, waitFor } from '../support/wait-for';

export const SECRET = 'failover-secret';
export const RATE = 200;
export const DURATION_MS = 20_000;
export const KILL_AT_MS = 5_000;

/** What one kill-the-master run saw, per event and overall. */
export interface FailoverReport {
  name: string;
  sent: number;
  /** Events the sender saw settled (202, or 200 for a retry of an event already kept). */
  settled: number;
  /** Settled events the CRM never got: acknowledged and lost. */
  lost: string[];
  /** Events the CRM applied more than once. */
  appliedTwice: string[];
  /** Events never settled (every try refused) that the CRM applied more than once. */
  unsettledTwice: string[];
  /** Requests the CRM answered from its Idempotency-Key record (a resend of an applied event). */
  resent: number;
  statuses: Record<string, number>;
  /** From the kill: first refusal, first 202 again (ms), or null. */
  firstRefusalMs: number | null;
  acceptedAgainMs: number | null;
  /** Readiness answers per instance, in order, with duplicates collapsed (e.g. 200,503,200). */
  readiness: string[];
}

/** The services of a run: started on `redis`, sharing one sandbox CRM. */
export interface RunServices {
  ports: number[];
  services: ServiceProcess[];
}

export async function startServices(
  count: number,
  root: string,
  sandbox: CrmSandbox,
  redis: Record<string, string>,
  running: ServiceProcess[],
): Promise<RunServices> {
  const ports: number[] = [];
  const services: ServiceProcess[] = [];
  for (let i = 0; i < count; i++) {
    const port = await freePort();
    const env = serviceEnv(port, join(root, `data-${port}`), {
      ...sandboxEnv(sandbox),
      COGNIGY_WEBHOOK_SECRETS: SECRET,
      QUEUE_DRIVER: 'redis',
      LOG_LEVEL: 'warn',
      // A short lease: a dead instance's events are taken over within 5 s, so a run stays short.
      QUEUE_LEASE_MS: '3000',
      ...redis,
    });
    const service = runLogged(env, root, join(root, `service-${port}.log`));
    running.push(service);
    await waitUntilAnswering(service, port);
    services.push(service);
    ports.push(port);
  }
  return { ports, services };
}

/**
 * The CRM quiet this long means nothing more is coming: well past a takeover of a dead instance's
 * events (lease 3 s + 2 stalled checks) and the retry backoff of the runs.
 */
const QUIET_MS = 20_000;

/** Waits until the CRM applied every settled event, or applied nothing new for QUIET_MS (some are lost). */
async function settle(sandbox: CrmSandbox, settledKeys: string[]): Promise<void> {
  let last = -1;
  let quietSince = Date.now();
  for (;;) {
    const applied = applicationsByKey(sandbox);
    if (settledKeys.every((key) => (applied.get(key) ?? 0) > 0)) return;
    const count = [...applied.values()].reduce((a, b) => a + b, 0);
    if (count !== last) [last, quietSince] = [count, Date.now()];
    else if (Date.now() - quietSince > QUIET_MS) return;
    await sleep(500);
  }
}

/**
 * The built service with its output going to a file, not a pipe: the test process is busy sending
 * 200 events/s, and a pipe it drains late would block the service's synchronous log writes (an
 * outage logs every 503), which is the test's doing, not the service's.
 */
function runLogged(env: Record<string, string>, cwd: string, logFile: string): ServiceProcess {
  const fd = openSync(logFile, 'a');
  const child = spawn(process.execPath, [MAIN], {
    cwd,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? cwd, ...env },
    stdio: ['ignore', fd, fd],
  });
  closeSync(fd);
  const exited = new Promise<Exit>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const output = () => readFileSync(logFile, 'utf8');
  return {
    child,
    stdout: output,
    stderr: () => '',
    output,
    exited,
    async stop(signal: NodeJS.Signals = 'SIGKILL') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** Polls GET /health/ready of each port until stopped; keeps each change of answer. */
function watchReadiness(ports: number[]): { unready(i: number): boolean; stop(): Promise<string[]> } {
  const seen = ports.map(() => [] as string[]);
  let running = true;
  const loops = ports.map(async (port, i) => {
    while (running) {
      const status = await call(port, 'GET', '/health/ready', { timeoutMs: 15_000 })
        .then((r) => String(r.status))
        .catch(() => 'down');
      if (seen[i][seen[i].length - 1] !== status) seen[i].push(status);
      await sleep(250);
    }
  });
  return {
    unready: (i) => seen[i].includes('503'),
    async stop() {
      running = false;
      await Promise.all(loops);
      return seen.map((changes) => changes.join(','));
    },
  };
}

export interface RunOptions {
  name: string;
  sandbox: CrmSandbox;
  services: RunServices;
  /** The master to `kill -9` at KILL_AT_MS. */
  master: () => Promise<RedisNode>;
  /** Resolves once the topology has promoted another master (then the killed node is restarted). */
  promoted: (killed: RedisNode) => Promise<void>;
  /** Runs right after the master was killed (e.g. kill a service instance too). */
  afterKill?: () => Promise<void>;
  /** Starts the killed master again (default: as it was; the topology makes it a replica). */
  rejoin?: (killed: RedisNode) => Promise<void>;
  /**
   * Instances whose readiness must have answered 503 before the killed master comes back: with
   * replica acks and one replica, every instance stays unready until a replica is back, so this
   * is a condition to wait for, however slowly a busy machine answers the probes.
   */
  unreadyBeforeRejoin?: number[];
}

/**
 * 200 signed events/s for 20 s at the services, the master killed at second 5 and restarted once
 * another was promoted (what an orchestrator does), then every settled event awaited at the CRM.
 */
export async function killTheMasterUnderLoad(options: RunOptions): Promise<FailoverReport> {
  const { sandbox, services } = options;
  const load = new SignedLoad({
    ports: services.ports,
    secret: SECRET,
    perSecond: RATE,
    durationMs: DURATION_MS,
    tag: options.name,
    maxTries: 30,
  });
  const readiness = watchReadiness(services.ports);
  const sending = load.run();
  await sleep(KILL_AT_MS);
  const victim = await options.master();
  const killedAt = Date.now();
  await victim.kill();
  await options.afterKill?.();
  await options.promoted(victim);
  for (const i of options.unreadyBeforeRejoin ?? []) {
    await waitFor(() => readiness.unready(i), { what: `instance ${i} unready`, timeoutMs: 60_000 });
  }
  await (options.rejoin ?? ((node: RedisNode) => node.restart()))(victim);
  await sending;
  const settledKeys = load.accepted().map((e) => e.key);
  await settle(sandbox, settledKeys);
  const applied = applicationsByKey(sandbox);
  const mine = (key: string) => key.startsWith(`${options.name}-`);
  const settled = new Set(settledKeys);
  const outage = load.outageAfter(killedAt);
  return {
    name: options.name,
    sent: load.events.length,
    settled: settled.size,
    lost: settledKeys.filter((key) => (applied.get(key) ?? 0) === 0),
    appliedTwice: [...applied].filter(([key, n]) => mine(key) && settled.has(key) && n > 1).map(([key]) => key),
    unsettledTwice: [...applied].filter(([key, n]) => mine(key) && !settled.has(key) && n > 1).map(([key]) => key),
    resent: sandbox.stats().replayedKeys,
    statuses: load.statusCounts(),
    firstRefusalMs: outage.firstRefusal === null ? null : outage.firstRefusal - killedAt,
    acceptedAgainMs: outage.acceptedAgain === null ? null : outage.acceptedAgain - killedAt,
    readiness: await readiness.stop(),
  };
}

export { isSettled };

/** The service's answers in a failover. */
const ANSWERS = ['202', '200', '503'];
/** No usable answer: none (-1), a cut connection (0), the body not read in time (408). */
const NO_ANSWER = ['-1', '0', '408'];

/**
 * What every run must show: the service answered 202, 200 (a retry of a kept event) or 503, never
 * another 5xx; `readiness`: these instances answered readiness 503 and then 200 again (without
 * acks the outage may be shorter than a probe). Tries without a usable answer (no answer, a cut
 * connection, a 408 for a body the service did not get to read within WEBHOOK_BODY_TIMEOUT_MS) are
 * what a starved machine does to a process: retried, counted in the report. That the Redis path
 * itself never holds a webhook is test/redis-failover.e2e-spec.ts's, with a master that stops
 * answering.
 */
export function expectOrderlyOutage(report: FailoverReport, readiness: number[]) {
  const statuses = Object.keys(report.statuses);
  expect(statuses.filter((s) => ![...ANSWERS, ...NO_ANSWER].includes(s))).toEqual([]);
  for (const i of readiness) expect(report.readiness[i]).toMatch(/^200,(.*,)?503,(.*,)?200$/);
}

/** One line per run, printed after the suite (docs/scaling.md takes its figures from here). */
export function describeReport(report: FailoverReport): string {
  const { name, sent, settled, lost, appliedTwice, resent, statuses, firstRefusalMs, acceptedAgainMs } = report;
  const label: Record<string, string> = { '-1': 'none', '0': 'cut', '408': '408' };
  const counts = (keys: string[]) =>
    keys
      .filter((k) => statuses[k])
      .map((k) => `${label[k] ?? k} x${statuses[k]}`)
      .join(', ') || '-';
  return (
    `${name}: sent ${sent}, settled ${settled}, acknowledged and lost ${lost.length}, applied twice ${appliedTwice.length}, ` +
    `resent (same Idempotency-Key) ${resent}, answers ${counts(ANSWERS)}, no usable answer ${counts(NO_ANSWER)}, ` +
    `kill -> first refusal ${firstRefusalMs ?? '-'} ms, kill -> first 202 again ${acceptedAgainMs ?? '-'} ms, ` +
    `readiness ${report.readiness.join(' | ')}`
  );
}
