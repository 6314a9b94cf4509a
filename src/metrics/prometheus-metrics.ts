import { makeCounterProvider, makeGaugeProvider, makeHistogramProvider } from '@willsoto/nestjs-prometheus';

/**
 * Every series the service documents (docs/operations.md). Labels are bounded (route, outcome, object type, status code); never an
 * id. prom-client's default registry is process-wide, so willsoto's providers get-or-create: two
 * apps in one process (tests) share the series.
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
} as const;

export const metricProviders = [
  makeCounterProvider({
    name: METRIC.webhooks,
    help: 'Webhooks answered, by route and outcome',
    labelNames: ['route', 'outcome'],
  }),
  makeHistogramProvider({
    name: METRIC.ack,
    help: 'Webhook receipt to answer, in seconds',
    labelNames: ['route'],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
  }),
  makeHistogramProvider({
    name: METRIC.delivery,
    help: 'Webhook receipt to confirmed CRM upsert, in seconds (outages make it long)',
    labelNames: ['object'],
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 900, 1800, 3600],
  }),
  makeCounterProvider({
    name: METRIC.requests,
    help: 'CRM requests made, by object type and HTTP status (or timeout / network)',
    labelNames: ['object', 'code'],
  }),
  makeHistogramProvider({
    name: METRIC.requestSeconds,
    help: 'Duration of one CRM request, in seconds',
    labelNames: ['object'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15, 30],
  }),
  makeGaugeProvider({
    name: METRIC.circuit,
    help: 'CRM circuit breaker: 0 closed, 1 half-open, 2 open',
  }),
  makeCounterProvider({
    name: METRIC.tokenRequests,
    help: 'OAuth2 token requests, by outcome',
    labelNames: ['outcome'],
  }),
  makeGaugeProvider({
    name: METRIC.queue,
    help: 'Events in the store by state, read at scrape time',
    labelNames: ['state'],
  }),
  makeGaugeProvider({
    name: METRIC.oldestQueuedAge,
    help: 'Seconds since the oldest queued event was received (0 when none is queued), read at scrape time',
  }),
  makeGaugeProvider({
    name: METRIC.ready,
    help: 'Whether GET /health/ready answers ready (1) or 503 (0), read at scrape time',
  }),
  makeCounterProvider({
    name: METRIC.deadLetters,
    help: 'Events dead-lettered, by object type',
    labelNames: ['object'],
  }),
  makeCounterProvider({
    name: METRIC.upserts,
    help: 'Upserts the CRM confirmed, by object type and result (created, updated, unknown)',
    labelNames: ['object', 'result'],
  }),
];
