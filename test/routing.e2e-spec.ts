import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { OperatorEvents } from '../src/queue/operator-events';
import { StoredEvent } from '../src/queue/stored-event';
import { cleanRedis, describeEachDriver, driverEnv } from './support/drivers';
import { SalesforceFake } from './support/salesforce-fake';
import { exitWithin, runService } from './support/service-process';
import { ServiceNowFake } from './support/servicenow-fake';
import { startTestApp, TestApp } from './support/test-app';
import { waitFor } from './support/wait-for';
import { contactDialog, Entities, freshDialog, postSigned, ticketDialog, unique } from './support/webhook-cases';

/**
 * ROUTES_FILE through the real app (issue 20, the first done-when): two sources with their own
 * secrets, two targets on two connectors (a Salesforce fake and a ServiceNow fake over real HTTP,
 * each with its own credentials from the environment variables the file names), one route fanning
 * out and one reaching one target only; and a file with several mistakes stopping the built
 * service, each mistake named by its path in the file.
 */

const SECRETS = {
  ROUTING_CHAT_SECRET: 'chat-webhook-secret',
  ROUTING_VOICE_SECRET: 'voice-webhook-secret',
  ROUTING_SF_SECRET: 'sf-client-secret',
  ROUTING_SN_SECRET: 'sn-client-secret',
};
const QUICK_RETRIES = { CRM_RETRY_BASE_MS: 10, CRM_RETRY_MAX_MS: 40, CRM_TIMEOUT_MS: 5000 };
const chatRoute = (route: string) => `/webhooks/cognigy/chat/${route}`;

/** An inline mapping entry for `report_outage`, in one target's words. */
const outage = (target: { object: string; idField: string; idEntity: string }) => ({
  intent: 'report_outage',
  objectType: 'ticket',
  ...target,
  fields: { [target.object === 'Case' ? 'Subject' : 'short_description']: { entity: 'issue' } },
});

function routesFile(sf: SalesforceFake, sn: ServiceNowFake) {
  return {
    sources: {
      chat: { auth: ['hmac'], secrets: { COGNIGY_WEBHOOK_SECRETS: 'ROUTING_CHAT_SECRET' } },
      voice: { auth: ['hmac'], secrets: { COGNIGY_WEBHOOK_SECRETS: 'ROUTING_VOICE_SECRET' } },
    },
    targets: {
      crm: {
        connector: 'salesforce',
        settings: { CRM_TOKEN_URL: sf.tokenUrl, CRM_CLIENT_ID: 'sf-app', ...QUICK_RETRIES },
        secrets: { CRM_CLIENT_SECRET: 'ROUTING_SF_SECRET' },
      },
      desk: {
        connector: 'servicenow',
        settings: { CRM_BASE_URL: sn.url, CRM_TOKEN_URL: sn.tokenUrl, CRM_CLIENT_ID: 'sn-app', ...QUICK_RETRIES },
        secrets: { CRM_CLIENT_SECRET: 'ROUTING_SN_SECRET' },
      },
    },
    routes: [
      { source: 'chat', targets: [{ target: 'crm' }, { target: 'desk' }] },
      { source: 'chat', intent: 'update_customer_profile', targets: [{ target: 'crm' }] },
      { source: 'voice', targets: [{ target: 'desk' }] },
      {
        source: 'chat',
        intent: 'report_outage',
        targets: [
          {
            target: 'crm',
            mappings: [outage({ object: 'Case', idField: 'Cognigy_Ticket_Id__c', idEntity: 'ticketId' })],
          },
          { target: 'desk', mappings: [outage({ object: 'incident', idField: 'correlation_id', idEntity: 'siteId' })] },
        ],
      },
    ],
  };
}

