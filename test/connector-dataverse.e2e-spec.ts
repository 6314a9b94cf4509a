import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CrmBreaker } from '../src/crm/client/crm-breaker';
import { exampleMapping, sendContact, sendTicket, settledAs, startConnectorApp } from './support/connector-app';
import { DataverseFake } from './support/dataverse-fake';
import { TestApp } from './support/test-app';
import { unique } from './support/webhook-cases';

/**
 * CRM_CONNECTOR=dataverse through the real app and mappings/dataverse.example.json, against a fake
 * Dataverse environment and Entra ID token endpoint over real HTTP (test/support/dataverse-fake.ts).
 */

const CLIENT_ID = 'app-registration';
const EARLIER = { timestamp: '2026-11-26T10:00:00Z' };
const LATER = { timestamp: '2026-11-26T10:05:00Z' };
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

  it('ids differing only in case are one row (a case-insensitive key): an older event is stale, never sent', async () => {
    const customerId = unique('Case');
    const newer = await sendContact(t, customerId.toLowerCase(), { newStatus: { value: 'gold' } }, LATER);
    await settledAs(t, [newer], 'delivered');
    const before = dv.apiRequests().length;
    const older = await sendContact(t, customerId.toUpperCase(), { newStatus: { value: 'lead' } }, EARLIER);
    await settledAs(t, [older], 'stale');
    expect(dv.apiRequests().slice(before)).toEqual([]);
    expect(dv.row('contacts', customerId)).toMatchObject({
      cognigy_customerid: customerId.toLowerCase(),
      cognigy_status: 'gold',
    });
  });

  it("doubles a ' in the key and percent-encodes the rest", async () => {
    const customerId = `O'Brien ${unique('x')}/#?`;
    await settledAs(t, [await sendContact(t, customerId)], 'delivered');
    expect(dv.row('contacts', customerId)).toBeDefined();
    expect(dv.apiRequests().at(-1)!.url).toContain("O''Brien%20");
  });

  it("maps log_support_ticket to an incident bound to its customer's contact by the contact's alternate key", async () => {
    const customerId = `O'Hara ${unique('C')}`;
    await settledAs(t, [await sendContact(t, customerId)], 'delivered');
    const ticketId = unique('T');
    await settledAs(t, [await sendTicket(t, ticketId, 'high', { customerId: { value: customerId } })], 'delivered');
    expect(dv.row('incidents', ticketId)).toMatchObject({
      title: 'router offline',
      cognigy_source: 'cognigy_ai',
      _customerid_value: dv.row('contacts', customerId)!.id,
    });
    // The bind quotes the key as the upsert URL does: ' doubled, the rest percent-encoded.
    expect(dv.apiRequests().at(-1)!.body).toMatchObject({
      'customerid_contact@odata.bind': `/contacts(cognigy_customerid='${encodeURIComponent(customerId.replace(/'/g, "''"))}')`,
    });
  });

  it("a ticket whose contact does not exist is a dead letter keeping Dataverse's RecordNotFoundByEntityKey", async () => {
    const ticketId = unique('T');
    const [dead] = await settledAs(
      t,
      [await sendTicket(t, ticketId, 'high', { customerId: { value: unique('C-nobody') } })],
      'dead',
    );
    expect(dead).toMatchObject({ attempts: 1, lastStatus: 404 });
    expect(dead.lastError).toContain(
      '0x80060891: A record with the specified key values does not exist in contact entity',
    );
    expect(dv.row('incidents', ticketId)).toBeUndefined();
  });

  it('a ticket without a customerId leaves the bind out, and Dataverse refuses a new case without a customer', async () => {
    const ticketId = unique('T');
    const [dead] = await settledAs(t, [await sendTicket(t, ticketId)], 'dead');
    expect(dv.apiRequests().at(-1)!.body).not.toHaveProperty('customerid_contact@odata.bind');
    expect(dead).toMatchObject({ attempts: 1, lastStatus: 400 });
    expect(dead.lastError).toContain('0x80044410: You should specify a parent contact or account.');
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

describe('mappings that bind a lookup: startup errors naming the entry', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'ccs-dvbind-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** The error startup fails with, for the Dataverse example file with `edit` applied to its ticket entry. */
  async function startupError(connector: string, env: Record<string, string>, edit: (ticket: any) => void) {
    const document = JSON.parse(readFileSync(exampleMapping('dataverse'), 'utf8'));
    edit(document.mappings.find((m: { intent: string }) => m.intent === 'log_support_ticket'));
    const file = join(dir, `${unique('mappings')}.json`);
    writeFileSync(file, JSON.stringify(document));
    const started = startConnectorApp(connector, { ...env, MAPPINGS_FILE: file });
    const error: Error = await started.then(
      (app) => app.close().then(() => new Error('started')),
      (e: Error) => e,
    );
    return error.message;
  }

  const ENTRY = 'mappings[1] (log_support_ticket).fields';

  it('a bind under another connector stops startup', async () => {
    const message = await startupError('hubspot', { CRM_BASE_URL: dv.url, CRM_ACCESS_TOKEN: 'pat-1' }, () => undefined);
    expect(message).toContain(
      `${ENTRY}.customerid_contact@odata.bind.bind: not with CRM_CONNECTOR=hubspot, which has no lookups by key`,
    );
  });

  it('a malformed bind stops startup, each problem named', async () => {
    const env = {
      CRM_BASE_URL: dv.url,
      CRM_TOKEN_URL: dv.tokenUrl,
      CRM_CLIENT_ID: CLIENT_ID,
      CRM_CLIENT_SECRET: CLIENT_SECRET,
    };
    const message = await startupError('dataverse', env, (ticket) => {
      ticket.fields.customerid = { bind: { entitySet: 'contacts', key: 'cognigy_customerid', entity: 'customerId' } };
      ticket.fields['customerid_contact@odata.bind'] = { bind: { entitySet: '/contacts', entity: '', keys: 'x' } };
    });
    expect(message).toContain(
      `${ENTRY}.customerid: a bind field is named <navigation property>@odata.bind, e.g. customerid_contact@odata.bind`,
    );
    const bind = `${ENTRY}.customerid_contact@odata.bind.bind`;
    expect(message).toContain(`${bind}: unknown key(s) keys`);
    expect(message).toContain(`${bind}.entitySet: must be a Dataverse name (letters, digits, _)`);
    expect(message).toContain(`${bind}.key: must be a Dataverse name (letters, digits, _)`);
    expect(message).toContain(`${bind}.entity: must be a non-empty string`);
  });
});
