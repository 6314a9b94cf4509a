import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exampleMapping } from './support/connector-app';
import { printed, runCrmCheck } from './support/crm-check-command';
import { DataverseFake } from './support/dataverse-fake';
import { HubspotFake } from './support/hubspot-fake';
import { EXAMPLE_ORG, SalesforceFake } from './support/salesforce-fake';
import { ServiceNowFake } from './support/servicenow-fake';
import { ZendeskFake } from './support/zendesk-fake';

/**
 * `npm run crm:check` (scripts/crm-check.js → dist/crm-check.js) against the fakes: a token, one
 * harmless read per mapped object, a line per mapping saying whether object and id field exist,
 * exit 1 when one does not. Run as a child process in a directory of its own (no .env there).
 * With a routing file: test/crm-check-routing.e2e-spec.ts.
 */

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ccs-crm-check-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const crmCheck = (env: Record<string, string>) => runCrmCheck(dir, env);

/** One mapping entry naming `object` and `idField`, writing `fields` from entities. */
const entry = (intent: string, object: string, idField: string, fields: string[]) => ({
  intent,
  objectType: intent,
  object,
  idField,
  idEntity: 'id',
  fields: Object.fromEntries(fields.map((name) => [name, { entity: name }])),
});

/** A mappings file of the test's own, next to the run directory. */
function mappingsFile(name: string, mappings: unknown[]): string {
  const file = join(dir, name);
  writeFileSync(file, JSON.stringify({ mappings }));
  return file;
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

  it('Salesforce without MAPPINGS_FILE: checks the default records, naming a field the org lacks', async () => {
    const result = await crmCheck(salesforce());
    expect(result.stdout).toContain(
      'ok   update_customer_profile: object Contact ok, id field Cognigy_Customer_Id__c ok',
    );
    expect(result.stdout).toContain('ok   log_support_ticket: object Case ok, id field Cognigy_Ticket_Id__c ok');
    expect(result.code).toBe(0);

    const { Contact, Case } = EXAMPLE_ORG;
    const fields = Contact.fields.filter((name) => name !== 'Last_Interaction__c');
    const bare = new SalesforceFake('bare-id', 'bare-secret', { Contact: { ...Contact, fields }, Case });
    await bare.start();
    try {
      const env = { CRM_TOKEN_URL: bare.tokenUrl, CRM_CLIENT_ID: 'bare-id', CRM_CLIENT_SECRET: 'bare-secret' };
      const lacking = await crmCheck({ ...salesforce(), ...env });
      expect(lacking.stdout).toContain(
        'FAIL update_customer_profile: object Contact ok, id field Cognigy_Customer_Id__c ok, fields not found: Last_Interaction__c',
      );
      expect(lacking.code).toBe(1);
    } finally {
      await bare.stop();
    }
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
          entry('c', 'Contact', 'Cognigy_Customer_Id__c', ['LastName', 'Mood__c']),
        ],
      }),
    );
    const result = await crmCheck({ ...salesforce(), MAPPINGS_FILE: file });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('FAIL a: object Contact ok, id field No_Such__c missing');
    expect(result.stdout).toContain('FAIL b: object Leed missing');
    expect(result.stdout).toContain(
      'FAIL c: object Contact ok, id field Cognigy_Customer_Id__c ok, fields not found: Mood__c (not fields of Contact: Mood__c)',
    );
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

  it('HubSpot: an id property without unique values cannot serve, and exits 1', async () => {
    const result = await crmCheck({
      CRM_CONNECTOR: 'hubspot',
      CRM_BASE_URL: hs.url,
      CRM_ACCESS_TOKEN: 'pat-check',
      MAPPINGS_FILE: mappingsFile('hs-not-unique.json', [entry('a', 'contacts', 'email', ['cognigy_status'])]),
    });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(
      'FAIL a: object contacts ok, id field email missing (email exists but is not a unique-value property)',
    );
  });
});

