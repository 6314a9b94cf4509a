import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CONNECTOR_ADMIN, CONNECTOR_SECRET, exampleMapping } from './support/connector-app';
import {
  adminGet,
  buildStream,
  ConnectorCase,
  count,
  deliveredViews,
  eventViews,
  EVENTS_PER_RECORD,
  HUBSPOT,
  hubspot,
  RECORDS,
  SALESFORCE,
  salesforce,
  sendStream,
  Upsert,
} from './support/connector-crash';
import { cleanRedis, describeEachDriver, Driver, driverEnv } from './support/drivers';
import { SeenRequest } from './support/fake-crm';
import {
  exitWithin,
  freePort,
  runService,
  ServiceProcess,
  serviceEnv,
  waitUntilAnswering,
} from './support/service-process';
import { waitFor } from './support/wait-for';

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
 *
 * The fakes, the stream and the admin views are test/support/connector-crash.ts.
 */

const BATCH_SIZE = 3; // smaller than RECORDS: several batches in flight at once
const LEASE_MS = 2000; // Redis: claims of the killed instance lapse this soon

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
