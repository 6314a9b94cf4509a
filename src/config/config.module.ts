import { DynamicModule, Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { appConfig } from './app.config';
import { crmConfig } from './crm.config';
import { validateEnvironment } from './environment';
import { mappingConfig } from './mapping.config';
import { metricsConfig } from './metrics.config';
import { queueConfig } from './queue.config';
import { webhookConfig } from './webhook.config';

/**
 * Wraps @nestjs/config: `.env` plus the process environment, validated as a whole (so one
 * message names every bad variable), then exposed as typed namespaces.
 */
@Module({})
export class AppConfigModule {
  static forRoot(): DynamicModule {
    return {
      module: AppConfigModule,
      imports: [
        ConfigModule.forRoot({
          isGlobal: true,
          cache: true,
          load: [appConfig, webhookConfig, queueConfig, mappingConfig, crmConfig, metricsConfig],
          validate: (raw) => {
            validateEnvironment(raw);
            return raw;
          },
        }),
      ],
    };
  }
}
