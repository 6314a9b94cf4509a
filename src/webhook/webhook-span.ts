import { ROOT_CONTEXT, Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import {
  ATTR_ERROR_TYPE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_URL_PATH,
  ATTR_URL_SCHEME,
} from '@opentelemetry/semantic-conventions';
import { DialogCompletedEvent } from '../shared/dialog-completed-event';
import { Tracing } from '../telemetry/tracing';
import { WebhookAnswerKind } from '../telemetry/telemetry-signals';
import { Response } from 'express';
import { WebhookRequest } from './request/webhook-request';

/** The ids of a request's span, for its access line. */
export interface WebhookTraceIds {
  trace_id: string;
  span_id: string;
}

/** The route's template, as few values as there are routes: a named source's segment is `:source`. */
function routeOf(path: string): string {
  const parts = path.split('/');
  return parts.length === 5 ? [...parts.slice(0, 3), ':source', parts[4]].join('/') : path;
}

/**
 * The server span of one webhook request, from its receipt until its connection is done with it:
 * it continues the trace of an inbound W3C `traceparent` (a new trace without a valid one), and
 * its ids go on the request's access line. Only with tracing on; nothing of the body, no header.
 */
export function startReceiveSpan(
  tracing: Tracing,
  req: WebhookRequest,
  res: Response<unknown, { trace?: WebhookTraceIds }>,
): void {
  const path = req.originalUrl.split('?')[0];
  const route = routeOf(path);
  const span = tracing.startSpan(
    `${req.method} ${route}`,
    {
      kind: SpanKind.SERVER,
      attributes: {
        [ATTR_HTTP_REQUEST_METHOD]: req.method,
        [ATTR_URL_PATH]: path,
        [ATTR_URL_SCHEME]: req.protocol,
        [ATTR_HTTP_ROUTE]: route,
      },
    },
    tracing.extract(req.headers),
  );
  req.span = span;
  const { traceId, spanId } = span.spanContext();
  res.locals.trace = { trace_id: traceId, span_id: spanId };
  res.once('close', () => {
    if (req.webhookAuth) span.setAttribute('crm_sync.webhook.auth_mode', req.webhookAuth.mode);
    if (res.writableFinished) {
      span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, res.statusCode);
      // A server span is an error for 5xx only: a 4xx is the client's.
      if (res.statusCode >= 500) span.setAttribute(ATTR_ERROR_TYPE, String(res.statusCode));
    } else span.setAttribute(ATTR_ERROR_TYPE, 'aborted');
    if (res.statusCode >= 500 || !res.writableFinished) span.setStatus({ code: SpanStatusCode.ERROR });
    span.end();
  });
}

/** The event a webhook request carried, on its span. */
export function spanEvent(req: WebhookRequest, event: DialogCompletedEvent): void {
  if (!req.span?.isRecording()) return;
  req.span.setAttributes({
    'crm_sync.event.id': event.eventId,
    'crm_sync.event.intent': event.intent,
    'crm_sync.event.source': event.source,
    'crm_sync.webhook.source': req.webhookSource.name,
  });
}

/** What the answer said (accepted, duplicate, ignored, or the refusal's kind), on the request's span. */
export function spanAnswer(req: WebhookRequest, said: WebhookAnswerKind): void {
  req.span?.setAttribute('crm_sync.webhook.answer', said);
}

/**
 * The span of the durable write, under the request's: the trace context the event is stored with
 * is this span's, so its deliveries are found under it. None with tracing off.
 */
export function startWriteSpan(tracing: Tracing, req: WebhookRequest, eventId: string): Span | undefined {
  if (req.span === undefined) return undefined;
  const parent = trace.setSpan(ROOT_CONTEXT, req.span);
  return tracing.startSpan(
    'event store write',
    { kind: SpanKind.PRODUCER, attributes: { 'crm_sync.event.id': eventId } },
    parent,
  );
}

/** How the write ended: stored, recognised as a duplicate, or failed (its error's name only). */
export function endWriteSpan(span: Span | undefined, outcome: { stored: string } | { failed: unknown }): void {
  if (span === undefined) return;
  if ('stored' in outcome) span.setAttribute('crm_sync.store.outcome', outcome.stored);
  else {
    span.setAttribute(ATTR_ERROR_TYPE, (outcome.failed as Error)?.name ?? 'Error');
    span.setStatus({ code: SpanStatusCode.ERROR });
  }
  span.end();
}
