import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CONNECTOR_SECRET, sendContact, settledAs, startConnectorApp } from './support/connector-app';
import { cleanRedis, describeEachDriver, Driver, driverEnv } from './support/drivers';
import { HubspotFake } from './support/hubspot-fake';
import { expectExplained, expectRecordMovesOn, LATER, settled } from './support/record-moves-on';
import { SalesforceFake } from './support/salesforce-fake';
import { TestApp } from './support/test-app';
import { sendAccepted, ticketDialog, unique } from './support/webhook-cases';
import { ZendeskFake } from './support/zendesk-fake';

/**
 * No answer from a CRM, however malformed, leaves an event queued without an attempt (SPEC §13,
 * issue 17 item 0): each answer of the adversarial review that froze its record, through the real
 * app and the connector fakes, on both store drivers. The event ends delivered or dead with an
 * attempt history that says why, and the next event of its record (sent at once, so it waits
 * behind the first) is delivered. Each malformed answer is the CRM's answer to one request; the
 * CRM then answers as usual.
 */

const SF = { id: 'sf-malformed-app', secret: 'sf-malformed-secret' };
const sf = new SalesforceFake(SF.id, SF.secret);
const ZD = { user: 'agent@example.com/token', token: 'zendesk-malformed-token' };
const zd = new ZendeskFake(ZD.user, ZD.token);
const HS_TOKEN = 'pat-na1-malformed-answers';
const hs = new HubspotFake(HS_TOKEN);

const salesforceEnv = () => ({ CRM_TOKEN_URL: sf.tokenUrl, CRM_CLIENT_ID: SF.id, CRM_CLIENT_SECRET: SF.secret });
const zendeskEnv = () => ({
  CRM_BASE_URL: zd.url,
  CRM_AUTH: 'basic',
  CRM_BASIC_USER: ZD.user,
  CRM_BASIC_PASSWORD: ZD.token,
});
const hubspotEnv = () => ({ CRM_BASE_URL: hs.url, CRM_ACCESS_TOKEN: HS_TOKEN });

/** A body whose nesting overflows JSON.stringify (JSON.parse reads it: V8 parses iteratively). */
const deepDetails = (depth: number) =>
  `{"error":"RecordInvalid","description":"Record validation errors","details":${'['.repeat(depth)}${']'.repeat(depth)}}`;

beforeAll(() => Promise.all([sf.start(), zd.start(), hs.start()]));
afterAll(() => Promise.all([sf.stop(), zd.stop(), hs.stop()]));

