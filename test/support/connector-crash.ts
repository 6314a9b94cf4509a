import { sampleDialog } from '../../src/webhook/dto/dialog-complete.fixture';
import { CONNECTOR_ADMIN, CONNECTOR_SECRET } from './connector-app';
import { FakeCrm } from './fake-crm';
import { HubspotFake } from './hubspot-fake';
import { SalesforceFake } from './salesforce-fake';
import { call, post } from './service-process';
import { cognigySignature } from './signing';
import { waitFor } from './wait-for';
import { DIALOG_ROUTE } from './webhook-cases';

/**
 * What test/connector-crash.e2e-spec.ts sends and reads: the Salesforce and HubSpot fakes with
 * what the test needs to know of each (the upserts a request carried, those the CRM applied, its
 * records), the stream of webhooks (records side by side, each record's events in event order, each
 * carrying unique notes so the fake's log names the event), and the events as the admin API shows
 * them.
 */

export const RECORDS = 6;
export const EVENTS_PER_RECORD = 4;
const BASE_TIME = Date.parse('2026-11-26T10:00:00Z');

/** One upsert of a CRM request (or write of the CRM), told apart by the unique notes of its event. */
export interface Upsert {
  externalId: string;
  notes: unknown;
}

/** The record as the CRM holds it. */
interface CrmRecord {
  id: string;
  status: unknown;
  notes: unknown;
}

/** What the test needs to know of one connector and its fake. */
export interface ConnectorCase {
  connector: 'salesforce' | 'hubspot';
  fake: FakeCrm;
  env(): Record<string, string>;
  /** The contact upserts one request carried, in request order. */
  carried(request: { url: string; body: unknown }): Upsert[];
  /** Contact upserts the CRM applied, in the order it applied them. */
  applied(): Upsert[];
  /** Every record of the CRM with this external id. */
  records(externalId: string): CrmRecord[];
}

const SF_CLIENT = { id: 'sf-crash-app', secret: 'sf-crash-secret' };
export const salesforce = new SalesforceFake(SF_CLIENT.id, SF_CLIENT.secret);
export const SALESFORCE: ConnectorCase = {
  connector: 'salesforce',
  fake: salesforce,
  env: () => ({
    CRM_TOKEN_URL: salesforce.tokenUrl,
    CRM_CLIENT_ID: SF_CLIENT.id,
    CRM_CLIENT_SECRET: SF_CLIENT.secret,
  }),
  carried({ url, body }) {
    if (url.includes('/composite/sobjects/Contact/')) {
      const records = (body as { records: Array<Record<string, unknown>> }).records;
      return records.map((r) => ({ externalId: String(r.Cognigy_Customer_Id__c), notes: r.Description }));
    }
    const single = /\/sobjects\/Contact\/Cognigy_Customer_Id__c\/([^/]+)$/.exec(url);
    if (!single) return [];
    return [{ externalId: decodeURIComponent(single[1]), notes: (body as Record<string, unknown>).Description }];
  },
  applied: () =>
    salesforce.writes
      .filter((w) => w.object === 'Contact')
      .map((w) => ({ externalId: w.externalId, notes: w.fields.Description })),
  records: (externalId) =>
    salesforce
      .find('Contact', 'Cognigy_Customer_Id__c', externalId)
      .map((r) => ({ id: r.Id, status: r.Status__c, notes: r.Description })),
};

