import { ExportResult, ExportResultCode } from '@opentelemetry/core';
import { BasicTracerProvider, BatchSpanProcessor, BufferConfig, SpanExporter } from '@opentelemetry/sdk-trace-base';
import { queueDropsMeterProvider } from './queue-drops';

/** An exporter whose batches wait for an answer until `answer` (a collector that hangs, then answers). */
class HangingExporter implements SpanExporter {
  readonly pending: Array<(result: ExportResult) => void> = [];
  private answered?: ExportResult;
  export(_spans: unknown[], done: (result: ExportResult) => void): void {
    if (this.answered) done(this.answered);
    else this.pending.push(done);
  }
  answer(result: ExportResult): void {
    this.answered = result;
    for (const done of this.pending.splice(0)) done(result);
  }
  async shutdown(): Promise<void> {}
}

describe('queueDropsMeterProvider', () => {
  it("counts the spans the SDK's batch processor drops because its queue is full, and nothing else", async () => {
    const dropped: number[] = [];
    const exporter = new HangingExporter();
    // The options as otlp-export.ts passes them to the processor that reads OTEL_BSP_*.
    const options: BufferConfig & { selfObsMeterProvider: unknown } = {
      maxQueueSize: 2,
      maxExportBatchSize: 1,
      scheduledDelayMillis: 1,
      selfObsMeterProvider: queueDropsMeterProvider((count) => dropped.push(count)),
    };
    const provider = new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(exporter, options)] });
    const tracer = provider.getTracer('spec');
    // The first span's batch goes out at once (and hangs); two more fill the queue; three are dropped.
    for (let i = 0; i < 6; i++) tracer.startSpan(`span ${i}`).end();
    expect(exporter.pending).toHaveLength(1);
    expect(dropped).toEqual([1, 1, 1]);

    // A failed export is no queue drop (WatchedSpanExporter counts those).
    exporter.answer({ code: ExportResultCode.FAILED, error: new Error('refused') });
    await provider.shutdown();
    expect(dropped).toEqual([1, 1, 1]);
  });
});
