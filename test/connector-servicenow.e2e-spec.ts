import { sendContact, sendTicket, settledAs, startConnectorApp, view } from './support/connector-app';
import { cleanRedis, describeEachDriver, driverEnv } from './support/drivers';
import { ServiceNowFake } from './support/servicenow-fake';
import { TestApp } from './support/test-app';
import { unique } from './support/webhook-cases';

/**
 * CRM_CONNECTOR=servicenow through the real app and mappings/servicenow.example.json, against a
 * fake ServiceNow instance over real HTTP (test/support/servicenow-fake.ts): OAuth client
 * credentials on both store drivers, Basic on SQLite. The breaker opens at the first failure
 * (CRM_BREAKER_THRESHOLD=1), so an answer wrongly counted as one would stall the next delivery.
 */

const CLIENT = { id: 'cognigy-crm-sync', secret: 'sn-client-secret' };
const SYS_ID = /^[0-9a-f]{32}$/;
const INCIDENT_PATH = '/api/now/table/incident';
const EARLIER = { timestamp: '2026-11-26T10:00:00Z' };
const LATER = { timestamp: '2026-11-26T10:05:00Z' };

describeEachDriver('ServiceNow (%s)', (driver) => {
  const sn = new ServiceNowFake({ client: CLIENT });
  const env = driverEnv(driver);
  let t: TestApp;
  beforeAll(async () => {
    await sn.start();
    t = await startConnectorApp('servicenow', {
      ...env,
      CRM_BASE_URL: sn.url,
      CRM_TOKEN_URL: sn.tokenUrl,
      CRM_CLIENT_ID: CLIENT.id,
      CRM_CLIENT_SECRET: CLIENT.secret,
      CRM_BREAKER_THRESHOLD: '1',
    });
  });
  afterAll(async () => {
    await t?.close();
    await sn.stop();
    await cleanRedis(env);
  });

  it('an incident by correlation_id: none found, POST (created); found, PATCH by its sys_id (updated)', async () => {
    const ticketId = unique('T');
    const [made] = await settledAs(t, [await sendTicket(t, ticketId, 'high')], 'delivered');
    const [incident] = sn.find('incident', 'correlation_id', ticketId);
    expect(incident).toMatchObject({
      correlation_id: ticketId,
      short_description: 'router offline',
      description: 'router offline',
      u_cognigy_priority: 'high',
      correlation_display: 'Cognigy.AI',
    });
    expect(made).toMatchObject({ attempts: 2, lastStatus: 201, crmRecordId: incident.sys_id, created: true });
    const [lookup, create] = sn.apiRequests(INCIDENT_PATH).slice(-2);
    expect(lookup).toMatchObject({
      method: 'GET',
      url: `${INCIDENT_PATH}?sysparm_query=correlation_id%3D${ticketId}&sysparm_limit=2&sysparm_fields=sys_id%2Ccorrelation_id`,
    });
    expect(create).toMatchObject({ method: 'POST', url: `${INCIDENT_PATH}?sysparm_fields=sys_id`, status: 201 });
    expect(create.headers).toMatchObject({ accept: 'application/json', 'content-type': 'application/json' });

    const [changed] = await settledAs(t, [await sendTicket(t, ticketId, 'urgent')], 'delivered');
    expect(changed).toMatchObject({ attempts: 2, lastStatus: 200, crmRecordId: incident.sys_id, created: false });
    const update = sn.apiRequests(INCIDENT_PATH).at(-1)!;
    expect(update).toMatchObject({ method: 'PATCH', url: `${INCIDENT_PATH}/${incident.sys_id}?sysparm_fields=sys_id` });
    expect(update.body).not.toHaveProperty('correlation_id');
    expect(sn.find('incident', 'correlation_id', ticketId)).toEqual([
      expect.objectContaining({ sys_id: incident.sys_id, u_cognigy_priority: 'urgent' }),
    ]);
  });

  it('fetches the token at oauth_token.do with the id and secret in the form, and sends it as a bearer', () => {
    expect(sn.tokenForms[0]).toEqual({
      grant_type: 'client_credentials',
      client_id: CLIENT.id,
      client_secret: CLIENT.secret,
    });
    expect(sn.apiRequests().every((r) => /^Bearer fake-/.test(String(r.headers.authorization)))).toBe(true);
  });

  it('a customer contact: created, then the same record updated whatever the case of its id (ServiceNow matches ignoring case)', async () => {
    const customerId = unique('Cust');
    const [made] = await settledAs(
      t,
      [await sendContact(t, customerId, { newStatus: { value: 'gold' } })],
      'delivered',
    );
    const [contact] = sn.find('customer_contact', 'u_cognigy_customer_id', customerId);
    expect(contact).toMatchObject({ last_name: customerId, u_cognigy_status: 'gold' });
    expect(made).toMatchObject({ created: true, crmRecordId: contact.sys_id });
    expect(contact.sys_id).toMatch(SYS_ID);

    const other = customerId.toUpperCase();
    await settledAs(t, [await sendContact(t, other, { newStatus: { value: 'silver' } })], 'delivered');
    expect(sn.rows.get('customer_contact')!.filter((r) => r.sys_id === contact.sys_id)).toEqual([
      expect.objectContaining({ u_cognigy_customer_id: customerId, u_cognigy_status: 'silver' }),
    ]);
    expect(sn.find('customer_contact', 'u_cognigy_customer_id', customerId)).toHaveLength(1);
  });

  it('ids differing only in case are one record (ServiceNow matches ignoring case): an older event is stale, never sent', async () => {
    const customerId = unique('Case');
    const newer = await sendContact(t, customerId.toLowerCase(), { newStatus: { value: 'gold' } }, LATER);
    await settledAs(t, [newer], 'delivered');
    const before = sn.apiRequests().length;
    const older = await sendContact(t, customerId.toUpperCase(), { newStatus: { value: 'lead' } }, EARLIER);
    await settledAs(t, [older], 'stale');
    expect(sn.apiRequests().slice(before)).toEqual([]);
    expect(sn.find('customer_contact', 'u_cognigy_customer_id', customerId)).toEqual([
      expect.objectContaining({ u_cognigy_status: 'gold' }),
    ]);
  });

  it('an id with ^ stays one value of one condition (^ doubled): created once, then found and updated', async () => {
    const ticketId = `${unique('T')}^ORactive=true`;
    sn.insert('incident', { correlation_id: 'someone-else', short_description: 'not ours' });
    await settledAs(t, [await sendTicket(t, ticketId, 'high')], 'delivered');
    await settledAs(t, [await sendTicket(t, ticketId, 'low')], 'delivered');
    expect(sn.find('incident', 'correlation_id', ticketId)).toEqual([
      expect.objectContaining({ u_cognigy_priority: 'low' }),
    ]);
    expect(sn.find('incident', 'correlation_id', 'someone-else')).toEqual([
      expect.objectContaining({ short_description: 'not ours' }),
    ]);
  });

  it('two records with one correlation_id: a dead letter naming both sys_ids, nothing written', async () => {
    const ticketId = unique('T');
    const first = sn.insert('incident', { correlation_id: ticketId, short_description: 'by an agent' });
    const second = sn.insert('incident', { correlation_id: ticketId, short_description: 'by a flow' });
    const [dead] = await settledAs(t, [await sendTicket(t, ticketId, 'high')], 'dead');
    expect(dead).toMatchObject({ attempts: 1, lastStatus: 200 });
    expect(dead.lastError).toBe(
      `CRM answered 200: several incident records have correlation_id=${ticketId} (sys_ids ${first}, ${second}): merge them or make correlation_id unique`,
    );
    expect(sn.find('incident', 'correlation_id', ticketId).map((r) => r.short_description)).toEqual([
      'by an agent',
      'by a flow',
    ]);
  });

  it('403 from an ACL: a dead letter keeping error.message and error.detail', async () => {
    const ticketId = unique('T');
    sn.insert('incident', { correlation_id: ticketId });
    sn.denied.set('incident', ['write']);
    try {
      const [dead] = await settledAs(t, [await sendTicket(t, ticketId, 'high')], 'dead');
      expect(dead).toMatchObject({
        attempts: 2,
        lastStatus: 403,
        lastError: 'CRM answered 403: Operation Failed: ACL Exception Update Failed due to security constraints',
      });
    } finally {
      sn.denied.delete('incident');
    }
  });

  it('429 from a rate limit rule: retried, not a breaker failure, delivered once the count resets', async () => {
    sn.limitRequests(2, 1);
    try {
      // The rule's two requests go to the first contact; the second's lookup is refused once.
      await settledAs(t, [await sendContact(t, unique('C'))], 'delivered');
      const [done] = await settledAs(t, [await sendContact(t, unique('C'))], 'delivered');
      expect(done).toMatchObject({ attempts: 3, lastStatus: 201, lastError: null });
      expect(done.attemptHistory.map((a) => [a.status, a.error])).toEqual([
        [429, 'CRM answered 429: Rate limit exceeded: Rate limit of 2 requests per hour for Table API exceeded'],
        [200, null],
        [201, null],
      ]);
    } finally {
      sn.removeRateLimit();
    }
  });

  it('401 with OAuth: the token dropped, a new one fetched, the request sent again once', async () => {
    const tokens = sn.tokenRequests;
    sn.revokeTokens();
    const [done] = await settledAs(t, [await sendContact(t, unique('C'))], 'delivered');
    expect(sn.tokenRequests).toBe(tokens + 1);
    expect(done.attemptHistory.map((a) => a.status)).toEqual([401, 200, 201]);
  });

  it('a lookup answer that cannot be read (a sys_id not of its form) is retried; the next event of the record follows', async () => {
    const ticketId = unique('T');
    sn.inject({ status: 200, body: { result: [{ sys_id: '../sys_user/6816f79cc0a8016401c5a33be04be441' }] } });
    const first = await sendTicket(t, ticketId, 'high');
    const next = await sendTicket(t, ticketId, 'urgent');
    const [done, after] = await settledAs(t, [first, next], 'delivered');
    expect(done.attemptHistory[0]).toMatchObject({ status: 200, error: expect.stringContaining('lookup unreadable') });
    expect(after.created).toBe(false);
    expect(sn.apiRequests().some((r) => r.url.includes('sys_user'))).toBe(false);
    expect(sn.find('incident', 'correlation_id', ticketId)).toHaveLength(1);
    expect((await view(t, next)).state).toBe('delivered');
  });
});