const HUBSPOT_TOKEN = 'pat-na1-crash-test-token';
export const hubspot = new HubspotFake(HUBSPOT_TOKEN);
export const HUBSPOT: ConnectorCase = {
  connector: 'hubspot',
  fake: hubspot,
  env: () => ({ CRM_BASE_URL: hubspot.url, CRM_ACCESS_TOKEN: HUBSPOT_TOKEN }),
  carried({ url, body }) {
    if (url !== '/crm/v3/objects/contacts/batch/upsert') return [];
    const inputs = (body as { inputs: Array<{ id: string; properties: Record<string, unknown> }> }).inputs;
    return inputs.map((i) => ({ externalId: i.id, notes: i.properties.cognigy_notes }));
  },
  applied: () =>
    hubspot.writes
      .filter((w) => w.object === 'contacts')
      .map((w) => ({ externalId: w.id, notes: w.properties.cognigy_notes })),
  records(externalId) {
    const record = hubspot.record('contacts', externalId);
    if (!record) return [];
    return [{ id: record.id, status: record.properties.cognigy_status, notes: record.properties.cognigy_notes }];
  },
};

/** One webhook of the stream: record `record`'s `index`-th event. */
export interface StreamEvent {
  record: number;
  index: number;
  externalId: string;
  /** Unique per event: the notes field carries it to the CRM, so the fake's log names the event. */
  notes: string;
  status: string;
  raw: string;
  eventId?: string;
}

export function buildStream(run: string): StreamEvent[] {
  const events: StreamEvent[] = [];
  for (let record = 0; record < RECORDS; record++) {
    for (let index = 0; index < EVENTS_PER_RECORD; index++) {
      const externalId = `${run}-C${record}`;
      const notes = `${run}-r${record}-e${index}`;
      const status = `s${index}`;
      const dialog = sampleDialog({
        conversationId: `conv-${notes}`,
        timestamp: new Date(BASE_TIME + index * 60_000 + record * 1000).toISOString(),
        entities: {
          customerId: { value: externalId, confidence: 0.98 },
          newStatus: { value: status, confidence: 0.9 },
          notes: { value: notes, confidence: 0.9 },
        },
      });
      events.push({ record, index, externalId, notes, status, raw: JSON.stringify(dialog) });
    }
  }
  return events;
}

/** Sends every record's events in event order, the records side by side; each must be accepted. */
export async function sendStream(port: number, events: StreamEvent[]): Promise<void> {
  const lanes = Array.from({ length: RECORDS }, (_, record) => events.filter((e) => e.record === record));
  await Promise.all(
    lanes.map(async (lane) => {
      for (const event of lane) {
        const headers = { 'x-cognigy-signature': cognigySignature(CONNECTOR_SECRET, event.raw) };
        const answer = await post(port, DIALOG_ROUTE, event.raw, headers);
        if (answer.status !== 202) throw new Error(`${event.notes}: expected 202, got ${answer.status} ${answer.body}`);
        event.eventId = (JSON.parse(answer.body) as { eventId: string }).eventId;
      }
    }),
  );
}

/** An admin GET, answered 200 with JSON. */
export async function adminGet(port: number, path: string): Promise<any> {
  const answer = await call(port, 'GET', path, {
    headers: { authorization: `Bearer ${CONNECTOR_ADMIN}` },
    timeoutMs: 10000,
  });
  if (answer.status !== 200) throw new Error(`GET ${path}: ${answer.status} ${answer.body}`);
  return JSON.parse(answer.body);
}

export const eventViews = (port: number, events: StreamEvent[]) =>
  Promise.all(events.map((e) => adminGet(port, `/admin/events/${e.eventId}`)));

/** Waits until the admin API shows every one of `events` delivered; resolves with their views. */
export const deliveredViews = (port: number, events: StreamEvent[], what: string) =>
  waitFor(
    async () => {
      const views = await eventViews(port, events);
      const pending = events.flatMap((e, i) =>
        views[i].state === 'delivered' ? [] : [`${e.notes} ${views[i].state}`],
      );
      if (pending.length > 0) throw new Error(`not delivered: ${pending.join(', ')}`);
      return views;
    },
    { timeoutMs: 60000, intervalMs: 100, what },
  );

export const count = <T>(items: T[]) => {
  const counts = new Map<T, number>();
  for (const item of items) counts.set(item, (counts.get(item) ?? 0) + 1);
  return counts;
};
