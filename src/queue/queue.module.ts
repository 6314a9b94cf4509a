import { Module } from '@nestjs/common';
import { EventStore } from './event-store';
import { SqliteEventStore } from './sqlite-event-store';

/** The durable event store; others depend on the abstract `EventStore` only. */
@Module({
  providers: [{ provide: EventStore, useClass: SqliteEventStore }],
  exports: [EventStore],
})
export class QueueModule {}
