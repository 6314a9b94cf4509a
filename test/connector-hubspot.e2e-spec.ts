import { CrmBreaker } from '../src/crm/client/crm-breaker';
import { sendContact, sendTicket, settledAs, startConnectorApp, view } from './support/connector-app';
import { HubspotFake } from './support/hubspot-fake';
import { TestApp } from './support/test-app';
import { waitFor } from './support/wait-for';
import { unique } from './support/webhook-cases';

/**
 * CRM_CONNECTOR=hubspot through the real app and mappings/hubspot.example.json, against a fake
 * HubSpot account over real HTTP (test/support/hubspot-fake.ts): batch upsert by a unique property,
 * a static private-app token, and every cell of the HubSpot verdict column.
 */

const TOKEN = 'pat-na1-fake-private-app-token';
const hs = new HubspotFake(TOKEN);
const env = (more: Record<string, string> = {}) => ({ CRM_BASE_URL: hs.url, CRM_ACCESS_TOKEN: TOKEN, ...more });

beforeAll(() => hs.start());
afterAll(() => hs.stop());

describe('HubSpot, one input per request', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startConnectorApp('hubspot', env({ CRM_BREAKER_THRESHOLD: '1' }));
  });
  afterAll(() => t.close());

  it('creates, then updates, the contact by its unique property (`new` tells which)', async () => {
    const customerId = unique('C');
    const [made] = await settledAs(
      t,
      [await sendContact(t, customerId, { newStatus: { value: 'gold' } })],
      'delivered',
    );
    const record = hs.record('contacts', customerId)!;
    expect(record.properties).toMatchObject({ cognigy_customer_id: customerId, cognigy_status: 'gold' });
    expect(made).toMatchObject({ attempts: 1, lastStatus: 200, crmRecordId: record.id, created: true });

    const [changed] = await settledAs(
      t,
      [await sendContact(t, customerId, { newStatus: { value: 'silver' } })],
      'delivered',
    );
    expect(changed).toMatchObject({ crmRecordId: record.id, created: false });
    expect(hs.record('contacts', customerId)!.properties.cognigy_status).toBe('silver');
    const sent = hs.apiRequests('/crm/v3/objects/contacts/batch/upsert').at(-1)!;
    expect(sent.body).toEqual({
      inputs: [
        {
          idProperty: 'cognigy_customer_id',
          id: customerId,
          objectWriteTraceId: changed.eventId,
          properties: expect.objectContaining({ cognigy_status: 'silver' }),
        },
      ],
    });
    expect(sent.headers.authorization).toBe(`Bearer ${TOKEN}`);
  });

  it('maps log_support_ticket to a ticket', async () => {
    const ticketId = unique('T');
    await settledAs(t, [await sendTicket(t, ticketId)], 'delivered');
    expect(hs.record('tickets', ticketId)!.properties).toMatchObject({
      subject: 'router offline',
      hs_pipeline: '0',
      hs_pipeline_stage: '1',
    });
  });

  it('an input named by errors[].context.objectWriteTraceId (207) is a dead letter keeping category and message', async () => {
    hs.rejectedValues.set('cognigy_status', 'banned');
    try {
      const [dead] = await settledAs(
        t,
        [await sendContact(t, unique('C'), { newStatus: { value: 'banned' } })],
        'dead',
      );
      expect(dead).toMatchObject({ attempts: 1, lastStatus: 207 });
      expect(dead.lastError).toContain('VALIDATION_ERROR: Property values were not valid: cognigy_status=banned');
    } finally {
      hs.rejectedValues.clear();
    }
  });

  it('property values go as strings: numbers and booleans are sent as their text', async () => {
    const customerId = unique('C');
    const [done] = await settledAs(
      t,
      [await sendContact(t, customerId, { newStatus: { value: 3 }, notes: { value: true } })],
      'delivered',
    );
    expect(done).toMatchObject({ attempts: 1, lastStatus: 200, created: true });
    expect(hs.record('contacts', customerId)!.properties).toMatchObject({ cognigy_status: '3', cognigy_notes: 'true' });
  });

  it('a 400 for the whole request is a dead letter with HubSpot category', async () => {
    hs.inject({ status: 400, body: { status: 'error', message: 'Invalid input JSON', category: 'VALIDATION_ERROR' } });
    const [dead] = await settledAs(t, [await sendContact(t, unique('C'))], 'dead');
    expect(dead.lastError).toContain('VALIDATION_ERROR: Invalid input JSON');
  });

  it('an answer with neither a result nor an error for the input is retried', async () => {
    hs.inject({ status: 200, body: { status: 'COMPLETE', results: [] } });
    const [done] = await settledAs(t, [await sendContact(t, unique('C'))], 'delivered');
    expect(done.attempts).toBe(2);
  });

  it('429 waits for Retry-After and is not a breaker failure', async () => {
    hs.inject({
      status: 429,
      headers: { 'Retry-After': '0' },
      body: {
        status: 'error',
        message: 'You have reached your secondly limit.',
        errorType: 'RATE_LIMIT',
        policyName: 'SECONDLY',
      },
    });
    const [done] = await settledAs(t, [await sendContact(t, unique('C'))], 'delivered');
    expect(done.attempts).toBe(2);
    expect(t.app.get(CrmBreaker).state).toBe('closed');
  });

  it('401 is a failure retried with backoff: a static token is never refreshed', async () => {
    hs.inject({
      status: 401,
      body: { status: 'error', message: 'Authentication credentials not found.', category: 'INVALID_AUTHENTICATION' },
    });
    const customerId = unique('C');
    const [done] = await settledAs(t, [await sendContact(t, customerId)], 'delivered');
    expect(done.attempts).toBe(2);
    expect(hs.tokenRequests).toBe(0);
  });

  // Last in this app: the breaker stays open afterwards.
  it('5xx is retried and counts against the breaker', async () => {
    hs.inject({ status: 502, body: 'Bad Gateway' });
    const eventId = await sendContact(t, unique('C'));
    await waitFor(async () => (await view(t, eventId)).attempts === 1 && t.app.get(CrmBreaker).state === 'open', {
      timeoutMs: 10000,
      what: 'the 502 opens the breaker',
    });
  });
});

