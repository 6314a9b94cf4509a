import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CrmBreaker } from '../src/crm/client/crm-breaker';
import { TokenProvider } from '../src/crm/token/token-provider';
import {
  exampleMapping,
  sendContact,
  sendTicket,
  settledAs,
  startConnectorApp,
  upsertsCounted,
  view,
} from './support/connector-app';
import { salesforceOrg } from './support/salesforce-org';
import { TestApp } from './support/test-app';
import { waitFor } from './support/wait-for';
import { unique } from './support/webhook-cases';

/**
 * CRM_CONNECTOR=salesforce sending one upsert per request, through the real app and
 * mappings/salesforce.example.json, against a fake org over real HTTP (test/support/salesforce-org.ts):
 * upsert by external id, the token answer's instance_url as API base, and every cell of the
 * Salesforce verdict column; and a mapping that does not write a field a create needs.
 * Batched requests: connector-salesforce-batched.e2e-spec.ts.
 */

const { sf, env } = salesforceOrg();

const EARLIER = { timestamp: '2026-11-26T10:00:00Z' };
const LATER = { timestamp: '2026-11-26T10:05:00Z' };

describe('Salesforce, one upsert per request', () => {
  let t: TestApp;
  beforeAll(async () => {
    // Threshold 1: a single breaker failure would open it, so "not a breaker failure" is visible.
    t = await startConnectorApp('salesforce', env({ CRM_BREAKER_THRESHOLD: '1' }));
  });
  afterAll(() => t.close());

  it('creates, then updates, the Contact by its external id; operators see the record id and created', async () => {
    const customerId = unique('C');
    const createdBefore = await upsertsCounted(t, 'contact', 'created');
    const first = await sendContact(t, customerId, { newStatus: { value: 'gold' } });
    const [made] = await settledAs(t, [first], 'delivered');
    const [record] = sf.find('Contact', 'Cognigy_Customer_Id__c', customerId);
    expect(record).toMatchObject({ Status__c: 'gold', Cognigy_Customer_Id__c: customerId });
    expect(made).toMatchObject({ attempts: 1, lastStatus: 201, crmRecordId: record.Id, created: true });

    const second = await sendContact(t, customerId, {
      newStatus: { value: 'platinum' },
      notes: { value: 'called back' },
    });
    const [changed] = await settledAs(t, [second], 'delivered');
    expect(changed).toMatchObject({ attempts: 1, lastStatus: 200, crmRecordId: record.Id, created: false });
    expect(sf.find('Contact', 'Cognigy_Customer_Id__c', customerId)).toEqual([
      expect.objectContaining({ Id: record.Id, Status__c: 'platinum', Description: 'called back' }),
    ]);
    // The PATCH URL carries the id; the body holds the fields without it.
    const sent = sf
      .apiRequests()
      .filter((r) => r.url.endsWith(`/Cognigy_Customer_Id__c/${encodeURIComponent(customerId)}`));
    expect(sent.map((r) => [r.method, r.url.split('/sobjects/')[0]])).toEqual([
      ['PATCH', '/services/data/v62.0'],
      ['PATCH', '/services/data/v62.0'],
    ]);
    expect(sent[0].body).not.toHaveProperty('Cognigy_Customer_Id__c');
    expect(await upsertsCounted(t, 'contact', 'created')).toBe(createdBefore + 1);
    expect(await upsertsCounted(t, 'contact', 'updated')).toBeGreaterThanOrEqual(1);
  });

  it('maps log_support_ticket to a Case', async () => {
    const ticketId = unique('T');
    const [done] = await settledAs(t, [await sendTicket(t, ticketId)], 'delivered');
    expect(sf.find('Case', 'Cognigy_Ticket_Id__c', ticketId)).toEqual([
      expect.objectContaining({ Priority: 'high', Description: 'router offline', Origin: 'Cognigy AI' }),
    ]);
    expect(done.created).toBe(true);
  });

  it('several records with the external id (300): dead letter naming the matching records', async () => {
    const customerId = unique('DUP');
    const a = sf.seed('Contact', { Cognigy_Customer_Id__c: customerId });
    const b = sf.seed('Contact', { Cognigy_Customer_Id__c: customerId });
    const [dead] = await settledAs(t, [await sendContact(t, customerId)], 'dead');
    expect(dead).toMatchObject({ attempts: 1, lastStatus: 300 });
    expect(dead.lastError).toContain(`/sobjects/Contact/${a.Id}`);
    expect(dead.lastError).toContain(`/sobjects/Contact/${b.Id}`);
  });

  it('400 keeps Salesforce errorCode and message in the dead letter', async () => {
    sf.rejectedValues.set('Status__c', 'banned');
    try {
      const [dead] = await settledAs(
        t,
        [await sendContact(t, unique('C'), { newStatus: { value: 'banned' } })],
        'dead',
      );
      expect(dead).toMatchObject({ attempts: 1, lastStatus: 400 });
      expect(dead.lastError).toContain('FIELD_CUSTOM_VALIDATION_EXCEPTION: Status__c does not accept banned');
    } finally {
      sf.rejectedValues.clear();
    }
  });

  it('403 REQUEST_LIMIT_EXCEEDED is retried with backoff and is not a breaker failure', async () => {
    sf.inject({
      status: 403,
      body: [{ message: 'TotalRequests Limit exceeded.', errorCode: 'REQUEST_LIMIT_EXCEEDED' }],
      count: 2,
    });
    const [done] = await settledAs(t, [await sendContact(t, unique('C'))], 'delivered');
    expect(done).toMatchObject({ attempts: 3, lastStatus: 201 });
    expect(t.app.get(CrmBreaker).state).toBe('closed');
  });

  it('any other 403 is a dead letter', async () => {
    sf.inject({
      status: 403,
      body: [{ message: 'insufficient access rights on object id', errorCode: 'INSUFFICIENT_ACCESS_OR_READONLY' }],
    });
    const [dead] = await settledAs(t, [await sendContact(t, unique('C'))], 'dead');
    expect(dead.lastError).toContain('INSUFFICIENT_ACCESS_OR_READONLY');
  });

  it('404 (unknown object or field) is a dead letter with Salesforce message', async () => {
    sf.inject({ status: 404, body: [{ errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' }] });
    const [dead] = await settledAs(t, [await sendContact(t, unique('C'))], 'dead');
    expect(dead).toMatchObject({ lastStatus: 404 });
    expect(dead.lastError).toContain('NOT_FOUND: The requested resource does not exist');
  });

  it('401 INVALID_SESSION_ID: the token is dropped, fetched once more, and the upsert retried once at once', async () => {
    const tokensBefore = sf.tokenRequests;
    sf.revokeTokens();
    const customerId = unique('C');
    const [done] = await settledAs(t, [await sendContact(t, customerId)], 'delivered');
    expect(done).toMatchObject({ attempts: 2, lastStatus: 201 });
    expect(sf.tokenRequests).toBe(tokensBefore + 1);
    const statuses = sf
      .apiRequests()
      .filter((r) => r.url.includes(encodeURIComponent(customerId)))
      .map((r) => r.status);
    expect(statuses).toEqual([401, 201]);
  });

  it('a token answer without expires_in is kept until a 401: no refresh however many deliveries', async () => {
    expect(t.app.get(TokenProvider).state()).toMatchObject({ cached: true, expiresAt: null, lastError: null });
    const tokensBefore = sf.tokenRequests;
    const ids = await Promise.all([1, 2, 3, 4].map(() => sendContact(t, unique('C'))));
    await settledAs(t, ids, 'delivered');
    expect(sf.tokenRequests).toBe(tokensBefore);
  });

  it('ids differing only in case are one record (External IDs match case-insensitively): an older event is stale', async () => {
    const customerId = unique('Case');
    const newer = await sendContact(t, customerId.toLowerCase(), { newStatus: { value: 'gold' } }, LATER);
    await settledAs(t, [newer], 'delivered');
    const before = sf.apiRequests().length;
    const older = await sendContact(t, customerId.toUpperCase(), { newStatus: { value: 'lead' } }, EARLIER);
    await settledAs(t, [older], 'stale');
    // Never sent: the record keeps the newer event's values.
    expect(sf.apiRequests().slice(before)).toEqual([]);
    expect(sf.find('Contact', 'Cognigy_Customer_Id__c', customerId)).toEqual([
      expect.objectContaining({ Status__c: 'gold' }),
    ]);
  });

  // Last in this app: the breaker stays open afterwards.
  it('5xx is retried and counts against the breaker', async () => {
    sf.inject({ status: 503, body: [{ errorCode: 'SERVER_UNAVAILABLE', message: 'try later' }] });
    const eventId = await sendContact(t, unique('C'));
    const waiting = await waitFor(
      async () => {
        const event = await view(t, eventId);
        return event.attempts === 1 && t.app.get(CrmBreaker).state === 'open' ? event : null;
      },
      { timeoutMs: 10000, what: 'the 503 opens the breaker' },
    );
    expect(waiting).toMatchObject({ state: 'queued', lastStatus: 503 });
    expect(waiting.lastError).toContain('SERVER_UNAVAILABLE');
  });
});

describe('Salesforce, a mapping that does not write a field a create needs', () => {
  let t: TestApp;
  let dir: string;
  beforeAll(async () => {
    // The example mapping without its LastName: Contact.LastName is required to create a contact.
    dir = mkdtempSync(join(tmpdir(), 'ccs-sf-required-'));
    const example = JSON.parse(readFileSync(exampleMapping('salesforce'), 'utf8')) as {
      mappings: Array<{ fields: Record<string, unknown> }>;
    };
    delete example.mappings[0].fields.LastName;
    const file = join(dir, 'no-last-name.json');
    writeFileSync(file, JSON.stringify(example));
    t = await startConnectorApp('salesforce', env({ MAPPINGS_FILE: file }));
  });
  afterAll(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a new Contact is refused with REQUIRED_FIELD_MISSING (dead letter); an existing one is updated', async () => {
    const [dead] = await settledAs(t, [await sendContact(t, unique('C'))], 'dead');
    expect(dead).toMatchObject({ attempts: 1, lastStatus: 400 });
    expect(dead.lastError).toContain('REQUIRED_FIELD_MISSING: Required fields are missing: [LastName]');

    const known = unique('C');
    sf.seed('Contact', { LastName: 'Doe', Cognigy_Customer_Id__c: known });
    const [done] = await settledAs(t, [await sendContact(t, known, { newStatus: { value: 'silver' } })], 'delivered');
    expect(done).toMatchObject({ lastStatus: 200, created: false });
    expect(sf.find('Contact', 'Cognigy_Customer_Id__c', known)[0]).toMatchObject({
      LastName: 'Doe',
      Status__c: 'silver',
    });
  });
});
