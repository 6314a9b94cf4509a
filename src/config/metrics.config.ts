import { registerAs } from '@nestjs/config';
import { loadEnvironment } from './load-environment';

export interface MetricsConfig {
  latencyWindow: number;
  slaThresholdSeconds: number;
}

export const metricsConfig = registerAs('metrics', (): MetricsConfig => {
  const env = loadEnvironment();
  return { latencyWindow: env.LATENCY_WINDOW, slaThresholdSeconds: env.SLA_THRESHOLD_SECONDS };
});
