import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OtlpReceiver } from './support/otlp-receiver';
import { parseSamples, sum } from './support/prometheus-text';
import { call, freePort, serviceEnv, ServiceProcess, startService } from './support/service-process';
import { cognigySignature } from './support/signing';
import { waitFor } from './support/wait-for';
import { contactDialog, DIALOG_ROUTE, unique } from './support/webhook-cases';

/**
 * When the collector refuses the spans or is not there, the built service says so: a warning in
 * its log (the collector's traces URL without user info or query, the HTTP status or network
 * error code, the spans dropped), `tracing_spans_dropped_total` on /metrics, and once exports
 * work again, the spans arrive and one line says so. The OTLP headers (an API key) and the URL's
 * credentials never appear in the service's output. The SDK retries a refused export for up to
 * 10 s (OTEL_EXPORTER_OTLP_TIMEOUT, left at its default) before it reports the failure: the
 * waits below are that long.
 */

const tag = randomBytes(4).toString('hex');
const API_KEY = `otlp-api-key-${tag}-Wq3`;
const URL_PASSWORD = `otlp-url-pw-${tag}-Kd8`;
const URL_KEY = `otlp-query-key-${tag}-Rb5`;
const WEBHOOK_SECRET = 'export-failures-webhook-secret';
const WARN = 40;
const INFO = 30;
const EXPORT_WAIT = { timeoutMs: 60000 };

type LogLine = Record<string, unknown> & { level: number; msg: string };
const tracingLines = (service: ServiceProcess): LogLine[] =>
  service
    .stdout()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as LogLine)
    .filter((line) => line.context === 'Tracing');

const droppedInLog = (service: ServiceProcess) =>
  tracingLines(service).reduce((total, line) => total + Number(line.droppedSpans ?? 0), 0);

