import { cleanRedis, describeEachDriver, Driver, driverEnv } from '../support/drivers';
import { sandboxedService } from '../support/sandboxed-service';
import { call } from '../support/service-process';
import { sampleDialog } from '../../src/webhook/dto/dialog-complete.fixture';
import { cognigySignature, nowSeconds } from '../support/signing';
import { waitFor } from '../support/wait-for';

/**
 * Captured requests replayed after the dedup window, against the BUILT service on each driver:
 * for every record, OLD then NEW delivered, then OLD's bytes sent again. The replay is stale (202,
 * never sent), refused as older than RECORD_STATE_TTL_SECONDS (400 naming timestamp), or refused
 * as outside WEBHOOK_TOLERANCE_SECONDS when signed with X-Cognigy-Timestamp (401): never applied,
 * and the CRM never sees OLD -> NEW -> OLD. Windows of seconds here (docs/security.md, Replays).
 */

const LONG = process.env.RELIABILITY_PROFILE === 'long';
const RECORDS = LONG ? 100 : 10;
const SECRET = 'late-replay-secret';
const ADMIN = 'late-replay-admin';
const DEDUP_S = 2;
const STATE_S = LONG ? 60 : 15;
const TOLERANCE_S = 2;
const DIALOG = '/webhooks/cognigy/dialog-complete';

jest.setTimeout(LONG ? 600_000 : 120_000);

type Group = 'stale' | 'too-old' | 'signed-time';

interface Captured {
  group: Group;
  customerId: string;
  raw: string;
  headers: Record<string, string>;
  timestamp: string;
}

