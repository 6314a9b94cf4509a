import { Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { Environment } from '../../src/config/environment';
import { QueueConfig, queueSettings } from '../../src/config/queue.config';
import { EventStoreDriver } from '../../src/queue/event-store-driver';
import { RedisEventStore } from '../../src/queue/redis-event-store';
import { SqliteEventStore } from '../../src/queue/sqlite-event-store';
import { Telemetry } from '../../src/telemetry/telemetry';
import { cleanRedis, Driver, testRedisConfig } from './drivers';

/**
 * Stores of one driver opened in-process on their own DATA_DIR (under `root`) or Redis prefix,
 * all closed (and their Redis keys deleted) by `closeAll`.
 */
export class DriverStores {
  private readonly closers: Array<() => Promise<void>> = [];
  private count = 0;

  constructor(
    private readonly driver: Driver,
    private readonly root: () => string,
  ) {}

  async open(overrides: Partial<QueueConfig> = {}): Promise<EventStoreDriver> {
    // The defaults of an empty environment, with a short lease (takeovers within the tests' waits).
    const config: QueueConfig = {
      ...queueSettings(new Environment()),
      ...{ driver: this.driver, dataDir: join(this.root(), `store-${++this.count}`), leaseMs: 2000 },
      ...overrides,
    };
    if (config.driver === 'sqlite') {
      const sqlite = new SqliteEventStore(config, new Logger(SqliteEventStore.name));
      this.closers.push(async () => sqlite.close());
      return sqlite;
    }
    const prefix = `ccs-test-${randomUUID().slice(0, 8)}`;
    const redis = new RedisEventStore(config, testRedisConfig(prefix), new Telemetry());
    this.closers.push(async () => {
      await redis.onApplicationShutdown();
      await cleanRedis({ QUEUE_DRIVER: 'redis', REDIS_KEY_PREFIX: prefix });
    });
    await redis.onModuleInit();
    return redis;
  }

  async closeAll(): Promise<void> {
    for (const close of this.closers.splice(0)) await close();
  }
}
