import { DynamicModule, Module, Type, ValidationPipe } from '@nestjs/common';
import { APP_FILTER, APP_PIPE, DiscoveryModule } from '@nestjs/core';
import { AdminModule } from './admin/admin.module';
import { AppConfigModule } from './config/config.module';
import { EnvironmentWithCrm } from './config/environment';
import { connectorNamed } from './crm/connector-registry';
import { CrmModule } from './crm/crm.module';
import { LifecycleModule } from './lifecycle/lifecycle.module';
import { LoggingModule } from './logging/logging.module';
import { MappingModule } from './mapping/mapping.module';
import { ChangeRendering } from './mapping/change-rendering';
import { ConnectorMappings } from './mapping/connector-mappings';
import { MappingRules } from './mapping/mapping-rules';
import { MetricsModule } from './metrics/metrics.module';
import { QueueModule } from './queue/queue.module';
import { DomainErrorFilter } from './shared/domain-error.filter';
import { VALIDATION_OPTIONS } from './shared/validation.pipe';
import { WebhookModule } from './webhook/webhook.module';

/** A module the application imports besides its own. */
export type ModuleImport = Type<unknown> | DynamicModule;

/** Each connector's mapping rules and rendering by name, from the registry: a routing file's targets choose theirs. */
const connectorMappings: ConnectorMappings = {
  of: (name) => {
    const { mappingRules: rules, rendering } = connectorNamed(name);
    return { rules, rendering };
  },
};

/**
 * The chosen CRM connector's rules for mapping entries, for Mapping to check its file by, and its
 * rendering of the strategies' record changes; every connector's, for the routing file's targets.
 */
@Module({})
class ChosenConnectorModule {
  static forRoot(env: EnvironmentWithCrm): DynamicModule {
    const { mappingRules, rendering } = connectorNamed(env.CRM_CONNECTOR);
    return {
      module: ChosenConnectorModule,
      global: true,
      providers: [
        { provide: MappingRules, useValue: mappingRules },
        { provide: ChangeRendering, useValue: rendering },
        { provide: ConnectorMappings, useValue: connectorMappings },
      ],
      exports: [MappingRules, ChangeRendering, ConnectorMappings],
    };
  }
}

/**
 * Built by `forRoot()` at bootstrap from the environment validated there, never at import time.
 * `added` holds the stand-ins bootstrap started outside production (the sandbox CRM) and the
 * modules a program embedding the service adds (its own intent strategies, docs/mappings.md).
 */
@Module({})
export class AppModule {
  static forRoot(env: EnvironmentWithCrm, added: ModuleImport[] = []): DynamicModule {
    return {
      module: AppModule,
      imports: [
        AppConfigModule.forRoot(env),
        ChosenConnectorModule.forRoot(env),
        // The exception filter finds each module's ErrorAnswers through it.
        DiscoveryModule,
        LoggingModule,
        LifecycleModule,
        QueueModule,
        MappingModule,
        WebhookModule,
        CrmModule,
        MetricsModule,
        AdminModule,
        ...added,
      ],
      providers: [
        {
          provide: APP_PIPE,
          useValue: new ValidationPipe(VALIDATION_OPTIONS),
        },
        { provide: APP_FILTER, useClass: DomainErrorFilter },
      ],
    };
  }
}
