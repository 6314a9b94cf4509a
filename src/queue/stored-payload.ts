import { CrmUpsert, DialogCompletedEvent } from '../shared/dialog-completed-event';
import { NewEvent, StoredTraceContext } from './stored-event';

/**
 * What both drivers keep of an event in its `payload` (a SQLite column, a Redis hash field): the
 * event, its upsert and, when it was stored with tracing on, its trace context. A payload stored
 * before the trace context existed (or with tracing off) has none and loads as before.
 */
export type StoredPayload = Pick<NewEvent, 'event' | 'upsert' | 'trace'>;

export function storedPayload(event: DialogCompletedEvent, upsert: CrmUpsert, trace?: StoredTraceContext): string {
  return JSON.stringify(trace ? { event, upsert, trace } : { event, upsert });
}

export function fromPayload(text: string): StoredPayload {
  const { event, upsert, trace } = JSON.parse(text) as StoredPayload;
  return isTraceContext(trace) ? { event, upsert, trace } : { event, upsert };
}

function isTraceContext(value: unknown): value is StoredTraceContext {
  const context = value as Partial<StoredTraceContext> | null | undefined;
  return (
    typeof context?.traceparent === 'string' &&
    (context.tracestate === undefined || typeof context.tracestate === 'string')
  );
}
