import { Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QueueConfig } from '../src/config/queue.config';
import { EventStoreDriver } from '../src/queue/event-store-driver';
import { RedisEventStore } from '../src/queue/redis-event-store';
import { SqliteEventStore } from '../src/queue/sqlite-event-store';
import { StoredTraceContext } from '../src/queue/stored-event';
import { claimWithin, dueEvent } from '../src/queue/stored-event.fixture';
import { Telemetry } from '../src/telemetry/telemetry';
import { cleanRedis, Driver, describeEachDriver, testRedisConfig } from './support/drivers';

/**
 * The trace context an event is stored with (tracing on) is the one its delivery finds, in this
 * process or in the next one to open the store; an event stored without one (tracing off, or by a
 * release before tracing) loads without one.
 */

const TRACED: StoredTraceContext = {
  traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
  tracestate: 'vendor=opaque,other=1',
};

describeEachDriver('stored trace context (%s driver)', (driver: Driver) => {
  let root: string;
  let config: QueueConfig;
  let prefix: string;
  const opened: Array<{ close(): unknown }> = [];

  async function openStore(): Promise<EventStoreDriver> {
    if (driver === 'sqlite') {
      const sqlite = new SqliteEventStore(config, new Logger(SqliteEventStore.name));
      opened.push({ close: () => sqlite.close() });
      return sqlite;
    }
    const redis = new RedisEventStore(config, testRedisConfig(prefix), new Telemetry());
    opened.push({ close: () => redis.onApplicationShutdown() });
    await redis.onModuleInit();
    return redis;
  }

  async function closeAll(): Promise<void> {
    for (const store of opened.splice(0)) await store.close();
  }

  beforeAll(() => {
    Logger.overrideLogger(false);
    root = mkdtempSync(join(tmpdir(), 'ccs-trace-store-'));
  });
  beforeEach(() => {
    prefix = `ccs-test-${randomUUID().slice(0, 8)}`;
    config = {
      driver,
      dataDir: join(root, randomUUID()),
      sqliteSynchronous: 'full',
      leaseMs: 2000,
      dedupTtlSeconds: 86400,
      recordStateTtlSeconds: 2_592_000,
    };
  });
  afterEach(async () => {
    await closeAll();
    await cleanRedis({ QUEUE_DRIVER: driver, REDIS_KEY_PREFIX: prefix });
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('hands an event out with the trace context it was stored with, after a restart too', async () => {
    const store = await openStore();
    await store.intake.enqueue({ ...dueEvent({ eventId: 'traced', externalId: 'T' }), trace: TRACED });
    await store.intake.enqueue({
      ...dueEvent({ eventId: 'bare-parent', externalId: 'P' }),
      trace: { traceparent: TRACED.traceparent },
    });
    expect((await store.operators.get('traced'))?.trace).toEqual(TRACED);
    await closeAll();

    const reopened = await openStore();
    const claimed = await claimWithin(reopened.delivery, 2);
    const byId = Object.fromEntries(claimed.map((event) => [event.eventId, event.trace]));
    expect(byId).toEqual({ traced: TRACED, 'bare-parent': { traceparent: TRACED.traceparent } });
  });

  it('loads an event stored without a trace context as one without', async () => {
    const store = await openStore();
    await store.intake.enqueue(dueEvent({ eventId: 'untraced' }));
    const [claimed] = await claimWithin(store.delivery, 1);
    expect(claimed.eventId).toBe('untraced');
    expect(claimed).not.toHaveProperty('trace');
    expect(await store.operators.get('untraced')).not.toHaveProperty('trace');
  });
});
