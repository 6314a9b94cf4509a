import { HttpModule } from '@nestjs/axios';
import { Module } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { crmConfig } from '../config/crm.config';
import { QueueModule } from '../queue/queue.module';
import { TelemetryModule } from '../telemetry/telemetry.module';
import { connectTimeoutAgents } from './client/connect-timeout.agent';
import { CrmBreaker } from './client/crm-breaker';
import { CrmClient } from './client/crm-client';
import { CrmStatus, LiveCrmStatus } from './crm-status';
import { DeliveryOutcomes } from './delivery/delivery-outcomes';
import { DeliveryWorker } from './delivery/delivery-worker';
import { CrmTargetModule } from './target/crm-target.module';
import { TokenModule } from './token/token.module';

const CONNECT_TIMEOUT_MS = 5000;
/** Only an excerpt of a CRM answer is kept: a huge one is not buffered. */
const MAX_ANSWER_BYTES = 1024 * 1024;

/** CRM delivery: the API client (token + breaker interceptors), and the delivery worker. */
@Module({
  imports: [
    QueueModule,
    TelemetryModule,
    CrmTargetModule,
    TokenModule,
    HttpModule.registerAsync({
      inject: [crmConfig.KEY],
      useFactory: (config: ConfigType<typeof crmConfig>) => ({
        timeout: config.timeoutMs,
        maxRedirects: 0,
        maxContentLength: MAX_ANSWER_BYTES,
        ...connectTimeoutAgents(CONNECT_TIMEOUT_MS),
      }),
    }),
  ],
  providers: [
    CrmBreaker,
    CrmClient,
    DeliveryOutcomes,
    DeliveryWorker,
    { provide: CrmStatus, useClass: LiveCrmStatus },
  ],
  exports: [CrmStatus],
})
export class CrmModule {}
