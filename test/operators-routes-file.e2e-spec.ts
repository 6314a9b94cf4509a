import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { stringify } from 'yaml';
import { CrmSandbox } from '../src/dev/sandbox/crm-sandbox';
import { cleanRedis, describeEachDriver, driverEnv } from './support/drivers';
import { parseSamples, sum } from './support/prometheus-text';
import { sandboxFileTarget } from './support/routed-app';
import { startTestApp, TestApp } from './support/test-app';
import { waitFor } from './support/wait-for';
import { contactDialog, postSigned, unique } from './support/webhook-cases';

/**
 * What operators see, through a real ROUTES_FILE: each target's object series at 0 from the first
 * scrape, with the object types of the mappings its routes send there (desk alone takes
 * schedule_callback, an inline entry of object type `callback`); a signed event on source `chat`'s
 * route fanned out to two targets (two CRM sandboxes, generic connector) is counted under
 * source="chat", each delivery under its target, and the admin API shows the event with both
 * deliveries.
 */

const ADMIN = 'routes-file-admin';
const SECRETS = { OPS_CHAT_SECRET: 'ops-chat-secret' };

/** A generic connector's entry for an intent no built-in strategy maps, routed to desk only. */
const CALLBACK = {
  intent: 'schedule_callback',
  objectType: 'callback',
  path: '/api/v2/callbacks/upsert',
  idEntity: 'callbackId',
  fields: { external_id: { entity: 'callbackId' } },
};

describeEachDriver('operators with a routing file (%s driver)', (driver) => {
  const a = new CrmSandbox({ port: 0 });
  const b = new CrmSandbox({ port: 0 });
  const env = driverEnv(driver);
  let dir: string;
  let t: TestApp;
  let startText: string;

  beforeAll(async () => {
    await Promise.all([a.start(), b.start()]);
    dir = mkdtempSync(join(tmpdir(), 'ccs-ops-routes-'));
    const file = join(dir, 'routes.yaml');
    const routes = {
      sources: { chat: { auth: ['hmac'], secrets: { COGNIGY_WEBHOOK_SECRETS: 'OPS_CHAT_SECRET' } } },
      targets: { crm: sandboxFileTarget(a, 'OPS_A_SECRET'), desk: sandboxFileTarget(b, 'OPS_B_SECRET') },
      routes: [
        { source: 'chat', targets: [{ target: 'crm' }, { target: 'desk' }] },
        { source: 'chat', intent: 'schedule_callback', targets: [{ target: 'desk', mappings: [CALLBACK] }] },
      ],
    };
    writeFileSync(file, stringify(routes));
    t = await startTestApp({
      ...env,
      ...SECRETS,
      OPS_A_SECRET: a.clientSecret,
      OPS_B_SECRET: b.clientSecret,
      ROUTES_FILE: file,
      ADMIN_TOKEN: ADMIN,
      COGNIGY_WEBHOOK_SECRETS: 'unnamed-route-secret',
      CRM_BASE_URL: a.url,
      CRM_TOKEN_URL: a.tokenUrl,
      CRM_CLIENT_ID: a.clientId,
      CRM_CLIENT_SECRET: a.clientSecret,
    });
    startText = (await request(t.server).get('/metrics')).text;
  });

  afterAll(async () => {
    await t?.close();
    await Promise.all([a.stop(), b.stop()]);
    await cleanRedis(env);
    rmSync(dir, { recursive: true, force: true });
  });

  it("starts each target's object series at 0 with the object types its routes send there, and no other", () => {
    const samples = parseSamples(startText);
    const objectsAt = (target: string) =>
      new Set(
        samples
          .filter((s) => s.name === 'crm_dead_letters_total' && s.labels.target === target)
          .map((s) => s.labels.object),
      );
    expect(objectsAt('crm')).toEqual(new Set(['contact', 'ticket']));
    expect(objectsAt('desk')).toEqual(new Set(['contact', 'ticket', 'callback']));
    for (const [name, labels] of [
      ['crm_dead_letters_total', { object: 'callback', target: 'desk' }],
      ['crm_requests_total', { object: 'callback', code: '503', target: 'desk' }],
      ['crm_upserts_total', { object: 'callback', result: 'created', target: 'desk' }],
      ['crm_delivery_seconds_count', { object: 'callback', target: 'desk' }],
      ['crm_request_seconds_count', { object: 'callback', target: 'desk' }],
      ['crm_dead_letters_total', { object: 'contact', target: 'crm' }],
    ] as const) {
      expect(samples).toContainEqual({ name, labels, value: 0 });
    }
    // crm's routes never send a callback: no series of it, whatever the metric.
    expect(samples.filter((s) => s.labels.object === 'callback' && s.labels.target === 'crm')).toEqual([]);
  });

  it('counts the webhook under its source and each delivery under its target; the admin API lists both', async () => {
    const scrape = async () => parseSamples((await request(t.server).get('/metrics')).text);
    const before = await scrape();
    const res = await postSigned(
      t,
      SECRETS.OPS_CHAT_SECRET,
      '/webhooks/cognigy/chat/dialog-complete',
      contactDialog(unique('C-OPS')),
    );
    expect(res.status).toBe(202);
    const id = res.body.eventId as string;
    const view = await waitFor(
      async () => {
        const got = await request(t.server).get(`/admin/events/${id}`).set('authorization', `Bearer ${ADMIN}`);
        return got.body.state === 'delivered' ? got.body : null;
      },
      { what: `${id} delivered to both targets` },
    );
    expect(view.source).toBe('chat');
    expect(view.deliveries.map((d: { target: string; state: string }) => [d.target, d.state])).toEqual([
      ['crm', 'delivered'],
      ['desk', 'delivered'],
    ]);
    const after = await scrape();
    const delta = (name: string, labels: Record<string, string>) =>
      sum(after, name, labels) - sum(before, name, labels);
    expect(delta('cognigy_webhooks_total', { source: 'chat', outcome: 'accepted' })).toBe(1);
    expect(delta('crm_upserts_total', { target: 'crm' })).toBe(1);
    expect(delta('crm_upserts_total', { target: 'desk' })).toBe(1);
    const targets = new Set(after.filter((s) => 'target' in s.labels).map((s) => s.labels.target));
    expect(targets).toEqual(new Set(['crm', 'desk']));
  });
});
