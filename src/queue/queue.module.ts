import { Module } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { queueConfig } from '../config/queue.config';
import { EventStore } from './event-store';
import { RedisEventStore } from './redis-event-store';
import { SqliteEventStore } from './sqlite-event-store';

/** The durable event store, chosen by QUEUE_DRIVER; others depend on `EventStore` only. */
@Module({
  providers: [
    {
      provide: EventStore,
      inject: [queueConfig.KEY],
      useFactory: (config: ConfigType<typeof queueConfig>) =>
        config.driver === 'redis' ? new RedisEventStore(config) : new SqliteEventStore(config),
    },
  ],
  exports: [EventStore],
})
export class QueueModule {}
