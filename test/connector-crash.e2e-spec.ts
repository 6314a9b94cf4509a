import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sampleDialog } from '../src/webhook/dto/dialog-complete.fixture';
import { CONNECTOR_ADMIN, CONNECTOR_SECRET, exampleMapping } from './support/connector-app';
import { cleanRedis, describeEachDriver, Driver, driverEnv } from './support/drivers';
import { FakeCrm, SeenRequest } from './support/fake-crm';
import { HubspotFake } from './support/hubspot-fake';
import { SalesforceFake } from './support/salesforce-fake';
import {
  call,
  exitWithin,
  freePort,
  post,
  runService,
  ServiceProcess,
  serviceEnv,
  waitUntilAnswering,
} from './support/service-process';
import { cognigySignature } from './support/signing';
import { waitFor } from './support/wait-for';
import { DIALOG_ROUTE } from './support/webhook-cases';

/**
 * kill -9 with a batch in flight, then restart: the BUILT service (dist/main.js) delivers in
 * batches through the Salesforce connector (sObject collections upsert) or the HubSpot connector
 * (batch upsert) to a fake living in this test process, so the fake outlives the service. The
 * fake holds one batch request without answering it, having applied it (the answer is lost) or
 * not; the service is SIGKILLed while it waits, then restarted on the same store.
 *
 * Before the kill the test waits until everything else the first life could deliver is recorded
 * as delivered, so the only deliveries without a recorded outcome are those of the held batch:
 * each of its events must be sent exactly twice (the upsert by external id makes the second send
 * harmless), every other accepted event exactly once, and every record must see its events
 * applied in event order.
 */

const RECORDS = 6;
const EVENTS_PER_RECORD = 4;
const BATCH_SIZE = 3; // smaller than RECORDS: several batches in flight at once
const BASE_TIME = Date.parse('2026-11-26T10:00:00Z');
const LEASE_MS = 2000; // Redis: claims of the killed instance lapse this soon

