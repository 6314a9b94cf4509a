import { ExportResult, ExportResultCode } from '@opentelemetry/core';
import { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import { CollectorAnswers } from './collector-answers';
import { ExportFailureLog } from './export-failure-log';
import { Telemetry } from './telemetry';

const MAX_PROBLEM_LENGTH = 200;

/**
 * What made an export fail, for a log line: the network error's code (`ECONNREFUSED`,
 * `ENOTFOUND`), the collector's status (`HTTP 401`; for the statuses the exporter retries, the
 * one the agent noted), else the error's message (`Request timed out`). Never the collector's
 * answer body, which may echo the request.
 */
export function problemOf(error: Error | undefined, refusal: number | undefined): string {
  const code = (error as { code?: unknown } | undefined)?.code;
  if (typeof code === 'string' && code !== '') return code;
  if (typeof code === 'number') return `HTTP ${code}`;
  if (refusal !== undefined) return `HTTP ${refusal}`;
  return (error?.message || 'unknown error').slice(0, MAX_PROBLEM_LENGTH);
}

/**
 * The OTLP exporter, watched: each export's result is what the SDK otherwise reports only to its
 * diagnostics (off here). A failed export's spans are dropped by the batch processor, so each
 * failure is a `spansDropped` signal (the Metrics module counts it) and a line of the export
 * failure log; a success after failures is that log's recovery line. Results reach the batch
 * processor unchanged.
 */
export class WatchedSpanExporter implements SpanExporter {
  constructor(
    private readonly inner: SpanExporter,
    private readonly telemetry: Telemetry,
    private readonly log: ExportFailureLog,
    private readonly answers?: CollectorAnswers,
  ) {}

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    this.inner.export(spans, (result) => {
      try {
        this.observe(spans.length, result);
      } finally {
        resultCallback(result);
      }
    });
  }

  async shutdown(): Promise<void> {
    try {
      await this.inner.shutdown();
    } finally {
      this.log.close();
    }
  }

  async forceFlush(): Promise<void> {
    await this.inner.forceFlush?.();
  }

  private observe(count: number, { code, error }: ExportResult): void {
    const refusal = this.answers?.takeLastRefusal();
    if (code === ExportResultCode.SUCCESS) return this.log.exportSucceeded();
    this.telemetry.emit('spansDropped', { reason: 'export_failed', count });
    this.log.exportFailed(count, problemOf(error, refusal));
  }
}
