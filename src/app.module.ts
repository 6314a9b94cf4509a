import { DynamicModule, Module, ValidationPipe } from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { AdminModule } from './admin/admin.module';
import { AppConfigModule } from './config/config.module';
import { CrmModule } from './crm/crm.module';
import { LifecycleModule } from './lifecycle/lifecycle.module';
import { LoggingModule } from './logging/logging.module';
import { MappingModule } from './mapping/mapping.module';
import { MetricsModule } from './metrics/metrics.module';
import { QueueModule } from './queue/queue.module';
import { DomainErrorFilter } from './shared/domain-error.filter';
import { WebhookModule } from './webhook/webhook.module';

/** Built by `forRoot()` at bootstrap, so configuration is read then, never at import time. */
@Module({})
export class AppModule {
  static forRoot(): DynamicModule {
    return {
      module: AppModule,
      imports: [
        AppConfigModule.forRoot(),
        LoggingModule,
        LifecycleModule,
        QueueModule,
        MappingModule,
        WebhookModule,
        CrmModule,
        MetricsModule,
        AdminModule,
      ],
      providers: [
        {
          provide: APP_PIPE,
          useValue: new ValidationPipe({
            transform: true,
            whitelist: true,
            validateCustomDecorators: true,
            stopAtFirstError: false,
          }),
        },
        { provide: APP_FILTER, useClass: DomainErrorFilter },
      ],
    };
  }
}