describeEachDriver('a replay after the dedup window (%s driver, built service)', (driver: Driver) => {
  const storeEnv = driverEnv(driver);
  const { sandbox, port } = sandboxedService(`late-replay-${driver}`, () => ({
    COGNIGY_WEBHOOK_SECRETS: SECRET,
    ADMIN_TOKEN: ADMIN,
    LOG_LEVEL: 'warn',
    DEDUP_TTL_SECONDS: String(DEDUP_S),
    RECORD_STATE_TTL_SECONDS: String(STATE_S),
    WEBHOOK_TOLERANCE_SECONDS: String(TOLERANCE_S),
    ...storeEnv,
  }));
  afterAll(() => cleanRedis(storeEnv));

  /** The contact event as a Cognigy flow signs it (with X-Cognigy-Timestamp in the signed-time group). */
  function capture(group: Group, customerId: string, status: string, timestamp: string): Captured {
    const raw = JSON.stringify(
      sampleDialog({
        conversationId: `conv-${customerId}-${status}`,
        timestamp,
        entities: { customerId: { value: customerId }, newStatus: { value: status } },
      }),
    );
    const signedAt = nowSeconds();
    const headers: Record<string, string> =
      group === 'signed-time'
        ? { 'x-cognigy-timestamp': String(signedAt), 'x-cognigy-signature': cognigySignature(SECRET, raw, signedAt) }
        : { 'x-cognigy-signature': cognigySignature(SECRET, raw) };
    return { group, customerId, raw, headers, timestamp };
  }

  const send = (c: Captured) => call(port(), 'POST', DIALOG, { raw: c.raw, headers: c.headers, timeoutMs: 30_000 });
  const state = async (eventId: string) => {
    const reply = await call(port(), 'GET', `/admin/events/${eventId}`, {
      headers: { authorization: `Bearer ${ADMIN}` },
    });
    return (JSON.parse(reply.body) as { state: string }).state;
  };
  /** The statuses the CRM applied to `customerId`, in the order they were applied. */
  const applied = (customerId: string) =>
    sandbox
      .requests()
      .filter(
        (r) => r.status !== null && r.status < 300 && (r.body as { external_id?: string }).external_id === customerId,
      )
      .map((r) => (r.body as { status: string }).status);

  it(`${RECORDS} records in each of three groups: every replay stale or refused, never applied, never OLD -> NEW -> OLD`, async () => {
    const run = `${driver}-${Date.now()}`;
    const ago = (seconds: number) => new Date(Date.now() - seconds * 1000).toISOString();
    // The too-old group's events are near the end of the record-state window when first sent.
    const groups: [Group, number][] = [
      ['stale', 0],
      ['signed-time', 0],
      ['too-old', STATE_S - 4],
    ];
    const olds: Captured[] = [];
    const firstIds: string[] = [];
    for (const [group, age] of groups) {
      for (let k = 0; k < RECORDS; k++) {
        const customerId = `C-${run}-${group}-${k}`;
        const old = capture(group, customerId, 'silver', ago(age + 2));
        const newer = capture(group, customerId, 'gold', ago(age + 1));
        for (const c of [old, newer]) {
          const reply = await send(c);
          expect([c.customerId, reply.status]).toEqual([c.customerId, 202]);
          firstIds.push((JSON.parse(reply.body) as { eventId: string }).eventId);
        }
        olds.push(old);
      }
    }
    const sentAt = Date.now();
    await waitFor(async () => (await Promise.all(firstIds.map(state))).every((s) => s === 'delivered'), {
      timeoutMs: 60_000,
      intervalMs: 250,
      what: 'every OLD and NEW to be delivered',
    });
    // Past the dedup window (and the signed timestamp's tolerance) the captured bytes are no duplicate.
    await waitFor(() => Date.now() - sentAt > (Math.max(DEDUP_S, TOLERANCE_S) + 1.2) * 1000, {
      what: 'the dedup window and the tolerance to pass',
    });
    const answers: Record<string, number> = {};
    const replayIds: string[] = [];
    for (const group of ['stale', 'signed-time', 'too-old'] as Group[]) {
      if (group === 'too-old') {
        const oldest = Math.min(...olds.filter((c) => c.group === group).map((c) => Date.parse(c.timestamp)));
        await waitFor(() => Date.now() - oldest > STATE_S * 1000 + 200, {
          what: 'the OLD events to leave the window',
        });
      }
      for (const old of olds.filter((c) => c.group === group)) {
        const reply = await send(old);
        answers[`${group} ${reply.status}`] = (answers[`${group} ${reply.status}`] ?? 0) + 1;
        if (reply.status === 202) replayIds.push((JSON.parse(reply.body) as { eventId: string }).eventId);
        else if (reply.status === 400)
          expect(reply.body).toMatch(/timestamp must not be more than \d+ seconds \(RECORD_STATE_TTL_SECONDS\)/);
        // Stale while the record's state is kept, refused once older than it; signed time: outside the tolerance.
        const allowed = { stale: [202, 400], 'too-old': [400], 'signed-time': [401] }[group];
        expect([old.customerId, reply.status, allowed.includes(reply.status)]).toEqual([
          old.customerId,
          reply.status,
          true,
        ]);
      }
    }
    const replayedAt = Date.now();
    console.log(
      `late replay (${driver}): ${olds.length} OLD events replayed after the dedup window, answers ${JSON.stringify(answers)}`,
    );
    // An accepted replay settles as stale: recorded, never sent (then forgotten with its dedup window).
    let states: string[] = [];
    await waitFor(
      async () => {
        states = await Promise.all(replayIds.map(state));
        return states.every((s) => s === 'stale' || s === 'gone');
      },
      { timeoutMs: 30_000, intervalMs: 250, what: 'every accepted replay to be stale' },
    ).catch(async (error: Error) => {
      const stuck = replayIds.filter((_, i) => states[i] !== 'stale' && states[i] !== 'gone');
      const views = await Promise.all(
        stuck.map(
          async (id) =>
            (await call(port(), 'GET', `/admin/events/${id}`, { headers: { authorization: `Bearer ${ADMIN}` } })).body,
        ),
      );
      throw new Error(`${error.message}; states ${JSON.stringify(states)}; not settled: ${views.join('\n')}`);
    });
    console.log(`late replay (${driver}): replays settled ${Date.now() - replayedAt} ms after the last was sent`);
    for (const old of olds)
      expect([old.customerId, applied(old.customerId)]).toEqual([old.customerId, ['silver', 'gold']]);
  });
});
