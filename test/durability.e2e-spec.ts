import Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { signedEvent } from './support/signing';
import { freePort, post, ServiceProcess, serviceEnv, startService } from './support/service-process';

/**
 * Durability: an event answered 202 is committed and fsync'd, so it survives a `kill -9`
 * one moment after the answer. The built service runs as a child process; nothing is mocked.
 */
const SECRET = 'durability-secret';
const ROUTE = '/webhooks/cognigy/dialog-complete';

interface Row {
  event_id: string;
  state: string;
  attempts: number;
  intent: string;
  external_id: string;
  payload: string;
}

describe('durability: kill -9 right after the 202 (built service, dist/main.js)', () => {
  let root: string;
  let n = 0;
  const running: ServiceProcess[] = [];

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'ccs-durability-'));
  });
  afterEach(async () => {
    await Promise.all(running.splice(0).map((s) => s.stop('SIGKILL')));
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  const start = (dataDir: string, port: number) =>
    startService(
      serviceEnv(port, dataDir, {
        COGNIGY_WEBHOOK_SECRETS: SECRET,
        LOG_LEVEL: 'warn',
        // No delivery: the events must still be queued when we look (and a CRM that does not
        // exist, should delivery run anyway).
        DELIVERY_ENABLED: 'false',
        CRM_BASE_URL: 'http://127.0.0.1:9',
        CRM_TOKEN_URL: 'http://127.0.0.1:9/token',
        CRM_CLIENT_ID: 'durability',
        CRM_CLIENT_SECRET: 'durability',
      }),
      root,
      running,
    );

  const event = (eventId: string) => signedEvent(SECRET, eventId);

  /** The events table as a separate reader sees it. */
  function rows(dataDir: string): Map<string, Row> {
    const db = new Database(join(dataDir, 'events.sqlite'), { readonly: true, fileMustExist: true });
    try {
      const all = db
        .prepare('SELECT event_id, state, attempts, intent, external_id, payload FROM events')
        .all() as Row[];
      return new Map(all.map((row) => [row.event_id, row]));
    } finally {
      db.close();
    }
  }

  it('an event answered 202 is queued after kill -9 and a restart on the same DATA_DIR', async () => {
    const dataDir = join(root, `single-${++n}`);
    const port = await freePort();
    const first = await start(dataDir, port);
    const eventId = `dur-${randomBytes(6).toString('hex')}`;
    const { raw, headers } = event(eventId);

    const answer = await post(port, ROUTE, raw, headers, () => first.child.kill('SIGKILL'));
    expect(answer.status).toBe(202);
    expect((await first.exited).signal).toBe('SIGKILL');

    const afterKill = rows(dataDir).get(eventId);
    expect(afterKill).toMatchObject({
      state: 'queued',
      attempts: 0,
      intent: 'update_customer_profile',
      external_id: `C-${eventId}`,
    });
    expect(JSON.parse(afterKill!.payload).upsert.body).toEqual({
      external_id: `C-${eventId}`,
      status: 'gold',
      last_interaction: '2026-11-26T10:00:00.000Z',
    });

    const second = await start(dataDir, port);
    expect(rows(dataDir).get(eventId)).toMatchObject({ state: 'queued', attempts: 0 });
    // The restarted service knows the event: the same delivery is a duplicate, not a new event.
    const again = await post(port, ROUTE, raw, headers);
    expect(again.status).toBe(200);
    expect(JSON.parse(again.body)).toEqual({ status: 'duplicate', eventId });
    expect(rows(dataDir).size).toBe(1);
    await second.stop('SIGKILL');
  });

  it('a burst of 50 concurrent events, kill -9 right after the last 202: all 50 are there', async () => {
    const dataDir = join(root, `burst-${++n}`);
    const port = await freePort();
    const first = await start(dataDir, port);
    const prefix = `burst-${randomBytes(4).toString('hex')}`;
    const events = Array.from({ length: 50 }, (_, i) => ({ eventId: `${prefix}-${i}`, ...event(`${prefix}-${i}`) }));

    let answered = 0;
    const statuses = await Promise.all(
      events.map(({ raw, headers }) =>
        post(port, ROUTE, raw, headers, () => {
          if (++answered === events.length) first.child.kill('SIGKILL');
        }).then((a) => a.status),
      ),
    );
    expect(statuses).toEqual(Array(50).fill(202));
    expect((await first.exited).signal).toBe('SIGKILL');

    const afterKill = rows(dataDir);
    for (const { eventId } of events) expect(afterKill.get(eventId)?.state).toBe('queued');
    expect(afterKill.size).toBe(50);

    await start(dataDir, port);
    const afterRestart = rows(dataDir);
    expect([...afterRestart.keys()].sort()).toEqual(events.map((e) => e.eventId).sort());
    for (const row of afterRestart.values()) expect(row.state).toBe('queued');
  });
});