/** One upsert of a CRM request (or write of the CRM), told apart by the unique notes of its event. */
interface Upsert {
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
interface ConnectorCase {
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
const salesforce = new SalesforceFake(SF_CLIENT.id, SF_CLIENT.secret);
const SALESFORCE: ConnectorCase = {
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
const hubspot = new HubspotFake(HUBSPOT_TOKEN);
const HUBSPOT: ConnectorCase = {
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
interface StreamEvent {
  record: number;
  index: number;
  externalId: string;
  /** Unique per event: the notes field carries it to the CRM, so the fake's log names the event. */
  notes: string;
  status: string;
  raw: string;
  eventId?: string;
}

function buildStream(run: string): StreamEvent[] {
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
async function sendStream(port: number, events: StreamEvent[]): Promise<void> {
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
async function adminGet(port: number, path: string): Promise<any> {
  const answer = await call(port, 'GET', path, {
    headers: { authorization: `Bearer ${CONNECTOR_ADMIN}` },
    timeoutMs: 10000,
  });
  if (answer.status !== 200) throw new Error(`GET ${path}: ${answer.status} ${answer.body}`);
  return JSON.parse(answer.body);
}

const eventViews = (port: number, events: StreamEvent[]) =>
  Promise.all(events.map((e) => adminGet(port, `/admin/events/${e.eventId}`)));

/** Waits until the admin API shows every one of `events` delivered; resolves with their views. */
const deliveredViews = (port: number, events: StreamEvent[], what: string) =>
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

const count = <T>(items: T[]) => {
  const counts = new Map<T, number>();
  for (const item of items) counts.set(item, (counts.get(item) ?? 0) + 1);
  return counts;
};

beforeAll(async () => {
  await Promise.all([salesforce.start(), hubspot.start()]);
});
afterAll(async () => {
  await Promise.all([salesforce.stop(), hubspot.stop()]);
});

describeEachDriver('kill -9 with a CRM batch in flight, then restart, %s driver (built service)', (driver: Driver) => {
  let root: string;
  let storeEnv: Record<string, string>;
  let running: ServiceProcess[] = [];

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'ccs-connector-crash-'));
    storeEnv = { ...driverEnv(driver), ...(driver === 'redis' ? { QUEUE_LEASE_MS: String(LEASE_MS) } : {}) };
  });

  afterEach(async () => {
    await Promise.all(running.map((s) => s.stop('SIGKILL')));
    running = [];
    salesforce.dropHeld();
    hubspot.dropHeld();
    await cleanRedis(storeEnv);
    rmSync(root, { recursive: true, force: true });
  });

  function start(c: ConnectorCase, port: number, dataDir: string): ServiceProcess {
    const service = runService(
      serviceEnv(port, dataDir, {
        LOG_LEVEL: 'warn',
        CRM_CONNECTOR: c.connector,
        MAPPINGS_FILE: exampleMapping(c.connector),
        COGNIGY_WEBHOOK_SECRETS: CONNECTOR_SECRET,
        ADMIN_TOKEN: CONNECTOR_ADMIN,
        CRM_BATCH_SIZE: String(BATCH_SIZE),
        CRM_BATCH_WAIT_MS: '50',
        // The held request must not time out (and be sent again) while the first life waits.
        CRM_TIMEOUT_MS: '300000',
        CRM_RETRY_BASE_MS: '20',
        CRM_RETRY_MAX_MS: '200',
        ...c.env(),
        ...storeEnv,
      }),
      root,
    );
    running.push(service);
    return service;
  }

  const cases: Array<[ConnectorCase, boolean]> = [
    [SALESFORCE, true],
    [SALESFORCE, false],
    [HUBSPOT, true],
    [HUBSPOT, false],
  ];

  it.each(cases.map(([c, apply]) => [c.connector, apply ? 'applied, answer lost' : 'not applied', c, apply]))(
    '%s, held batch %s: every accepted event delivered in per-record order, only the held batch sent twice',
    async (_name, _mode, c: ConnectorCase, apply: boolean) => {
      const run = `${c.connector}-${apply ? 'ap' : 'na'}-${driver}-${randomBytes(3).toString('hex')}`;
      const mine = (request: { url: string; body: unknown }) =>
        c.carried(request).filter((u) => u.externalId.startsWith(`${run}-`));
      const requestsOfRun = () => c.fake.apiRequests().filter((r) => mine(r).length > 0);
      const port = await freePort();
      const dataDir = join(root, 'data');
      const events = buildStream(run);
      const byNotes = new Map(events.map((e) => [e.notes, e]));

      const first = start(c, port, dataDir);
      await waitUntilAnswering(first, port);
      // "In the middle": a batch of several records' events, each neither the first of its record
      // (delivered before the kill) nor the last (events wait behind it).
      const midStream = (u: Upsert) => {
        const { index } = byNotes.get(String(u.notes))!;
        return index > 0 && index < EVENTS_PER_RECORD - 1;
      };
      let held: SeenRequest | undefined;
      void c.fake
        .holdNext({ apply, when: (request) => mine(request).length >= 2 && mine(request).every(midStream) })
        .then((request) => (held = request));
      await sendStream(port, events);
      const heldRequest = await waitFor(() => held, { timeoutMs: 30000, what: 'a batch held by the CRM' });
      const heldEvents = mine(heldRequest).map((u) => byNotes.get(String(u.notes))!);

      // Everything else the first life can deliver is delivered and recorded: the events of the
      // other records, and those of the held records that came before their held event.
      const heldIndex = new Map(heldEvents.map((e) => [e.record, e.index]));
      const deliverable = events.filter((e) => !heldIndex.has(e.record) || e.index < heldIndex.get(e.record)!);
      await deliveredViews(port, deliverable, 'every event not held, nor behind a held one, delivered');
      const heldViews = await eventViews(port, heldEvents);
      expect(heldViews.map((v) => v.state)).toEqual(heldEvents.map(() => 'queued'));
      const appliedBeforeKill = new Set(c.applied().map((u) => u.notes));
      expect(heldEvents.map((e) => appliedBeforeKill.has(e.notes))).toEqual(heldEvents.map(() => apply));

      first.child.kill('SIGKILL');
      expect((await first.exited).signal).toBe('SIGKILL');
      c.fake.dropHeld();

      const second = start(c, port, dataDir);
      await waitUntilAnswering(second, port);
      const views = await deliveredViews(port, events, 'every accepted event delivered after the restart');
      expect(await adminGet(port, '/admin/dead-letters')).toMatchObject({ items: [] });
      // A graceful stop ends the request log: nothing is sent late.
      second.child.kill('SIGTERM');
      expect(await exitWithin(second)).toEqual({ code: 0, signal: null });

      // Sends per event, from the CRM's request log (held request included): the held batch
      // twice, every other event once.
      const requests = requestsOfRun();
      const sends = count(requests.flatMap((r) => mine(r).map((u) => String(u.notes))));
      const expectedSends = Object.fromEntries(events.map((e) => [e.notes, heldEvents.includes(e) ? 2 : 1]));
      expect(Object.fromEntries(sends)).toEqual(expectedSends);
      // One request never carries two events of one record.
      for (const request of requests) {
        const ids = mine(request).map((u) => u.externalId);
        expect(new Set(ids).size).toBe(ids.length);
      }

      const applied = c.applied().filter((u) => u.externalId.startsWith(`${run}-`));
      for (let record = 0; record < RECORDS; record++) {
        const own = events.filter((e) => e.record === record);
        const externalId = own[0].externalId;
        // Applied in event order; a held event applied before the kill is applied once more
        // right after (its resend), before the record's next event.
        const expectedOrder = own.flatMap((e) => (apply && heldEvents.includes(e) ? [e.notes, e.notes] : [e.notes]));
        expect({ externalId, order: applied.filter((u) => u.externalId === externalId).map((u) => u.notes) }).toEqual({
          externalId,
          order: expectedOrder,
        });
        const last = own[own.length - 1];
        const records = c.records(externalId);
        expect(records).toEqual([{ id: expect.any(String), status: last.status, notes: last.notes }]);
        for (const e of own) {
          const view = views[events.indexOf(e)];
          expect(view).toMatchObject({ eventId: e.eventId, state: 'delivered', crmRecordId: records[0].id });
        }
      }
      const figures = {
        requests: requests.length,
        batchSizes: requests.map((r) => mine(r).length),
        held: heldEvents.map((e) => e.notes),
      };
      console.log(
        `connector crash (${driver}, ${c.connector}, ${apply ? 'applied' : 'not applied'}): ${JSON.stringify(figures)}`,
      );
    },
    120000,
  );
});
