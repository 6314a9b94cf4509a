import { DynamicModule, Module } from '@nestjs/common';
import { ConfigModule, ConfigObject } from '@nestjs/config';
import { appConfig } from './app.config';
import { loadable } from './config-namespace';
import { crmConfig } from './crm.config';
import { EnvironmentWithCrm } from './environment';
import { mappingConfig } from './mapping.config';
import { metricsConfig } from './metrics.config';
import { queueConfig } from './queue.config';
import { redisConfig } from './redis.config';
import { routingConfig } from './routing.config';
import { tracingConfig } from './tracing.config';
import { webhookConfig } from './webhook.config';

/**
 * Exposes the environment validated at bootstrap as typed namespaces through @nestjs/config
 * (which reads nothing itself: `.env` and the process environment were read once, before).
 */
@Module({})
export class AppConfigModule {
  static forRoot(env: EnvironmentWithCrm): DynamicModule {
    const namespaces = [
      appConfig,
      webhookConfig,
      queueConfig,
      redisConfig,
      mappingConfig,
      crmConfig,
      metricsConfig,
      routingConfig,
      tracingConfig,
    ];
    return {
      module: AppConfigModule,
      imports: [
        ConfigModule.forRoot({
          isGlobal: true,
          cache: true,
          ignoreEnvFile: true,
          load: namespaces.map((ns) => loadable<ConfigObject>(ns, env)),
        }),
      ],
    };
  }
}
