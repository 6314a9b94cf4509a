import { Module } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { tracingConfig } from '../config/tracing.config';
import { OtelTracing } from './otel-tracing';
import { otlpSpanProcessor } from './otlp-export';
import { Telemetry } from './telemetry';
import { NoTracing, Tracing } from './tracing';

/**
 * Owns the typed signals Webhook, Crm and Queue emit and Metrics observes, and the tracer they
 * start their spans with (the SDK only when tracing is on; its dropped spans are signals too);
 * depends on config only.
 */
@Module({
  providers: [
    Telemetry,
    {
      provide: Tracing,
      inject: [tracingConfig.KEY, Telemetry],
      useFactory: (config: ConfigType<typeof tracingConfig>, telemetry: Telemetry): Tracing =>
        config.enabled ? new OtelTracing(config, otlpSpanProcessor(config, telemetry)) : new NoTracing(),
    },
  ],
  exports: [Telemetry, Tracing],
})
export class TelemetryModule {}
