import { ExportResult, ExportResultCode } from '@opentelemetry/core';
import { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import { ExportFailureLog } from './export-failure-log';
import { Telemetry } from './telemetry';
import { SpansDropped } from './telemetry-signals';
import { problemOf, WatchedSpanExporter } from './watched-span-exporter';

const failed = (error?: Error): ExportResult => ({ code: ExportResultCode.FAILED, error });
const withCode = (message: string, code: unknown) => Object.assign(new Error(message), { code });

/** An exporter answering each export with the next of `results`. */
class AnsweringExporter implements SpanExporter {
  shutDown = false;
  constructor(private readonly results: ExportResult[]) {}
  export(_spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    done(this.results.shift() ?? { code: ExportResultCode.SUCCESS });
  }
  async shutdown(): Promise<void> {
    this.shutDown = true;
  }
}

describe('problemOf', () => {
  it("names the network error's code, the collector's status, else the message", () => {
    expect(problemOf(withCode('connect ECONNREFUSED 127.0.0.1:4318', 'ECONNREFUSED'), 503)).toBe('ECONNREFUSED');
    // The exporter's error for a status it does not retry carries it (and the answer body, never shown).
    expect(problemOf(withCode('Unauthorized', 401), undefined)).toBe('HTTP 401');
    expect(problemOf(new Error('Export failed with retryable status'), 503)).toBe('HTTP 503');
    expect(problemOf(new Error('Request timed out'), undefined)).toBe('Request timed out');
    expect(problemOf(undefined, undefined)).toBe('unknown error');
  });
});

describe('WatchedSpanExporter', () => {
  const spans = (n: number) => Array.from({ length: n }, () => ({}) as ReadableSpan);

  it('signals and logs each failed export, logs the recovery, and passes every result on unchanged', async () => {
    const results = [failed(withCode('connect ECONNREFUSED', 'ECONNREFUSED')), failed(new Error('timed out'))];
    const inner = new AnsweringExporter([...results]);
    const telemetry = new Telemetry();
    const signals: SpansDropped[] = [];
    telemetry.on('spansDropped', (signal) => signals.push(signal));
    const lines: Array<Record<string, unknown>> = [];
    const sink = { warn: (line: object) => lines.push({ ...line }), log: (line: object) => lines.push({ ...line }) };
    const exporter = new WatchedSpanExporter(inner, telemetry, new ExportFailureLog('http://c:4318/v1/traces', sink));

    const answered: ExportResult[] = [];
    exporter.export(spans(3), (result) => answered.push(result));
    exporter.export(spans(2), (result) => answered.push(result));
    exporter.export(spans(1), (result) => answered.push(result));
    expect(answered).toEqual([...results, { code: ExportResultCode.SUCCESS }]);
    expect(signals).toEqual([
      { reason: 'export_failed', count: 3 },
      { reason: 'export_failed', count: 2 },
    ]);
    // The first failure at once; the second within the minute goes into the recovery line.
    expect(lines).toEqual([
      expect.objectContaining({ problem: 'ECONNREFUSED', droppedSpans: 3 }),
      expect.objectContaining({ msg: expect.stringContaining('works again'), droppedSpans: 2 }),
    ]);

    await exporter.shutdown();
    expect(inner.shutDown).toBe(true);
  });
});