describe('ServiceNow with CRM_AUTH=basic', () => {
  const USER = { name: 'cognigy.integration', password: 'sn-basic-password' };
  const sn = new ServiceNowFake({ user: USER });
  let t: TestApp;
  beforeAll(async () => {
    await sn.start();
    t = await startConnectorApp('servicenow', {
      CRM_BASE_URL: sn.url,
      CRM_AUTH: 'basic',
      CRM_BASIC_USER: USER.name,
      CRM_BASIC_PASSWORD: USER.password,
    });
  });
  afterAll(async () => {
    await t?.close();
    await sn.stop();
  });

  it('sends the user and password as Basic on every request, and asks for no token', async () => {
    const ticketId = unique('T');
    await settledAs(t, [await sendTicket(t, ticketId, 'high')], 'delivered');
    expect(sn.find('incident', 'correlation_id', ticketId)).toHaveLength(1);
    const basic = `Basic ${Buffer.from(`${USER.name}:${USER.password}`).toString('base64')}`;
    expect(sn.apiRequests().every((r) => r.headers.authorization === basic)).toBe(true);
    expect(sn.tokenRequests).toBe(0);
  });

  it("a create refused by an ACL is a dead letter with ServiceNow's words", async () => {
    sn.denied.set('customer_contact', ['create']);
    const [dead] = await settledAs(t, [await sendContact(t, unique('C'))], 'dead');
    expect(dead.lastError).toBe(
      'CRM answered 403: Operation Failed: ACL Exception Insert Failed due to security constraints',
    );
    sn.denied.delete('customer_contact');
  });
});
