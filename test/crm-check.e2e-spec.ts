import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { exampleMapping } from './support/connector-app';
import { HubspotFake } from './support/hubspot-fake';
import { SalesforceFake } from './support/salesforce-fake';

/**
 * `npm run crm:check` (scripts/crm-check.js → dist/crm-check.js) against the fakes: a token, one
 * harmless read per mapped object, a line per mapping saying whether object and id field exist,
 * exit 1 when one does not. Run as a child process in a directory of its own (no .env there).
 */

const run = promisify(execFile);
const SCRIPT = join(__dirname, '..', 'scripts', 'crm-check.js');
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ccs-crm-check-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function crmCheck(env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  const own = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^(CRM_|MAPPINGS_|QUEUE_|REDIS_|ADMIN_)/.test(k)),
  );
  try {
    const { stdout, stderr } = await run(process.execPath, [SCRIPT], {
      cwd: dir,
      env: { ...own, DATA_DIR: join(dir, 'data'), COGNIGY_WEBHOOK_SECRETS: 's', ...env },
      timeout: 60_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe('npm run crm:check', () => {
  const sf = new SalesforceFake('check-id', 'check-secret');
  const hs = new HubspotFake('pat-check');
  beforeAll(async () => {
    await sf.start();
    await hs.start();
  });
  afterAll(async () => {
    await sf.stop();
    await hs.stop();
  });

  // A function: the fake's URL is known only once it listens.
  const salesforce = () => ({
    CRM_CONNECTOR: 'salesforce',
    CRM_TOKEN_URL: sf.tokenUrl,
    CRM_CLIENT_ID: 'check-id',
    CRM_CLIENT_SECRET: 'check-secret',
  });

  it('Salesforce: fetches a token and describes each mapped object; both mappings pass', async () => {
    const tokens = sf.tokenRequests;
    const result = await crmCheck({ ...salesforce(), MAPPINGS_FILE: exampleMapping('salesforce') });
    expect(result.stdout).toContain(
      'ok   update_customer_profile: object Contact ok, id field Cognigy_Customer_Id__c ok',
    );
    expect(result.stdout).toContain('ok   log_support_ticket: object Case ok, id field Cognigy_Ticket_Id__c ok');
    expect(result.code).toBe(0);
    expect(sf.tokenRequests).toBe(tokens + 1);
    expect(sf.apiRequests('/services/data/v62.0/sobjects/Contact/describe')).toHaveLength(1);
    // Reads only: nothing was written.
    expect(sf.apiRequests().every((r) => r.method === 'GET')).toBe(true);
  });

  it('names a missing object and a missing id field, and exits 1', async () => {
    const file = join(dir, 'sf-wrong.json');
    writeFileSync(
      file,
      JSON.stringify({
        mappings: [
          {
            intent: 'a',
            objectType: 'contact',
            object: 'Contact',
            idField: 'No_Such__c',
            idEntity: 'id',
            fields: { Description: { entity: 'x' } },
          },
          {
            intent: 'b',
            objectType: 'lead',
            object: 'Leed',
            idField: 'Ext__c',
            idEntity: 'id',
            fields: { Description: { entity: 'x' } },
          },
        ],
      }),
    );
    const result = await crmCheck({ ...salesforce(), MAPPINGS_FILE: file });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('FAIL a: object Contact ok, id field No_Such__c missing');
    expect(result.stdout).toContain('FAIL b: object Leed missing');
  });

  it('HubSpot: reads the id property of each object', async () => {
    const result = await crmCheck({
      CRM_CONNECTOR: 'hubspot',
      CRM_BASE_URL: hs.url,
      CRM_ACCESS_TOKEN: 'pat-check',
      MAPPINGS_FILE: exampleMapping('hubspot'),
    });
    expect(result.stdout).toContain(
      'ok   update_customer_profile: object contacts ok, id field cognigy_customer_id ok',
    );
    expect(result.code).toBe(0);
    expect(hs.apiRequests('/crm/v3/properties/tickets/cognigy_ticket_id')).toHaveLength(1);
  });
});
