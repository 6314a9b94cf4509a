import { Global, Logger, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QueueConfig, queueConfig } from '../config/queue.config';
import { DeliveryQueue } from './delivery-queue';
import { EventIntake } from './event-intake';
import { OperatorEvents } from './operator-events';
import { QueueModule } from './queue.module';
import { SqliteEventStore } from './sqlite-event-store';
import { StoreHealth } from './store-health';

describe('QueueModule', () => {
  let dataDir: string;

  beforeAll(() => Logger.overrideLogger(false));
  beforeEach(() => (dataDir = mkdtempSync(join(tmpdir(), 'ccs-queue-module-'))));
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  it('binds every port to the one driver instance QUEUE_DRIVER chose', async () => {
    const config: QueueConfig = {
      driver: 'sqlite',
      dataDir,
      sqliteSynchronous: 'normal',
      redisUrl: 'redis://127.0.0.1:6379',
      redisKeyPrefix: 'ccs',
      leaseMs: 30_000,
      dedupTtlSeconds: 60,
    };
    @Global()
    @Module({ providers: [{ provide: queueConfig.KEY, useValue: config }], exports: [queueConfig.KEY] })
    class QueueConfigModule {}

    const moduleRef = await Test.createTestingModule({ imports: [QueueConfigModule, QueueModule] }).compile();
    const ports = [EventIntake, DeliveryQueue, OperatorEvents, StoreHealth].map((port) => moduleRef.get<object>(port));
    expect(ports[0]).toBeInstanceOf(SqliteEventStore);
    for (const port of ports) expect(port).toBe(ports[0]);
    await moduleRef.close();
  });
});
