import Database from 'better-sqlite3';
import IORedis from 'ioredis';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CrmSandbox } from '../src/dev/sandbox/crm-sandbox';
import { cleanRedis, describeEachDriver, Driver, driverEnv, redisUrl } from './support/drivers';
import { sandboxEnv } from './support/sandbox-env';
import { call, freePort, ServiceProcess, serviceEnv, startService } from './support/service-process';
import { adminEvent, inState, sendSigned } from './support/service-events';
import { contactDialog, unique } from './support/webhook-cases';

/**
 * Upgrade in place: the stores in test/fixtures/upgrade/ were written by the previous release
 * (aefe494, through its own webhooks and its own sandbox CRM: generate.js there) and hold one
 * event of each kind: delivered, dead with a 400, queued with 503s in its history, and one queued
 * behind it for the same record. This release opens them (SQLite: the events table rebuilt once
 * into deliveries; Redis: the keys as they are, the `default` target's) and carries on: the
 * queued ones are delivered in order with their earlier attempts kept, the dead letter is listed
 * with its 400 and replays, the delivered one is still a duplicate, its record's delivered time
 * still makes an older event stale.
 */

const FIXTURES = join(__dirname, 'fixtures', 'upgrade');

interface FixtureEvent {
  eventId: string;
  raw: string;
}
interface Manifest {
  secret: string;
  admin: string;
  drivers: Record<Driver, Record<'delivered' | 'dead' | 'queued' | 'behind', FixtureEvent>>;
}
interface DumpedKey {
  key: string;
  type: 'string' | 'hash' | 'list' | 'set' | 'zset';
  ttlMs: number;
  value: string | string[] | Record<string, string>;
}

const manifest = JSON.parse(readFileSync(join(FIXTURES, 'manifest.json'), 'utf8')) as Manifest;

/** The previous release's Redis keys, written back under `prefix`. */
async function loadRedisFixture(prefix: string): Promise<void> {
  const keys = JSON.parse(readFileSync(join(FIXTURES, 'redis-keys.json'), 'utf8')) as DumpedKey[];
  const client = new IORedis(redisUrl());
  try {
    for (const { key, type, ttlMs, value } of keys) {
      const name = `${prefix}:${key}`;
      if (type === 'string') await client.set(name, value as string);
      if (type === 'hash') await client.hset(name, value as Record<string, string>);
      if (type === 'list') await client.rpush(name, ...(value as string[]));
      if (type === 'set') await client.sadd(name, ...(value as string[]));
      if (type === 'zset') {
        const flat = value as string[];
        for (let i = 0; i < flat.length; i += 2) await client.zadd(name, flat[i + 1], flat[i]);
      }
      if (ttlMs > 0) await client.pexpire(name, ttlMs);
    }
  } finally {
    client.disconnect();
  }
}

