import { sendContact, settledAs, startConnectorApp } from './support/connector-app';
import { salesforceOrg } from './support/salesforce-org';
import { TestApp } from './support/test-app';
import { unique } from './support/webhook-cases';

/**
 * CRM_CONNECTOR=salesforce with CRM_BATCH_SIZE=200, through the real app and
 * mappings/salesforce.example.json, against a fake org over real HTTP (test/support/salesforce-org.ts):
 * sObject collections carrying many events, each event's verdict from its own result, a
 * request-level 5xx, and per-record order with repeated external ids.
 */

const { sf, env } = salesforceOrg();

describe('Salesforce, batched (sObject collections, CRM_BATCH_SIZE=200)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startConnectorApp('salesforce', env({ CRM_BATCH_SIZE: '200', CRM_BATCH_WAIT_MS: '50' }));
  });
  afterAll(() => t.close());

  it('one request carries many events; each event gets its own verdict from its own result', async () => {
    sf.rejectedValues.set('Status__c', 'banned');
    const before = sf.apiRequests().length;
    try {
      const ids = await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          sendContact(t, unique('B'), { newStatus: { value: i === 17 ? 'banned' : 'gold' } }),
        ),
      );
      const bad = ids[17];
      const good = ids.filter((id) => id !== bad);
      const delivered = await settledAs(t, good, 'delivered');
      const [dead] = await settledAs(t, [bad], 'dead');

      // 200 with a failed record in a collection (400 had it gone alone, as a single upsert).
      expect(dead.attempts).toBe(1);
      expect(dead.lastError).toContain('FIELD_CUSTOM_VALIDATION_EXCEPTION');
      for (const event of delivered) {
        expect(event).toMatchObject({ attempts: 1, created: true });
        expect(event.crmRecordId).toMatch(/^003/);
      }
      // A lone due event goes as a single upsert; every other request is a collection.
      const batches = sf
        .apiRequests()
        .slice(before)
        .map((r) => (r.body as { records?: unknown[] }).records?.length ?? 1);
      expect(batches.reduce((a, b) => a + b, 0)).toBe(40);
      expect(batches.length).toBeLessThan(40);
      expect(Math.max(...batches)).toBeGreaterThan(1);
    } finally {
      sf.rejectedValues.clear();
    }
  });

  it('a request-level 5xx is one failed attempt for every event it carried; they are delivered on retry', async () => {
    sf.inject({ status: 500, body: [{ errorCode: 'UNKNOWN_EXCEPTION', message: 'An unexpected error occurred' }] });
    const ids = await Promise.all(Array.from({ length: 10 }, () => sendContact(t, unique('R'))));
    const events = await settledAs(t, ids, 'delivered');
    const attempts = events.map((e) => e.attempts);
    // Those in the failed request used two attempts, the others one.
    expect(attempts.every((a) => a === 1 || a === 2)).toBe(true);
    expect(attempts.some((a) => a === 2)).toBe(true);
  });

  it('keeps per-record order under a stream with repeated external ids; a batch never holds one record twice', async () => {
    const before = sf.apiRequests().length;
    const records = Array.from({ length: 5 }, () => unique('ORD'));
    const base = Date.now() - 120_000;
    const ids: string[] = [];
    for (let n = 1; n <= 8; n++) {
      for (const customerId of records) {
        const timestamp = new Date(base + n * 1000).toISOString();
        ids.push(await sendContact(t, customerId, { newStatus: { value: `v${n}` } }, { timestamp }));
      }
    }
    await settledAs(t, ids, 'delivered');

    for (const customerId of records) {
      const order = sf.writes.filter((w) => w.externalId === customerId).map((w) => w.fields.Status__c);
      expect(order).toEqual(['v1', 'v2', 'v3', 'v4', 'v5', 'v6', 'v7', 'v8']);
    }
    for (const request of sf.apiRequests().slice(before)) {
      const batch = ((request.body as { records?: Array<Record<string, unknown>> })?.records ?? []).map(
        (r) => r.Cognigy_Customer_Id__c,
      );
      expect(new Set(batch).size).toBe(batch.length);
    }
  });
});
