import { CrmBreaker } from '../src/crm/client/crm-breaker';
import { sendContact, sendTicket, settledAs, startConnectorApp } from './support/connector-app';
import { DataverseFake } from './support/dataverse-fake';
import { TestApp } from './support/test-app';
import { unique } from './support/webhook-cases';

/**
 * CRM_CONNECTOR=dataverse through the real app and mappings/dataverse.example.json, against a fake
 * Dataverse environment and Entra ID token endpoint over real HTTP (test/support/dataverse-fake.ts).
 */

const CLIENT_ID = 'app-registration';
const CLIENT_SECRET = 'entra-secret';
const dv = new DataverseFake(CLIENT_ID, CLIENT_SECRET);

let t: TestApp;
beforeAll(async () => {
  await dv.start();
  t = await startConnectorApp('dataverse', {
    CRM_BASE_URL: dv.url,
    CRM_TOKEN_URL: dv.tokenUrl,
    CRM_CLIENT_ID: CLIENT_ID,
    CRM_CLIENT_SECRET: CLIENT_SECRET,
    CRM_BREAKER_THRESHOLD: '1',
  });
});
afterAll(async () => {
  await t?.close();
  await dv.stop();
});

describe('Dataverse', () => {
  it('upserts the contact by its alternate key with OData headers; the token asks for <CRM_BASE_URL>/.default', async () => {
    const customerId = unique('C');
    const [made] = await settledAs(
      t,
      [await sendContact(t, customerId, { newStatus: { value: 'gold' } })],
      'delivered',
    );
    const row = dv.row('contacts', customerId)!;
    expect(row).toMatchObject({ cognigy_status: 'gold' });
    // 204 says neither created nor updated; the record id comes from OData-EntityId.
    expect(made).toMatchObject({ attempts: 1, lastStatus: 204, crmRecordId: row.id, created: null });
    const sent = dv.apiRequests().at(-1)!;
    expect(sent.method).toBe('PATCH');
    expect(sent.url).toBe(`/api/data/v9.2/contacts(cognigy_customerid='${encodeURIComponent(customerId)}')`);
    expect(sent.headers).toMatchObject({ 'odata-version': '4.0', 'odata-maxversion': '4.0' });
    expect(sent.body).not.toHaveProperty('cognigy_customerid');
    expect(dv.scopes).toEqual([`${dv.url}/.default`]);

    await settledAs(t, [await sendContact(t, customerId, { newStatus: { value: 'silver' } })], 'delivered');
    expect(dv.rows.get('contacts')!.size).toBeGreaterThanOrEqual(1);
    expect(dv.row('contacts', customerId)).toMatchObject({ id: row.id, cognigy_status: 'silver' });
  });

  it("doubles a ' in the key and percent-encodes the rest", async () => {
    const customerId = `O'Brien ${unique('x')}/#?`;
    await settledAs(t, [await sendContact(t, customerId)], 'delivered');
    expect(dv.row('contacts', customerId)).toBeDefined();
    expect(dv.apiRequests().at(-1)!.url).toContain("O''Brien%20");
  });

  it('maps log_support_ticket to an incident', async () => {
    const ticketId = unique('T');
    await settledAs(t, [await sendTicket(t, ticketId)], 'delivered');
    expect(dv.row('incidents', ticketId)).toMatchObject({ title: 'router offline', cognigy_source: 'cognigy_ai' });
  });

  it('429 waits for Retry-After and is not a breaker failure', async () => {
    dv.inject({
      status: 429,
      headers: { 'Retry-After': '0' },
      body: {
        error: {
          code: '0x80072322',
          message: 'Number of requests exceeded the limit of 6000 over time window of 300 seconds.',
        },
      },
    });
    const [done] = await settledAs(t, [await sendContact(t, unique('C'))], 'delivered');
    expect(done.attempts).toBe(2);
    expect(t.app.get(CrmBreaker).state).toBe('closed');
  });

  it.each([400, 404, 412])('%i is a dead letter keeping error.code and error.message', async (status) => {
    dv.inject({ status, body: { error: { code: '0x80040237', message: `refused with ${status}` } } });
    const [dead] = await settledAs(t, [await sendContact(t, unique('C'))], 'dead');
    expect(dead).toMatchObject({ attempts: 1, lastStatus: status });
    expect(dead.lastError).toContain(`0x80040237: refused with ${status}`);
  });

  it('401: the token is dropped, a new one fetched, the upsert retried once at once', async () => {
    const before = dv.tokenRequests;
    dv.revokeTokens();
    const [done] = await settledAs(t, [await sendContact(t, unique('C'))], 'delivered');
    expect(done.attempts).toBe(2);
    expect(dv.tokenRequests).toBe(before + 1);
  });
});
