import { CONNECTOR_SECRET, sendContact, sendTicket, settledAs, startConnectorApp } from './support/connector-app';
import { TestApp } from './support/test-app';
import { sendAccepted, ticketDialog, unique } from './support/webhook-cases';
import { ZendeskFake } from './support/zendesk-fake';

/**
 * CRM_CONNECTOR=zendesk through the real app and mappings/zendesk.example.json, against a fake
 * Zendesk account over real HTTP (test/support/zendesk-fake.ts), with CRM_AUTH=basic.
 */

const EARLIER = { timestamp: '2026-11-26T10:00:00Z' };
const LATER = { timestamp: '2026-11-26T10:05:00Z' };

const USER = 'agent@example.com/token';
const API_TOKEN = 'zendesk-api-token';
const zd = new ZendeskFake(USER, API_TOKEN);

let t: TestApp;
beforeAll(async () => {
  await zd.start();
  t = await startConnectorApp('zendesk', {
    CRM_BASE_URL: zd.url,
    CRM_AUTH: 'basic',
    CRM_BASIC_USER: USER,
    CRM_BASIC_PASSWORD: API_TOKEN,
  });
});
afterAll(async () => {
  await t?.close();
  await zd.stop();
});

describe('Zendesk', () => {
  it('user create_or_update: 201 created, then 200 updated, nested user_fields', async () => {
    const customerId = unique('C');
    const [made] = await settledAs(
      t,
      [await sendContact(t, customerId, { newStatus: { value: 'gold' } })],
      'delivered',
    );
    const user = zd.users.get(customerId)!;
    expect(user).toMatchObject({ external_id: customerId, name: customerId, user_fields: { cognigy_status: 'gold' } });
    expect(made).toMatchObject({ attempts: 1, lastStatus: 201, crmRecordId: String(user.id), created: true });

    const [changed] = await settledAs(
      t,
      [await sendContact(t, customerId, { newStatus: { value: 'silver' } })],
      'delivered',
    );
    expect(changed).toMatchObject({ lastStatus: 200, crmRecordId: String(user.id), created: false });
    expect(zd.users.get(customerId)!.user_fields).toMatchObject({ cognigy_status: 'silver' });
  });

  it('ticket not found: POST with Idempotency-Key (2 requests, 2 attempts); found: PUT', async () => {
    const ticketId = unique('T');
    const first = await sendTicket(t, ticketId, 'high');
    const [made] = await settledAs(t, [first], 'delivered');
    const [ticket] = zd.ticketsWith(ticketId);
    expect(ticket).toMatchObject({ subject: 'router offline', comment: { body: 'router offline' }, priority: 'high' });
    expect(made).toMatchObject({ attempts: 2, lastStatus: 201, crmRecordId: String(ticket.id), created: true });
    const post = zd.apiRequests('/api/v2/tickets').find((r) => r.method === 'POST')!;
    expect(post.headers['idempotency-key']).toBe(`cognigy-${first}`);

    const [changed] = await settledAs(t, [await sendTicket(t, ticketId, 'urgent')], 'delivered');
    expect(changed).toMatchObject({ lastStatus: 200, crmRecordId: String(ticket.id), created: false });
    expect(zd.ticketsWith(ticketId)).toEqual([expect.objectContaining({ id: ticket.id, priority: 'urgent' })]);
    const writes = zd
      .apiRequests('/api/v2/tickets')
      .filter((r) => r.method !== 'GET')
      .map((r) => r.method);
    expect(writes.slice(-2)).toEqual(['POST', 'PUT']);
  });

  it('422 is a dead letter keeping error, description and details', async () => {
    const [dead] = await settledAs(t, [await sendTicket(t, unique('T'), 'extreme')], 'dead');
    expect(dead.lastStatus).toBe(422);
    expect(dead.lastError).toContain('RecordInvalid: Record validation errors');
    expect(dead.lastError).toContain('Priority: extreme is not valid');
  });

  it('429 waits for Retry-After, then delivers', async () => {
    zd.inject({
      status: 429,
      headers: { 'Retry-After': '0' },
      body: { error: 'APIRateLimitExceeded', description: 'Rate limit exceeded' },
    });
    const [done] = await settledAs(t, [await sendContact(t, unique('C'))], 'delivered');
    expect(done.attempts).toBe(2);
  });

  it('409 DatabaseConflict ("Database collision") is retried with backoff, the history saying so, then delivered', async () => {
    zd.inject({ status: 409, body: { error: 'DatabaseConflict', description: 'Database collision' } });
    const customerId = unique('C');
    const [done] = await settledAs(t, [await sendContact(t, customerId)], 'delivered');
    expect(done).toMatchObject({ attempts: 2, lastStatus: 201, lastError: null, created: true });
    expect(done.attemptHistory).toMatchObject([
      { status: 409, error: 'CRM answered 409: DatabaseConflict: Database collision' },
      { status: 201, error: null },
    ]);
    expect(zd.users.get(customerId)).toMatchObject({ external_id: customerId });
  });

  it('a ticket write answered 409 is retried: lookup and write again', async () => {
    const ticketId = unique('T');
    // The lookup is answered by the fake, the first write by the injected conflict.
    const first = await sendTicket(t, ticketId, 'high');
    zd.inject({ status: 409, body: { error: 'DatabaseConflict', description: 'Database collision' } });
    const [done] = await settledAs(t, [first], 'delivered');
    expect(done.attempts).toBeGreaterThanOrEqual(2);
    expect(done.attemptHistory.map((a) => a.status)).toContain(409);
    expect(zd.ticketsWith(ticketId)).toHaveLength(1);
  });

  it("a user's external_id is matched case-insensitively: an older event of the same user in another case is stale", async () => {
    const customerId = unique('Case');
    const newer = await sendContact(t, customerId.toLowerCase(), { newStatus: { value: 'gold' } }, LATER);
    await settledAs(t, [newer], 'delivered');
    const before = zd.apiRequests().length;
    const older = await sendContact(t, customerId.toUpperCase(), { newStatus: { value: 'lead' } }, EARLIER);
    await settledAs(t, [older], 'stale');
    expect(zd.apiRequests().slice(before)).toEqual([]);
    expect(zd.users.get(customerId.toLowerCase())).toMatchObject({ user_fields: { cognigy_status: 'gold' } });
  });

  it("a ticket's external_id is looked up as sent: ids differing in case are separate tickets, both delivered", async () => {
    const ticketId = unique('Case');
    const newer = await sendAccepted(t, CONNECTOR_SECRET, ticketDialog(ticketId.toLowerCase(), 'high', LATER));
    await settledAs(t, [newer], 'delivered');
    const older = await sendAccepted(t, CONNECTOR_SECRET, ticketDialog(ticketId.toUpperCase(), 'low', EARLIER));
    await settledAs(t, [older], 'delivered');
    expect(zd.ticketsWith(ticketId.toUpperCase())).toHaveLength(1);
  });

  it('sends the API token as Basic credentials', () => {
    const expected = `Basic ${Buffer.from(`${USER}:${API_TOKEN}`).toString('base64')}`;
    expect(zd.apiRequests().every((r) => r.headers.authorization === expected)).toBe(true);
  });
});
