import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exampleMapping } from './support/connector-app';
import { crmCheckDirectory, mappingEntry as entry } from './support/crm-check-command';
import { HubspotFake } from './support/hubspot-fake';
import { EXAMPLE_ORG, SalesforceFake } from './support/salesforce-fake';

/**
 * `npm run crm:check` (scripts/crm-check.js → dist/crm-check.js) against the Salesforce and HubSpot
 * fakes: a token, one harmless read per mapped object, a line per mapping saying whether object and
 * id field exist, exit 1 when one does not. Run as a child process in a directory of its own (no
 * .env there). Dataverse, Zendesk and ServiceNow: test/crm-check-dataverse-zendesk-servicenow.e2e-spec.ts;
 * with a routing file: test/crm-check-routing.e2e-spec.ts.
 */

const { dir, crmCheck, mappingsFile } = crmCheckDirectory();

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