describeEachDriver('a store of the previous release opens under this one (%s driver)', (driver) => {
  const { secret, admin } = manifest;
  const events = manifest.drivers[driver];
  const sandbox = new CrmSandbox({ port: 0 });
  const running: ServiceProcess[] = [];
  const store = driverEnv(driver);
  let dir: string;
  let port: number;

  beforeAll(async () => {
    await sandbox.start();
    dir = mkdtempSync(join(tmpdir(), 'ccs-upgrade-'));
    mkdirSync(join(dir, 'data'));
    if (driver === 'sqlite') copyFileSync(join(FIXTURES, 'events.sqlite'), join(dir, 'data', 'events.sqlite'));
    else await loadRedisFixture(store.REDIS_KEY_PREFIX);
    port = await freePort();
    const env = serviceEnv(port, join(dir, 'data'), {
      ...sandboxEnv(sandbox),
      ...store,
      COGNIGY_WEBHOOK_SECRETS: secret,
      ADMIN_TOKEN: admin,
    });
    await startService(env, dir, running);
  });
  afterAll(async () => {
    for (const service of running) await service.stop();
    await sandbox.stop();
    await cleanRedis(store);
    rmSync(dir, { recursive: true, force: true });
  });

  const view = (eventId: string) => adminEvent(port, admin, eventId);
  const statuses = async (eventId: string) => (await view(eventId))!.attemptHistory.map((a) => a.status);

  it('delivers the queued events in their record’s order, keeping the attempts made before the upgrade', async () => {
    await inState(port, admin, [events.queued.eventId, events.behind.eventId], 'delivered');
    const before = await statuses(events.queued.eventId);
    expect(before.slice(0, -1).length).toBeGreaterThanOrEqual(1);
    expect(before.slice(0, -1).every((s) => s === 503)).toBe(true);
    expect(before[before.length - 1]).toBe(200);
    expect(await statuses(events.behind.eventId)).toEqual([200]);
    const sent = sandbox.requests().filter((r) => r.status === 200);
    const order = sent.map((r) => r.idempotencyKey);
    expect(order.indexOf(`cognigy-${events.queued.eventId}`)).toBeLessThan(
      order.indexOf(`cognigy-${events.behind.eventId}`),
    );
  });

  it('lists the dead letter with its 400 and replays it', async () => {
    const dead = await view(events.dead.eventId);
    expect([dead?.state, dead?.lastStatus, dead?.attemptHistory.map((a) => a.status)]).toEqual(['dead', 400, [400]]);
    const list = await call(port, 'GET', '/admin/dead-letters', { headers: { authorization: `Bearer ${admin}` } });
    expect((JSON.parse(list.body) as { items: Array<{ eventId: string }> }).items.map((i) => i.eventId)).toEqual([
      events.dead.eventId,
    ]);
    const replay = await call(port, 'POST', `/admin/dead-letters/${events.dead.eventId}/replay`, {
      headers: { authorization: `Bearer ${admin}` },
    });
    expect(replay.status).toBe(202);
    await inState(port, admin, [events.dead.eventId], 'delivered');
    expect(await statuses(events.dead.eventId)).toEqual([400, 200]);
    expect(sandbox.requests().some((r) => r.idempotencyKey === `cognigy-${events.dead.eventId}-r1`)).toBe(true);
  });

  it('still knows the delivered event and its record: a resend is a duplicate, an older event stale', async () => {
    expect((await view(events.delivered.eventId))?.state).toBe('delivered');
    const resent = await sendSigned(port, secret, JSON.parse(events.delivered.raw) as object);
    expect([resent.status, resent.eventId]).toEqual([200, events.delivered.eventId]);
    const older = await sendSigned(
      port,
      secret,
      contactDialog('C-UPG-DELIVERED', {}, { timestamp: '2026-11-26T09:00:00Z', conversationId: unique('conv') }),
    );
    expect(older.status).toBe(202);
    await inState(port, admin, [older.eventId], 'stale');
  });

  it('takes and delivers new events beside the old ones', async () => {
    const fresh = await sendSigned(port, secret, contactDialog(unique('C-UPG-NEW')));
    expect(fresh.status).toBe(202);
    await inState(port, admin, [fresh.eventId], 'delivered');
  });

  if (driver === 'sqlite') {
    it('rebuilt the events table once into deliveries of the target default, rows and sequence kept', () => {
      const db = new Database(join(dir, 'data', 'events.sqlite'), { readonly: true });
      try {
        const columns = (db.pragma('table_info(events)') as Array<{ name: string }>).map((c) => c.name);
        expect(columns).toEqual(expect.arrayContaining(['target', 'source', 'event_id', 'state', 'attempts']));
        const rows = db.prepare('SELECT seq, event_id, target, source FROM events ORDER BY seq').all() as Array<{
          seq: number;
          event_id: string;
          target: string;
          source: string;
        }>;
        const old = [events.delivered, events.dead, events.queued, events.behind].map((e) => e.eventId);
        expect(rows.slice(0, 4).map((r) => [r.seq, r.event_id, r.target, r.source])).toEqual(
          old.map((id, i) => [i + 1, id, 'default', 'default']),
        );
        expect(rows.length).toBeGreaterThan(4);
        const attempts = db.prepare('SELECT DISTINCT target FROM attempts').all() as Array<{ target: string }>;
        expect(attempts).toEqual([{ target: 'default' }]);
        const records = db.prepare('SELECT DISTINCT target FROM records').all();
        expect(records).toEqual([{ target: 'default' }]);
        const delivered = db.prepare("SELECT last_event_time FROM records WHERE external_id = 'C-UPG-DELIVERED'");
        expect(delivered.get()).toEqual({ last_event_time: Date.parse('2026-11-26T10:00:00Z') });
      } finally {
        db.close();
      }
    });
  }
});
