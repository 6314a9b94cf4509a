import { Context, INVALID_SPAN_CONTEXT, ROOT_CONTEXT, Span, SpanOptions, trace } from '@opentelemetry/api';

/** The W3C trace context headers (https://www.w3.org/TR/trace-context/) of one span. */
export interface TraceHeaders {
  traceparent: string;
  tracestate?: string;
}

/** What a log line written inside a span carries. */
export interface TraceLogFields {
  trace_id: string;
  span_id: string;
}

/** Headers as Node and axios hold them. */
export type HeaderCarrier = Record<string, unknown>;

/**
 * The service's traces: the one tracer, owned by the Telemetry module, that Webhook, Queue and Crm
 * start their spans with. Every span is started explicitly (no auto-instrumentation). With tracing
 * off (`enabled` false) each method returns at once: no span is recorded, nothing is propagated.
 */
export abstract class Tracing {
  abstract readonly enabled: boolean;

  /** A span under `parent`, else under the span running now (see `withSpan`), else a new trace. */
  abstract startSpan(name: string, options?: SpanOptions, parent?: Context): Span;

  /** Runs `work` with `span` as the one running, for everything it awaits too. */
  abstract withSpan<T>(span: Span, work: () => T): T;

  /** The context an inbound `traceparent` (and `tracestate`) continues; the root context when none is valid. */
  abstract extract(headers: HeaderCarrier): Context;

  /** The W3C headers that make a receiver continue `span`'s trace. */
  abstract headersOf(span: Span): TraceHeaders | undefined;

  /** The ids of the span running now, for a log line. */
  abstract logFields(): TraceLogFields | undefined;
}

/** A span that records nothing: what every span is with tracing off. */
const NOT_RECORDED = trace.wrapSpanContext(INVALID_SPAN_CONTEXT);

/** Tracing off: no SDK, no context propagation (so no AsyncLocalStorage), no header sent. */
export class NoTracing extends Tracing {
  readonly enabled = false;

  startSpan(): Span {
    return NOT_RECORDED;
  }

  withSpan<T>(_span: Span, work: () => T): T {
    return work();
  }

  extract(): Context {
    return ROOT_CONTEXT;
  }

  headersOf(): TraceHeaders | undefined {
    return undefined;
  }

  logFields(): TraceLogFields | undefined {
    return undefined;
  }
}
