import { HttpModule } from '@nestjs/axios';
import { Module } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { crmConfig } from '../config/crm.config';
import { QueueModule } from '../queue/queue.module';
import { TelemetryModule } from '../telemetry/telemetry.module';
import { CrmBreaker } from './client/crm-breaker';
import { CrmClient } from './client/crm-client';
import { outboundHttpOptions } from './client/outbound-http';
import { connectorProviders } from './connectors/connector-choice';
import { DataverseConnector } from './connectors/dataverse.connector';
import { GenericConnector } from './connectors/generic.connector';
import { HubspotConnector } from './connectors/hubspot.connector';
import { SalesforceConnector } from './connectors/salesforce.connector';
import { ZendeskConnector } from './connectors/zendesk.connector';
import { ConnectorCheck, CrmCheck } from './crm-check';
import { CrmStatus, LiveCrmStatus } from './crm-status';
import { DeliveryVerdicts } from './delivery/delivery-verdicts';
import { DeliveryWorker } from './delivery/delivery-worker';
import { TokenModule } from './token/token.module';

const UNLIMITED = -1;

/** CRM delivery: the API client (token, breaker, one retry after a 401), the connectors and the delivery worker. */
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
    ...connectorProviders([
      GenericConnector,
      SalesforceConnector,
      DataverseConnector,
      HubspotConnector,
      ZendeskConnector,
    ]),
    DeliveryVerdicts,
    DeliveryWorker,
    { provide: CrmStatus, useClass: LiveCrmStatus },
    { provide: CrmCheck, useClass: ConnectorCheck },
  ],
  exports: [CrmStatus, CrmCheck],
})
export class CrmModule {}
