import { SpanKind } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { TracingConfig } from '../../config/tracing.config';
import { ClaimedEvent } from '../../queue/stored-event';
import { firstClaimOf, newEvent } from '../../queue/stored-event.fixture';
import { OtelTracing } from '../../telemetry/otel-tracing';
import { NoTracing } from '../../telemetry/tracing';
import { deadVerdict, deliveredVerdict, EventVerdict } from '../connectors/verdict';
import { recordVerdicts, startDeliverySpan } from './delivery-span';

const CONFIG = { sampler: 'always_on', samplerRatio: 1, serviceName: 'spec', headers: {} } as unknown as TracingConfig;
const stored = (n: number) => ({ traceparent: `00-${String(n).repeat(32)}-${String(n).repeat(16)}-01` });
const claimed = (eventId: string, trace?: { traceparent: string }, attempts = 0): ClaimedEvent => ({
  ...firstClaimOf(newEvent({ eventId, externalId: eventId })),
  attempts,
  ...(trace && { trace }),
});
const judged = (verdict: EventVerdict['verdict']): EventVerdict => ({ verdict, attempts: 1, requests: [] });

describe('the delivery attempt span', () => {
  let exported: InMemorySpanExporter;
  let tracing: OtelTracing;
  beforeEach(() => {
    exported = new InMemorySpanExporter();
    tracing = new OtelTracing(CONFIG, new SimpleSpanProcessor(exported));
  });
  afterEach(() => tracing.onApplicationShutdown());

  it('one event: a child of the span it was stored under, whatever runs now', () => {
    const outer = tracing.startSpan('unrelated');
    const span = tracing.withSpan(outer, () => startDeliverySpan(tracing, [claimed('e-1', stored(1), 2)]));
    recordVerdicts(span, [claimed('e-1')], [judged(deliveredVerdict(201))]);
    span.end();
    const [done] = exported.getFinishedSpans();
    expect(done.kind).toBe(SpanKind.CONSUMER);
    expect(done.spanContext().traceId).toBe('1'.repeat(32));
    expect(done.parentSpanContext?.spanId).toBe('1'.repeat(16));
    expect(done.links).toEqual([]);
    expect(done.attributes).toMatchObject({
      'crm_sync.delivery.attempt': 3,
      'crm_sync.delivery.batch_size': 1,
      'crm_sync.event.id': 'e-1',
      'crm_sync.delivery.verdict': 'delivered',
    });
  });

  it('one event stored without a trace context: a trace of its own', () => {
    startDeliverySpan(tracing, [claimed('e-1')]).end();
    expect(exported.getFinishedSpans()[0].parentSpanContext).toBeUndefined();
  });

  it('a batch: a trace of its own, linked to each event stored with a trace context; each verdict an event', () => {
    const batch = [claimed('e-1', stored(1)), claimed('e-2', stored(2), 4), claimed('e-3')];
    const span = startDeliverySpan(tracing, batch);
    recordVerdicts(span, batch, [
      judged(deliveredVerdict(200)),
      judged(deadVerdict(400, 'bad')),
      judged(deliveredVerdict(200)),
    ]);
    span.end();
    const [done] = exported.getFinishedSpans();
    expect(done.parentSpanContext).toBeUndefined();
    expect(done.spanContext().traceId).not.toMatch(/^(1+|2+)$/);
    expect(done.links.map((l) => [l.context.spanId, l.attributes])).toEqual([
      ['1'.repeat(16), { 'crm_sync.event.id': 'e-1', 'crm_sync.delivery.attempt': 1 }],
      ['2'.repeat(16), { 'crm_sync.event.id': 'e-2', 'crm_sync.delivery.attempt': 5 }],
    ]);
    expect(done.attributes).toMatchObject({
      'crm_sync.delivery.batch_size': 3,
      'crm_sync.delivery.attempt': 5,
      'crm_sync.delivery.verdict': 'mixed',
    });
    expect(done.events.map((e) => e.attributes)).toEqual([
      { 'crm_sync.event.id': 'e-1', 'crm_sync.delivery.verdict': 'delivered' },
      { 'crm_sync.event.id': 'e-2', 'crm_sync.delivery.verdict': 'dead' },
      { 'crm_sync.event.id': 'e-3', 'crm_sync.delivery.verdict': 'delivered' },
    ]);
  });

  it('with tracing off: a span that records nothing', () => {
    expect(startDeliverySpan(new NoTracing(), [claimed('e-1', stored(1))]).isRecording()).toBe(false);
  });
});
