import { MiddlewareConsumer, Module, NestModule, RequestMethod } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { CrmModule } from '../crm/crm.module';
import { MetricsModule } from '../metrics/metrics.module';
import { QueueModule } from '../queue/queue.module';
import { AdminController } from './admin.controller';
import { AdminErrorAnswers, RemovedTargetReplayAnswers, RouteFilterErrorAnswers } from './admin-errors';
import { AdminTokenGuard } from './admin-token.guard';
import { ConsoleController } from './console.controller';
import { DeadLetterReplays } from './dead-letter-replays';
import { DeadLetterRetention } from './dead-letter-retention';
import { RouteNames } from './route-names';

/**
 * The operators' JSON API under /admin, behind the ADMIN_TOKEN bearer token, and the console page
 * at /console that uses only that API. It reads the store through OperatorEvents, and the
 * overview's breaker, token and SLA figures through the abstract CrmStatus and LatencyReport their
 * modules export. DeadLetterRetention deletes old dead letters (DEAD_LETTER_RETENTION_DAYS).
 */
/**
 * What /admin answers (events, entity values, errors) must not stay in a browser's or a proxy's
 * cache: set before anything else runs, so 401s, 404s and every error carry it too.
 */
function noStore(_req: Request, res: Response, next: NextFunction): void {
  res.setHeader('Cache-Control', 'no-store');
  next();
}

@Module({
  imports: [QueueModule, CrmModule, MetricsModule],
  controllers: [AdminController, ConsoleController],
  providers: [
    AdminTokenGuard,
    AdminErrorAnswers,
    RouteFilterErrorAnswers,
    RemovedTargetReplayAnswers,
    DeadLetterRetention,
    DeadLetterReplays,
    RouteNames,
  ],
})
export class AdminModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(noStore).forRoutes({ path: 'admin{/*path}', method: RequestMethod.ALL });
  }
}
