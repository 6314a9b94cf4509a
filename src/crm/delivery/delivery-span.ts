import { Link, ROOT_CONTEXT, Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { ClaimedEvent, targetOf } from '../../queue/stored-event';
import { Tracing } from '../../telemetry/tracing';
import { EventVerdict } from '../connectors/verdict';

const SPAN_NAME = 'crm delivery';

/** The attempt an event's delivery is: one more than those it used before. */
const attemptOf = (event: ClaimedEvent) => event.attempts + 1;

/** The span an event was stored under, from the trace context kept with it. */
function storedSpanContext(tracing: Tracing, event: ClaimedEvent) {
  if (event.trace === undefined) return undefined;
  return trace.getSpanContext(tracing.extract({ ...event.trace }));
}

/**
 * The span of one delivery attempt (one CRM request's worth: an event, or a batch of one mapping).
 * One event: a child of the span that stored it, so the attempt is in the event's own trace
 * whichever instance makes it and however long after. A batch: a trace of its own with a link to
 * each event's stored span, since a span has one parent and the events came in different traces.
 */
export function startDeliverySpan(tracing: Tracing, batch: ClaimedEvent[]): Span {
  if (!tracing.enabled) return tracing.startSpan(SPAN_NAME);
  const [first] = batch;
  const attributes = {
    'crm_sync.target': targetOf(first),
    'crm_sync.object_type': first.upsert.objectType,
    'crm_sync.delivery.batch_size': batch.length,
    'crm_sync.delivery.attempt': Math.max(...batch.map(attemptOf)),
  };
  if (batch.length === 1) {
    const stored = storedSpanContext(tracing, first);
    const parent = stored ? trace.setSpanContext(ROOT_CONTEXT, stored) : ROOT_CONTEXT;
    const single = { ...attributes, 'crm_sync.event.id': first.eventId };
    return tracing.startSpan(SPAN_NAME, { kind: SpanKind.CONSUMER, attributes: single }, parent);
  }
  const links: Link[] = [];
  for (const event of batch) {
    const context = storedSpanContext(tracing, event);
    const linked = { 'crm_sync.event.id': event.eventId, 'crm_sync.delivery.attempt': attemptOf(event) };
    if (context) links.push({ context, attributes: linked });
  }
  return tracing.startSpan(SPAN_NAME, { kind: SpanKind.CONSUMER, attributes, links }, ROOT_CONTEXT);
}

/**
 * What the connector said: `crm_sync.delivery.verdict` is the one verdict every event got
 * (delivered, retry, dead, release) or `mixed`, with a `verdict` event per event of a batch.
 */
export function recordVerdicts(span: Span, batch: ClaimedEvent[], verdicts: EventVerdict[]): void {
  if (!span.isRecording()) return;
  const actions = verdicts.map(({ verdict }) => verdict.action);
  const one = actions.every((action) => action === actions[0]);
  span.setAttribute('crm_sync.delivery.verdict', one ? actions[0] : 'mixed');
  if (batch.length > 1) {
    batch.forEach((event, i) =>
      span.addEvent('verdict', { 'crm_sync.event.id': event.eventId, 'crm_sync.delivery.verdict': actions[i] }),
    );
  }
  if (actions.some((action) => action === 'dead' || action === 'retry')) span.setStatus({ code: SpanStatusCode.ERROR });
}
