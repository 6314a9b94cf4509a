import { configNamespace } from './config-namespace';

export interface MetricsConfig {
  latencyWindow: number;
  slaThresholdSeconds: number;
}

export const metricsConfig = configNamespace('metrics', (env): MetricsConfig => {
  return { latencyWindow: env.LATENCY_WINDOW, slaThresholdSeconds: env.SLA_THRESHOLD_SECONDS };
});
