import { Logger } from '@nestjs/common';
import { Job } from 'bullmq';
import IORedis from 'ioredis';
import { randomUUID } from 'node:crypto';
import { RedisConnections } from '../src/queue/redis-connections';
import { RedisEventStore } from '../src/queue/redis-event-store';
import { claimWithin, dueEvent, eventIds } from '../src/queue/stored-event.fixture';
import { Telemetry } from '../src/telemetry/telemetry';
import { cleanRedis, describeWithRedis, redisUrl, testRedisConfig } from './support/drivers';

/**
 * An event id accepted again after its dedup window (a late replay of the same bytes) on the Redis
 * store: BullMQ's job id is the delivery's ref, so the new delivery's job add is ignored while the
 * previous delivery's job is still there. That job is about to be completed (removed): the new
 * delivery must still get a job, or it stays queued for ever. The interleaving is driven, not raced:
 * the replay is sent from inside the completion of the previous job, just before BullMQ removes it.
 */

describeWithRedis('RedisEventStore: an event id accepted again while its previous job is being completed', () => {
  let prefix: string;
  let store: RedisEventStore;
  let admin: IORedis;

  beforeAll(() => Logger.overrideLogger(false));
  beforeEach(async () => {
    prefix = `ccs-test-${randomUUID().slice(0, 8)}`;
    admin = new IORedis(redisUrl());
    const config = { driver: 'redis', dataDir: '/nonexistent', sqliteSynchronous: 'full', leaseMs: 2000 } as const;
    store = new RedisEventStore(
      { ...config, dedupTtlSeconds: 86400, recordStateTtlSeconds: 2_592_000 },
      testRedisConfig(prefix),
      new Telemetry(),
    );
    await store.onModuleInit();
  });
  afterEach(async () => {
    jest.restoreAllMocks();
    await store.onApplicationShutdown();
    admin.disconnect();
    await cleanRedis({ QUEUE_DRIVER: 'redis', REDIS_KEY_PREFIX: prefix });
  });

  /** The dedup window of `eventId` has passed (its marker is what the window is). */
  const windowPassed = async (eventId: string) => expect(await admin.del(`${prefix}:store:dedup:${eventId}`)).toBe(1);

  /** The next BullMQ job completion first has the replay of `eventId` accepted, then goes on. */
  function replayDuringNextCompletion(eventId: string): { outcome: () => string | undefined } {
    let outcome: string | undefined;
    const spy = jest.spyOn(Job.prototype, 'moveToCompleted');
    spy.mockImplementationOnce(async function (this: Job, ...args) {
      outcome = (await store.intake.enqueue(dueEvent({ eventId, externalId: 'LR' }))).outcome;
      spy.mockRestore();
      return this.moveToCompleted(...args);
    });
    return { outcome: () => outcome };
  }

  it('delivers a replay accepted between the previous delivery recorded and its job completed', async () => {
    await store.intake.enqueue(dueEvent({ eventId: 'late', externalId: 'LR' }));
    expect(eventIds(await claimWithin(store.delivery, 1))).toEqual(['late']);
    await windowPassed('late');
    const replay = replayDuringNextCompletion('late');
    await store.delivery.markDelivered('late', 1, { status: 200, error: null });
    expect(replay.outcome()).toBe('accepted');
    expect(await store.operators.get('late')).toMatchObject({ state: 'queued', attempts: 0 });
    expect(await claimWithin(store.delivery, 1)).toEqual([
      expect.objectContaining({ eventId: 'late', state: 'queued', attempts: 0 }),
    ]);
  });

  it('delivers a replay accepted while a worker completes its job as belonging to the previous, delivered one', async () => {
    await store.intake.enqueue(dueEvent({ eventId: 'late', externalId: 'LR' }));
    expect(eventIds(await claimWithin(store.delivery, 1))).toEqual(['late']);
    await store.delivery.markDelivered('late', 1, { status: 200, error: null });
    await windowPassed('late');
    // The replay's enqueue adds its job first; a worker takes it before the replay is written,
    // finds the delivered one (its hash is kept until the sweep) and completes the job.
    const connections = (store as unknown as { connections: RedisConnections }).connections;
    await connections.addJob('late', 'default');
    const replay = replayDuringNextCompletion('late');
    const claimed = await claimWithin(store.delivery, 1);
    expect(replay.outcome()).toBe('accepted');
    expect(claimed).toEqual([expect.objectContaining({ eventId: 'late', state: 'queued', attempts: 0 })]);
  });
});
