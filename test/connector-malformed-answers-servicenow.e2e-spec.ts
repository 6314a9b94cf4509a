import { CONNECTOR_SECRET, sendContact, startConnectorApp } from './support/connector-app';
import { cleanRedis, describeEachDriver, Driver, driverEnv } from './support/drivers';
import { expectRecordMovesOn, LATER } from './support/record-moves-on';
import { ServiceNowFake } from './support/servicenow-fake';
import { TestApp } from './support/test-app';
import { sendAccepted, ticketDialog, unique } from './support/webhook-cases';

/**
 * test/connector-malformed-answers.e2e-spec.ts's promise for ServiceNow (issue 17 items 0 and 6):
 * a lookup or write answered with a malformed body ends the event delivered or dead with an attempt
 * history that says why, on both store drivers, and the record's next event (sent at once, so it
 * waits behind the first) is delivered. Each malformed answer is the instance's answer to one API
 * request (the first of an attempt is the lookup); the fake then answers as ServiceNow does.
 */

const CLIENT = { id: 'sn-malformed-app', secret: 'sn-malformed-secret' };
const sn = new ServiceNowFake({ client: CLIENT });
const INCIDENT_PATH = '/api/now/table/incident';

beforeAll(() => sn.start());
afterAll(() => sn.stop());

describeEachDriver('malformed ServiceNow answers never freeze a record, %s driver', (driver: Driver) => {
  const store = driverEnv(driver);
  let t: TestApp;
  beforeAll(async () => {
    t = await startConnectorApp('servicenow', {
      ...store,
      CRM_BASE_URL: sn.url,
      CRM_TOKEN_URL: sn.tokenUrl,
      CRM_CLIENT_ID: CLIENT.id,
      CRM_CLIENT_SECRET: CLIENT.secret,
      CRM_MAX_ATTEMPTS: '3',
    });
  });
  afterAll(async () => {
    await t?.close();
    await cleanRedis(store);
  });

  const sendTicketAt = (ticketId: string, priority: string, overrides = {}) =>
    sendAccepted(t, CONNECTOR_SECRET, ticketDialog(ticketId, priority, overrides));

  it.each([
    ['{"result":[null]}', [null]],
    ['{"result":{}}', {}],
    ['{"result":"boom"}', 'boom'],
    ['a sys_id that is a path', [{ sys_id: '../sys_user/7', correlation_id: 'x' }]],
    ['a numeric sys_id', [{ sys_id: 7, correlation_id: 'x' }]],
  ])('an incident lookup answering %s is retried; no id from it goes into a path', async (_name, result) => {
    const ticketId = unique('T');
    const before = sn.seen.length;
    sn.inject({ status: 200, body: { result } });
    const first = await sendTicketAt(ticketId, 'high');
    const next = await sendTicketAt(ticketId, 'low', LATER);
    const event = await expectRecordMovesOn(t, first, next, /lookup unreadable/);
    // The history lists the lookup and the write of the attempt that delivered, as for any lookup.
    expect(event).toMatchObject({ state: 'delivered', attempts: 3, lastStatus: 201 });
    expect(event.attemptHistory.map((a) => a.status)).toEqual([200, 200, 201]);
    expect(event.attemptHistory[0].error).toMatch(
      /^CRM answered 200: lookup unreadable \(no list of records with sys_ids\)/,
    );
    expect(sn.find('incident', 'correlation_id', ticketId)).toEqual([
      expect.objectContaining({ u_cognigy_priority: 'low' }),
    ]);
    const writes = sn.seen
      .slice(before)
      .filter((r) => r.method !== 'GET' && r.url.startsWith(INCIDENT_PATH))
      .map((r) => `${r.method} ${r.url}`);
    expect(writes).toEqual([
      `POST ${INCIDENT_PATH}?sysparm_fields=sys_id`,
      expect.stringMatching(new RegExp(`^PATCH ${INCIDENT_PATH}/[0-9a-f]{32}\\?sysparm_fields=sys_id$`)),
    ]);
  });

  it('a lookup unreadable on every attempt: a dead letter once CRM_MAX_ATTEMPTS (3) are used', async () => {
    const ticketId = unique('T');
    sn.inject({ status: 200, body: { result: {} }, count: 3 });
    const first = await sendTicketAt(ticketId, 'high');
    const next = await sendTicketAt(ticketId, 'low', LATER);
    const event = await expectRecordMovesOn(t, first, next, /lookup unreadable/);
    expect(event).toMatchObject({ state: 'dead', attempts: 3, lastStatus: 200 });
    expect(event.lastError).toMatch(/^CRM answered 200: lookup unreadable /);
  });

  it('a 400 whose body is [null]: a dead letter keeping the answer', async () => {
    const customerId = unique('C');
    sn.inject({ status: 400, body: [null] });
    const first = await sendContact(t, customerId);
    const next = await sendContact(t, customerId, { newStatus: { value: 'silver' } }, LATER);
    const event = await expectRecordMovesOn(t, first, next, /CRM answered 400: \[null\]/);
    expect(event).toMatchObject({ state: 'dead', attempts: 1, lastStatus: 400, lastError: 'CRM answered 400: [null]' });
    expect(sn.find('customer_contact', 'u_cognigy_customer_id', customerId)).toHaveLength(1);
  });

  it('a 400 whose error detail nests too deep for JSON.stringify: a dead letter keeping the message', async () => {
    const customerId = unique('C');
    const depth = 100_000;
    sn.inject({
      status: 400,
      body: `{"error":{"message":"Invalid query","detail":${'['.repeat(depth)}${']'.repeat(depth)}},"status":"failure"}`,
    });
    const first = await sendContact(t, customerId);
    const next = await sendContact(t, customerId, { newStatus: { value: 'silver' } }, LATER);
    const event = await expectRecordMovesOn(t, first, next, /Invalid query/);
    expect(event).toMatchObject({
      state: 'dead',
      attempts: 1,
      lastStatus: 400,
      lastError: 'CRM answered 400: Invalid query',
    });
  });

  it('a 429 with unreadable Retry-After and X-RateLimit-Reset: retried after the backoff, then delivered', async () => {
    const ticketId = unique('T');
    sn.inject({
      status: 429,
      body: { error: { message: 'Rate limit exceeded' }, status: 'failure' },
      headers: { 'retry-after': '-1', 'x-ratelimit-reset': 'soon' },
    });
    const first = await sendTicketAt(ticketId, 'high');
    const next = await sendTicketAt(ticketId, 'low', LATER);
    const event = await expectRecordMovesOn(t, first, next, /CRM answered 429: Rate limit exceeded/);
    expect(event).toMatchObject({ state: 'delivered', attempts: 3, lastStatus: 201 });
    expect(event.attemptHistory.map((a) => a.status)).toEqual([429, 200, 201]);
  });
});
