import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CrmSandbox } from '../src/dev/sandbox/crm-sandbox';
import { eventView, waitForState } from './support/admin-api';
import { cleanRedis, Driver, driverEnv, describeEachDriver } from './support/drivers';
import { sandboxEnv } from './support/sandbox-env';
import { startTestApp, TestApp } from './support/test-app';
import { waitFor } from './support/wait-for';
import { contactDialog, DIALOG_ROUTE, postSigned, sendAccepted, ticketDialog, unique } from './support/webhook-cases';

/**
 * "No double application" (issue 3): with retries after 500s, a 409, repeated webhooks and a
 * restart while events are retrying (one of them applied by the CRM after the instance that
 * sent it had gone), the CRM sandbox applies every event exactly once. Real HTTP over loopback,
 * the real app, one store shared by four successive instances (one DATA_DIR for SQLite, one
 * REDIS_KEY_PREFIX for Redis). The same test runs against each queue driver.
 */

const SECRET = 'exactly-once-secret';
const ADMIN = 'adm';

describeEachDriver('no double application (issue 3) (%s driver)', (driver: Driver) => {
  let sandbox: CrmSandbox;
  let dataDir: string;
  /** The one store of every instance of this test: the same object for each of them. */
  let store: Record<string, string>;
  let current: TestApp | undefined;

  beforeAll(async () => {
    sandbox = new CrmSandbox({ port: 0 });
    await sandbox.start();
    dataDir = mkdtempSync(join(tmpdir(), 'ccs-exactly-once-'));
    store = { DATA_DIR: dataDir, ...driverEnv(driver) };
  });

  afterAll(async () => {
    await current?.close();
    await sandbox.stop();
    rmSync(dataDir, { recursive: true, force: true });
    await cleanRedis(store);
  });

  async function start(extra: Record<string, string> = {}): Promise<TestApp> {
    current = await startTestApp(
      sandboxEnv(sandbox, {
        COGNIGY_WEBHOOK_SECRETS: SECRET,
        // Many failures in a row here; the breaker is tested elsewhere and would only add waiting.
        CRM_BREAKER_THRESHOLD: '1000',
        ADMIN_TOKEN: ADMIN,
        ...store,
        ...extra,
      }),
    );
    return current;
  }

  async function stop(): Promise<void> {
    const t = current;
    current = undefined;
    await t?.close();
  }

  const profile = (customerId: string, timestamp: string, newStatus: string) =>
    JSON.stringify(contactDialog(customerId, { newStatus: { value: newStatus, confidence: 0.9 } }, { timestamp }));

  const ticket = (ticketId: string, timestamp: string, priority: string) =>
    JSON.stringify(ticketDialog(ticketId, priority, { timestamp }));

  const accept = (t: TestApp, raw: string) => sendAccepted(t, SECRET, raw);

  async function expectDuplicate(t: TestApp, raw: string, eventId: string): Promise<void> {
    const res = await postSigned(t, SECRET, DIALOG_ROUTE, raw);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'duplicate', eventId });
  }

  const state = (t: TestApp, eventId: string) => eventView(t, ADMIN, eventId);
  const allDelivered = (t: TestApp, ids: string[]) => waitForState(t, ADMIN, ids, 'delivered');

  const requestsWithKey = (key: string) => sandbox.requests().filter((r) => r.idempotencyKey === key);

  it('applies each event exactly once across retries, a 409, duplicates and a restart', async () => {
    // ---- Instance 1: the CRM is slow, the request times out, the retry is answered 409 (the CRM
    // is still working on that key). The slow first request is applied after the client gave up.
    let t = await start({ CRM_TIMEOUT_MS: '400' });
    // A first, plain delivery: the token is fetched and the connection is up before the timing matters.
    const w = unique('C-w');
    const e0 = await accept(t, profile(w, '2026-11-26T09:00:00Z', 'warm'));
    await allDelivered(t, [e0]);
    const p = unique('C-p');
    const e1Body = profile(p, '2026-11-26T09:00:00Z', 'silver');
    sandbox.inject({ latencyMs: 1000 });
    sandbox.inject({ status: 409, body: { error: 'conflict', message: 'request with this key in progress' } });
    const e1 = await accept(t, e1Body);
    await allDelivered(t, [e1]);
    expect(await state(t, e1)).toMatchObject({ state: 'delivered', attempts: 2, lastStatus: 409 });
    await waitFor(() => sandbox.stats().applied === 2, { what: 'the slow request applied' });
    const e1Sent = requestsWithKey(`cognigy-${e1}`);
    expect(e1Sent.map((x) => x.status)).toEqual([null, 409]);
    await expectDuplicate(t, e1Body, e1);
    await stop();

    // ---- Instance 2: ingest only. Eight events over four records, one webhook sent twice.
    t = await start({ DELIVERY_ENABLED: 'false' });
    const q = unique('C-q');
    const r = unique('C-r');
    const u = unique('C-u');
    const s = unique('T-s');
    const bodies = [
      profile(q, '2026-11-26T10:10:00Z', 'q3'),
      profile(q, '2026-11-26T10:00:00Z', 'q1'),
      profile(r, '2026-11-26T10:00:00Z', 'r1'),
      ticket(s, '2026-11-26T10:00:00Z', 'low'),
      profile(q, '2026-11-26T10:05:00Z', 'q2'),
      profile(r, '2026-11-26T10:30:00Z', 'r2'),
      ticket(s, '2026-11-26T10:01:00Z', 'high'),
      profile(u, '2026-11-26T10:00:00Z', 'u1'),
    ];
    const ids: string[] = [];
    for (const body of bodies) ids.push(await accept(t, body));
    await expectDuplicate(t, bodies[4], ids[4]);
    await stop();
    expect(new Set(ids).size).toBe(bodies.length);

    // ---- Instance 3: the first request to arrive is applied slowly (after this instance has
    // stopped waiting for it); every other request fails with 500 and is retried. The instance
    // is closed in the middle of this.
    const before = sandbox.requests().length;
    sandbox.inject({ latencyMs: 4000 });
    sandbox.inject({ status: 500, count: -1 });
    t = await start({ SHUTDOWN_GRACE_MS: '20' });
    await waitFor(
      () => {
        const recent = sandbox.requests().slice(before);
        return recent.some((x) => x.status === null) && recent.filter((x) => x.status === 500).length >= 6;
      },
      { timeoutMs: 15000, what: 'events retrying after 500s while one request is still open' },
    );
    await stop();
    const slow = sandbox.requests().slice(before)[0];
    expect(slow.idempotencyKey).toMatch(/^cognigy-/);
    expect(slow.status).toBeNull();
    // The CRM applies the slow request although nobody waits for its answer any more.
    await waitFor(() => sandbox.stats().applied === 3, { what: 'the abandoned request applied' });
    const applied3 = sandbox.stats();

    // ---- Instance 4: the CRM is healthy again; everything left is delivered.
    sandbox.clearFaults();
    t = await start();
    await allDelivered(t, [e0, e1, ...ids]);
    await expectDuplicate(t, e1Body, e1);
    await expectDuplicate(t, bodies[0], ids[0]);

    // The abandoned request's event was sent again under the same key; the CRM only replayed its answer.
    expect(requestsWithKey(slow.idempotencyKey!).length).toBeGreaterThanOrEqual(2);
    expect(sandbox.stats().replayedKeys).toBeGreaterThan(applied3.replayedKeys);

    // Retries did happen: some events were sent several times.
    const all = [e0, e1, ...ids];
    const sentCounts = all.map((id) => requestsWithKey(`cognigy-${id}`).length);
    expect(sentCounts.filter((n) => n >= 3).length).toBeGreaterThan(0);
    // The key never changed across retries and restarts (no replay suffix, nothing else).
    const ourKeys = sandbox.requests().map((x) => x.idempotencyKey);
    expect(ourKeys.every((key) => key !== null && all.some((id) => key === `cognigy-${id}`))).toBe(true);

    // Exactly once: every event's key is applied once, and nothing else was applied.
    const records = Object.values(sandbox.records()).flat();
    const appliedKeys = records.flatMap((rec) => rec.applied_keys as string[]);
    for (const id of all) expect(appliedKeys.filter((key) => key === `cognigy-${id}`)).toHaveLength(1);
    expect(appliedKeys).toHaveLength(all.length);
    expect(sandbox.stats().applied).toBe(all.length);

    // And in event-time order per record.
    const contact = (id: string) => sandbox.records().contacts.find((rec) => rec.external_id === id);
    expect(contact(w)).toMatchObject({ status: 'warm', version: 1 });
    expect(contact(p)).toMatchObject({ status: 'silver', version: 1 });
    expect(contact(q)).toMatchObject({ status: 'q3', version: 3 });
    expect(contact(q)!.applied_keys).toEqual([ids[1], ids[4], ids[0]].map((id) => `cognigy-${id}`));
    expect(contact(r)).toMatchObject({ status: 'r2', version: 2 });
    expect(contact(u)).toMatchObject({ status: 'u1', version: 1 });
    const tickets = sandbox.records().tickets.filter((rec) => rec.external_id === s);
    expect(tickets).toHaveLength(1);
    expect(tickets[0]).toMatchObject({ priority: 'high', version: 2 });
    expect(tickets[0].applied_keys).toEqual([ids[3], ids[6]].map((id) => `cognigy-${id}`));
  });
});
