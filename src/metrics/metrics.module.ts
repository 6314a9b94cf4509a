import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { PrometheusModule } from '@willsoto/nestjs-prometheus';
import { CrmModule } from '../crm/crm.module';
import { QueueModule } from '../queue/queue.module';
import { WebhookModule } from '../webhook/webhook.module';
import { CrmHealthIndicator } from './health/crm.health';
import { HealthController } from './health/health.controller';
import { LifecycleHealthIndicator } from './health/lifecycle.health';
import { StoreHealthIndicator } from './health/store.health';
import { LatencyController } from './latency.controller';
import { LatencyService } from './latency.service';
import { MetricsController } from './metrics.controller';
import { MetricsRecorder } from './metrics-recorder';
import { metricProviders } from './prometheus-metrics';

@Module({
  imports: [
    TerminusModule.forRoot({ errorLogStyle: 'json' }),
    // Default metrics are registered by MetricsRecorder: once per process, not once per app.
    PrometheusModule.register({ controller: MetricsController, defaultMetrics: { enabled: false } }),
    CrmModule,
    QueueModule,
    WebhookModule,
  ],
  controllers: [LatencyController, HealthController],
  providers: [
    ...metricProviders,
    LatencyService,
    MetricsRecorder,
    StoreHealthIndicator,
    LifecycleHealthIndicator,
    CrmHealthIndicator,
  ],
})
export class MetricsModule {}
