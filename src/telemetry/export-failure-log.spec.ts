import { ExportFailureLog, loggableUrl, SUMMARY_INTERVAL_MS } from './export-failure-log';

type Line = { level: 'warn' | 'info' } & Record<string, unknown>;

/** The log's lines as the sink received them, and the log writing to it. */
function logged(url = 'http://collector:4318/v1/traces') {
  const lines: Line[] = [];
  const log = new ExportFailureLog(url, {
    warn: (message) => lines.push({ level: 'warn', ...message }),
    log: (message) => lines.push({ level: 'info', ...message }),
  });
  return { log, lines };
}

const MINUTE = SUMMARY_INTERVAL_MS;

describe('ExportFailureLog', () => {
  beforeEach(() => jest.useFakeTimers({ now: new Date('2025-01-01T00:00:00Z') }));
  afterEach(() => jest.useRealTimers());

  it('warns at the first failure at once: the URL, the failure, the spans dropped', () => {
    const { log, lines } = logged();
    log.exportFailed(12, 'HTTP 503');
    expect(lines).toEqual([
      {
        level: 'warn',
        msg: 'Trace export to http://collector:4318/v1/traces: 12 spans dropped (1 failed export(s), the last: HTTP 503); further drops are summed up at most once a minute',
        tracesUrl: 'http://collector:4318/v1/traces',
        problem: 'HTTP 503',
        failedExports: 1,
        droppedSpans: 12,
        queueFullSpans: 0,
      },
    ]);
  });

  it('sums up the failures of the next minute in one line, written when the minute is over', () => {
    const { log, lines } = logged();
    log.exportFailed(1, 'ECONNREFUSED');
    jest.advanceTimersByTime(1000);
    log.exportFailed(5, 'ECONNREFUSED');
    jest.advanceTimersByTime(1000);
    log.exportFailed(7, 'HTTP 503');
    log.queueFull(3);
    expect(lines).toHaveLength(1);

    jest.advanceTimersByTime(MINUTE - 2001);
    expect(lines).toHaveLength(1);
    jest.advanceTimersByTime(1);
    expect(lines[1]).toEqual({
      level: 'warn',
      msg: 'Trace export to http://collector:4318/v1/traces: 15 spans dropped since the last warning (2 failed export(s), the last: HTTP 503; 3 spans while the export queue was full)',
      tracesUrl: 'http://collector:4318/v1/traces',
      problem: 'HTTP 503',
      failedExports: 2,
      droppedSpans: 15,
      queueFullSpans: 3,
    });
  });

  it('a collector down for an hour, failing every 5 s: at most one line a minute, every span counted once', () => {
    const { log, lines } = logged();
    for (let second = 0; second < 3600; second += 5) {
      log.exportFailed(10, 'ECONNREFUSED');
      jest.advanceTimersByTime(5000);
    }
    expect(lines.length).toBeLessThanOrEqual(61);
    expect(lines.length).toBeGreaterThanOrEqual(59);
    expect(lines.every((line) => line.level === 'warn')).toBe(true);
    expect(lines.reduce((sum, line) => sum + Number(line.droppedSpans), 0)).toBe((3600 / 5) * 10);
  });

  it('says once that exports work again, with the drops not reported yet', () => {
    const { log, lines } = logged();
    log.exportSucceeded();
    expect(lines).toEqual([]);

    log.exportFailed(4, 'HTTP 503');
    log.exportFailed(6, 'HTTP 503');
    log.exportSucceeded();
    log.exportSucceeded();
    expect(lines.map((line) => line.level)).toEqual(['warn', 'info']);
    expect(lines[1]).toEqual({
      level: 'info',
      msg: 'Trace export to http://collector:4318/v1/traces works again; 6 spans dropped since the last warning',
      tracesUrl: 'http://collector:4318/v1/traces',
      failedExports: 1,
      droppedSpans: 6,
      queueFullSpans: 0,
    });
    // Reported in the recovery line: the summary a minute later has nothing to say.
    jest.advanceTimersByTime(MINUTE);
    expect(lines).toHaveLength(2);
  });

  it('a collector failing and recovering every few seconds: at most a warning and a recovery line a minute', () => {
    const { log, lines } = logged();
    for (let second = 0; second < 600; second += 4) {
      log.exportFailed(2, 'HTTP 502');
      jest.advanceTimersByTime(2000);
      log.exportSucceeded();
      jest.advanceTimersByTime(2000);
    }
    log.close();
    const warnings = lines.filter((line) => line.level === 'warn');
    expect(warnings.length).toBeLessThanOrEqual(11);
    expect(lines.length - warnings.length).toBeLessThanOrEqual(warnings.length);
    expect(lines.reduce((sum, line) => sum + Number(line.droppedSpans), 0)).toBe((600 / 4) * 2);
  });

  it('queue-full drops while exports succeed are warned about, with no recovery line after them', () => {
    const { log, lines } = logged();
    log.queueFull(30);
    log.exportSucceeded();
    expect(lines).toEqual([
      expect.objectContaining({
        level: 'warn',
        msg: 'Trace export to http://collector:4318/v1/traces: 30 spans dropped (30 spans while the export queue was full); further drops are summed up at most once a minute',
        droppedSpans: 30,
        queueFullSpans: 30,
      }),
    ]);
    expect(lines[0]).not.toHaveProperty('problem');
  });

  it('at close writes what is unreported, and no timer writes later', () => {
    const { log, lines } = logged();
    log.exportFailed(1, 'ECONNREFUSED');
    log.exportFailed(2, 'ECONNREFUSED');
    log.close();
    expect(lines.map((line) => line.droppedSpans)).toEqual([1, 2]);
    jest.advanceTimersByTime(MINUTE);
    expect(lines).toHaveLength(2);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('names the collector without user info or query, which may hold credentials', () => {
    expect(loggableUrl('https://user:pa55@otlp.example.com:4318/v1/traces?api_key=k3y#x')).toBe(
      'https://otlp.example.com:4318/v1/traces',
    );
    const { log, lines } = logged('http://user:pa55@127.0.0.1:4318/v1/traces?api_key=k3y');
    log.exportFailed(1, 'ECONNREFUSED');
    expect(JSON.stringify(lines)).not.toMatch(/pa55|k3y|user/);
  });
});