describeEachDriver('routing file (%s driver)', (driver) => {
  const sf = new SalesforceFake('sf-app', SECRETS.ROUTING_SF_SECRET);
  const sn = new ServiceNowFake({ client: { id: 'sn-app', secret: SECRETS.ROUTING_SN_SECRET } });
  const env = driverEnv(driver);
  let dir: string;
  let t: TestApp;

  const deliveries = (eventId: string) => t.app.get(OperatorEvents).deliveriesOf(eventId);
  /** The event's deliveries once none is queued any more (a delivered one is never sent again). */
  const settled = (eventId: string) =>
    waitFor(
      async () => {
        const found = await deliveries(eventId);
        return found.length > 0 && found.every((d) => d.state !== 'queued') ? found : undefined;
      },
      { what: `${eventId} settled` },
    );
  const targetsOf = (found: StoredEvent[]) => found.map((d) => [d.target, d.state]);

  beforeAll(async () => {
    await Promise.all([sf.start(), sn.start()]);
    dir = mkdtempSync(join(tmpdir(), 'ccs-routing-'));
    const file = join(dir, 'routes.yaml');
    writeFileSync(file, stringify(routesFile(sf, sn)));
    t = await startTestApp({ ...env, ...SECRETS, ROUTES_FILE: file });
  });
  afterAll(async () => {
    await t?.close();
    await Promise.all([sf.stop(), sn.stop()]);
    await cleanRedis(env);
    rmSync(dir, { recursive: true, force: true });
  });

  it("fans one signed event on source chat out to both targets' CRMs, each applying it once", async () => {
    const ticketId = unique('T');
    const res = await postSigned(t, SECRETS.ROUTING_CHAT_SECRET, chatRoute('dialog-complete'), ticketDialog(ticketId));
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ status: 'accepted', eventId: expect.any(String) });
    const found = await settled(res.body.eventId);
    expect(targetsOf(found)).toEqual([
      ['crm', 'delivered'],
      ['desk', 'delivered'],
    ]);
    expect(found.every((d) => d.source === 'chat')).toBe(true);
    expect(sf.writes.filter((w) => w.object === 'Case' && w.externalId === ticketId)).toHaveLength(1);
    expect(sf.find('Case', 'Cognigy_Ticket_Id__c', ticketId)).toHaveLength(1);
    const [incident] = sn.find('incident', 'correlation_id', ticketId);
    expect(incident).toMatchObject({ short_description: 'router offline', u_cognigy_priority: 'high' });
    const writes = sn.apiRequests('/api/now/table/incident').filter((r) => r.method !== 'GET');
    expect(writes.filter((r) => JSON.stringify(r.body).includes(ticketId))).toHaveLength(1);
  });

  it('takes the intent routed to one target to that target only', async () => {
    const customerId = unique('C');
    const path = chatRoute('dialog-complete');
    const res = await postSigned(
      t,
      SECRETS.ROUTING_CHAT_SECRET,
      path,
      contactDialog(customerId, { newStatus: { value: 'gold' } }),
    );
    expect(res.status).toBe(202);
    expect(targetsOf(await settled(res.body.eventId))).toEqual([['crm', 'delivered']]);
    expect(sf.find('Contact', 'Cognigy_Customer_Id__c', customerId)).toHaveLength(1);
    expect(sn.find('customer_contact', 'u_cognigy_customer_id', customerId)).toHaveLength(0);
    expect(sn.apiRequests().filter((r) => r.url.includes(customerId))).toHaveLength(0);
  });

  it("refuses a sender of another source on chat's route (401), and an unknown source (404)", async () => {
    const ticketId = unique('T-VOICE');
    for (const route of ['dialog-complete', 'endpoint-output']) {
      const res = await postSigned(t, SECRETS.ROUTING_VOICE_SECRET, chatRoute(route), ticketDialog(ticketId));
      expect(res.status).toBe(401);
    }
    const nowhere = await postSigned(
      t,
      SECRETS.ROUTING_CHAT_SECRET,
      '/webhooks/cognigy/email/dialog-complete',
      ticketDialog(ticketId),
    );
    expect(nowhere.status).toBe(404);
    expect(nowhere.body).toMatchObject({ statusCode: 404, message: 'Unknown source: email' });
    // No source `default` in this file: the unnamed routes name none.
    const unnamed = await postSigned(
      t,
      SECRETS.ROUTING_CHAT_SECRET,
      '/webhooks/cognigy/dialog-complete',
      ticketDialog(ticketId),
    );
    expect(unnamed.status).toBe(404);
    // The voice sender on its own route: accepted, to its own target.
    const own = await postSigned(
      t,
      SECRETS.ROUTING_VOICE_SECRET,
      '/webhooks/cognigy/voice/dialog-complete',
      ticketDialog(ticketId),
    );
    expect(own.status).toBe(202);
    expect(targetsOf(await settled(own.body.eventId))).toEqual([['desk', 'delivered']]);
    expect(sf.find('Case', 'Cognigy_Ticket_Id__c', ticketId)).toHaveLength(0);
  });

  it("maps with each route target's own mappings; one target unable to map is a 422 before anything is stored", async () => {
    const path = chatRoute('dialog-complete');
    const ticketId = unique('T-OUT');
    const outageDialog = (more: Entities) =>
      freshDialog({
        intent: 'report_outage',
        entities: { ticketId: { value: ticketId }, issue: { value: 'site down' }, ...more },
      });
    const eventId = unique('ev-outage');
    const refused = await postSigned(t, SECRETS.ROUTING_CHAT_SECRET, path, outageDialog({}), {
      headers: { 'idempotency-key': eventId },
    });
    expect(refused.status).toBe(422);
    expect(refused.body).toMatchObject({ message: 'Missing required entity: siteId' });
    expect(await deliveries(eventId)).toEqual([]);

    const siteId = unique('SITE');
    const res = await postSigned(t, SECRETS.ROUTING_CHAT_SECRET, path, outageDialog({ siteId: { value: siteId } }));
    expect(res.status).toBe(202);
    expect(targetsOf(await settled(res.body.eventId))).toEqual([
      ['crm', 'delivered'],
      ['desk', 'delivered'],
    ]);
    expect(sf.find('Case', 'Cognigy_Ticket_Id__c', ticketId)[0]).toMatchObject({ Subject: 'site down' });
    expect(sn.find('incident', 'correlation_id', siteId)[0]).toMatchObject({ short_description: 'site down' });

    const unrouted = await postSigned(t, SECRETS.ROUTING_CHAT_SECRET, path, freshDialog({ intent: 'cancel_order' }));
    expect(unrouted.status).toBe(422);
    expect(unrouted.body).toMatchObject({ message: 'Unsupported intent: cancel_order' });
  });
});

