import { exampleMapping } from './support/connector-app';
import { crmCheckDirectory, mappingEntry as entry, printed } from './support/crm-check-command';
import { DataverseFake } from './support/dataverse-fake';
import { ServiceNowFake } from './support/servicenow-fake';
import { ZendeskFake } from './support/zendesk-fake';

/**
 * `npm run crm:check` (scripts/crm-check.js → dist/crm-check.js) against the Dataverse, Zendesk
 * and ServiceNow fakes: each mapped object and its id field read, a line per mapping, exit 1 when
 * one does not pass, and a refused credential reported without the credential. Run as a child
 * process in a directory of its own (no .env there). Salesforce and HubSpot:
 * test/crm-check-salesforce-hubspot.e2e-spec.ts; with a routing file: test/crm-check-routing.e2e-spec.ts.
 */

const { crmCheck, mappingsFile } = crmCheckDirectory();

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
