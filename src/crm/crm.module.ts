import { Module, Provider } from '@nestjs/common';
import { QueueModule } from '../queue/queue.module';
import { TelemetryModule } from '../telemetry/telemetry.module';
import { CrmBreaker } from './client/crm-breaker';
import { CrmClient } from './client/crm-client';
import { CrmConnector } from './connectors/crm-connector';
import { ConnectorCheck, CrmCheck } from './crm-check';
import { CrmStatus, LiveCrmStatus } from './crm-status';
import { DeliveryWorker } from './delivery/delivery-worker';
import { RemovedTargetsWarning } from './removed-targets-warning';
import { TargetRuntime } from './target-runtime';
import { TargetRuntimes } from './target-runtimes';
import { TargetStatus } from './target-status';
import { TokenProvider } from './token/token-provider';

/** One piece of the primary target's runtime, as the single-CRM provider it has always been. */
const primary = <T>(provide: abstract new (...args: never[]) => T, piece: (runtime: TargetRuntime) => T): Provider => ({
  provide,
  inject: [TargetRuntimes],
  useFactory: (runtimes: TargetRuntimes) => piece(runtimes.primary),
});

/**
 * CRM delivery: one target runtime per routing target (TargetRuntimes), each with its own API
 * client (an @nestjs/axios client with the token and breaker interceptors: one retry after a
 * 401), the connector its settings chose from the registry with its credential flow, and its
 * delivery worker. The primary target's pieces stay providers (CrmStatus and `app.get` see the
 * one CRM there is without ROUTES_FILE); TargetStatus reports every target, CrmCheck reads
 * through any target's connector. RemovedTargetsWarning names, at startup, the targets the store
 * holds deliveries of that no runtime delivers.
 */
@Module({
  imports: [QueueModule, TelemetryModule],
  providers: [
    TargetRuntimes,
    { provide: TargetStatus, useExisting: TargetRuntimes },
    primary(CrmBreaker, (runtime) => runtime.breaker),
    primary(TokenProvider, (runtime) => runtime.tokens),
    primary(CrmClient, (runtime) => runtime.client),
    primary(CrmConnector, (runtime) => runtime.connector),
    primary(DeliveryWorker, (runtime) => runtime.worker),
    { provide: CrmStatus, useClass: LiveCrmStatus },
    { provide: CrmCheck, useClass: ConnectorCheck },
    RemovedTargetsWarning,
  ],
  exports: [CrmStatus, CrmCheck, TargetStatus],
})
export class CrmModule {}
