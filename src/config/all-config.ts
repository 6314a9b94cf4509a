import { AppConfig } from './app.config';
import { CrmConfig } from './crm.config';
import { MappingConfig } from './mapping.config';
import { MetricsConfig } from './metrics.config';
import { QueueConfig } from './queue.config';
import { RedisConfig } from './redis.config';
import { RoutingConfig } from './routing.config';
import { TracingConfig } from './tracing.config';
import { WebhookConfig } from './webhook.config';

/** The shape behind `ConfigService<AllConfig, true>`. */
export interface AllConfig {
  app: AppConfig;
  webhook: WebhookConfig;
  queue: QueueConfig;
  redis: RedisConfig;
  mapping: MappingConfig;
  crm: CrmConfig;
  metrics: MetricsConfig;
  routing: RoutingConfig;
  tracing: TracingConfig;
}
