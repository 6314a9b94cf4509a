import { Module } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { queueConfig } from '../config/queue.config';
import { redisConfig } from '../config/redis.config';
import { Telemetry } from '../telemetry/telemetry';
import { TelemetryModule } from '../telemetry/telemetry.module';
import { DeliveryQueue } from './delivery-queue';
import { EventIntake } from './event-intake';
import { EventStoreDriver } from './event-store-driver';
import { OperatorEvents } from './operator-events';
import { QueueErrorAnswers } from './queue-error-answers';
import { ThreadedSqliteStore } from './threaded-sqlite-store';
import { StoreHealth } from './store-health';

/** The driver QUEUE_DRIVER chose; known only inside this module. */
const STORE_DRIVER = Symbol('EventStoreDriver');

/** Each port, and the driver's object that implements it. */
const PORTS = [
  [EventIntake, 'intake'],
  [DeliveryQueue, 'delivery'],
  [OperatorEvents, 'operators'],
  [StoreHealth, 'health'],
] as const;

/**
 * The durable event store, chosen by QUEUE_DRIVER. Others depend on the port of their caller
 * (webhook: EventIntake, worker: DeliveryQueue, operators: OperatorEvents, health and metrics:
 * StoreHealth), each bound to the driver's implementation of it. The driver itself is the provider
 * Nest starts and shuts down.
 */
@Module({
  imports: [TelemetryModule],
  providers: [
    QueueErrorAnswers,
    {
      provide: STORE_DRIVER,
      inject: [queueConfig.KEY, redisConfig.KEY, Telemetry],
      // The Redis driver's packages (bullmq, ioredis) load only when chosen.
      useFactory: async (
        config: ConfigType<typeof queueConfig>,
        redis: ConfigType<typeof redisConfig>,
        telemetry: Telemetry,
      ): Promise<EventStoreDriver> => {
        if (config.driver !== 'redis') return ThreadedSqliteStore.start(config);
        const { RedisEventStore } = await import('./redis-event-store');
        return new RedisEventStore(config, redis, telemetry);
      },
    },
    ...PORTS.map(([port, part]) => ({
      provide: port,
      inject: [STORE_DRIVER],
      useFactory: (driver: EventStoreDriver) => driver[part],
    })),
  ],
  exports: PORTS.map(([port]) => port),
})
export class QueueModule {}
