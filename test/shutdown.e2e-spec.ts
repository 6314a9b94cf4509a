import Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CrmSandbox } from '../src/dev/sandbox/crm-sandbox';
import { SandboxRequest } from '../src/dev/sandbox/sandbox-state';
import { sandboxEnv } from './support/sandbox-env';
import { signedEvent } from './support/signing';
import { call, exitWithin, freePort, Reply, ServiceProcess, serviceEnv, startService } from './support/service-process';
import { waitFor } from './support/wait-for';

/**
 * SIGTERM/SIGINT and issue 4 item 5, on the BUILT service (dist/main.js) as a child
 * process, with the CRM sandbox in the test process: readiness turns 503 and webhooks get 503 with
 * Retry-After while the listener keeps answering and the in-flight CRM call drains; the stores
 * close and the process exits 0; an event unfinished at exit stays queued and is delivered, once,
 * after the next start.
 */
const SECRET = 'shutdown-secret';
const ROUTE = '/webhooks/cognigy/dialog-complete';

/** Every request of this suite gives up after 5 s: a hang fails the test instead of timing it out. */
const CALL_TIMEOUT_MS = 5000;

const get = (port: number, path: string) => call(port, 'GET', path, { timeoutMs: CALL_TIMEOUT_MS });

function webhook(port: number, eventId: string): Promise<Reply> {
  const { raw, headers } = signedEvent(SECRET, eventId);
  return call(port, 'POST', ROUTE, { headers, raw, timeoutMs: CALL_TIMEOUT_MS });
}

/** `state` of each event, read by a separate read-only connection (the service has exited). */
function states(dataDir: string): Map<string, string> {
  const db = new Database(join(dataDir, 'events.sqlite'), { readonly: true, fileMustExist: true });
  try {
    const rows = db.prepare('SELECT event_id, state FROM events').all() as Array<{ event_id: string; state: string }>;
    return new Map(rows.map((row) => [row.event_id, row.state]));
  } finally {
    db.close();
  }
}