describe('npm run crm:check against Dataverse', () => {
  const dv = new DataverseFake('dv-check-id', 'dv-check-secret');
  beforeAll(() => dv.start());
  afterAll(() => dv.stop());

  const dataverse = (secret = 'dv-check-secret') => ({
    CRM_CONNECTOR: 'dataverse',
    CRM_BASE_URL: dv.url,
    CRM_TOKEN_URL: dv.tokenUrl,
    CRM_CLIENT_ID: 'dv-check-id',
    CRM_CLIENT_SECRET: secret,
  });

  it('reads each table definition with its alternate keys; both example mappings pass', async () => {
    const result = await crmCheck({ ...dataverse(), MAPPINGS_FILE: exampleMapping('dataverse') });
    expect(result.stdout).toContain(
      'ok   update_customer_profile: object contacts ok, id field cognigy_customerid ok (ok)',
    );
    expect(result.stdout).toContain('ok   log_support_ticket: object incidents ok, id field cognigy_ticketid ok (ok)');
    expect(result.code).toBe(0);
    // contacts, incidents, then contacts again for the ticket's customerid_contact bind.
    const reads = dv.apiRequests('/api/data/v9.2/EntityDefinitions?').map((r) => decodeURIComponent(r.url));
    expect(reads).toHaveLength(3);
    expect(reads[0]).toContain("$filter=EntitySetName eq 'contacts'");
    expect(reads[2]).toContain("$filter=EntitySetName eq 'contacts'");
    expect(dv.apiRequests().every((r) => r.method === 'GET')).toBe(true);
  });

  it('reads the table each bind names: a column that is not its alternate key, or no such table, fails the mapping naming the field', async () => {
    const ticket = entry('t', 'incidents', 'cognigy_ticketid', ['title']);
    const bind = (entitySet: string, key: string) => ({ bind: { entitySet, key, entity: 'customerId' } });
    const file = mappingsFile('dv-binds.json', [
      {
        ...ticket,
        fields: {
          ...ticket.fields,
          'customerid_contact@odata.bind': bind('contacts', 'emailaddress1'),
          'customerid_account@odata.bind': bind('acounts', 'accountnumber'),
        },
      },
    ]);
    const result = await crmCheck({ ...dataverse(), MAPPINGS_FILE: file });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(
      'FAIL t: object incidents ok, id field cognigy_ticketid ok, fields not found: customerid_contact@odata.bind, customerid_account@odata.bind (customerid_contact@odata.bind: no alternate key of contact is the column emailaddress1; keys: cognigy_customerid_key (cognigy_customerid); customerid_account@odata.bind: no table has the entity set acounts)',
    );
  });

  it('names a missing entity set and an id field that is no alternate key, and exits 1', async () => {
    const file = mappingsFile('dv-wrong.json', [
      entry('a', 'contacts', 'cognigy_status', ['description']),
      entry('b', 'leeds', 'cognigy_leadid', ['description']),
    ]);
    const result = await crmCheck({ ...dataverse(), MAPPINGS_FILE: file });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(
      'FAIL a: object contacts ok, id field cognigy_status missing (no alternate key of contact is the column cognigy_status; keys: cognigy_customerid_key (cognigy_customerid))',
    );
    expect(result.stdout).toContain(
      'FAIL b: object leeds missing, id field cognigy_leadid unknown (no table has the entity set leeds)',
    );
  });

  it('a refused client secret: a clear failure, exit 1, the secret nowhere in the output', async () => {
    const result = await crmCheck({
      ...dataverse('dv-wrong-secret-4711'),
      MAPPINGS_FILE: exampleMapping('dataverse'),
    });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(
      'FAIL update_customer_profile: object contacts missing, id field cognigy_customerid unknown',
    );
    expect(printed(result)).toMatch(/token.*401.*invalid_client/);
    expect(printed(result)).not.toContain('dv-wrong-secret-4711');
  });
});

describe('npm run crm:check against Zendesk', () => {
  const zd = new ZendeskFake('agent@example.com/token', 'zd-check-token');
  beforeAll(() => zd.start());
  afterAll(() => zd.stop());

  const zendesk = (password = 'zd-check-token') => ({
    CRM_CONNECTOR: 'zendesk',
    CRM_BASE_URL: zd.url,
    CRM_AUTH: 'basic',
    CRM_BASIC_USER: 'agent@example.com/token',
    CRM_BASIC_PASSWORD: password,
  });

  it('looks up by external_id and finds the user fields the mapping writes; both example mappings pass', async () => {
    const result = await crmCheck({ ...zendesk(), MAPPINGS_FILE: exampleMapping('zendesk') });
    expect(result.stdout).toContain('ok   update_customer_profile: object users ok, id field external_id ok (ok)');
    expect(result.stdout).toContain('ok   log_support_ticket: object tickets ok, id field external_id ok (ok)');
    expect(result.code).toBe(0);
    expect(zd.apiRequests('/api/v2/users/search?external_id=')).toHaveLength(1);
    expect(zd.apiRequests('/api/v2/user_fields')).toHaveLength(1);
    expect(zd.apiRequests('/api/v2/tickets?external_id=')).toHaveLength(1);
    expect(zd.apiRequests().every((r) => r.method === 'GET')).toBe(true);
  });

  it('names a user field the account does not have, and exits 1', async () => {
    const file = mappingsFile('zd-wrong.json', [
      entry('a', 'users', 'external_id', ['name', 'user_fields/cognigy_status', 'user_fields/cognigy_tier']),
    ]);
    const result = await crmCheck({ ...zendesk(), MAPPINGS_FILE: file });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(
      'FAIL a: object users ok, id field external_id ok, fields not found: user_fields/cognigy_tier (no such user field: user_fields/cognigy_tier)',
    );
  });

  it('a refused API token: a clear failure, exit 1, neither the token nor the Basic credentials in the output', async () => {
    const result = await crmCheck({ ...zendesk('zd-wrong-token-4711'), MAPPINGS_FILE: exampleMapping('zendesk') });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(
      "FAIL update_customer_profile: object users missing, id field external_id unknown (401: Couldn't authenticate you)",
    );
    const basic = Buffer.from('agent@example.com/token:zd-wrong-token-4711').toString('base64');
    expect(printed(result)).not.toContain('zd-wrong-token-4711');
    expect(printed(result)).not.toContain(basic);
  });
});

