import { HttpModule } from '@nestjs/axios';
import { Module } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { crmConfig } from '../config/crm.config';
import { QueueModule } from '../queue/queue.module';
import { TelemetryModule } from '../telemetry/telemetry.module';
import { CrmBreaker } from './client/crm-breaker';
import { CrmClient } from './client/crm-client';
import { outboundHttpOptions } from './outbound/outbound-http';
import { chosenConnectorProviders } from './connector-registry';
import { ConnectorCheck, CrmCheck } from './crm-check';
import { CrmStatus, LiveCrmStatus } from './crm-status';
import { DeliveryVerdicts } from './delivery/delivery-verdicts';
import { DeliveryWorker } from './delivery/delivery-worker';
import { TokenModule } from './token/token.module';

const UNLIMITED = -1;

/**
 * CRM delivery: the API client (token, breaker, one retry after a 401), the connector CRM_CONNECTOR
 * chose from the registry with its credential flow, and the delivery worker.
 */
@Module({
  imports: [
    QueueModule,
    TelemetryModule,
    TokenModule,
    HttpModule.registerAsync({
      inject: [crmConfig.KEY],
      useFactory: (config: ConfigType<typeof crmConfig>) =>
        // No axios size limit (it would fail the exchange): CrmClient reads only the first bytes.
        outboundHttpOptions(config.timeoutMs, UNLIMITED),
    }),
  ],
  providers: [
    CrmBreaker,
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