describeEachDriver('malformed CRM answers never freeze a record, %s driver', (driver: Driver) => {
  /** A store of its own for each app: events one app left queued are never another's. */
  const stores: Record<string, string>[] = [];
  const newStore = () => {
    stores.push(driverEnv(driver));
    return stores[stores.length - 1];
  };
  afterAll(() => Promise.all(stores.map((store) => cleanRedis(store))));

  describe('Salesforce, one upsert per request', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startConnectorApp('salesforce', { ...salesforceEnv(), ...newStore() });
    });
    afterAll(() => t.close());

    it('a 400 whose body is [null]: a dead letter keeping the answer', async () => {
      const customerId = unique('C');
      sf.inject({ status: 400, body: [null] });
      const first = await sendContact(t, customerId);
      const next = await sendContact(t, customerId, { newStatus: { value: 'silver' } }, LATER);
      const event = await expectRecordMovesOn(t, first, next, /CRM answered 400: \[null\]/);
      expect(event).toMatchObject({
        state: 'dead',
        attempts: 1,
        lastStatus: 400,
        lastError: 'CRM answered 400: [null]',
      });
      expect(sf.find('Contact', 'Cognigy_Customer_Id__c', customerId)[0]).toMatchObject({ Status__c: 'silver' });
    });
  });

  describe.each([
    ['errors:[null]', { success: false, errors: [null] }, 'dead', /^CRM answered 200, record failed: \[null\]$/],
    ['"errors":"boom"', { success: false, errors: 'boom' }, 'dead', /^CRM answered 200, record failed: boom$/],
    [
      'success:"false"',
      { id: '003000000000000AAC', success: 'false', created: false, errors: [] },
      'delivered',
      /^CRM answered 200 with an unreadable result for this record: /,
    ],
  ])('Salesforce, a collection of three answered with one result %s', (_name, badResult, badState, why) => {
    let dataDir: string;
    let store: Record<string, string>;
    let t: TestApp | undefined;
    const batchEnv = () => ({
      ...salesforceEnv(),
      ...store,
      DATA_DIR: dataDir,
      CRM_BATCH_SIZE: '3',
      CRM_BATCH_WAIT_MS: '1000',
    });
    beforeAll(() => {
      dataDir = mkdtempSync(join(tmpdir(), 'ccs-malformed-'));
      store = newStore();
    });
    afterAll(async () => {
      await t?.close();
      rmSync(dataDir, { recursive: true, force: true });
    });

    it('each event of the batch gets its own verdict, explained; each record next event is delivered', async () => {
      // Stored while delivery is off, so that the first claim takes all three into one request.
      const customers = [unique('B'), unique('B'), unique('B')];
      const queued = await startConnectorApp('salesforce', { ...batchEnv(), DELIVERY_ENABLED: 'false' });
      const firsts: string[] = [];
      const nexts: string[] = [];
      try {
        for (const customerId of customers) firsts.push(await sendContact(queued, customerId));
        for (const customerId of customers)
          nexts.push(await sendContact(queued, customerId, { newStatus: { value: 'silver' } }, LATER));
      } finally {
        await queued.close();
      }
      const before = sf.apiRequests().length;
      sf.inject({
        status: 200,
        body: [
          { id: '003000000000000AAA', success: true, created: true, errors: [] },
          badResult,
          { id: '003000000000000AAB', success: true, created: false, errors: [] },
        ],
      });
      t = await startConnectorApp('salesforce', batchEnv());
      const events = await Promise.all(firsts.map((first) => settled(t!, first)));
      await settledAs(t, nexts, 'delivered');

      const [collection] = sf.apiRequests().slice(before);
      const carried = (collection.body as { records: Array<Record<string, unknown>> }).records;
      expect(carried).toHaveLength(3);
      // Results come in request order: the second record got the malformed one.
      const bad = customers.indexOf(String(carried[1].Cognigy_Customer_Id__c));
      events.forEach((event, i) => {
        if (i === bad) {
          expectExplained(event, why);
          expect(event.state).toBe(badState);
          expect(event.attemptHistory[0]).toMatchObject({ status: 200, error: expect.stringMatching(why) });
        } else {
          expect(event).toMatchObject({ state: 'delivered', attempts: 1, crmRecordId: expect.stringMatching(/^003/) });
        }
      });
      for (const customerId of customers) {
        expect(sf.find('Contact', 'Cognigy_Customer_Id__c', customerId)[0]).toMatchObject({ Status__c: 'silver' });
      }
    });
  });

  describe('Zendesk', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startConnectorApp('zendesk', { ...zendeskEnv(), ...newStore(), CRM_MAX_ATTEMPTS: '3' });
    });
    afterAll(() => t.close());

    const sendTicketAt = (ticketId: string, priority: string, overrides = {}) =>
      sendAccepted(t, CONNECTOR_SECRET, ticketDialog(ticketId, priority, overrides));
    const lookupAnswer = (tickets: unknown) => ({ tickets, count: 1, next_page: null, previous_page: null });

    it.each([
      ['{"tickets":[null]}', [null]],
      ['{"tickets":{}}', {}],
      ['{"tickets":[{"id":"../users/7"}]}', [{ id: '../users/7' }]],
    ])('a ticket lookup answering %s is retried; no id from it goes into a path', async (_name, tickets) => {
      const ticketId = unique('T');
      const before = zd.seen.length;
      zd.inject({ status: 200, body: lookupAnswer(tickets) });
      const first = await sendTicketAt(ticketId, 'high');
      const next = await sendTicketAt(ticketId, 'low', LATER);
      const event = await expectRecordMovesOn(t, first, next, /ticket lookup unreadable/);
      expect(event).toMatchObject({ state: 'delivered', attempts: 3, lastStatus: 201 });
      expect(event.attemptHistory.map((a) => a.status)).toEqual([200, 200, 201]);
      expect(event.attemptHistory[0].error).toMatch(/^CRM answered 200: ticket lookup unreadable: /);
      expect(zd.ticketsWith(ticketId)).toEqual([expect.objectContaining({ priority: 'low' })]);
      const sent = zd.seen.slice(before).map((r) => `${r.method} ${r.url}`);
      expect(sent.filter((r) => !r.startsWith('GET /api/v2/tickets?'))).toEqual([
        'POST /api/v2/tickets',
        expect.stringMatching(/^PUT \/api\/v2\/tickets\/\d+$/),
      ]);
    });

    it('a lookup unreadable on every attempt: a dead letter once CRM_MAX_ATTEMPTS (3) are used', async () => {
      const ticketId = unique('T');
      zd.inject({ status: 200, body: lookupAnswer({}), count: 3 });
      const first = await sendTicketAt(ticketId, 'high');
      const next = await sendTicketAt(ticketId, 'low', LATER);
      const event = await expectRecordMovesOn(t, first, next, /ticket lookup unreadable/);
      expect(event).toMatchObject({ state: 'dead', attempts: 3, lastStatus: 200 });
      expect(event.lastError).toMatch(/^CRM answered 200: ticket lookup unreadable: /);
    });

    it('a 422 whose details nest too deep for JSON.stringify: a dead letter keeping the error', async () => {
      const customerId = unique('C');
      zd.inject({ status: 422, body: deepDetails(100_000) });
      const first = await sendContact(t, customerId);
      const next = await sendContact(t, customerId, { newStatus: { value: 'silver' } }, LATER);
      const event = await expectRecordMovesOn(t, first, next, /RecordInvalid/);
      expect(event).toMatchObject({ state: 'dead', attempts: 1, lastStatus: 422 });
      // The details as deep as the history shows them (16 levels), the rest elided.
      expect(event.lastError).toBe(
        `CRM answered 422: RecordInvalid: Record validation errors ${'['.repeat(17)}…${']'.repeat(17)}`,
      );
      expect(zd.users.get(customerId)).toMatchObject({ user_fields: { cognigy_status: 'silver' } });
    });
  });

  describe('HubSpot', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startConnectorApp('hubspot', { ...hubspotEnv(), ...newStore(), CRM_MAX_ATTEMPTS: '3' });
    });
    afterAll(() => t.close());

    it('a batch answer whose results is an object: retried, the history saying why', async () => {
      const customerId = unique('C');
      hs.inject({ status: 200, body: { status: 'COMPLETE', results: {} } });
      const first = await sendContact(t, customerId);
      const next = await sendContact(t, customerId, { newStatus: { value: 'silver' } }, LATER);
      const event = await expectRecordMovesOn(t, first, next, /without a result or an error for this input/);
      expect(event).toMatchObject({ state: 'delivered', attempts: 2 });
      expect(event.attemptHistory[0]).toMatchObject({ status: 200, error: expect.stringMatching(/without a result/) });
      expect(hs.record('contacts', customerId)!.properties).toMatchObject({ cognigy_status: 'silver' });
    });

    it('answered so on every attempt: a dead letter once CRM_MAX_ATTEMPTS (3) are used', async () => {
      const customerId = unique('C');
      hs.inject({ status: 200, body: { status: 'COMPLETE', results: {} }, count: 3 });
      const first = await sendContact(t, customerId);
      const next = await sendContact(t, customerId, { newStatus: { value: 'silver' } }, LATER);
      const event = await expectRecordMovesOn(t, first, next, /without a result or an error for this input/);
      expect(event).toMatchObject({ state: 'dead', attempts: 3 });
      expect(hs.apiRequests().filter((r) => JSON.stringify(r.body).includes(customerId))).toHaveLength(4);
    });
  });
});
