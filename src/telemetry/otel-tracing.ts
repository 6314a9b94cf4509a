import {
  Context,
  defaultTextMapGetter,
  isSpanContextValid,
  ROOT_CONTEXT,
  Span,
  SpanOptions,
  trace,
} from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BasicTracerProvider,
  ParentBasedSampler,
  Sampler,
  SpanProcessor,
  TraceIdRatioBasedSampler,
} from '@opentelemetry/sdk-trace-base';
import { ATTR_SERVICE_INSTANCE_ID, ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import { OnApplicationShutdown } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { TracingConfig } from '../config/tracing.config';
import { HeaderCarrier, TraceHeaders, TraceLogFields, Tracing } from './tracing';

const TRACER_NAME = 'cognigy-crm-sync';

/** The sampler OTEL_TRACES_SAMPLER names (and OTEL_TRACES_SAMPLER_ARG tunes). */
export function samplerOf({ sampler, samplerRatio }: Pick<TracingConfig, 'sampler' | 'samplerRatio'>): Sampler {
  switch (sampler) {
    case 'always_on':
      return new AlwaysOnSampler();
    case 'always_off':
      return new AlwaysOffSampler();
    case 'traceidratio':
      return new TraceIdRatioBasedSampler(samplerRatio);
    case 'parentbased_always_off':
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(samplerRatio) });
    case 'parentbased_always_on':
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
  }
}

/**
 * Tracing on: the OpenTelemetry SDK, its ended spans handed to `processor` (in the service the
 * batch processor and OTLP/HTTP (JSON) exporter of otlp-export.ts; in specs an in-memory one),
 * configured from the validated OTEL_* variables only. Nothing is registered globally (no global
 * tracer provider, propagator or context manager): the spans are this service's, started through
 * this object, so several applications in one process (the tests) keep their traces apart.
 * The running span follows async work through AsyncLocalStorage, enabled only here.
 */
export class OtelTracing extends Tracing implements OnApplicationShutdown {
  readonly enabled = true;
  private readonly provider: BasicTracerProvider;
  private readonly tracer;
  private readonly contexts = new AsyncLocalStorageContextManager().enable();
  private readonly propagator = new W3CTraceContextPropagator();

  constructor(config: TracingConfig, processor: SpanProcessor) {
    super();
    this.provider = new BasicTracerProvider({
      resource: defaultResource().merge(
        resourceFromAttributes({ [ATTR_SERVICE_NAME]: config.serviceName, [ATTR_SERVICE_INSTANCE_ID]: randomUUID() }),
      ),
      sampler: samplerOf(config),
      spanProcessors: [processor],
    });
    this.tracer = this.provider.getTracer(TRACER_NAME);
  }

  startSpan(name: string, options?: SpanOptions, parent?: Context): Span {
    return this.tracer.startSpan(name, options, parent ?? this.contexts.active());
  }

  withSpan<T>(span: Span, work: () => T): T {
    return this.contexts.with(trace.setSpan(this.contexts.active(), span), work);
  }

  extract(headers: HeaderCarrier): Context {
    return this.propagator.extract(ROOT_CONTEXT, headers, defaultTextMapGetter);
  }

  headersOf(span: Span): TraceHeaders | undefined {
    const carrier: Partial<TraceHeaders> = {};
    this.propagator.inject(trace.setSpan(ROOT_CONTEXT, span), carrier, {
      set: (into, key, value) => ((into as Record<string, string>)[key] = value),
    });
    return carrier.traceparent === undefined ? undefined : (carrier as TraceHeaders);
  }

  logFields(): TraceLogFields | undefined {
    const context = trace.getSpan(this.contexts.active())?.spanContext();
    return context && isSpanContextValid(context) ? { trace_id: context.traceId, span_id: context.spanId } : undefined;
  }

  /** Exports what is still buffered, then stops (after every module's beforeApplicationShutdown). */
  async onApplicationShutdown(): Promise<void> {
    this.contexts.disable();
    await this.provider.shutdown();
  }
}