describe('trace export failures: the log and the counter', () => {
  let dataDir: string;
  const running: ServiceProcess[] = [];
  const receivers: OtlpReceiver[] = [];
  beforeAll(() => (dataDir = mkdtempSync(join(tmpdir(), 'ccs-export-failures-'))));
  afterEach(async () => {
    for (const service of running.splice(0)) await service.stop('SIGKILL');
    for (const receiver of receivers.splice(0)) await receiver.stop();
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  async function receiver(port?: number): Promise<OtlpReceiver> {
    const started = await new OtlpReceiver().start(port);
    receivers.push(started);
    return started;
  }

  async function start(otel: Record<string, string>): Promise<{ service: ServiceProcess; port: number }> {
    const port = await freePort();
    const env = serviceEnv(port, join(dataDir, String(port)), {
      COGNIGY_WEBHOOK_SECRETS: WEBHOOK_SECRET,
      CRM_BASE_URL: 'http://127.0.0.1:9',
      CRM_AUTH: 'static',
      CRM_ACCESS_TOKEN: 'static-token',
      DELIVERY_ENABLED: 'false',
      LOG_LEVEL: 'info',
      OTEL_BSP_SCHEDULE_DELAY: '50',
      OTEL_EXPORTER_OTLP_HEADERS: `x-api-key=${API_KEY}`,
      ...otel,
    });
    return { service: await startService(env, dataDir, running), port };
  }

  /** One accepted webhook (its receive and write spans), in a trace of the test's choosing. */
  async function sendEvent(port: number): Promise<string> {
    const traceId = randomBytes(16).toString('hex');
    const raw = JSON.stringify(contactDialog(unique('C')));
    const answer = await call(port, 'POST', DIALOG_ROUTE, {
      raw,
      headers: {
        'x-cognigy-signature': cognigySignature(WEBHOOK_SECRET, raw),
        traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01`,
      },
    });
    expect(answer.status).toBe(202);
    return traceId;
  }

  async function dropped(port: number, reason: string): Promise<number | undefined> {
    const samples = parseSamples((await call(port, 'GET', '/metrics')).body);
    const series = samples.filter((s) => s.name === 'tracing_spans_dropped_total' && s.labels.reason === reason);
    return series.length === 1 ? sum(series, series[0].name) : undefined;
  }

  const firstWarning = (service: ServiceProcess) =>
    waitFor(() => tracingLines(service).find((line) => line.level === WARN), {
      ...EXPORT_WAIT,
      what: 'the trace export warning',
    });

  /** The collector takes spans again: a new event's spans arrive, one line says so, the log and the counter agree. */
  async function recovers(service: ServiceProcess, port: number, collector: OtlpReceiver): Promise<void> {
    const traceId = await sendEvent(port);
    await waitFor(() => collector.trace(traceId, 2), { ...EXPORT_WAIT, what: "the new event's spans" });
    const recovery = await waitFor(() => tracingLines(service).find((line) => line.level === INFO), {
      ...EXPORT_WAIT,
      what: 'the recovery line',
    });
    expect(recovery.msg).toMatch(/^Trace export to http:\/\/127\.0\.0\.1:\d+\/v1\/traces works again/);
    expect(tracingLines(service).filter((line) => line.level === INFO)).toHaveLength(1);
    // Every dropped span is in exactly one line, and counted once.
    expect(await dropped(port, 'export_failed')).toBe(droppedInLog(service));
    expect(await dropped(port, 'queue_full')).toBe(0);
  }

  it('a collector answering 503: a warning naming the URL and the status, the counter, then the recovery', async () => {
    const collector = await receiver();
    collector.refusal = 503;
    const { service, port } = await start({ OTEL_EXPORTER_OTLP_ENDPOINT: collector.url });
    expect(await dropped(port, 'export_failed')).toBe(0);
    await sendEvent(port);

    const warning = await firstWarning(service);
    expect(warning).toMatchObject({
      tracesUrl: `${collector.url}/v1/traces`,
      problem: 'HTTP 503',
      failedExports: 1,
      queueFullSpans: 0,
    });
    expect(warning.droppedSpans).toBeGreaterThanOrEqual(1);
    expect(warning.msg).toContain(`Trace export to ${collector.url}/v1/traces:`);
    // Written outside any request: nothing of one.
    expect(warning).not.toHaveProperty('req');
    expect(warning).not.toHaveProperty('trace_id');
    await waitFor(async () => ((await dropped(port, 'export_failed')) ?? 0) >= Number(warning.droppedSpans), {
      what: 'the dropped spans counted on /metrics',
    });
    // The refused exports carried the API key: it was there to leak.
    expect(collector.requestHeaders.some((headers) => headers['x-api-key'] === API_KEY)).toBe(true);

    collector.refusal = undefined;
    await recovers(service, port, collector);
    expect(await service.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    expect(service.output()).not.toContain(API_KEY);
  });

  it('nothing listening: a warning with the connection error and no credentials of the URL; spans flow once a collector listens', async () => {
    const collectorPort = await freePort();
    const { service, port } = await start({
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `http://otlp:${URL_PASSWORD}@127.0.0.1:${collectorPort}/v1/traces?key=${URL_KEY}`,
    });
    await sendEvent(port);

    const warning = await firstWarning(service);
    expect(warning).toMatchObject({
      tracesUrl: `http://127.0.0.1:${collectorPort}/v1/traces`,
      problem: 'ECONNREFUSED',
      failedExports: 1,
    });
    await waitFor(async () => ((await dropped(port, 'export_failed')) ?? 0) >= Number(warning.droppedSpans), {
      what: 'the dropped spans counted on /metrics',
    });

    const collector = await receiver(collectorPort);
    await recovers(service, port, collector);
    // The exporter sent the URL's user and password as Basic auth, and its query: they too stay out of the log.
    expect(collector.requestHeaders[0].authorization).toBe(
      `Basic ${Buffer.from(`otlp:${URL_PASSWORD}`).toString('base64')}`,
    );
    expect(await service.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    for (const secret of [API_KEY, URL_PASSWORD, URL_KEY]) expect(service.output()).not.toContain(secret);
  });
});
