import { Logger } from '@nestjs/common';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QueueConfig } from '../src/config/queue.config';
import { RedisEventStore } from '../src/queue/redis-event-store';
import { SqliteEventStore } from '../src/queue/sqlite-event-store';
import { NewEvent } from '../src/queue/stored-event';
import { newEvent } from '../src/queue/stored-event.fixture';
import { settledAs, startConnectorApp, view } from './support/connector-app';
import { Telemetry } from '../src/telemetry/telemetry';
import { cleanRedis, describeEachDriver, driverEnv, Driver, testRedisConfig } from './support/drivers';
import { SalesforceFake } from './support/salesforce-fake';
import { unique } from './support/webhook-cases';

/**
 * Events stored by the release before the upsert types said what is sent: a record upsert then
 * carried `method: 'POST'` beside `object` and `idField` (Salesforce sent a PATCH all the same).
 * Such rows, written to the real store before the app starts, still load and deliver; a row mapped
 * to a request path, left from another CRM_CONNECTOR, is dead-lettered unsent, saying why.
 */

const CLIENT_ID = 'sf-compat-app';
const CLIENT_SECRET = 'sf-compat-secret';
const sf = new SalesforceFake(CLIENT_ID, CLIENT_SECRET);

beforeAll(() => sf.start());
afterAll(() => sf.stop());

/** A row exactly as the previous release stored it for CRM_CONNECTOR=salesforce. */
function previousReleaseContact(eventId: string, customerId: string): NewEvent {
  const event = newEvent({ eventId, externalId: customerId, receivedAt: Date.now() - 60_000 });
  const upsert = {
    intent: 'update_customer_profile',
    objectType: 'contact',
    method: 'POST',
    object: 'Contact',
    idField: 'Cognigy_Customer_Id__c',
    externalId: customerId,
    body: { LastName: customerId, Status__c: 'gold' },
  };
  return { ...event, upsert };
}

/** Writes `events` with the real driver the app will open, then closes it. */
async function storeBeforeStart(driver: Driver, env: Record<string, string>, events: NewEvent[]): Promise<void> {
  const config: QueueConfig = {
    driver,
    dataDir: env.DATA_DIR,
    sqliteSynchronous: 'full',
    leaseMs: 30_000,
    dedupTtlSeconds: 86_400,
    recordStateTtlSeconds: 2_592_000,
  };
  const store = await openStore(driver, config, env.REDIS_KEY_PREFIX ?? 'unused');
  try {
    for (const event of events) expect((await store.intake.enqueue(event)).outcome).toBe('accepted');
  } finally {
    await store.close();
  }
}

/** The real store of `driver` on `config`: its intake port and how to close it. */
async function openStore(driver: Driver, config: QueueConfig, prefix: string) {
  if (driver === 'sqlite') {
    const sqlite = new SqliteEventStore(config, new Logger(SqliteEventStore.name));
    return { intake: sqlite.intake, close: () => sqlite.close() };
  }
  const redis = new RedisEventStore(config, testRedisConfig(prefix), new Telemetry());
  await redis.onModuleInit();
  return { intake: redis.intake, close: () => redis.onApplicationShutdown() };
}

describeEachDriver('upserts stored by the previous release (%s driver)', (driver) => {
  let dataDir: string;
  let env: Record<string, string>;
  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'ccs-compat-'));
    env = { ...driverEnv(driver), DATA_DIR: dataDir };
  });
  afterAll(async () => {
    await cleanRedis(env);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('deliver as the connector sends them, and a row of another connector is dead-lettered unsent', async () => {
    const customerId = unique('C-old');
    const record = previousReleaseContact(unique('e-old'), customerId);
    const elsewhere = newEvent({
      eventId: unique('e-path'),
      externalId: unique('C-path'),
      receivedAt: Date.now() - 60_000,
    });
    await storeBeforeStart(driver, env, [record, elsewhere]);
    const t = await startConnectorApp('salesforce', {
      ...env,
      CRM_TOKEN_URL: sf.tokenUrl,
      CRM_CLIENT_ID: CLIENT_ID,
      CRM_CLIENT_SECRET: CLIENT_SECRET,
    });
    try {
      await settledAs(t, [record.eventId], 'delivered');
      expect(sf.find('Contact', 'Cognigy_Customer_Id__c', customerId)).toEqual([
        expect.objectContaining({ Status__c: 'gold' }),
      ]);
      const sent = sf.apiRequests().filter((r) => r.url.endsWith(`/Cognigy_Customer_Id__c/${customerId}`));
      expect(sent.map((r) => r.method)).toEqual(['PATCH']);

      await settledAs(t, [elsewhere.eventId], 'dead');
      expect(await view(t, elsewhere.eventId)).toMatchObject({
        attempts: 0,
        lastStatus: null,
        lastError: expect.stringContaining(
          'mapped to the request path /api/v2/contacts/upsert, but CRM_CONNECTOR upserts CRM records',
        ),
      });
      const mentioning = sf.apiRequests().filter((r) => JSON.stringify(r).includes(elsewhere.upsert.externalId));
      expect(mentioning).toEqual([]);
    } finally {
      await t.close();
    }
  });
});