describe('HubSpot, batched (CRM_BATCH_SIZE=100)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startConnectorApp('hubspot', env({ CRM_BATCH_SIZE: '100', CRM_BATCH_WAIT_MS: '50' }));
  });
  afterAll(() => t.close());

  it('one bad input is a dead letter, the others of its batch are delivered; requests carry many inputs', async () => {
    hs.rejectedValues.set('cognigy_status', 'banned');
    const before = hs.batchSizes().length;
    try {
      const ids = await Promise.all(
        Array.from({ length: 30 }, (_, i) =>
          sendContact(t, unique('H'), { newStatus: { value: i === 7 ? 'banned' : 'gold' } }),
        ),
      );
      const delivered = await settledAs(
        t,
        ids.filter((_, i) => i !== 7),
        'delivered',
      );
      const [dead] = await settledAs(t, [ids[7]], 'dead');
      expect(dead).toMatchObject({ attempts: 1, lastStatus: 207 });
      expect(dead.lastError).toContain('VALIDATION_ERROR');
      expect(delivered.every((e) => e.attempts === 1 && e.created === true)).toBe(true);
      // Results come back unordered and without the id property: each is found by its trace id.
      for (const event of delivered) {
        expect(event.crmRecordId).toBe(hs.record('contacts', event.externalId)!.id);
      }
      const sizes = hs.batchSizes().slice(before);
      expect(sizes.reduce((a, b) => a + b, 0)).toBe(30);
      expect(sizes.length).toBeLessThan(30);
    } finally {
      hs.rejectedValues.clear();
    }
  });
});

describe('HubSpot, a batch refused as a whole', () => {
  let t: TestApp;
  // The batch leaves once it holds the test's 5 events. The wait is only a ceiling, the most
  // CRM_BATCH_WAIT_MS allows and as long as settledAs waits: a full batch left waiting fails here.
  beforeAll(async () => {
    t = await startConnectorApp('hubspot', env({ CRM_BATCH_SIZE: '5', CRM_BATCH_WAIT_MS: '10000' }));
  });
  afterAll(() => t.close());

  it('400 to a batch of several inputs: each resent alone, only the bad input dead-letters', async () => {
    hs.rejectedValues.set('cognigy_status', 'banned');
    // HubSpot answers a whole 400 when it cannot name the failing input.
    hs.inject({
      status: 400,
      body: { status: 'error', message: 'Property values were not valid', category: 'VALIDATION_ERROR' },
    });
    const before = hs.batchSizes().length;
    try {
      const ids = await Promise.all(
        Array.from({ length: 5 }, (_, i) =>
          sendContact(t, unique('W'), { newStatus: { value: i === 2 ? 'banned' : 'gold' } }),
        ),
      );
      const delivered = await settledAs(
        t,
        ids.filter((_, i) => i !== 2),
        'delivered',
      );
      const [dead] = await settledAs(t, [ids[2]], 'dead');
      expect(hs.batchSizes().slice(before)).toEqual([5, 1, 1, 1, 1, 1]);
      const why =
        'CRM answered 400 to a batch of 5 inputs (VALIDATION_ERROR: Property values were not valid): each input resent alone';
      for (const event of delivered) {
        expect(event).toMatchObject({ attempts: 2, lastStatus: 200, created: true });
        expect(event.attemptHistory).toMatchObject([
          { status: 400, error: why },
          { status: 200, error: null },
        ]);
      }
      expect(dead).toMatchObject({ lastStatus: 207, attempts: 2 });
      expect(dead.lastError).toContain('Property values were not valid: cognigy_status=banned');
      expect(dead.attemptHistory).toMatchObject([
        { status: 400, error: why },
        { status: 207, error: expect.stringContaining('cognigy_status=banned') },
      ]);
      expect(hs.record('contacts', dead.externalId)).toBeUndefined();
    } finally {
      hs.rejectedValues.clear();
    }
  });
});
