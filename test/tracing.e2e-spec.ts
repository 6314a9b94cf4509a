import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanRedis, describeEachDriver, Driver, driverEnv } from './support/drivers';
import { OTLP_KIND, OtlpReceiver, ReceivedSpan } from './support/otlp-receiver';
import { SalesforceFake } from './support/salesforce-fake';
import { freePort, serviceEnv, ServiceProcess, startService } from './support/service-process';
import { cognigySignature } from './support/signing';
import { waitFor } from './support/wait-for';
import { contactDialog, DIALOG_ROUTE, unique } from './support/webhook-cases';

/**
 * OpenTelemetry traces, end to end: the built service's OTLP/HTTP exporter posts to an OTLP
 * receiver this test starts (JSON ExportTraceServiceRequest, read with the proto's types). One
 * event is followed from the `traceparent` its webhook carried to the CRM request that delivered
 * it, across two service processes on one store: one that only ingests (then stops), and one
 * started after it that delivers. The Salesforce fake (OAuth2 token, upsert by external id) is
 * the CRM. Processes rather than in-process apps: the exporter loads node:http with import(),
 * which jest's module sandbox does not run.
 */

const WEBHOOK_SECRET = 'otel-webhook-secret';
const CLIENT_ID = 'otel-connected-app';
const CLIENT_SECRET = 'otel-client-secret-never-exported';
const SPAN_NAMES = {
  receive: `POST ${DIALOG_ROUTE}`,
  write: 'event store write',
  delivery: 'crm delivery',
};

/** A W3C trace context as an upstream service (Cognigy's caller, a gateway) would send it. */
function upstreamContext() {
  const traceId = randomBytes(16).toString('hex');
  const parentId = randomBytes(8).toString('hex');
  return { traceId, parentId, traceparent: `00-${traceId}-${parentId}-01`, tracestate: 'upstream=t61rcWkgMzE' };
}

type LogLine = Record<string, unknown>;
const logLines = (service: ServiceProcess): LogLine[] =>
  service
    .stdout()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as LogLine);

const only = (spans: ReceivedSpan[], kind: number, name?: string): ReceivedSpan => {
  const found = spans.filter((s) => s.kind === kind && (name === undefined || s.name === name));
  expect(found).toHaveLength(1);
  return found[0];
};

