import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { stringify } from 'yaml';
import { CrmSandbox } from '../src/dev/sandbox/crm-sandbox';
import { cleanRedis, describeEachDriver, driverEnv } from './support/drivers';
import { parseSamples, Sample } from './support/prometheus-text';
import { sandboxFileTarget } from './support/routed-app';
import { captureStdout } from './support/stdout-capture';
import { startTestApp, TestApp } from './support/test-app';
import { waitFor } from './support/wait-for';
import { contactDialog, sendAccepted, unique } from './support/webhook-cases';

/**
 * A target taken out of ROUTES_FILE while the store still holds its deliveries (docs/routing.md,
 * "Removing a target"). The first app routes source chat to crm and desk, each its own CRM
 * sandbox: desk refuses two events for good (400: dead) and asks for the third again in an hour
 * (429 Retry-After: queued). The app then restarts on the same store with a file naming crm
 * alone: it warns once at startup, naming desk, its counts and what to do; GET /metrics has desk's
 * queue depth beside crm's; its dead letters, deleted through /admin without a target (the file
 * no longer names it), leave its dead series at 0.
 */

const ADMIN = 'removed-target-admin';
const CHAT_SECRET = 'removed-target-chat-secret';
const CHAT_ROUTE = '/webhooks/cognigy/chat/dialog-complete';

describeEachDriver('a target removed from ROUTES_FILE (%s driver)', (driver) => {
  const crmSandbox = new CrmSandbox({ port: 0 });
  const deskSandbox = new CrmSandbox({ port: 0 });
  const env = driverEnv(driver);
  let dir: string;
  let t: TestApp | undefined;
  /** The JSON lines the restarted app logged while it started. */
  let startLines: Record<string, unknown>[];
  let startOutput: string;

  const admin = (method: 'get' | 'delete', path: string) =>
    request(t!.server)[method](path).set('authorization', `Bearer ${ADMIN}`);
  const scrape = async () => parseSamples((await request(t!.server).get('/metrics')).text);
  const depth = (samples: Sample[], target: string, state: string) =>
    samples.filter((s) => s.name === 'queue_events' && s.labels.target === target && s.labels.state === state);

  /** A ROUTES_FILE sending every intent of source chat to each of `targets`. */
  function routesFile(name: string, targets: Record<string, object>): string {
    const file = join(dir, name);
    const source = { auth: ['hmac'], secrets: { COGNIGY_WEBHOOK_SECRETS: 'REMOVED_CHAT_SECRET' } };
    const routes = [{ source: 'chat', targets: Object.keys(targets).map((target) => ({ target })) }];
    writeFileSync(file, stringify({ sources: { chat: source }, targets, routes }));
    return file;
  }

  /** The app on the one store of this describe (DATA_DIR, or the Redis prefix of `env`). */
  const start = (routes: string, logLevel: 'silent' | 'warn') =>
    startTestApp({
      ...env,
      ROUTES_FILE: routes,
      DATA_DIR: join(dir, 'data'),
      ADMIN_TOKEN: ADMIN,
      LOG_LEVEL: logLevel,
      REMOVED_CHAT_SECRET: CHAT_SECRET,
      REMOVED_CRM_SECRET: crmSandbox.clientSecret,
      REMOVED_DESK_SECRET: deskSandbox.clientSecret,
    });

  beforeAll(async () => {
    await Promise.all([crmSandbox.start(), deskSandbox.start()]);
    dir = mkdtempSync(join(tmpdir(), 'ccs-removed-target-'));
    mkdirSync(join(dir, 'data'));
    deskSandbox.inject({ status: 400, count: 2 });
    // Retried after min(Retry-After, CRM_RETRY_MAX_MS): 5 minutes, long after this app is gone.
    deskSandbox.inject({ status: 429, retryAfter: '3600', count: -1 });
    const crm = sandboxFileTarget(crmSandbox, 'REMOVED_CRM_SECRET');
    const desk = sandboxFileTarget(deskSandbox, 'REMOVED_DESK_SECRET');
    t = await start(routesFile('crm-and-desk.yaml', { crm, desk }), 'silent');
    for (let i = 0; i < 3; i++) {
      await sendAccepted(t, CHAT_SECRET, contactDialog(unique('C-removed')), { path: CHAT_ROUTE });
    }
    await waitFor(
      async () => {
        const { crm: c, desk: d } = (await admin('get', '/admin/stats')).body.targets;
        return c.states.delivered === 3 && d.states.dead === 2 && d.states.queued === 1;
      },
      { what: 'crm delivered all three; desk dead-lettered two and keeps one queued' },
    );
    await t.close();
    t = undefined;

    const stdout = captureStdout();
    try {
      t = await start(routesFile('crm-only.yaml', { crm }), 'warn');
    } finally {
      stdout.restore();
    }
    startLines = stdout.jsonLines();
    startOutput = stdout.chunks.join('');
  });

  afterAll(async () => {
    await t?.close();
    await Promise.all([crmSandbox.stop(), deskSandbox.stop()]);
    await cleanRedis(env);
    rmSync(dir, { recursive: true, force: true });
  });

  it('warns once at startup, naming the target, its queued and dead counts and what to do; nothing secret', () => {
    const warnings = startLines.filter((line) => line.context === 'RemovedTargetsWarning');
    expect(warnings).toEqual([expect.objectContaining({ level: 40, target: 'desk', queued: 1, dead: 2 })]);
    const { msg } = warnings[0];
    expect(msg).toMatch(
      /^Target desk: 1 queued and 2 dead deliveries stored, not delivered while ROUTES_FILE does not name it\./,
    );
    expect(msg).toContain('Name it in ROUTES_FILE again');
    expect(msg).toContain('DELETE /admin/dead-letters/<eventId>');
    for (const secret of [CHAT_SECRET, ADMIN, crmSandbox.clientSecret, deskSandbox.clientSecret]) {
      expect(startOutput).not.toContain(secret);
    }
  });

  it("GET /metrics has the removed target's queue depth beside the configured target's; no other series names it", async () => {
    const samples = await scrape();
    expect(depth(samples, 'desk', 'queued').map((s) => s.value)).toEqual([1]);
    expect(depth(samples, 'desk', 'dead').map((s) => s.value)).toEqual([2]);
    expect(depth(samples, 'crm', 'queued').map((s) => s.value)).toEqual([0]);
    expect(depth(samples, 'crm', 'dead').map((s) => s.value)).toEqual([0]);
    const elsewhere = samples.filter((s) => s.name !== 'queue_events' && s.labels.target === 'desk');
    expect(elsewhere).toEqual([]);
  });

  it('its dead letters, deleted through /admin without a target, leave its dead series at 0 and its queued one as it was', async () => {
    const list = await admin('get', '/admin/dead-letters');
    expect(list.status).toBe(200);
    const dead = (list.body.items as { eventId: string; target: string }[]).filter((item) => item.target === 'desk');
    expect(dead).toHaveLength(2);
    for (const { eventId } of dead) expect((await admin('delete', `/admin/dead-letters/${eventId}`)).status).toBe(204);
    const samples = await scrape();
    expect(depth(samples, 'desk', 'dead').map((s) => s.value)).toEqual([0]);
    expect(depth(samples, 'desk', 'queued').map((s) => s.value)).toEqual([1]);
  });
});
