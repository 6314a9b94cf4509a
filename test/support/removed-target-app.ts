import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { stringify } from 'yaml';
import { CrmSandbox } from '../../src/dev/sandbox/crm-sandbox';
import { cleanRedis, Driver, driverEnv } from './drivers';
import { sandboxFileTarget } from './routed-app';
import { captureStdout, StdoutCapture } from './stdout-capture';
import { startTestApp, TestApp } from './test-app';
import { waitFor } from './wait-for';
import { contactDialog, sendAccepted, unique } from './webhook-cases';

const ADMIN = 'removed-target-admin';
const CHAT_SECRET = 'removed-target-chat-secret';
const CHAT_ROUTE = '/webhooks/cognigy/chat/dialog-complete';

/** The events the first app stored, by what became of their deliveries. */
export interface RemovedTargetEvents {
  /** Refused by both CRMs (400): a dead delivery to crm and one to desk, each. */
  deadOnBoth: [string, string];
  /** Delivered to crm; desk asked for it again in an hour (429): queued for desk. */
  queuedForDesk: string;
}

export interface RemovedTargetApp {
  /** The restarted app, whose ROUTES_FILE names crm alone. */
  app: () => TestApp;
  events: () => RemovedTargetEvents;
  /** The JSON lines the restarted app logged while it started, and all it wrote meanwhile. */
  startLines: () => Record<string, unknown>[];
  startOutput: () => string;
  /** The restarted app's ADMIN_TOKEN. */
  adminToken: string;
  /** Every secret the apps were given: none may appear in what they show. */
  secrets: string[];
  /** An /admin request to the restarted app with the admin token. */
  admin: (method: 'get' | 'post' | 'delete', path: string) => request.Test;
  /** `target state` of each delivery of the event, in route order (crm first). */
  deliveries: (eventId: string) => Promise<string[]>;
}

/**
 * For the enclosing describe: a target taken out of ROUTES_FILE while the store still holds its
 * deliveries (docs/routing.md, "Removing a target"). The first app routes source chat to crm and
 * desk, each its own CRM sandbox; one event at a time (so which event meets which answer is
 * fixed), both CRMs refuse the first two (400: dead on both), then crm takes the third while
 * desk asks for it again in an hour (429 Retry-After: queued). The app then restarts on the same
 * store (DATA_DIR, or the Redis prefix) with a file naming crm alone, its start's output captured.
 */
export function removedTargetApp(driver: Driver): RemovedTargetApp {
  const crmSandbox = new CrmSandbox({ port: 0 });
  const deskSandbox = new CrmSandbox({ port: 0 });
  const env = driverEnv(driver);
  let dir: string;
  let t: TestApp | undefined;
  let events: RemovedTargetEvents;
  /**
   * The restarted app's output, captured until it stops: at LOG_LEVEL=warn its access lines of the
   * 4xx the tests ask for are warnings, noise in the test output.
   */
  let stdout: StdoutCapture | undefined;
  let startLines: Record<string, unknown>[] = [];
  let startOutput = '';

  const admin = (method: 'get' | 'post' | 'delete', path: string) =>
    request(t!.server)[method](path).set('authorization', `Bearer ${ADMIN}`);
  const deliveries = async (eventId: string): Promise<string[]> =>
    ((await admin('get', `/admin/events/${eventId}`)).body.deliveries ?? []).map(
      (d: { target: string; state: string }) => `${d.target} ${d.state}`,
    );

  /** A ROUTES_FILE sending every intent of source chat to each of `targets`. */
  function routesFile(name: string, targets: Record<string, object>): string {
    const file = join(dir, name);
    const source = { auth: ['hmac'], secrets: { COGNIGY_WEBHOOK_SECRETS: 'REMOVED_CHAT_SECRET' } };
    const routes = [{ source: 'chat', targets: Object.keys(targets).map((target) => ({ target })) }];
    writeFileSync(file, stringify({ sources: { chat: source }, targets, routes }));
    return file;
  }

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

  /** Sends one event and waits until its deliveries are in `states` (crm's, desk's). */
  async function sendSettled(states: string[]): Promise<string> {
    const eventId = await sendAccepted(t!, CHAT_SECRET, contactDialog(unique('C-removed')), { path: CHAT_ROUTE });
    await waitFor(async () => JSON.stringify(await deliveries(eventId)) === JSON.stringify(states), {
      what: `event ${eventId}: ${states.join(', ')}`,
    });
    return eventId;
  }

  beforeAll(async () => {
    await Promise.all([crmSandbox.start(), deskSandbox.start()]);
    dir = mkdtempSync(join(tmpdir(), 'ccs-removed-target-'));
    mkdirSync(join(dir, 'data'));
    crmSandbox.inject({ status: 400, count: 2 });
    deskSandbox.inject({ status: 400, count: 2 });
    // Retried after min(Retry-After, CRM_RETRY_MAX_MS): 5 minutes, long after this app is gone.
    deskSandbox.inject({ status: 429, retryAfter: '3600', count: -1 });
    const crm = sandboxFileTarget(crmSandbox, 'REMOVED_CRM_SECRET');
    const desk = sandboxFileTarget(deskSandbox, 'REMOVED_DESK_SECRET');
    t = await start(routesFile('crm-and-desk.yaml', { crm, desk }), 'silent');
    const deadOnBoth: [string, string] = [
      await sendSettled(['crm dead', 'desk dead']),
      await sendSettled(['crm dead', 'desk dead']),
    ];
    events = { deadOnBoth, queuedForDesk: await sendSettled(['crm delivered', 'desk queued']) };
    await t.close();
    t = undefined;

    stdout = captureStdout();
    t = await start(routesFile('crm-only.yaml', { crm }), 'warn');
    startLines = stdout.jsonLines();
    startOutput = stdout.chunks.join('');
  });

  afterAll(async () => {
    await t?.close();
    stdout?.restore();
    await Promise.all([crmSandbox.stop(), deskSandbox.stop()]);
    await cleanRedis(env);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  return {
    app: () => t!,
    events: () => events,
    startLines: () => startLines,
    startOutput: () => startOutput,
    adminToken: ADMIN,
    secrets: [CHAT_SECRET, ADMIN, crmSandbox.clientSecret, deskSandbox.clientSecret],
    admin,
    deliveries,
  };
}
