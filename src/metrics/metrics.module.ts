import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { CrmModule } from '../crm/crm.module';
import { MappingModule } from '../mapping/mapping.module';
import { QueueModule } from '../queue/queue.module';
import { TelemetryModule } from '../telemetry/telemetry.module';
import { CrmHealthIndicator } from './health/crm.health';
import { HealthController } from './health/health.controller';
import { LifecycleHealthIndicator } from './health/lifecycle.health';
import { ReadinessCheck } from './health/readiness-check';
import { StoreHealthIndicator } from './health/store.health';
import { StoreResets } from './health/store-resets';
import { TargetDepths } from './health/target-depths';
import { LatencyController } from './latency.controller';
import { LatencyReport } from './latency-report';
import { InitialSeries } from './initial-series';
import { LatencyService } from './latency.service';
import { MetricsRecorder } from './metrics-recorder';
import { metricsRegistryProvider } from './metrics-registry';
import { RecordedSeries } from './prometheus-metrics';
import { RouteLabels } from './route-labels';
import { MetricsController } from './prometheus.controller';
import { ScrapeTimeGauges } from './scrape-time-gauges';

@Module({
  imports: [
    TerminusModule.forRoot({ errorLogStyle: 'json' }),
    TelemetryModule,
    QueueModule,
    // For the abstract CrmStatus and TargetStatus (health details, circuit gauge).
    CrmModule,
    // For the object types each target's mappings produce: their series start at 0 (initial-series.ts).
    MappingModule,
  ],
  controllers: [MetricsController, LatencyController, HealthController],
  providers: [
    metricsRegistryProvider,
    RouteLabels,
    RecordedSeries,
    LatencyService,
    { provide: LatencyReport, useExisting: LatencyService },
    MetricsRecorder,
    InitialSeries,
    ScrapeTimeGauges,
    StoreHealthIndicator,
    StoreResets,
    LifecycleHealthIndicator,
    CrmHealthIndicator,
    TargetDepths,
    ReadinessCheck,
  ],
  exports: [LatencyReport],
})
export class MetricsModule {}
