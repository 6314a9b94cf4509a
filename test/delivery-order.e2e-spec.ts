import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CrmSandbox } from '../src/dev/sandbox/crm-sandbox';
import { SandboxRequest } from '../src/dev/sandbox/sandbox-state';
import { eventView, waitForState } from './support/admin-api';
import { cleanRedis, Driver, driverEnv, describeEachDriver } from './support/drivers';
import { sandboxEnv } from './support/sandbox-env';
import { startTestApp, TestApp } from './support/test-app';
import { waitFor } from './support/wait-for';
import { contactDialog, sendAccepted, unique } from './support/webhook-cases';

/**
 * Per-record order and stale events, end to end: signed webhooks over loopback HTTP
 * into the real app, delivered to the CRM sandbox over loopback HTTP. To make events arrive
 * "together", an ingest-only instance (DELIVERY_ENABLED=false) stores them first and a delivering
 * instance is started afterwards on the same store (a real restart): the same DATA_DIR for SQLite,
 * the same REDIS_KEY_PREFIX for Redis. The same tests run against each queue driver.
 */

const SECRET = 'order-secret';
const ADMIN = 'adm';

const T1 = '2026-11-26T10:00:00Z';
const T2 = '2026-11-26T10:05:00Z';
const T2_5 = '2026-11-26T10:07:30Z';
const T3 = '2026-11-26T10:10:00Z';
const T4 = '2026-11-26T10:20:00Z';
const iso = (timestamp: string) => new Date(timestamp).toISOString();

