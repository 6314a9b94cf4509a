import { Logger } from '@nestjs/common';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Environment } from '../src/config/environment';
import { QueueConfig, queueSettings } from '../src/config/queue.config';
import { CrmSandbox } from '../src/dev/sandbox/crm-sandbox';
import { SandboxRequest } from '../src/dev/sandbox/sandbox-state';
import { EventStoreDriver } from '../src/queue/event-store-driver';
import { RedisEventStore } from '../src/queue/redis-event-store';
import { SqliteEventStore } from '../src/queue/sqlite-event-store';
import { Telemetry } from '../src/telemetry/telemetry';
import { sampleDialog } from '../src/webhook/dto/dialog-complete.fixture';
import { cleanRedis, describeEachDriver, Driver, driverEnv, testRedisConfig } from './support/drivers';
import {
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
 * kill -9 during a fan-out to two targets, then restart (issue 20 item 2): the BUILT service
 * accepts signed webhooks on the default source, whose route (ROUTES_FILE) fans every event out
 * to target `a` and target `b`, each a CRM sandbox in this test process that answers after a
 * delay, each target with CRM_CONCURRENCY=1. The service is SIGKILLed while both targets have a
 * request in flight, then restarted on the same store. Afterwards every target holds every
 * accepted event exactly once; the only event a target was sent twice is the one whose request
 * was in flight at the kill (the store had not recorded its answer), and it went twice with the
 * same Idempotency-Key, so the CRM applied it once.
 */

const RECORDS = 10;
const EVENTS_PER_RECORD = 3;
const TARGETS = ['a', 'b'] as const;
const CRM_LATENCY_MS = 150;
const LEASE_MS = 2000; // Redis: claims of the killed instance lapse this soon
const SECRET_VARIABLE = (target: string) => `TARGET_${target.toUpperCase()}_SECRET`;

type Target = (typeof TARGETS)[number];

/** The routing file: the default source's every intent to both targets, each its own sandbox. */
function routesFile(sandboxes: Record<Target, CrmSandbox>): string {
  const target = (name: Target) => ({
    connector: 'generic',
    settings: {
      CRM_BASE_URL: sandboxes[name].url,
      CRM_TOKEN_URL: sandboxes[name].tokenUrl,
      CRM_CLIENT_ID: sandboxes[name].clientId,
      CRM_CONCURRENCY: 1,
      CRM_RETRY_BASE_MS: 20,
      CRM_RETRY_MAX_MS: 200,
    },
    secrets: { CRM_CLIENT_SECRET: SECRET_VARIABLE(name) },
  });
  return JSON.stringify({
    sources: { default: { secrets: { COGNIGY_WEBHOOK_SECRETS: 'TARGETS_CRASH_HMAC' } } },
    targets: { a: target('a'), b: target('b') },
    routes: [{ source: 'default', targets: [{ target: 'a' }, { target: 'b' }] }],
  });
}

const SECRET = 'targets-crash-hmac';

/** Record r's e-th event, as Cognigy posts it. */
function dialogOf(run: string, record: number, index: number): string {
  const notes = `${run}-r${record}-e${index}`;
  return JSON.stringify(
    sampleDialog({
      conversationId: `conv-${notes}`,
      timestamp: new Date(Date.parse('2026-11-26T10:00:00Z') + index * 60_000 + record * 1000).toISOString(),
      entities: {
        customerId: { value: `${run}-C${record}`, confidence: 0.98 },
        newStatus: { value: `s${index}`, confidence: 0.9 },
        notes: { value: notes, confidence: 0.9 },
      },
    }),
  );
}

/** Posts every event (each record's in event order), each answered 202; their event ids. */
async function accepted(port: number, raws: string[]): Promise<string[]> {
  const ids: string[] = [];
  for (const raw of raws) {
    const answer = await post(port, DIALOG_ROUTE, raw, { 'x-cognigy-signature': cognigySignature(SECRET, raw) });
    if (answer.status !== 202) throw new Error(`expected 202, got ${answer.status} ${answer.body}`);
    ids.push((JSON.parse(answer.body) as { eventId: string }).eventId);
  }
  return ids;
}

/** The service's store, opened in this process (the service is not running). */
async function openStore(driver: Driver, dataDir: string, env: Record<string, string>): Promise<EventStoreDriver> {
  const config: QueueConfig = { ...queueSettings(new Environment()), driver, dataDir, leaseMs: LEASE_MS };
  if (driver === 'sqlite') return new SqliteEventStore(config, new Logger(SqliteEventStore.name));
  const redis = new RedisEventStore(config, testRedisConfig(env.REDIS_KEY_PREFIX), new Telemetry());
  await redis.onModuleInit();
  return redis;
}

async function closeStore(store: EventStoreDriver): Promise<void> {
  if (store instanceof SqliteEventStore) store.close();
  else await (store as RedisEventStore).onApplicationShutdown();
}

const keysOf = (requests: SandboxRequest[]) =>
  requests.filter((r) => r.path.endsWith('/upsert')).map((r) => String(r.idempotencyKey));

const counted = (keys: string[]) => {
  const counts = new Map<string, number>();
  for (const key of keys) counts.set(key, (counts.get(key) ?? 0) + 1);
  return counts;
};

describeEachDriver('kill -9 during a fan-out to two targets, then restart, %s driver (built service)', (driver) => {
  let root: string;
  let storeEnv: Record<string, string>;
  let running: ServiceProcess[] = [];
  const sandboxes = { a: new CrmSandbox(), b: new CrmSandbox() };

  beforeAll(async () => {
    Logger.overrideLogger(false);
    await Promise.all(TARGETS.map((t) => sandboxes[t].start()));
  });
  afterAll(async () => {
    await Promise.all(TARGETS.map((t) => sandboxes[t].stop()));
  });
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'ccs-targets-crash-'));
    storeEnv = { ...driverEnv(driver), ...(driver === 'redis' ? { QUEUE_LEASE_MS: String(LEASE_MS) } : {}) };
    for (const t of TARGETS) sandboxes[t].reset();
  });
  afterEach(async () => {
    await Promise.all(running.map((s) => s.stop('SIGKILL')));
    running = [];
    await cleanRedis(storeEnv);
    rmSync(root, { recursive: true, force: true });
  });

  function start(port: number, dataDir: string, file: string): ServiceProcess {
    const service = runService(
      serviceEnv(port, dataDir, {
        LOG_LEVEL: 'warn',
        ROUTES_FILE: file,
        TARGETS_CRASH_HMAC: SECRET,
        [SECRET_VARIABLE('a')]: sandboxes.a.clientSecret,
        [SECRET_VARIABLE('b')]: sandboxes.b.clientSecret,
        // The environment's own CRM (no target of the file uses it): b's sandbox, not a dev one.
        CRM_BASE_URL: sandboxes.b.url,
        CRM_TOKEN_URL: sandboxes.b.tokenUrl,
        CRM_CLIENT_ID: sandboxes.b.clientId,
        CRM_CLIENT_SECRET: sandboxes.b.clientSecret,
        ...storeEnv,
      }),
      root,
    );
    running.push(service);
    return service;
  }

  it('every target gets every event once, apart from its one request in flight (sent twice, same key)', async () => {
    const run = `tc-${driver}-${Date.now().toString(36)}`;
    const dataDir = join(root, 'data');
    const file = join(root, 'routes.json');
    writeFileSync(file, routesFile(sandboxes));
    const raws: string[] = [];
    for (let index = 0; index < EVENTS_PER_RECORD; index++) {
      for (let record = 0; record < RECORDS; record++) raws.push(dialogOf(run, record, index));
    }

    for (const t of TARGETS) sandboxes[t].inject({ latencyMs: CRM_LATENCY_MS, count: Infinity });
    const port = await freePort();
    const first = start(port, dataDir, file);
    await waitUntilAnswering(first, port);
    const events = (await accepted(port, raws)).map((eventId) => ({ eventId }));
    // In the middle of the fan-out: both targets have delivered some events and each has one
    // request in flight.
    const inFlight = (t: Target) =>
      sandboxes[t].requests().filter((r) => r.status === null && r.path.endsWith('/upsert'));
    const pendingAtKill = await waitFor(
      () => {
        const midway = TARGETS.every((t) => sandboxes[t].stats().applied >= 5 && inFlight(t).length === 1);
        return midway ? Object.fromEntries(TARGETS.map((t) => [t, keysOf(inFlight(t))])) : undefined;
      },
      { timeoutMs: 60000, intervalMs: 5, what: 'both targets midway, one request in flight each' },
    );
    first.child.kill('SIGKILL');
    expect((await first.exited).signal).toBe('SIGKILL');
    const appliedAtKill = Object.fromEntries(TARGETS.map((t) => [t, sandboxes[t].stats().applied]));
    expect(Object.values(appliedAtKill).every((n) => n < events.length)).toBe(true);

    const second = start(port, dataDir, file);
    await waitUntilAnswering(second, port);
    await waitFor(
      () => TARGETS.every((t) => new Set(keysOf(sandboxes[t].requests())).size === events.length) || undefined,
      { timeoutMs: 60000, intervalMs: 100, what: 'every event sent to both targets' },
    );
    second.child.kill('SIGTERM');
    expect(await exitWithin(second)).toEqual({ code: 0, signal: null });

    const store = await openStore(driver, dataDir, storeEnv);
    try {
      for (const event of events) {
        const deliveries = await store.operators.deliveriesOf(event.eventId);
        expect({ id: event.eventId, states: deliveries.map((d) => [d.target ?? 'default', d.state]).sort() }).toEqual({
          id: event.eventId,
          states: [
            ['a', 'delivered'],
            ['b', 'delivered'],
          ],
        });
      }
    } finally {
      await closeStore(store);
    }
    for (const t of TARGETS) {
      const sandbox = sandboxes[t];
      const sends = counted(keysOf(sandbox.requests()));
      const twice = [...sends].filter(([, n]) => n > 1).map(([key]) => key);
      // Sent twice: only the request in flight at the kill, under the same Idempotency-Key.
      expect({ target: t, twice: twice.length <= 1 }).toEqual({ target: t, twice: true });
      for (const key of twice) expect(pendingAtKill[t]).toContain(key);
      expect([...sends.values()].every((n) => n === 1 || n === 2)).toBe(true);
      expect(new Set(sends.keys())).toEqual(new Set(events.map((e) => `cognigy-${e.eventId}`)));
      // Applied once each: every record holds its last event's values.
      const stats = sandbox.stats();
      expect({ target: t, applied: stats.applied }).toEqual({ target: t, applied: events.length });
    }
    console.log(
      `targets crash (${driver}): in flight at the kill ${JSON.stringify(pendingAtKill)}, applied then ${JSON.stringify(appliedAtKill)}`,
    );
  }, 180000);
});
