import { Global, Logger, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { QueueConfig, queueConfig } from '../src/config/queue.config';
import { redisConfig } from '../src/config/redis.config';
import { tracingConfig } from '../src/config/tracing.config';
import { DeliveryQueue } from '../src/queue/delivery-queue';
import { EventIntake } from '../src/queue/event-intake';
import { OperatorEvents } from '../src/queue/operator-events';
import { StoreUnavailableError } from '../src/queue/queue-errors';
import { QueueModule } from '../src/queue/queue.module';
import { StoreHealth } from '../src/queue/store-health';
import { dueEvent } from '../src/queue/stored-event.fixture';
import {
  ThreadedDeliveryQueue,
  ThreadedEventIntake,
  ThreadedOperatorEvents,
  ThreadedStoreHealth,
} from '../src/queue/threaded-sqlite-store';

describe('QueueModule', () => {
  let dataDir: string;

  beforeAll(() => Logger.overrideLogger(false));
  beforeEach(() => (dataDir = mkdtempSync(join(tmpdir(), 'ccs-queue-module-'))));
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  function configModule() {
    const config: QueueConfig = {
      driver: 'sqlite',
      dataDir,
      sqliteSynchronous: 'normal',
      leaseMs: 30_000,
      dedupTtlSeconds: 60,
      recordStateTtlSeconds: 2_592_000,
    };
    @Global()
    @Module({
      providers: [
        { provide: queueConfig.KEY, useValue: config },
        // Read only when QUEUE_DRIVER=redis.
        { provide: redisConfig.KEY, useValue: {} },
        // The Telemetry module's tracer: off.
        { provide: tracingConfig.KEY, useValue: { enabled: false } },
      ],
      exports: [queueConfig.KEY, redisConfig.KEY, tracingConfig.KEY],
    })
    class QueueConfigModule {}
    return QueueConfigModule;
  }

  it("binds each port to the chosen driver's class for it", async () => {
    const moduleRef = await Test.createTestingModule({ imports: [configModule(), QueueModule] }).compile();
    expect(moduleRef.get(EventIntake)).toBeInstanceOf(ThreadedEventIntake);
    expect(moduleRef.get(DeliveryQueue)).toBeInstanceOf(ThreadedDeliveryQueue);
    expect(moduleRef.get(OperatorEvents)).toBeInstanceOf(ThreadedOperatorEvents);
    expect(moduleRef.get(StoreHealth)).toBeInstanceOf(ThreadedStoreHealth);
    await moduleRef.close();
  });

  it('sends the thread one request per port call, those of one event-loop turn in one message', async () => {
    const posted = jest.spyOn(Worker.prototype, 'postMessage');
    try {
      const moduleRef = await Test.createTestingModule({ imports: [configModule(), QueueModule] }).compile();
      const intake = moduleRef.get(EventIntake);
      posted.mockClear();
      const events = Array.from({ length: 20 }, (_, i) => dueEvent({ eventId: `turn-${i}`, externalId: `T-${i}` }));
      const outcomes = await Promise.all(events.map((event) => intake.enqueue(event)));
      expect(outcomes.map((o) => o.outcome)).toEqual(Array(20).fill('accepted'));
      expect(posted).toHaveBeenCalledTimes(1);
      expect(posted.mock.calls[0][0]).toEqual(events.map((event) => expect.objectContaining({ op: 'enqueue', event })));
      await moduleRef.close();
    } finally {
      posted.mockRestore();
    }
  });

  it('runs the SQLite store in its own thread: calls cross it and its errors keep their class', async () => {
    const moduleRef = await Test.createTestingModule({ imports: [configModule(), QueueModule] }).compile();
    const intake = moduleRef.get(EventIntake);
    const operators = moduleRef.get(OperatorEvents);
    const worker = moduleRef.get(DeliveryQueue);
    let woken = 0;
    worker.onEnqueued(() => woken++);
    const event = {
      eventId: 'evt-thread-1',
      event: {
        eventId: 'evt-thread-1',
        source: 'dialog-complete' as const,
        conversationId: 'conv-1',
        botId: 'bot-1',
        status: 'completed',
        intent: 'update_customer_profile',
        entities: {},
        timestamp: '2026-11-26T10:00:00Z',
        metadata: {},
      },
      upsert: {
        intent: 'update_customer_profile',
        objectType: 'contact',
        method: 'POST' as const,
        path: '/contacts',
        externalId: 'C-1',
        body: { a: 1 },
      },
      eventTime: 1,
      receivedAt: Date.now(),
      requestId: 'req-1',
    };
    expect(await intake.enqueue(event)).toEqual({ outcome: 'accepted', eventId: 'evt-thread-1' });
    expect(await intake.enqueue(event)).toEqual({ outcome: 'duplicate', eventId: 'evt-thread-1' });
    expect(woken).toBe(1);
    expect(await operators.get('evt-thread-1')).toMatchObject({
      eventId: 'evt-thread-1',
      state: 'queued',
      upsert: event.upsert,
    });
    const [claimed] = await worker.claimDue(10);
    expect(claimed).toMatchObject({ eventId: 'evt-thread-1', stale: false });
    await worker.markDelivered('evt-thread-1', 1, { status: 200, error: null });
    expect((await operators.get('evt-thread-1'))?.state).toBe('delivered');
    await moduleRef.close();
    // The store's file is closed and its thread gone: a late call fails as the store being away does.
    await expect(intake.enqueue({ ...event, eventId: 'evt-thread-2' })).rejects.toBeInstanceOf(StoreUnavailableError);
  });
});
