/**
 * What the Webhook, Crm and Queue modules (and the trace exporter) report as it happens, for
 * observers they do not know (the Metrics module). Every field that becomes a Prometheus label has
 * a bounded set of values.
 */

export const WEBHOOK_ANSWER_KINDS = [
  'accepted',
  'duplicate',
  'ignored',
  'unauthorized',
  'invalid',
  'unsupported',
  'too_large',
  'unsupported_media',
  'unavailable',
] as const;
/** What a webhook answer said, as the `outcome` label of the webhook counter; `error` for any other status. */
export type WebhookAnswerKind = (typeof WEBHOOK_ANSWER_KINDS)[number] | 'error';

export const WEBHOOK_ROUTE_LABELS = ['dialog-complete', 'endpoint-output'] as const;
export type WebhookRoute = (typeof WEBHOOK_ROUTE_LABELS)[number];

export type BreakerState = 'closed' | 'half-open' | 'open';

/** A webhook answer was written; `seconds` from receipt to answer. */
export interface WebhookAnswered {
  route: WebhookRoute;
  /** The source whose route it came on (`POST /webhooks/cognigy/<source>/…`); unset: `default`. */
  source?: string;
  kind: WebhookAnswerKind;
  seconds: number;
}

/** One HTTP exchange with the CRM API ended. */
export interface CrmRequestMade {
  /** The target it was for (a name of the routing configuration); unset: `default`. */
  target?: string;
  objectType: string;
  /** HTTP status, or `timeout` / `network`. */
  code: string;
  seconds: number;
}

/** The CRM confirmed an event's upsert. */
export interface EventDelivered {
  /** The target it was for (a name of the routing configuration); unset: `default`. */
  target?: string;
  objectType: string;
  /** Receipt time of the webhook, epoch milliseconds. */
  receivedAt: number;
  /** Whether the CRM created the record (false: updated; null: its answer did not say). */
  created: boolean | null;
}

/** An event was given up on and kept as a dead letter. */
export interface EventDeadLettered {
  /** The target it was for (a name of the routing configuration); unset: `default`. */
  target?: string;
  objectType: string;
}

export interface BreakerStateChanged {
  /** The target it was for (a name of the routing configuration); unset: `default`. */
  target?: string;
  state: BreakerState;
}

export const TOKEN_OUTCOMES = ['success', 'failure'] as const;

/**
 * Redis lost the event store's keys (restarted without persistence, failed over to an empty
 * replica, flushed); `believedQueued`: the events this instance last counted queued there.
 */
export interface StoreResetNoticed {
  believedQueued: number;
}

/** One request to the OAuth2 token endpoint ended. */
export interface TokenRequested {
  /** The target it was for (a name of the routing configuration); unset: `default`. */
  target?: string;
  result: (typeof TOKEN_OUTCOMES)[number];
}

/**
 * Why spans never reached the collector: `export_failed`, the collector refused them or could not
 * be reached (after the exporter's own retries); `queue_full`, they ended while the export queue
 * was full (OTEL_BSP_MAX_QUEUE_SIZE, what a slow or dead collector leads to under load).
 */
export const SPAN_DROP_REASONS = ['export_failed', 'queue_full'] as const;
export type SpanDropReason = (typeof SPAN_DROP_REASONS)[number];

/** Spans the trace exporter dropped. */
export interface SpansDropped {
  reason: SpanDropReason;
  count: number;
}
