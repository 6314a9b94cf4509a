import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { CrmCheckRun, printed, runCrmCheck } from './support/crm-check-command';
import { SalesforceFake } from './support/salesforce-fake';
import { ServiceNowFake } from './support/servicenow-fake';

/**
 * `npm run crm:check` with a ROUTES_FILE (issue 20 follow-up): every target of the file is checked
 * through its own connector with its own credentials and the mappings its routes send there, and
 * each is named with its result. Two targets on two fakes over real HTTP: crm (Salesforce) takes
 * both built-in intents, desk (ServiceNow) only log_support_ticket. One target failing (its token
 * refused, its CRM unreachable) fails the command, the other is still read and reported.
 */

const SECRETS = {
  CHECK_CHAT_SECRET: 'check-chat-webhook-secret',
  CHECK_SF_SECRET: 'check-sf-client-secret',
};
const SN_SECRET = 'check-sn-client-secret';

/** The port of a listener opened and closed again: nothing answers there. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** The lines of one target's block: its result line, then its mappings' lines (indented). */
function blockOf(result: CrmCheckRun, target: string): string[] {
  const lines = result.stdout.split('\n');
  const start = lines.findIndex((line) => line.startsWith(`target ${target} `));
  if (start < 0) return [];
  const rest = lines.slice(start + 1);
  const end = rest.findIndex((line) => !line.startsWith('  '));
  return [lines[start], ...rest.slice(0, end < 0 ? rest.length : end)];
}

describe('npm run crm:check with a routing file', () => {
  const sf = new SalesforceFake('check-sf-app', SECRETS.CHECK_SF_SECRET);
  const sn = new ServiceNowFake({ client: { id: 'check-sn-app', secret: SN_SECRET } });
  let dir: string;

  beforeAll(async () => {
    await Promise.all([sf.start(), sn.start()]);
    dir = mkdtempSync(join(tmpdir(), 'ccs-crm-check-routes-'));
  });
  afterAll(async () => {
    await Promise.all([sf.stop(), sn.stop()]);
    rmSync(dir, { recursive: true, force: true });
  });

  /** A routing file whose desk target points at `desk` (its base and token URL). */
  function routesFile(name: string, desk: { baseUrl: string; tokenUrl: string }): string {
    const file = join(dir, name);
    const routes = {
      sources: { chat: { auth: ['hmac'], secrets: { COGNIGY_WEBHOOK_SECRETS: 'CHECK_CHAT_SECRET' } } },
      targets: {
        crm: {
          connector: 'salesforce',
          settings: { CRM_TOKEN_URL: sf.tokenUrl, CRM_CLIENT_ID: 'check-sf-app' },
          secrets: { CRM_CLIENT_SECRET: 'CHECK_SF_SECRET' },
        },
        desk: {
          connector: 'servicenow',
          settings: { CRM_BASE_URL: desk.baseUrl, CRM_TOKEN_URL: desk.tokenUrl, CRM_CLIENT_ID: 'check-sn-app' },
          secrets: { CRM_CLIENT_SECRET: 'CHECK_SN_SECRET' },
        },
      },
      routes: [
        { source: 'chat', intent: 'log_support_ticket', targets: [{ target: 'crm' }, { target: 'desk' }] },
        { source: 'chat', intent: 'update_customer_profile', targets: [{ target: 'crm' }] },
      ],
    };
    writeFileSync(file, stringify(routes));
    return file;
  }

  const check = (file: string, snSecret: string) =>
    runCrmCheck(dir, { ...SECRETS, CHECK_SN_SECRET: snSecret, ROUTES_FILE: file });

  const CRM_OK = [
    'target crm (salesforce): ok, 2 mappings checked',
    '  ok   log_support_ticket: object Case ok, id field Cognigy_Ticket_Id__c ok (ok)',
    '  ok   update_customer_profile: object Contact ok, id field Cognigy_Customer_Id__c ok (ok)',
  ];

  it('checks each target with its own connector and credentials; one refused with 401 fails the command, naming both', async () => {
    const file = routesFile('routes.yaml', { baseUrl: sn.url, tokenUrl: sn.tokenUrl });
    const sfTokens = sf.tokenRequests;
    const result = await check(file, 'check-sn-wrong-secret-4711');

    expect(result.code).toBe(1);
    expect(blockOf(result, 'crm')).toEqual(CRM_OK);
    // Only what the routes send to desk is read there: log_support_ticket, never the contact.
    expect(blockOf(result, 'desk')).toEqual([
      'target desk (servicenow): FAIL, 1 of 1 mapping failed',
      '  FAIL log_support_ticket: object incident missing, id field correlation_id unknown (no answer (token: token endpoint answered 401: server_error))',
    ]);
    expect(result.stdout).toContain('crm:check: 1 of 2 targets failed: desk');
    // Each target fetched its own token from its own CRM, with its own client.
    expect(sf.tokenRequests).toBe(sfTokens + 1);
    expect(sn.tokenForms.at(-1)).toMatchObject({ client_id: 'check-sn-app' });
    expect(sf.apiRequests('/services/data/v62.0/sobjects/Contact/describe')).toHaveLength(1);
    expect(sf.apiRequests().every((r) => r.method === 'GET')).toBe(true);
    for (const secret of [...Object.values(SECRETS), 'check-sn-wrong-secret-4711']) {
      expect(printed(result)).not.toContain(secret);
    }
  });

  it('an unreachable target fails on its own; with both CRMs answering, every target passes and the exit is 0', async () => {
    const port = await closedPort();
    const gone = `http://127.0.0.1:${port}`;
    const unreachable = await check(
      routesFile('gone.yaml', { baseUrl: gone, tokenUrl: `${gone}/oauth_token.do` }),
      SN_SECRET,
    );
    expect(unreachable.code).toBe(1);
    expect(blockOf(unreachable, 'crm')).toEqual(CRM_OK);
    expect(blockOf(unreachable, 'desk')).toEqual([
      'target desk (servicenow): FAIL, 1 of 1 mapping failed',
      '  FAIL log_support_ticket: object incident missing, id field correlation_id unknown (no answer (token: token endpoint unreachable (ECONNREFUSED)))',
    ]);

    const healthy = await check(routesFile('healthy.yaml', { baseUrl: sn.url, tokenUrl: sn.tokenUrl }), SN_SECRET);
    expect(healthy.stderr).toBe('');
    expect(healthy.code).toBe(0);
    expect(blockOf(healthy, 'crm')).toEqual(CRM_OK);
    expect(blockOf(healthy, 'desk')).toEqual([
      'target desk (servicenow): ok, 1 mapping checked',
      '  ok   log_support_ticket: object incident ok, id field correlation_id ok (ok)',
    ]);
    expect(healthy.stdout).toContain('crm:check: all 2 targets ok');
  });
});
