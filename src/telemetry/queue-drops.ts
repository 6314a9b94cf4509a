import { Counter, createNoopMeter, Meter, MeterProvider, MetricAttributes } from '@opentelemetry/api';
import { ATTR_ERROR_TYPE } from '@opentelemetry/semantic-conventions';

/**
 * The batch span processor's own count of the spans it is done with
 * (https://opentelemetry.io/docs/specs/semconv/otel/sdk-metrics/), still in development: copied
 * here, as the semantic-conventions package advises for unstable names.
 */
const SPANS_PROCESSED = 'otel.sdk.processor.span.processed';
/** Its `error.type` for a span that ended while the queue was full. */
const QUEUE_FULL = 'queue_full';

/**
 * For the batch span processor's `selfObsMeterProvider`: the one place the SDK reports spans it
 * drops because its queue is full (else only to its diagnostics, off here). Every other
 * instrument it asks for is a no-op; nothing is registered globally.
 */
export function queueDropsMeterProvider(onDropped: (count: number) => void): MeterProvider {
  const noop = createNoopMeter();
  const createCounter = <A extends MetricAttributes>(name: string): Counter<A> =>
    name !== SPANS_PROCESSED
      ? noop.createCounter(name)
      : {
          add: (count: number, attributes?: A) => {
            if (attributes?.[ATTR_ERROR_TYPE] === QUEUE_FULL) onDropped(count);
          },
        };
  const meter: Meter = Object.assign(Object.create(noop) as Meter, { createCounter });
  return { getMeter: () => meter };
}
