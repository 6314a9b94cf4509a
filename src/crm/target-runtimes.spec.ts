import { setTimeout } from 'node:timers/promises';
import { CrmConfig } from '../config/crm.config';
import { crmSettings } from '../config/crm-config.fixture';
import { RoutingConfig } from '../config/routing.config';
import { sqliteStores } from '../queue/sqlite-event-store.fixture';
import { SqliteEventStore } from '../queue/sqlite-event-store';
import { NewEvent } from '../queue/stored-event';
import { dueEvent } from '../queue/stored-event.fixture';
import { PathUpsert } from '../shared/dialog-completed-event';
import { Telemetry } from '../telemetry/telemetry';
import { NoTracing } from '../telemetry/tracing';
import { LocalCrm } from './client/local-crm.fixture';
import { TargetRuntimeError, TargetRuntimes } from './target-runtimes';

/** A target of these specs: its breaker opens after two failures and stays open; attempts do not run out. */
const crm = (overrides: Partial<CrmConfig>): CrmConfig =>
  crmSettings({
    accessToken: 'a-static-token',
    maxAttempts: 100,
    breakerThreshold: 2,
    breakerCooldownMs: 60_000,
    ...overrides,
  });

const routing = (targets: RoutingConfig['targets']): RoutingConfig => ({
  fromFile: true,
  sources: [],
  targets,
  routes: [],
});

/** An event for targets `a` and `b`, each delivery posted to the path given for it (LocalCrm answers by path). */
function fannedOut(eventId: string, paths: { a: string; b: string }): NewEvent {
  const event = dueEvent({ eventId, externalId: eventId });
  const upsert = (path: string): PathUpsert => ({ ...(event.upsert as PathUpsert), path });
  return {
    ...event,
    deliveries: [
      { target: 'a', upsert: upsert(paths.a) },
      { target: 'b', upsert: upsert(paths.b) },
    ],
  };
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined> | T | undefined): Promise<T> {
  for (let i = 0; i < 500; i++) {
    const found = await probe();
    if (found !== undefined && found !== false) return found;
    await setTimeout(20);
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('TargetRuntimes: one runtime per routing target', () => {
  const stores = sqliteStores();
  let store: SqliteEventStore;
  let crmA: LocalCrm;
  let crmB: LocalCrm;
  let runtimes: TargetRuntimes | undefined;

  beforeEach(async () => {
    store = stores.open();
    [crmA, crmB] = await Promise.all([LocalCrm.start(), LocalCrm.start()]);
  });
  afterEach(async () => {
    await runtimes?.onModuleDestroy();
    await runtimes?.beforeApplicationShutdown();
    runtimes?.onApplicationShutdown();
    runtimes = undefined;
    await Promise.all([crmA.close(), crmB.close()]);
  });

  const start = (targets: RoutingConfig['targets']) => {
    runtimes = new TargetRuntimes(routing(targets), store.delivery, new Telemetry(), new NoTracing());
    runtimes.onApplicationBootstrap();
    return runtimes;
  };

  it("a target whose CRM fails opens only its own breaker; the other's deliveries all go, each to its own CRM", async () => {
    const { all } = start([
      { name: 'a', crm: crm({ baseUrl: crmA.url, accessToken: 'token-of-a' }) },
      { name: 'b', crm: crm({ baseUrl: crmB.url, accessToken: 'token-of-b' }) },
    ]);
    for (let i = 1; i <= 6; i++)
      await store.intake.enqueue(fannedOut(`ev-${i}`, { a: '/status/503', b: '/status/200' }));

    await waitFor('every delivery to b delivered', async () => {
      const delivered = await Promise.all([1, 2, 3, 4, 5, 6].map((i) => store.operators.get(`ev-${i}`, 'b')));
      return delivered.every((d) => d?.state === 'delivered');
    });
    await waitFor("a's breaker open", () => all[0].breaker.state === 'open');

    expect(runtimes?.targets().map(({ name, breaker, connector }) => ({ name, breaker, connector }))).toEqual([
      { name: 'a', breaker: 'open', connector: 'generic' },
      { name: 'b', breaker: 'closed', connector: 'generic' },
    ]);
    // Each CRM saw only its own target's requests, with its own credential.
    expect(crmB.received).toHaveLength(6);
    expect(new Set(crmB.received.map((r) => `${r.path} ${r.authorization}`))).toEqual(
      new Set(['/status/200 Bearer token-of-b']),
    );
    expect(crmA.received.length).toBeGreaterThanOrEqual(2);
    expect(new Set(crmA.received.map((r) => `${r.path} ${r.authorization}`))).toEqual(
      new Set(['/status/503 Bearer token-of-a']),
    );
    // a's deliveries wait, queued, for its breaker: b's being done did not settle them.
    expect((await store.operators.get('ev-6', 'a'))?.state).toBe('queued');
  });

  it("a hanging CRM holds only its own target's slots", async () => {
    start([
      { name: 'a', crm: crm({ baseUrl: crmA.url, concurrency: 2, timeoutMs: 60_000, breakerCooldownMs: 120_000 }) },
      { name: 'b', crm: crm({ baseUrl: crmB.url, concurrency: 2 }) },
    ]);
    for (let i = 1; i <= 6; i++)
      await store.intake.enqueue(fannedOut(`hang-${i}`, { a: '/held/200', b: '/status/200' }));

    await waitFor('every delivery to b delivered', async () => {
      const delivered = await Promise.all([1, 2, 3, 4, 5, 6].map((i) => store.operators.get(`hang-${i}`, 'b')));
      return delivered.every((d) => d?.state === 'delivered');
    });
    await waitFor("a's first request held", () => crmA.heldCount >= 1);
    // a holds at most its own two slots (fewer while its budget gives way to a late event loop):
    // its other deliveries wait unclaimed, none attempted.
    const [a, b] = runtimes?.targets() ?? [];
    expect(crmA.heldCount).toBeLessThanOrEqual(2);
    expect(a.activeDeliveries).toBeLessThanOrEqual(2);
    expect(b.activeDeliveries).toBe(0);
    const waiting = await Promise.all([1, 2, 3, 4, 5, 6].map((i) => store.operators.get(`hang-${i}`, 'a')));
    expect(waiting.filter((d) => d?.state === 'queued' && d.attempts === 0).length).toBeGreaterThanOrEqual(4);
    crmA.release();
  });

  it('stops startup naming every target no runtime can be made for', () => {
    const make = () =>
      new TargetRuntimes(
        routing([
          { name: 'sf', crm: crm({ connector: 'siebel' }) },
          { name: 'desk', crm: crm({ accessToken: undefined }) },
          { name: 'ok', crm: crm({}) },
          { name: 'ok', crm: crm({}) },
        ]),
        store.delivery,
        new Telemetry(),
        new NoTracing(),
      );
    expect(make).toThrow(TargetRuntimeError);
    expect(make).toThrow(
      'CRM targets: "sf": CRM connectors: 0 connectors named "siebel" (exactly one expected); ' +
        '"desk": CRM_ACCESS_TOKEN is not set (the connector\'s settings must require it); "ok" is named twice',
    );
  });
});