describeEachDriver('per-record order and stale events (%s driver)', (driver: Driver) => {
  let sandbox: CrmSandbox;
  const apps: TestApp[] = [];
  const dirs: string[] = [];
  const stores: Record<string, string>[] = [];

  beforeAll(async () => {
    sandbox = new CrmSandbox({ port: 0 });
    await sandbox.start();
  });

  afterEach(async () => {
    sandbox.clearFaults();
    while (apps.length > 0) await apps.pop()!.close();
  });

  afterAll(async () => {
    await sandbox.stop();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    for (const store of stores) await cleanRedis(store);
  });

  async function start(extra: Record<string, string> = {}): Promise<TestApp> {
    const t = await startTestApp(
      sandboxEnv(sandbox, { COGNIGY_WEBHOOK_SECRETS: SECRET, ADMIN_TOKEN: ADMIN, ...extra }),
    );
    apps.push(t);
    return t;
  }

  async function stop(t: TestApp): Promise<void> {
    apps.splice(apps.indexOf(t), 1);
    await t.close();
  }

  /**
   * A store of its own (a DATA_DIR for SQLite, a key prefix for Redis): every instance started
   * with the same object works on the same store, as a restart does.
   */
  function freshStore(): Record<string, string> {
    const dir = mkdtempSync(join(tmpdir(), 'ccs-order-'));
    dirs.push(dir);
    const store = { DATA_DIR: dir, ...driverEnv(driver) };
    stores.push(store);
    return store;
  }

  /** Posts a signed profile update of `customerId` at `timestamp`; resolves with the event id. */
  const sendProfile = (t: TestApp, customerId: string, timestamp: string, newStatus: string) =>
    sendAccepted(
      t,
      SECRET,
      contactDialog(customerId, { newStatus: { value: newStatus, confidence: 0.91 } }, { timestamp }),
    );

  const bodyOf = (r: SandboxRequest) => (r.body ?? {}) as Record<string, unknown>;
  const requestsFor = (externalId: string) => sandbox.requests().filter((r) => bodyOf(r).external_id === externalId);
  const contact = (externalId: string) => (sandbox.records().contacts ?? []).find((r) => r.external_id === externalId);

  it('applies three events of one record that arrived out of order (T3, T1, T2) in event-time order', async () => {
    const store = freshStore();
    const customer = unique('C-order');

    const ingest = await start({ DELIVERY_ENABLED: 'false', ...store });
    const id3 = await sendProfile(ingest, customer, T3, 'platinum');
    const id1 = await sendProfile(ingest, customer, T1, 'silver');
    const id2 = await sendProfile(ingest, customer, T2, 'gold');
    expect(new Set([id1, id2, id3]).size).toBe(3);
    await stop(ingest);
    expect(requestsFor(customer)).toEqual([]);

    const live = await start(store);
    const views = await waitForState(live, ADMIN, [id1, id2, id3], 'delivered');

    const sent = requestsFor(customer);
    expect(sent.map((r) => bodyOf(r).last_interaction)).toEqual([iso(T1), iso(T2), iso(T3)]);
    expect(sent.map((r) => r.idempotencyKey)).toEqual([`cognigy-${id1}`, `cognigy-${id2}`, `cognigy-${id3}`]);
    expect(sent.map((r) => bodyOf(r).status)).toEqual(['silver', 'gold', 'platinum']);
    expect(sent.map((r) => r.status)).toEqual([200, 200, 200]);

    const [v1, v2, v3] = views;
    expect(Date.parse(v1.deliveredAt!)).toBeLessThanOrEqual(Date.parse(v2.deliveredAt!));
    expect(Date.parse(v2.deliveredAt!)).toBeLessThanOrEqual(Date.parse(v3.deliveredAt!));

    const record = contact(customer);
    expect(record).toMatchObject({ status: 'platinum', last_interaction: iso(T3), version: 3 });
    expect(record!.applied_keys).toEqual([`cognigy-${id1}`, `cognigy-${id2}`, `cognigy-${id3}`]);
  });

  it('breaks ties of equal event time by arrival order', async () => {
    const store = freshStore();
    const customer = unique('C-tie');

    const ingest = await start({ DELIVERY_ENABLED: 'false', ...store });
    const first = await sendProfile(ingest, customer, T2, 'first');
    const second = await sendProfile(ingest, customer, T2, 'second');
    const third = await sendProfile(ingest, customer, T2, 'third');
    await stop(ingest);

    const live = await start(store);
    await waitForState(live, ADMIN, [first, second, third], 'delivered');
    expect(requestsFor(customer).map((r) => r.idempotencyKey)).toEqual([
      `cognigy-${first}`,
      `cognigy-${second}`,
      `cognigy-${third}`,
    ]);
    expect(contact(customer)).toMatchObject({ status: 'third', version: 3 });
  });

  it('does not send an event older than the last delivered one, and reports it stale', async () => {
    const customer = unique('C-stale');
    const live = await start(freshStore());

    const id3 = await sendProfile(live, customer, T3, 'platinum');
    await waitForState(live, ADMIN, [id3], 'delivered');

    // T2.5 < T3: older than what the CRM already holds for this record.
    const stale = await sendProfile(live, customer, T2_5, 'bronze');
    const [view] = await waitForState(live, ADMIN, [stale], 'stale');
    expect(view).toMatchObject({ eventId: stale, state: 'stale', attempts: 0, lastStatus: null, deliveredAt: null });

    // A newer event afterwards is delivered normally: the record is not stuck behind the stale one.
    const id4 = await sendProfile(live, customer, T4, 'diamond');
    await waitForState(live, ADMIN, [id4], 'delivered');

    const sent = requestsFor(customer);
    expect(sent.map((r) => r.idempotencyKey)).toEqual([`cognigy-${id3}`, `cognigy-${id4}`]);
    expect(sandbox.requests().filter((r) => r.idempotencyKey?.startsWith(`cognigy-${stale}`))).toEqual([]);
    expect(sent.some((r) => bodyOf(r).last_interaction === iso(T2_5))).toBe(false);
    expect(contact(customer)).toMatchObject({ status: 'diamond', last_interaction: iso(T4), version: 2 });
    expect((await eventView(live, ADMIN, stale)).state).toBe('stale');
  });

  it('holds a newer event behind an older one that is retrying, without blocking other records', async () => {
    const store = freshStore();
    const x = unique('C-retry');
    const y = unique('C-other');

    const ingest = await start({ DELIVERY_ENABLED: 'false', ...store });
    const older = await sendProfile(ingest, x, T1, 'silver');
    const newer = await sendProfile(ingest, x, T2, 'gold');
    await stop(ingest);

    // The older event's first two attempts fail with 500 (each answered after a short delay, so
    // that the second attempt is still open while an event of another record comes in).
    sandbox.inject({ status: 500, count: 2, latencyMs: 400 });
    const live = await start(store);

    await waitFor(() => requestsFor(x).length >= 2, { timeoutMs: 5000, what: 'second attempt of the older event' });
    const whileRetrying = requestsFor(x);
    expect(whileRetrying.map((r) => r.idempotencyKey)).toEqual([`cognigy-${older}`, `cognigy-${older}`]);
    expect(whileRetrying[1].status).toBeNull(); // still being answered

    // Another record, event time even older than both: not held back by record x.
    const other = await sendProfile(live, y, '2026-11-26T09:00:00Z', 'bronze');
    const [otherView] = await waitForState(live, ADMIN, [other], 'delivered');

    const [olderView, newerView] = await waitForState(live, ADMIN, [older, newer], 'delivered');
    expect(olderView).toMatchObject({ attempts: 3, lastStatus: 200, lastError: null });
    expect(newerView).toMatchObject({ attempts: 1, lastStatus: 200 });

    const log = sandbox.requests();
    const keyed = (key: string) => log.map((r, i) => ({ r, i })).filter(({ r }) => r.idempotencyKey === key);
    const olderSent = keyed(`cognigy-${older}`);
    const newerSent = keyed(`cognigy-${newer}`);
    const otherSent = keyed(`cognigy-${other}`);
    expect(olderSent.map(({ r }) => r.status)).toEqual([500, 500, 200]);
    expect(newerSent.map(({ r }) => r.status)).toEqual([200]);
    expect(otherSent.map(({ r }) => r.status)).toEqual([200]);

    // The newer event of x went out only after the older one succeeded ...
    expect(newerSent[0].i).toBeGreaterThan(olderSent[2].i);
    expect(Date.parse(newerView.deliveredAt!)).toBeGreaterThanOrEqual(Date.parse(olderView.deliveredAt!));
    // ... while y's event was delivered in the middle of x's retries.
    expect(otherSent[0].i).toBeGreaterThan(olderSent[1].i);
    expect(otherSent[0].i).toBeLessThan(olderSent[2].i);
    expect(Date.parse(otherView.deliveredAt!)).toBeLessThan(Date.parse(olderView.deliveredAt!));

    expect(requestsFor(x).map((r) => bodyOf(r).last_interaction)).toEqual([iso(T1), iso(T1), iso(T1), iso(T2)]);
    expect(contact(x)).toMatchObject({ status: 'gold', last_interaction: iso(T2), version: 2 });
    expect(contact(y)).toMatchObject({ status: 'bronze', version: 1 });
  });
});