describe('a routing file with several mistakes (the built service)', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'ccs-routing-bad-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('stops startup naming each mistake by its path in the file, never a secret', async () => {
    const file = join(dir, 'routes.yaml');
    writeFileSync(
      file,
      stringify({
        sources: { chat: { auth: ['hmac'], secrets: { COGNIGY_WEBHOOK_SECRETS: 'ROUTING_UNSET_SECRET' } } },
        targets: {
          'crm-eu': {
            connector: 'salesforce',
            settings: { CRM_TOKEN_URL: 'not a url', CRM_CLIENT_ID: 'sf-app', CRM_CLIENT_SECRET: 'sf-in-the-file' },
          },
        },
        routes: [{ source: 'chat', targets: [{ target: 'crm-eu' }, { target: 'x' }] }],
      }),
    );
    const service = runService({ ROUTES_FILE: file, PORT: '0', DATA_DIR: join(dir, 'data') }, dir);
    expect((await exitWithin(service)).code).not.toBe(0);
    const stderr = service.stderr();
    for (const problem of [
      'sources.chat.secrets.COGNIGY_WEBHOOK_SECRETS: environment variable ROUTING_UNSET_SECRET is not set',
      'targets.crm-eu.settings.CRM_TOKEN_URL: must be a URL address',
      'targets.crm-eu.settings.CRM_CLIENT_SECRET: a secret is never written in the file',
      'targets.crm-eu.secrets.CRM_CLIENT_SECRET: required with CRM_CONNECTOR=salesforce',
      "routes[0].targets[1].target: unknown target 'x'",
    ]) {
      expect(stderr).toContain(problem);
    }
    expect(service.output()).not.toContain('sf-in-the-file');
    expect(service.output()).not.toMatch(/Nest application successfully started/);
  });
});

describe("a routing file's mappings, checked against each target's connector at startup", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'ccs-routing-maps-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('names every failing mapping set in one error', async () => {
    const file = join(dir, 'routes.yaml');
    const ticket = { intent: 'log_support_ticket', objectType: 'ticket', idEntity: 'ticketId' };
    writeFileSync(
      file,
      stringify({
        sources: { chat: { secrets: { COGNIGY_WEBHOOK_SECRETS: 'ROUTING_CHAT_SECRET' } } },
        targets: {
          crm: {
            connector: 'salesforce',
            settings: { CRM_TOKEN_URL: 'http://127.0.0.1:9/token', CRM_CLIENT_ID: 'sf-app' },
            secrets: { CRM_CLIENT_SECRET: 'ROUTING_SF_SECRET' },
          },
          desk: {
            connector: 'generic',
            settings: { CRM_BASE_URL: 'http://127.0.0.1:9', CRM_AUTH: 'static' },
            secrets: { CRM_ACCESS_TOKEN: 'ROUTING_SN_SECRET' },
          },
        },
        routes: [
          {
            source: 'chat',
            targets: [
              // A path is the generic connector's; Salesforce needs an object and its id field.
              { target: 'crm', mappings: [{ ...ticket, path: '/tickets', fields: { s: { entity: 'issue' } } }] },
              {
                target: 'desk',
                mappings: [{ ...ticket, object: 'Case', idField: 'Id', fields: { s: { entity: 'issue' } } }],
              },
            ],
          },
        ],
      }),
    );
    const failure = startTestApp({ ...SECRETS, ROUTES_FILE: file });
    await expect(failure).rejects.toThrow(
      /ROUTES_FILE routes\[0\]\.targets\[0\]\.mappings[^]*mappings\[0\] \(log_support_ticket\)\.path: not used with CRM_CONNECTOR=salesforce/,
    );
    await expect(failure).rejects.toThrow(
      /ROUTES_FILE routes\[0\]\.targets\[1\]\.mappings[^]*mappings\[0\] \(log_support_ticket\)\.path: must be a string starting with "\/"/,
    );
  });
});
