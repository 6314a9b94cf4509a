import { Module } from '@nestjs/common';
import { CrmModule } from '../crm/crm.module';
import { MetricsModule } from '../metrics/metrics.module';
import { QueueModule } from '../queue/queue.module';
import { AdminController } from './admin.controller';
import { AdminErrorAnswers } from './admin-errors';
import { AdminTokenGuard } from './admin-token.guard';
import { ConsoleController } from './console.controller';
import { DeadLetterRetention } from './dead-letter-retention';

/**
 * The operators' JSON API under /admin, behind the ADMIN_TOKEN bearer token, and the console page
 * at /console that uses only that API. It reads the store through OperatorEvents, and the
 * overview's breaker, token and SLA figures through the abstract CrmStatus and LatencyReport their
 * modules export. DeadLetterRetention deletes old dead letters (DEAD_LETTER_RETENTION_DAYS).
 */
@Module({
  imports: [QueueModule, CrmModule, MetricsModule],
  controllers: [AdminController, ConsoleController],
  providers: [AdminTokenGuard, AdminErrorAnswers, DeadLetterRetention],
})
export class AdminModule {}
