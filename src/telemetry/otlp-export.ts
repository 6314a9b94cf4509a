import { MeterProvider } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { BatchSpanProcessor, BufferConfig, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { Logger } from '@nestjs/common';
import { TracingConfig } from '../config/tracing.config';
import { CollectorAnswers } from './collector-answers';
import { ExportFailureLog, ExportLogSink } from './export-failure-log';
import { queueDropsMeterProvider } from './queue-drops';
import { Telemetry } from './telemetry';
import { WatchedSpanExporter } from './watched-span-exporter';

/** The batch processor's options, with the self-observability one its env-reading wrapper passes on but does not type. */
type BatchOptions = BufferConfig & { selfObsMeterProvider: MeterProvider };

/**
 * Where ended spans go with tracing on: batched (OTEL_BSP_*) to the OTLP/HTTP exporter, whose
 * failures and the processor's queue-full drops become `spansDropped` signals and lines of the
 * export failure log. The log writes through Nest's Logger (the service's log, context `Tracing`),
 * as every module's own lines do: this module cannot use the Logging module, which uses it.
 */
export function otlpSpanProcessor(
  config: TracingConfig,
  telemetry: Telemetry,
  sink: ExportLogSink = new Logger('Tracing'),
): SpanProcessor {
  const answers = new CollectorAnswers();
  const log = new ExportFailureLog(config.tracesUrl, sink);
  const otlp = new OTLPTraceExporter({
    url: config.tracesUrl,
    headers: config.headers,
    httpAgentOptions: answers.agentFactory,
  });
  const options: BatchOptions = {
    scheduledDelayMillis: config.scheduleDelayMs,
    selfObsMeterProvider: queueDropsMeterProvider((count) => {
      telemetry.emit('spansDropped', { reason: 'queue_full', count });
      log.queueFull(count);
    }),
  };
  return new BatchSpanProcessor(new WatchedSpanExporter(otlp, telemetry, log, answers), options);
}
