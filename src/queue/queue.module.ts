import { Module } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { queueConfig } from '../config/queue.config';
import { DeliveryQueue } from './delivery-queue';
import { EventIntake } from './event-intake';
import { EventStoreDriver } from './event-store-driver';
import { OperatorEvents } from './operator-events';
import { QueueErrorAnswers } from './queue-error-answers';
import { ThreadedSqliteStore } from './threaded-sqlite-store';
import { StoreHealth } from './store-health';

/** The driver QUEUE_DRIVER chose; known only inside this module. */
const STORE_DRIVER = Symbol('EventStoreDriver');

const PORTS = [EventIntake, DeliveryQueue, OperatorEvents, StoreHealth];

/**
 * The durable event store, chosen by QUEUE_DRIVER. Others depend on the port of their caller
 * (webhook: EventIntake, worker: DeliveryQueue, operators: OperatorEvents, health and metrics:
 * StoreHealth), each bound to the one driver instance.
 */
@Module({
  providers: [
    QueueErrorAnswers,
    {
      provide: STORE_DRIVER,
      inject: [queueConfig.KEY],
      // The Redis driver's packages (bullmq, ioredis: ~230 modules) load only when chosen.
      useFactory: async (config: ConfigType<typeof queueConfig>): Promise<EventStoreDriver> => {
        if (config.driver !== 'redis') return ThreadedSqliteStore.start(config);
        const { RedisEventStore } = await import('./redis-event-store');
        return new RedisEventStore(config);
      },
    },
    ...PORTS.map((port) => ({ provide: port, useExisting: STORE_DRIVER })),
  ],
  exports: PORTS,
})
export class QueueModule {}
