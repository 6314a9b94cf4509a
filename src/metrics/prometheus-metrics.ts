import { Injectable } from '@nestjs/common';
import { Counter, Histogram, Registry } from 'prom-client';
import { RouteLabels } from './route-labels';

/**
 * Every series the service documents (docs/operations.md). Labels are bounded (route, outcome,
 * object type, status code, and with ROUTES_FILE target and source names); never an id.
 */
export const METRIC = {
  webhooks: 'cognigy_webhooks_total',
  ack: 'cognigy_webhook_ack_seconds',
  delivery: 'crm_delivery_seconds',
  requests: 'crm_requests_total',
  requestSeconds: 'crm_request_seconds',
  circuit: 'crm_circuit_state',
  tokenRequests: 'crm_token_requests_total',
  queue: 'queue_events',
  oldestQueuedAge: 'queue_oldest_event_age_seconds',
  ready: 'service_ready',
  deadLetters: 'crm_dead_letters_total',
  upserts: 'crm_upserts_total',
  storeResets: 'queue_store_resets_total',
  spansDropped: 'tracing_spans_dropped_total',
} as const;

/**
 * The series recorded as things happen (counters and histograms), created in this application's
 * registry. The gauges that mirror state are read at scrape time instead (scrape-time-gauges.ts).
 */
@Injectable()
export class RecordedSeries {
  readonly webhooks: Counter<'route' | 'outcome' | 'source'>;
  readonly ack: Histogram<'route' | 'source'>;
  readonly delivery: Histogram<'object' | 'target'>;
  readonly requests: Counter<'object' | 'code' | 'target'>;
  readonly requestSeconds: Histogram<'object' | 'target'>;
  readonly tokenRequests: Counter<'outcome' | 'target'>;
  readonly deadLetters: Counter<'object' | 'target'>;
  readonly upserts: Counter<'object' | 'result' | 'target'>;
  readonly storeResets: Counter;
  readonly spansDropped: Counter<'reason'>;

  constructor(registry: Registry, routes: RouteLabels) {
    const registers = [registry];
    const source = routes.sourceNames();
    const target = routes.targetNames();
    this.webhooks = new Counter({
      name: METRIC.webhooks,
      help: 'Webhooks answered, by route and outcome',
      labelNames: ['route', 'outcome', ...source],
      registers,
    });
    this.ack = new Histogram({
      name: METRIC.ack,
      help: 'Webhook receipt to answer, in seconds',
      labelNames: ['route', ...source],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
      registers,
    });
    this.delivery = new Histogram({
      name: METRIC.delivery,
      help: 'Webhook receipt to confirmed CRM upsert, in seconds (outages make it long)',
      labelNames: ['object', ...target],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 900, 1800, 3600],
      registers,
    });
    this.requests = new Counter({
      name: METRIC.requests,
      help: 'CRM requests made, by object type and HTTP status (or timeout / network)',
      labelNames: ['object', 'code', ...target],
      registers,
    });
    this.requestSeconds = new Histogram({
      name: METRIC.requestSeconds,
      help: 'Duration of one CRM request, in seconds',
      labelNames: ['object', ...target],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15, 30],
      registers,
    });
    this.tokenRequests = new Counter({
      name: METRIC.tokenRequests,
      help: 'OAuth2 token requests, by outcome',
      labelNames: ['outcome', ...target],
      registers,
    });
    this.deadLetters = new Counter({
      name: METRIC.deadLetters,
      help: 'Events dead-lettered, by object type',
      labelNames: ['object', ...target],
      registers,
    });
    this.upserts = new Counter({
      name: METRIC.upserts,
      help: 'Upserts the CRM confirmed, by object type and result (created, updated, unknown)',
      labelNames: ['object', 'result', ...target],
      registers,
    });
    this.storeResets = new Counter({
      name: METRIC.storeResets,
      help: "Times this instance found Redis had lost the event store's keys (restart without persistence, flush)",
      registers,
    });
    this.spansDropped = new Counter({
      name: METRIC.spansDropped,
      help: 'Trace spans that never reached the OTLP collector: export_failed (refused or unreachable), queue_full',
      labelNames: ['reason'],
      registers,
    });
  }
}
