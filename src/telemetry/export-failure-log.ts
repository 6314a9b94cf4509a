/** Where the lines go: Nest's `Logger` (the service's log once the application uses its logger). */
export interface ExportLogSink {
  warn(message: object): void;
  log(message: object): void;
}

/** A dead collector fails every export: after the first warning, at most one line per this. */
export const SUMMARY_INTERVAL_MS = 60_000;

/**
 * The collector's traces URL as a log line may show it: scheme, host, port and path. A URL's
 * user info and query can carry credentials (some vendors take an API key there), so they go.
 */
export function loggableUrl(url: string): string {
  const parsed = new URL(url);
  return `${parsed.origin}${parsed.pathname}`;
}

/** What has not been written yet: drops since the last line. */
interface Unreported {
  failedExports: number;
  failedExportSpans: number;
  queueFullSpans: number;
  /** The last export's failure: `HTTP 503`, `ECONNREFUSED`, ... */
  problem?: string;
}

const NOTHING: Unreported = { failedExports: 0, failedExportSpans: 0, queueFullSpans: 0 };

/**
 * Tells the operator that spans are being dropped, without flooding the log when the collector is
 * down for hours: the first drop is a warning at once; later ones are added up and written as one
 * summary at most every SUMMARY_INTERVAL_MS (a timer writes it when no later drop does); the first
 * successful export after a warning is one info line, with the drops not reported yet. So an
 * outage is a warning, a summary a minute, and a recovery line; a collector that keeps failing and
 * recovering writes at most one warning and one recovery line a minute. Lines name the URL (see
 * loggableUrl), the failure and counts: never a header, never a span.
 */
export class ExportFailureLog {
  private readonly url: string;
  private unreported: Unreported = { ...NOTHING };
  /** The last line said exports fail (so a success is news). */
  private toldFailing = false;
  private lastWarningAt?: number;
  private summaryTimer?: NodeJS.Timeout;

  constructor(
    tracesUrl: string,
    private readonly sink: ExportLogSink,
    private readonly intervalMs = SUMMARY_INTERVAL_MS,
  ) {
    this.url = loggableUrl(tracesUrl);
  }

  exportFailed(spans: number, problem: string): void {
    const { unreported } = this;
    unreported.failedExports += 1;
    unreported.failedExportSpans += spans;
    unreported.problem = problem;
    this.warnNowOrLater();
  }

  queueFull(spans: number): void {
    this.unreported.queueFullSpans += spans;
    this.warnNowOrLater();
  }

  exportSucceeded(): void {
    if (!this.toldFailing) return;
    this.toldFailing = false;
    this.cancelSummary();
    const { failedExportSpans, queueFullSpans } = this.unreported;
    const dropped = failedExportSpans + queueFullSpans;
    this.sink.log({
      msg: `Trace export to ${this.url} works again${dropped > 0 ? `; ${spans(dropped)} dropped since the last warning` : ''}`,
      tracesUrl: this.url,
      ...this.counts(),
    });
    this.unreported = { ...NOTHING };
  }

  /** At shutdown: what is still unreported is written now. */
  close(): void {
    this.cancelSummary();
    if (this.hasUnreported()) this.warn();
  }

  private warnNowOrLater(): void {
    const now = Date.now();
    const due = this.lastWarningAt === undefined ? now : this.lastWarningAt + this.intervalMs;
    if (due <= now) {
      this.warn();
    } else if (this.summaryTimer === undefined) {
      // unref: a pending summary never keeps the process alive (close() writes it at shutdown).
      this.summaryTimer = setTimeout(() => {
        this.summaryTimer = undefined;
        if (this.hasUnreported()) this.warn();
      }, due - now).unref();
    }
  }

  private warn(): void {
    const { failedExports, failedExportSpans, queueFullSpans, problem } = this.unreported;
    const dropped = failedExportSpans + queueFullSpans;
    const causes = [
      ...(failedExports > 0 ? [`${failedExports} failed export(s), the last: ${problem}`] : []),
      ...(queueFullSpans > 0 ? [`${spans(queueFullSpans)} while the export queue was full`] : []),
    ].join('; ');
    const msg =
      this.lastWarningAt === undefined || !this.toldFailing
        ? `Trace export to ${this.url}: ${spans(dropped)} dropped (${causes}); further drops are summed up at most once a minute`
        : `Trace export to ${this.url}: ${spans(dropped)} dropped since the last warning (${causes})`;
    this.sink.warn({ msg, tracesUrl: this.url, ...(problem !== undefined && { problem }), ...this.counts() });
    if (failedExports > 0) this.toldFailing = true;
    this.lastWarningAt = Date.now();
    this.unreported = { ...NOTHING };
  }

  private counts() {
    const { failedExports, failedExportSpans, queueFullSpans } = this.unreported;
    return { failedExports, droppedSpans: failedExportSpans + queueFullSpans, queueFullSpans };
  }

  private hasUnreported(): boolean {
    return this.unreported.failedExportSpans + this.unreported.queueFullSpans + this.unreported.failedExports > 0;
  }

  private cancelSummary(): void {
    clearTimeout(this.summaryTimer);
    this.summaryTimer = undefined;
  }
}

const spans = (count: number) => `${count} span${count === 1 ? '' : 's'}`;
