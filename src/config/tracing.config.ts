import { configNamespace } from './config-namespace';
import { otlpHeaders, otlpTracesUrl, TracesSampler } from './tracing-environment';

/** OpenTelemetry tracing, from the standard OTEL_* variables (tracing-environment.ts). */
export interface TracingConfig {
  /** An OTLP endpoint is set and OTEL_SDK_DISABLED is not true. */
  enabled: boolean;
  /** Where the OTLP/HTTP exporter posts spans; empty when tracing is off. */
  tracesUrl: string;
  /** OTEL_EXPORTER_OTLP_HEADERS, then OTEL_EXPORTER_OTLP_TRACES_HEADERS over it. */
  headers: Record<string, string>;
  serviceName: string;
  sampler: TracesSampler;
  /** The traceidratio samplers' ratio (OTEL_TRACES_SAMPLER_ARG, 1 when unset). */
  samplerRatio: number;
  scheduleDelayMs: number;
}

export const tracingConfig = configNamespace('tracing', (env): TracingConfig => {
  const tracesUrl = otlpTracesUrl(env);
  return {
    enabled: tracesUrl !== undefined && !env.OTEL_SDK_DISABLED,
    tracesUrl: env.OTEL_SDK_DISABLED ? '' : (tracesUrl ?? ''),
    headers: { ...otlpHeaders(env.OTEL_EXPORTER_OTLP_HEADERS), ...otlpHeaders(env.OTEL_EXPORTER_OTLP_TRACES_HEADERS) },
    serviceName: env.OTEL_SERVICE_NAME,
    sampler: env.OTEL_TRACES_SAMPLER,
    samplerRatio: env.OTEL_TRACES_SAMPLER_ARG ?? 1,
    scheduleDelayMs: env.OTEL_BSP_SCHEDULE_DELAY,
  };
});