describe('graceful shutdown (built service, dist/main.js)', () => {
  let root: string;
  let sandbox: CrmSandbox;
  let n = 0;
  const running: ServiceProcess[] = [];

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'ccs-shutdown-'));
    sandbox = new CrmSandbox({ port: 0 });
    await sandbox.start();
  });
  beforeEach(() => {
    sandbox.reset();
  });
  afterEach(async () => {
    await Promise.all(running.splice(0).map((s) => s.stop('SIGKILL')));
  });
  afterAll(async () => {
    await sandbox.stop();
    rmSync(root, { recursive: true, force: true });
  });

  const start = (dataDir: string, port: number, graceMs: number) =>
    startService(
      serviceEnv(port, dataDir, {
        LOG_LEVEL: 'info',
        COGNIGY_WEBHOOK_SECRETS: SECRET,
        SHUTDOWN_GRACE_MS: String(graceMs),
        ...sandboxEnv(sandbox, { CRM_RETRY_BASE_MS: '50', CRM_RETRY_MAX_MS: '200' }),
      }),
      root,
      running,
    );

  const requestsFor = (eventId: string): SandboxRequest[] =>
    sandbox.requests().filter((r) => r.idempotencyKey === `cognigy-${eventId}`);

  it('SIGTERM during a slow CRM call: 503 for readiness and webhooks, 200 for liveness, the call finishes, exit 0', async () => {
    const dataDir = join(root, `drain-${++n}`);
    const port = await freePort();
    const service = await start(dataDir, port, 5000);
    sandbox.inject({ target: 'api', latencyMs: 1500 });
    expect((await get(port, '/health/ready')).status).toBe(200);

    const eventId = `drain-${randomBytes(4).toString('hex')}`;
    expect((await webhook(port, eventId)).status).toBe(202);
    await waitFor(() => requestsFor(eventId).some((r) => r.status === null), {
      timeoutMs: 5000,
      what: 'the CRM request in flight at the sandbox',
    });

    const signalledAt = Date.now();
    service.child.kill('SIGTERM');

    // Draining: the listener answers, readiness and webhooks say 503.
    const ready = await waitFor(
      async () => {
        const answer = await get(port, '/health/ready');
        return answer.status === 503 ? answer : undefined;
      },
      { timeoutMs: 1000, intervalMs: 10, what: 'readiness 503 after SIGTERM' },
    );
    expect(JSON.parse(ready.body)).toMatchObject({ status: 'error' });
    expect((await get(port, '/health/live')).status).toBe(200);
    const lateId = `late-${randomBytes(4).toString('hex')}`;
    const late = await webhook(port, lateId);
    expect(late.status).toBe(503);
    expect(late.headers['retry-after']).toMatch(/^\d+$/);
    // All of that happened while the CRM call was still in flight and the process alive.
    expect(requestsFor(eventId).map((r) => r.status)).toEqual([null]);
    expect(service.child.exitCode).toBeNull();

    const exit = await exitWithin(service, 8000);
    const exitedAfterMs = Date.now() - signalledAt;
    expect(exit).toEqual({ code: 0, signal: null });
    // It waited for the call (about 1.5 s after it started), not for the whole grace period.
    expect(exitedAfterMs).toBeGreaterThan(1000);
    expect(exitedAfterMs).toBeLessThan(4500);
    expect(requestsFor(eventId).map((r) => r.status)).toEqual([200]);
    expect(sandbox.stats().applied).toBe(1);
    expect(sandbox.records().contacts?.map((c) => c.external_id)).toEqual([`C-${eventId}`]);

    const stored = states(dataDir);
    expect(stored.get(eventId)).toBe('delivered');
    expect(stored.has(lateId)).toBe(false);
    expect(service.output()).toMatch(/SIGTERM received/);
  });

  it('a CRM call still hanging when SHUTDOWN_GRACE_MS ends: exit 0 at once, the event stays queued, a restart delivers it once', async () => {
    const dataDir = join(root, `hang-${++n}`);
    const port = await freePort();
    const first = await start(dataDir, port, 300);
    sandbox.inject({ target: 'api', hang: true });

    const eventId = `hang-${randomBytes(4).toString('hex')}`;
    expect((await webhook(port, eventId)).status).toBe(202);
    await waitFor(() => requestsFor(eventId).some((r) => r.status === null), {
      timeoutMs: 5000,
      what: 'the hanging CRM request at the sandbox',
    });

    const signalledAt = Date.now();
    first.child.kill('SIGTERM');
    const exit = await exitWithin(first, 5000);
    const exitedAfterMs = Date.now() - signalledAt;
    expect(exit).toEqual({ code: 0, signal: null });
    expect(exitedAfterMs).toBeGreaterThanOrEqual(250);
    expect(exitedAfterMs).toBeLessThan(1500);
    expect(states(dataDir).get(eventId)).toBe('queued');
    expect(sandbox.stats().applied).toBe(0);

    // The fault is spent (count 1); clear anyway so the restart meets a healthy CRM.
    sandbox.clearFaults();
    const second = await start(dataDir, port, 300);
    await waitFor(() => requestsFor(eventId).some((r) => r.status === 200), {
      timeoutMs: 10000,
      what: 'the queued event delivered after the restart',
    });
    second.child.kill('SIGTERM');
    expect(await exitWithin(second, 5000)).toEqual({ code: 0, signal: null });

    // Same Idempotency-Key both times; the first request never got an answer; applied once.
    expect(requestsFor(eventId).map((r) => r.status)).toEqual([null, 200]);
    expect(sandbox.stats().applied).toBe(1);
    const contacts = sandbox.records().contacts ?? [];
    expect(contacts).toHaveLength(1);
    expect(contacts[0]).toMatchObject({
      external_id: `C-${eventId}`,
      version: 1,
      applied_keys: [`cognigy-${eventId}`],
    });
    expect(states(dataDir).get(eventId)).toBe('delivered');
  });
});