describe('npm run crm:check against ServiceNow', () => {
  const sn = new ServiceNowFake({ client: { id: 'sn-check-id', secret: 'sn-check-secret' } });
  beforeAll(() => sn.start());
  afterAll(() => sn.stop());

  const servicenow = (secret = 'sn-check-secret') => ({
    CRM_CONNECTOR: 'servicenow',
    CRM_BASE_URL: sn.url,
    CRM_TOKEN_URL: sn.tokenUrl,
    CRM_CLIENT_ID: 'sn-check-id',
    CRM_CLIENT_SECRET: secret,
  });

  it('reads each table, then finds the correlation field and the written fields along its lineage; both example mappings pass', async () => {
    const result = await crmCheck({ ...servicenow(), MAPPINGS_FILE: exampleMapping('servicenow') });
    expect(result.stdout).toContain(
      'ok   update_customer_profile: object customer_contact ok, id field u_cognigy_customer_id ok (ok)',
    );
    expect(result.stdout).toContain('ok   log_support_ticket: object incident ok, id field correlation_id ok (ok)');
    expect(result.code).toBe(0);
    expect(sn.apiRequests('/api/now/table/incident?sysparm_limit=1')).toHaveLength(1);
    // incident extends task: correlation_id is task's column.
    const dictionary = sn.apiRequests('/api/now/table/sys_dictionary').map((r) => decodeURIComponent(r.url));
    expect(dictionary).toContainEqual(expect.stringContaining('nameINincident,task^elementINcorrelation_id,'));
    expect(sn.apiRequests().every((r) => r.method === 'GET')).toBe(true);
  });

  it('without MAPPINGS_FILE checks the default records the same way', async () => {
    const result = await crmCheck(servicenow());
    expect(result.stdout).toContain('ok   log_support_ticket: object incident ok, id field correlation_id ok (ok)');
    expect(result.code).toBe(0);
  });

  it('names an unknown table, a correlation field and a written field no table of the lineage has, and exits 1', async () => {
    const file = mappingsFile('sn-wrong.json', [
      entry('a', 'incident', 'u_ticket_ref', ['short_description', 'u_mood']),
      entry('b', 'incidnt', 'correlation_id', ['short_description']),
    ]);
    const result = await crmCheck({ ...servicenow(), MAPPINGS_FILE: file });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(
      'FAIL a: object incident ok, id field u_ticket_ref missing, fields not found: u_mood (not columns of incident, task: u_ticket_ref, u_mood)',
    );
    expect(result.stdout).toContain(
      'FAIL b: object incidnt missing, id field correlation_id unknown (400: Invalid table incidnt)',
    );
  });

  it('a dictionary the integration user may not read fails the check, saying so', async () => {
    sn.denied.set('sys_dictionary', ['read']);
    try {
      const result = await crmCheck({ ...servicenow(), MAPPINGS_FILE: exampleMapping('servicenow') });
      expect(result.code).toBe(1);
      expect(result.stdout).toContain(
        'FAIL log_support_ticket: object incident ok, id field correlation_id unknown (sys_dictionary: 403: Operation Failed: Requesting user has insufficient privileges)',
      );
    } finally {
      sn.denied.delete('sys_dictionary');
    }
  });

  it('a refused client secret: a clear failure, exit 1, the secret nowhere in the output', async () => {
    const result = await crmCheck({
      ...servicenow('sn-wrong-secret-4711'),
      MAPPINGS_FILE: exampleMapping('servicenow'),
    });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(
      'FAIL log_support_ticket: object incident missing, id field correlation_id unknown',
    );
    expect(printed(result)).toMatch(/token endpoint answered 401: server_error/);
    expect(printed(result)).not.toContain('sn-wrong-secret-4711');
  });
});