describeEachDriver('traces from a traceparent in to the CRM request out (%s driver)', (driver: Driver) => {
  const receiver = new OtlpReceiver();
  const sf = new SalesforceFake(CLIENT_ID, CLIENT_SECRET);
  let dataDir: string;
  let store: Record<string, string>;

  beforeAll(async () => {
    await Promise.all([receiver.start(), sf.start()]);
    dataDir = mkdtempSync(join(tmpdir(), 'ccs-tracing-'));
    store = { ...driverEnv(driver), DATA_DIR: dataDir };
  });
  afterAll(async () => {
    await Promise.all([receiver.stop(), sf.stop()]);
    await cleanRedis(store);
    rmSync(dataDir, { recursive: true, force: true });
  });

  const running: ServiceProcess[] = [];
  afterEach(async () => {
    for (const service of running.splice(0)) await service.stop('SIGKILL');
  });

  async function start(more: Record<string, string>): Promise<{ service: ServiceProcess; port: number }> {
    const port = await freePort();
    const env = serviceEnv(port, dataDir, {
      CRM_CONNECTOR: 'salesforce',
      CRM_TOKEN_URL: sf.tokenUrl,
      CRM_CLIENT_ID: CLIENT_ID,
      CRM_CLIENT_SECRET: CLIENT_SECRET,
      COGNIGY_WEBHOOK_SECRETS: WEBHOOK_SECRET,
      LOG_LEVEL: 'info',
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_BSP_SCHEDULE_DELAY: '50',
      ...store,
      ...more,
    });
    return { service: await startService(env, dataDir, running), port };
  }

  /** SIGTERM: a graceful stop, which flushes the span processor (every span ended so far is exported). */
  async function stop(service: ServiceProcess): Promise<void> {
    expect(await service.stop('SIGTERM')).toEqual({ code: 0, signal: null });
  }

  /** Stores one contact event with `headers` on an ingest-only instance, stops it, delivers it on a new one. */
  async function storeThenDeliver(headers: Record<string, string>, more: Record<string, string> = {}) {
    const customerId = unique('C');
    const status = `platinum-${randomBytes(4).toString('hex')}`;
    const ingest = await start({ ...more, DELIVERY_ENABLED: 'false' });
    const raw = JSON.stringify(contactDialog(customerId, { newStatus: { value: status } }));
    const answer = await fetch(`http://127.0.0.1:${ingest.port}${DIALOG_ROUTE}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-cognigy-signature': cognigySignature(WEBHOOK_SECRET, raw),
        ...headers,
      },
      body: raw,
    });
    expect(answer.status).toBe(202);
    const { eventId } = (await answer.json()) as { eventId: string };
    await stop(ingest.service);
    const deliver = await start(more);
    const sent = await waitFor(() =>
      sf.apiRequests().find((r) => r.url.endsWith(`/Cognigy_Customer_Id__c/${customerId}`) && r.status === 201),
    );
    // Its outcome is recorded (the line is written in the delivery's span) before the stop.
    await waitFor(() => logLines(deliver.service).find((l) => l.msg === 'event delivered' && l.eventId === eventId));
    await stop(deliver.service);
    return {
      eventId,
      customerId,
      status,
      sent,
      ingestLog: logLines(ingest.service),
      deliverLog: logLines(deliver.service),
    };
  }

  it('continues the inbound trace: receive, durable write, then (on another instance) the delivery, its token and CRM requests', async () => {
    const upstream = upstreamContext();
    const { eventId, customerId, status, sent, ingestLog, deliverLog } = await storeThenDeliver({
      traceparent: upstream.traceparent,
      tracestate: upstream.tracestate,
    });
    const spans = await waitFor(() => receiver.trace(upstream.traceId, 5), {
      what: 'five spans of the upstream trace',
    });

    const receive = only(spans, OTLP_KIND.server, SPAN_NAMES.receive);
    expect(receive.parentSpanId).toBe(upstream.parentId);
    expect(receive.attributes).toEqual({
      'http.request.method': 'POST',
      'url.path': DIALOG_ROUTE,
      'url.scheme': 'http',
      'http.route': DIALOG_ROUTE,
      'http.response.status_code': 202,
      'crm_sync.webhook.auth_mode': 'hmac',
      'crm_sync.webhook.answer': 'accepted',
      'crm_sync.event.id': eventId,
      'crm_sync.event.intent': 'update_customer_profile',
      'crm_sync.event.source': 'dialog-complete',
      'crm_sync.webhook.source': 'default',
    });

    const write = only(spans, OTLP_KIND.producer, SPAN_NAMES.write);
    expect(write.parentSpanId).toBe(receive.spanId);
    expect(write.attributes).toEqual({ 'crm_sync.event.id': eventId, 'crm_sync.store.outcome': 'accepted' });

    // The stored trace context makes the later delivery, by another instance, a child of the write.
    const delivery = only(spans, OTLP_KIND.consumer, SPAN_NAMES.delivery);
    expect(delivery.parentSpanId).toBe(write.spanId);
    expect(delivery.attributes).toEqual({
      'crm_sync.target': 'default',
      'crm_sync.object_type': 'contact',
      'crm_sync.delivery.batch_size': 1,
      'crm_sync.delivery.attempt': 1,
      'crm_sync.event.id': eventId,
      'crm_sync.delivery.verdict': 'delivered',
    });
    expect(delivery.resource['service.name']).toBe('cognigy-crm-sync');
    expect(delivery.resource['service.instance.id']).not.toBe(receive.resource['service.instance.id']);

    const token = only(spans, OTLP_KIND.client, 'POST');
    expect(token.parentSpanId).toBe(delivery.spanId);
    const port = Number(new URL(sf.url).port);
    expect(token.attributes).toEqual({
      'http.request.method': 'POST',
      'crm_sync.crm.endpoint': 'token',
      'url.full': sf.tokenUrl,
      'server.address': '127.0.0.1',
      'server.port': port,
      'http.response.status_code': 200,
    });
    const api = only(spans, OTLP_KIND.client, 'PATCH');
    expect(api.parentSpanId).toBe(delivery.spanId);
    expect(api.attributes).toEqual({
      'http.request.method': 'PATCH',
      'crm_sync.crm.endpoint': 'api',
      'url.full': `${sf.url}/services/data/v62.0/sobjects/Contact/Cognigy_Customer_Id__c/${customerId}`,
      'server.address': '127.0.0.1',
      'server.port': port,
      'http.response.status_code': 201,
    });
    expect(spans).toHaveLength(5);

    // The CRM continues the client span's trace.
    expect(sent.headers.traceparent).toBe(`00-${upstream.traceId}-${api.spanId}-01`);
    expect(sent.headers.tracestate).toBe(upstream.tracestate);

    // Log lines carry the ids of the span they were written in: the access line its request's,
    // the delivery's outcome the attempt's.
    const access = ingestLog.find((line) => line.eventId === eventId && line.res !== undefined);
    expect(access).toMatchObject({ trace_id: upstream.traceId, span_id: receive.spanId });
    const delivered = deliverLog.find((line) => line.msg === 'event delivered' && line.eventId === eventId);
    expect(delivered).toMatchObject({ trace_id: upstream.traceId, span_id: delivery.spanId });
    // A line written outside any span (the stop, after the request's access line) carries none of
    // another line's fields.
    const stopping = ingestLog.find((line) => line.msg === 'SIGTERM received: shutting down');
    expect(stopping).toBeDefined();
    expect(
      Object.keys(stopping ?? {}).filter((key) => ['req', 'res', 'eventId', 'trace_id', 'span_id'].includes(key)),
    ).toEqual([]);

    // Nothing secret, and nothing of any body, is exported.
    const exported = receiver.bodies.join('\n');
    const accessToken = String(sent.headers.authorization).replace(/^Bearer /, '');
    for (const secret of [CLIENT_SECRET, WEBHOOK_SECRET, accessToken, status]) expect(exported).not.toContain(secret);
    expect(receiver.contentTypes.every((type) => type.startsWith('application/json'))).toBe(true);
  });

  it('starts a trace of its own when the traceparent is malformed (as without one)', async () => {
    const before = receiver.spans.length;
    const { eventId } = await storeThenDeliver({ traceparent: '00-not-a-trace-01' });
    const ours = await waitFor(() => {
      const received = receiver.spans.slice(before);
      const receive = received.find(
        (s) => s.kind === OTLP_KIND.server && s.attributes['crm_sync.event.id'] === eventId,
      );
      return receive && receiver.trace(receive.traceId, 5);
    });
    const receive = only(ours, OTLP_KIND.server);
    expect(receive.parentSpanId).toBe('');
    expect(only(ours, OTLP_KIND.consumer).attributes['crm_sync.event.id']).toBe(eventId);
  });

  it('with tracing off (OTEL_SDK_DISABLED=true, endpoint set) nothing is exported and no traceparent is sent', async () => {
    const exports = receiver.bodies.length;
    const upstream = upstreamContext();
    const { eventId, sent, ingestLog, deliverLog } = await storeThenDeliver(
      { traceparent: upstream.traceparent, tracestate: upstream.tracestate },
      { OTEL_SDK_DISABLED: 'true' },
    );
    // Both instances were stopped gracefully, which would have flushed any exporter.
    expect(receiver.bodies.length).toBe(exports);
    expect(sent.headers.traceparent).toBeUndefined();
    expect(sent.headers.tracestate).toBeUndefined();
    const lines = [...ingestLog, ...deliverLog].filter((line) => line.eventId === eventId);
    expect(lines.length).toBeGreaterThanOrEqual(2);
    expect(lines.filter((line) => 'trace_id' in line || 'span_id' in line)).toEqual([]);
  });
});
