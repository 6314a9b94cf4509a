import { HttpService } from '@nestjs/axios';
import { Logger } from '@nestjs/common';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { InMemorySpanExporter, ReadableSpan, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import axios from 'axios';
import { TracingConfig } from '../../config/tracing.config';
import { OtelTracing } from '../../telemetry/otel-tracing';
import { NoTracing } from '../../telemetry/tracing';
import { TracingInterceptor } from '../outbound/tracing.interceptor';
import { StaticTokenProvider } from '../token/static-token.provider';
import { breakerOf, clientCredentialsAt, crmHttpFor, LocalCrm, post } from './local-crm.fixture';

const CONFIG: TracingConfig = {
  enabled: true,
  tracesUrl: 'http://127.0.0.1:1/v1/traces',
  headers: {},
  serviceName: 'spec',
  sampler: 'always_on',
  samplerRatio: 1,
  scheduleDelayMs: 5000,
};
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/;

/** The tracing interceptor on a real CRM client instance (as createCrmHttp registers it) against a loopback CRM. */
describe('CRM client spans (TracingInterceptor)', () => {
  let crm: LocalCrm;
  let exported: InMemorySpanExporter;
  let tracing: OtelTracing;
  const breaker = () => breakerOf({ breakerThreshold: 1, breakerCooldownMs: 60_000, timeoutMs: 5000 });
  const recorded = () =>
    JSON.stringify(exported.getFinishedSpans().map(({ name, attributes, events }) => ({ name, attributes, events })));
  const clientSpans = (): ReadableSpan[] => exported.getFinishedSpans().filter((s) => s.kind === SpanKind.CLIENT);

  beforeAll(() => Logger.overrideLogger(false));
  beforeEach(async () => {
    crm = await LocalCrm.start();
    exported = new InMemorySpanExporter();
    tracing = new OtelTracing(CONFIG, new SimpleSpanProcessor(exported));
  });
  afterEach(async () => {
    await tracing.onApplicationShutdown();
    await crm.close();
  });

  it('makes each request a client span under the running span and sends its traceparent', async () => {
    const http = crmHttpFor(crm, new StaticTokenProvider('secret-token'), breaker(), 5000, tracing);
    const parent = tracing.startSpan('attempt');
    const answer = await tracing.withSpan(parent, () => post(http, '/status/201?sysparm_query=id%3Djane'));
    parent.end();
    expect(answer.status).toBe(201);
    const [span] = clientSpans();
    expect(span.name).toBe('POST');
    expect(span.parentSpanContext?.spanId).toBe(parent.spanContext().spanId);
    expect(span.spanContext().traceId).toBe(parent.spanContext().traceId);
    const port = Number(new URL(crm.url).port);
    expect(span.attributes).toEqual({
      'http.request.method': 'POST',
      'crm_sync.crm.endpoint': 'api',
      'url.full': `${crm.url}/status/201`,
      'server.address': '127.0.0.1',
      'server.port': port,
      'http.response.status_code': 201,
    });
    const [, traceId, spanId] = TRACEPARENT.exec(crm.received[0].traceparent ?? '') ?? [];
    expect([traceId, spanId]).toEqual([span.spanContext().traceId, span.spanContext().spanId]);
    expect(recorded()).not.toContain('secret-token');
  });

  it('a replay after a 401 is a span of its own (resend count 1); an error status marks the span', async () => {
    const http = crmHttpFor(crm, clientCredentialsAt(crm), breaker(), 5000, tracing);
    expect((await post(http, '/reject/token-1/404')).status).toBe(404);
    const [first, replay] = clientSpans();
    expect(first.attributes['http.response.status_code']).toBe(401);
    expect(first.attributes['error.type']).toBe('401');
    expect(replay.attributes['http.request.resend_count']).toBe(1);
    expect(replay.status.code).toBe(SpanStatusCode.ERROR);
    expect(crm.received.map((r) => TRACEPARENT.exec(r.traceparent ?? '')?.[2])).toEqual(
      [first, replay].map((s) => s.spanContext().spanId),
    );
  });

  it('an exchange that fails names its code; a request the open breaker refuses has no span', async () => {
    const http = crmHttpFor(crm, new StaticTokenProvider('t'), breaker(), 5000, tracing);
    await expect(post(http, '/drop')).rejects.toThrow();
    expect(clientSpans().map((s) => [s.attributes['error.type'], s.status.code])).toEqual([
      ['ECONNRESET', SpanStatusCode.ERROR],
    ]);
    await expect(post(http, '/status/200')).rejects.toThrow('open');
    expect(clientSpans()).toHaveLength(1);
  });

  it('a token request is a client span of its own endpoint', async () => {
    const tokenHttp = new HttpService(axios.create());
    tokenHttp.axiosRef.interceptors.request.use(new TracingInterceptor(tracing, 'token').intercept);
    const tokens = clientCredentialsAt(crm, tokenHttp);
    const http = crmHttpFor(crm, tokens, breaker(), 5000, tracing);
    await post(http, '/status/200');
    const [token, api] = clientSpans();
    expect(token.attributes).toMatchObject({ 'crm_sync.crm.endpoint': 'token', 'http.response.status_code': 200 });
    expect(api.attributes['crm_sync.crm.endpoint']).toBe('api');
    expect(crm.tokenTraceparents[0]).toContain(token.spanContext().spanId);
    expect(recorded()).not.toMatch(/spec-secret|token-1|Basic /);
  });

  it('with tracing off nothing is added to the request', async () => {
    const http = crmHttpFor(crm, new StaticTokenProvider('t'), breaker(), 5000, new NoTracing());
    await post(http, '/status/200');
    expect(crm.received[0].traceparent).toBeUndefined();
  });
});
