import { FactoryProvider } from '@nestjs/common';
import { Registry } from 'prom-client';
import { processMetrics } from './process-metrics';

/**
 * The application's Prometheus registry, what GET /metrics exposes: its own series (created by
 * RecordedSeries and ScrapeTimeGauges in it, so two applications in one process never share a
 * count) and the process's series.
 */
export const metricsRegistryProvider: FactoryProvider<Registry> = {
  provide: Registry,
  // A new registry holding the process's series (prom-client's documented way to combine registries).
  useFactory: () => Registry.merge([processMetrics()]),
};
