import { CrmBreaker } from '../src/crm/client/crm-breaker';
import { sendContact, settledAs, startConnectorApp, view } from './support/connector-app';
import { SalesforceFake } from './support/salesforce-fake';
import { salesforceOrg } from './support/salesforce-org';
import { TestApp } from './support/test-app';
import { waitFor } from './support/wait-for';
import { unique } from './support/webhook-cases';

/**
 * Where CRM_CONNECTOR=salesforce sends an event's data, through the real app against fake orgs
 * (test/support/salesforce-fake.ts): only to an instance_url that passes the check (SPEC §13,
 * issue 17 item 0), and to the URL of the record itself, never one URL parsing makes of its id.
 */

const CLIENT_ID = 'sf-urls-app';
const CLIENT_SECRET = 'sf-urls-secret';
const { sf, env } = salesforceOrg(CLIENT_ID, CLIENT_SECRET);
/** Another org on another host: a token answer naming it must not send it anything. */
const elsewhere = new SalesforceFake(CLIENT_ID, CLIENT_SECRET);

beforeAll(() => elsewhere.start());
afterAll(() => elsewhere.stop());

describe("Salesforce, the token answer's instance_url", () => {
  let t: TestApp | undefined;
  afterEach(async () => {
    sf.instanceUrl = undefined;
    await t?.close();
    t = undefined;
  });

  it.each([
    ['userinfo', () => sf.url.replace('http://', 'http://user:pw-in-url@'), 'it carries credentials (userinfo)'],
    ['a query', () => `${sf.url}/?next=/services/data`, 'it has a query or a fragment'],
    ['a fragment', () => `${sf.url}#top`, 'it has a query or a fragment'],
    ['plain http to another host', () => 'http://crm.evil.example', 'it is not https'],
    [
      'another host',
      () => elsewhere.url.replace('127.0.0.1', 'localhost'),
      "its host localhost is neither the token URL's nor a Salesforce domain (salesforce.com, force.com, SALESFORCE_INSTANCE_DOMAINS)",
    ],
  ])(
    'with %s, the token is refused naming why; nothing is sent; once fixed the event is delivered',
    async (_case, instanceUrl, why) => {
      // Its own app: the token is fetched for the first delivery (a cached one would be used).
      t = await startConnectorApp(
        'salesforce',
        env({ CRM_MAX_ATTEMPTS: '1000', CRM_RETRY_BASE_MS: '100', CRM_RETRY_MAX_MS: '200' }),
      );
      const app = t;
      sf.instanceUrl = instanceUrl();
      const apiBefore = sf.apiRequests().length;
      const tokensBefore = sf.tokenRequests;
      const eventId = await sendContact(app, `C-url-${_case.replace(/\W/g, '')}`);
      const refused = await waitFor(
        async () => {
          const event = await view(app, eventId);
          return event.attempts >= 1 ? event : undefined;
        },
        { timeoutMs: 10000, what: 'a refused token attempt' },
      );
      expect(refused.state).toBe('queued');
      expect(refused.lastError).toBe(`token answer's instance_url refused: ${why}`);
      expect(refused.attemptHistory[0]).toMatchObject({ status: null, error: `token: ${refused.lastError}` });
      expect(JSON.stringify(refused)).not.toContain('pw-in-url');
      expect(sf.tokenRequests).toBeGreaterThan(tokensBefore);
      expect(sf.apiRequests().length).toBe(apiBefore);
      expect(elsewhere.seen).toEqual([]);
      // A token endpoint failure, not a CRM one: the breaker stays closed.
      expect(app.app.get(CrmBreaker).state).toBe('closed');

      sf.instanceUrl = undefined;
      const [done] = await settledAs(app, [eventId], 'delivered');
      expect(done.attempts).toBeGreaterThanOrEqual(2);
      expect(elsewhere.seen).toEqual([]);
    },
  );
});

describe('Salesforce, external ids a URL would misread', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startConnectorApp('salesforce', env());
  });
  afterAll(() => t.close());

  it.each(['..', '.'])(
    'an external id %p, a dot segment URL parsing would resolve, goes in the body of a collection upsert',
    async (customerId) => {
      const before = sf.apiRequests().length;
      const [done] = await settledAs(t, [await sendContact(t, customerId)], 'delivered');
      const sent = sf.apiRequests().slice(before);
      expect(sent.map((r) => `${r.method} ${r.url}`)).toEqual([
        'PATCH /services/data/v62.0/composite/sobjects/Contact/Cognigy_Customer_Id__c',
      ]);
      expect((sent[0].body as { records: unknown[] }).records).toEqual([
        expect.objectContaining({ attributes: { type: 'Contact' }, Cognigy_Customer_Id__c: customerId }),
      ]);
      const [record] = sf.find('Contact', 'Cognigy_Customer_Id__c', customerId);
      expect(done).toMatchObject({ attempts: 1, lastStatus: 200, crmRecordId: record.Id, created: true });
    },
  );

  it.each(['jane@example.inc', 'C-1.com', 'id.JSON'])(
    'an external id ending %p, which Salesforce may read as a file suffix (404 in a URL), goes in the body of a collection upsert',
    async (suffix) => {
      const customerId = `${unique('S')}-${suffix}`;
      const before = sf.apiRequests().length;
      const [done] = await settledAs(t, [await sendContact(t, customerId)], 'delivered');
      const sent = sf.apiRequests().slice(before);
      expect(sent.map((r) => `${r.method} ${r.url}`)).toEqual([
        'PATCH /services/data/v62.0/composite/sobjects/Contact/Cognigy_Customer_Id__c',
      ]);
      const [record] = sf.find('Contact', 'Cognigy_Customer_Id__c', customerId);
      expect(done).toMatchObject({ attempts: 1, lastStatus: 200, crmRecordId: record.Id, created: true });
    },
  );
});
