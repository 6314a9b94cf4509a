import { HttpService } from '@nestjs/axios';
import { Module } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { crmConfig } from '../config/crm.config';
import { QueueModule } from '../queue/queue.module';
import { TelemetryModule } from '../telemetry/telemetry.module';
import { Tracing } from '../telemetry/tracing';
import { CrmBreaker } from './client/crm-breaker';
import { CrmClient } from './client/crm-client';
import { createCrmHttp } from './client/crm-http.factory';
import { chosenConnectorProviders } from './connector-registry';
import { ConnectorCheck, CrmCheck } from './crm-check';
import { CrmStatus, LiveCrmStatus } from './crm-status';
import { DeliveryVerdicts } from './delivery/delivery-verdicts';
import { DeliveryWorker } from './delivery/delivery-worker';
import { TokenModule } from './token/token.module';
import { TokenProvider } from './token/token-provider';

/**
 * CRM delivery: the API client (its @nestjs/axios client with the token and breaker interceptors:
 * one retry after a 401), the connector CRM_CONNECTOR chose from the registry with its credential
 * flow, and the delivery worker.
 */
@Module({
  imports: [QueueModule, TelemetryModule, TokenModule],
  providers: [
    CrmBreaker,
    {
      provide: HttpService,
      inject: [crmConfig.KEY, TokenProvider, CrmBreaker, Tracing],
      useFactory: (
        config: ConfigType<typeof crmConfig>,
        tokens: TokenProvider,
        breaker: CrmBreaker,
        tracing: Tracing,
      ) => createCrmHttp({ baseUrl: config.baseUrl, timeoutMs: config.timeoutMs, tokens, breaker, tracing }),
    },
    CrmClient,
    ...chosenConnectorProviders,
    DeliveryVerdicts,
    DeliveryWorker,
    { provide: CrmStatus, useClass: LiveCrmStatus },
    { provide: CrmCheck, useClass: ConnectorCheck },
  ],
  exports: [CrmStatus, CrmCheck],
})
export class CrmModule {}
