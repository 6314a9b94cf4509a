import type {
  OperationObject,
  ParameterObject,
  ResponseObject,
  SchemaObject,
} from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';

/** Names of the security schemes in the document. */
export const WEBHOOK_SECURITY = { hmac: 'hmac', basic: 'basic', apikey: 'apikey', standard: 'standard' } as const;
const ADMIN = [{ admin: [] }];
/** A webhook passes when any enabled mode (WEBHOOK_AUTH_MODES) accepts it. */
const WEBHOOK_AUTH = Object.values(WEBHOOK_SECURITY).map((scheme) => ({ [scheme]: [] }));

const json = (schema: SchemaObject | { $ref: string }, examples: Record<string, unknown>) => ({
  'application/json': {
    schema,
    examples: Object.fromEntries(Object.entries(examples).map(([name, value]) => [name, { value }])),
  },
});
const answer = (
  description: string,
  examples: Record<string, unknown> = {},
  headers?: ResponseObject['headers'],
): ResponseObject =>
  Object.keys(examples).length === 0
    ? { description, headers }
    : { description, headers, content: json({ type: 'object' }, examples) };
const RETRY_AFTER = {
  'Retry-After': { description: 'Seconds to wait before retrying', schema: { type: 'integer' as const } },
};

const ENTITY: SchemaObject = {
  type: 'object',
  required: ['value'],
  properties: {
    value: { oneOf: [{ type: 'string' }, { type: 'number' }, { type: 'boolean' }], description: 'Kept as a string' },
    confidence: { type: 'number', minimum: 0, maximum: 1, default: 0 },
  },
};

export const OPENAPI_SCHEMAS: Record<string, SchemaObject> = {
  DialogComplete: {
    type: 'object',
    required: ['conversationId', 'botId', 'status', 'intent', 'timestamp'],
    properties: {
      conversationId: { type: 'string', maxLength: 10000 },
      botId: { type: 'string', maxLength: 10000 },
      status: { type: 'string', maxLength: 10000 },
      intent: { type: 'string', maxLength: 10000, description: 'A mapped intent, else 422' },
      entities: { type: 'object', additionalProperties: ENTITY, default: {} },
      timestamp: {
        type: 'string',
        format: 'date-time',
        description: 'ISO-8601; at most WEBHOOK_MAX_FUTURE_SECONDS ahead',
      },
      metadata: { type: 'object', additionalProperties: true },
    },
  },
  EndpointOutput: {
    type: 'object',
    properties: {
      userId: { type: 'string' },
      sessionId: { type: 'string', description: 'The conversation id; required when AIOutput.data.intent is present' },
      AIOutput: {
        type: 'object',
        properties: {
          text: { type: 'string' },
          traceId: { type: 'string', description: 'The event id source' },
          source: { type: 'string' },
          data: {
            type: 'object',
            description: 'With an `intent`, the output is a dialog completion; otherwise it is ignored',
            properties: {
              intent: { type: 'string' },
              entities: { type: 'object', additionalProperties: ENTITY },
              status: { type: 'string', default: 'completed' },
              timestamp: { type: 'string', format: 'date-time', description: 'Default: the receipt time' },
              botId: { type: 'string', default: 'unknown' },
            },
          },
        },
      },
    },
  },
};

export const DIALOG_EXAMPLE = {
  conversationId: 'conv-8f2c',
  botId: 'bot-support-eu',
  status: 'completed',
  intent: 'update_customer_profile',
  entities: { customerId: { value: 'C-1001', confidence: 0.98 }, newStatus: { value: 'gold', confidence: 0.91 } },
  timestamp: '2026-11-26T10:00:00Z',
  metadata: { channel: 'voice' },
};

export const ENDPOINT_EXAMPLE = {
  userId: 'user123',
  sessionId: 'session123',
  AIOutput: {
    text: 'Your ticket is logged.',
    data: {
      intent: 'log_support_ticket',
      entities: { ticketId: { value: 'T-77' } },
      status: 'completed',
      timestamp: '2026-11-26T10:00:00Z',
      botId: 'bot-1',
    },
    traceId: 'endpoint-httpIncomingMessage-83b5',
    source: 'bot',
  },
};

const header = (name: string, description: string): ParameterObject => ({
  in: 'header',
  name,
  required: false,
  description,
  schema: { type: 'string' },
});
const WEBHOOK_HEADERS = [
  header(
    'X-Cognigy-Timestamp',
    'hmac: Unix seconds, signed as `<timestamp>.<raw body>` (mandatory with WEBHOOK_REQUIRE_TIMESTAMP)',
  ),
  header('Idempotency-Key', 'Your event id (at most 200 characters)'),
  header('X-Cognigy-Event-Id', 'Your event id, when Idempotency-Key is absent'),
  header('webhook-id', 'standard: the message id, then also the event id (alias svix-id)'),
  header('webhook-timestamp', 'standard: Unix seconds within WEBHOOK_TOLERANCE_SECONDS (alias svix-timestamp)'),
  header('X-Request-Id', 'Kept as the request id and echoed'),
];

const webhookAnswers = (extra: Record<string, ResponseObject>): Record<string, ResponseObject> => ({
  '202': answer("Stored durably (committed and fsync'd) before this answer", {
    accepted: { status: 'accepted', eventId: '3f7c9a…' },
  }),
  ...extra,
  '400': answer('Bad JSON or DTO: every bad field is named', {
    invalid: {
      statusCode: 400,
      message: ['intent must be a string', 'timestamp must be an ISO-8601 time'],
      error: 'Bad Request',
    },
  }),
  '401': answer('No enabled mode accepted the credentials (never says why)', {
    unauthorized: { statusCode: 401, message: 'Unauthorized' },
  }),
  '408': answer('The body was not received within WEBHOOK_BODY_TIMEOUT_MS'),
  '413': answer('Body over WEBHOOK_MAX_BODY_BYTES', {
    tooLarge: { statusCode: 413, message: 'Payload Too Large', error: 'Payload Too Large' },
  }),
  '415': answer('Content type other than application/json', {
    unsupportedMedia: { statusCode: 415, message: 'Unsupported Media Type', error: 'Unsupported Media Type' },
  }),
  '422': answer('Mapping checked at ingest, before storing', {
    unsupportedIntent: { statusCode: 422, message: 'Unsupported intent: order_pizza', error: 'Unprocessable Entity' },
    missingEntity: { statusCode: 422, message: 'Missing required entity: customerId', error: 'Unprocessable Entity' },
  }),
  '503': answer(
    'The store is unavailable or the service is shutting down: retry later',
    { unavailable: { statusCode: 503, message: 'Service unavailable', error: 'Service Unavailable' } },
    RETRY_AFTER,
  ),
});
const DUPLICATE = answer('The same event (id or byte-identical body) was accepted within DEDUP_TTL_SECONDS', {
  duplicate: { status: 'duplicate', eventId: '3f7c9a…' },
});

const EVENT_VIEW = {
  eventId: '3f7c9a…',
  state: 'dead',
  intent: 'update_customer_profile',
  objectType: 'contact',
  externalId: 'C-1001',
  attempts: 1,
  lastStatus: 400,
  lastError: '{"error":"invalid_field"}',
  receivedAt: '2026-11-26T10:00:00.120Z',
  deliveredAt: null,
};
const DEAD_LETTER = {
  eventId: '3f7c9a…',
  intent: 'update_customer_profile',
  objectType: 'contact',
  externalId: 'C-1001',
  attempts: 1,
  lastStatus: 400,
  lastError: '{"error":"invalid_field"}',
  failedAt: '2026-11-26T10:00:01.002Z',
};
const ADMIN_401 = answer('Missing or wrong bearer token', {
  unauthorized: { statusCode: 401, message: 'Unauthorized' },
});
const ADMIN_404 = (what: string) =>
  answer(`${what}, or ADMIN_TOKEN unset`, {
    notFound: { statusCode: 404, message: `${what} not found`, error: 'Not Found' },
  });
const ADMIN_400 = answer('A bad query parameter, named', {
  invalid: { statusCode: 400, message: ['limit must not be greater than 500'], error: 'Bad Request' },
});
const query = (name: string, description: string, schema: SchemaObject = { type: 'string' }): ParameterObject => ({
  in: 'query',
  name,
  required: false,
  description,
  schema,
});
const PAGE = [
  query('limit', 'Page size', { type: 'integer', minimum: 1, maximum: 500, default: 50 }),
  query('cursor', 'nextCursor of the previous page'),
];
const DEAD_LETTER_FILTERS = [
  query('intent', 'Only this intent'),
  query('objectType', 'Only this object type'),
  query('lastStatus', 'Only this last CRM status', { type: 'integer', minimum: 100, maximum: 599 }),
  query('failedAfter', 'Failed at or after (ISO-8601)', { type: 'string', format: 'date-time' }),
  query('failedBefore', 'Failed before (ISO-8601)', { type: 'string', format: 'date-time' }),
];
const EVENT_ID = { in: 'path' as const, name: 'eventId', required: true, schema: { type: 'string' as const } };
const LATENCY = {
  total_requests: 1000,
  mean_latency_ms: 41.2,
  p50_latency_ms: 35.1,
  p95_latency_ms: 88.4,
  p99_latency_ms: 140.9,
  sla_compliance_percent: 100,
  sla_threshold_seconds: 2,
  ack: {
    total_requests: 1000,
    mean_latency_ms: 1.9,
    p50_latency_ms: 1.6,
    p95_latency_ms: 3.8,
    p99_latency_ms: 6.1,
    sla_compliance_percent: 100,
    sla_threshold_seconds: 2,
  },
};

/** What the document says about each route, keyed `METHOD /path` as the document writes paths. */
export const OPENAPI_OPERATIONS: Record<string, Partial<OperationObject>> = {
  'POST /webhooks/cognigy/dialog-complete': {
    tags: ['webhooks'],
    summary: 'A dialog completed (HTTP Request node at the end of a flow)',
    security: WEBHOOK_AUTH,
    parameters: WEBHOOK_HEADERS,
    requestBody: {
      required: true,
      content: json({ $ref: '#/components/schemas/DialogComplete' }, { dialogCompleted: DIALOG_EXAMPLE }),
    },
    responses: webhookAnswers({ '200': DUPLICATE }),
  },
  'POST /webhooks/cognigy/endpoint-output': {
    tags: ['webhooks'],
    summary: "A Webhook Endpoint's bot output (a dialog completion when AIOutput.data.intent is present)",
    security: WEBHOOK_AUTH,
    parameters: WEBHOOK_HEADERS,
    requestBody: {
      required: true,
      content: json({ $ref: '#/components/schemas/EndpointOutput' }, { dialogCompleted: ENDPOINT_EXAMPLE }),
    },
    responses: webhookAnswers({
      '200': answer('A duplicate, or an output that is not a dialog completion (plain chat text)', {
        duplicate: { status: 'duplicate', eventId: 'endpoint-httpIncomingMessage-83b5' },
        ignored: { status: 'ignored' },
      }),
    }),
  },
  'GET /metrics/latency': {
    tags: ['metrics'],
    summary: 'SLA figures: end to end over the last LATENCY_WINDOW delivered events, `ack` over accepted webhooks',
    responses: {
      '200': answer('The figures (nearest-rank percentiles)', { figures: LATENCY, noData: { status: 'no_data' } }),
    },
  },
  'GET /metrics': {
    tags: ['metrics'],
    summary: 'Prometheus text format (docs/operations.md lists the series)',
    responses: {
      '200': {
        description: 'Prometheus exposition',
        content: { 'text/plain': { schema: { type: 'string' }, example: 'crm_circuit_state 0\n' } },
      },
    },
  },
  'GET /health/live': {
    tags: ['health'],
    summary: 'Liveness: 200 while the process serves HTTP (shutdown included)',
    responses: { '200': answer('Up', { up: { status: 'ok', info: {}, error: {}, details: {} } }) },
  },
  'GET /health/ready': {
    tags: ['health'],
    summary: 'Readiness: the store is writable and the service is not shutting down',
    responses: {
      '200': answer('Ready; details show breaker and token state (an open breaker does not make it unready)', {
        ready: {
          status: 'ok',
          info: { store: { status: 'up' }, crm: { status: 'up', breaker: 'closed' } },
          error: {},
          details: {},
        },
      }),
      '503': answer('Not ready: the store failed its latest commit, or the service is shutting down', {
        unready: { status: 'error', info: {}, error: { lifecycle: { status: 'down' } }, details: {} },
      }),
    },
  },
  'GET /admin/dead-letters': {
    tags: ['admin'],
    summary: 'Dead letters, newest first, filtered and paged',
    security: ADMIN,
    parameters: [...PAGE, ...DEAD_LETTER_FILTERS],
    responses: {
      '200': answer('One page', { page: { items: [DEAD_LETTER], nextCursor: null } }),
      '400': ADMIN_400,
      '401': ADMIN_401,
      '404': ADMIN_404('Route'),
    },
  },
  'POST /admin/dead-letters/replay': {
    tags: ['admin'],
    summary: 'Replay every dead letter matching the filters (dryRun=true only counts them)',
    security: ADMIN,
    parameters: [
      ...DEAD_LETTER_FILTERS,
      query('dryRun', 'true: count, change nothing', { type: 'string', enum: ['true', 'false'] }),
    ],
    responses: {
      '200': answer('dryRun=true: how many it would replay', { dryRun: { wouldReplay: 3 } }),
      '202': answer('Replayed: attempts reset to 0, state queued', { replayed: { replayed: 3 } }),
      '400': ADMIN_400,
      '401': ADMIN_401,
      '404': ADMIN_404('Route'),
    },
  },
  'POST /admin/dead-letters/{eventId}/replay': {
    tags: ['admin'],
    summary: 'Replay one dead letter (sent with Idempotency-Key cognigy-<eventId>-r<n>)',
    security: ADMIN,
    parameters: [EVENT_ID],
    responses: {
      '202': answer('Queued again', { queued: { eventId: '3f7c9a…', state: 'queued' } }),
      '401': ADMIN_401,
      '404': ADMIN_404('Dead letter'),
    },
  },
  'DELETE /admin/dead-letters/{eventId}': {
    tags: ['admin'],
    summary: 'Delete one dead letter',
    security: ADMIN,
    parameters: [EVENT_ID],
    responses: { '204': { description: 'Deleted' }, '401': ADMIN_401, '404': ADMIN_404('Dead letter') },
  },
  'GET /admin/events': {
    tags: ['admin'],
    summary: 'Search events (at least one filter), newest first',
    security: ADMIN,
    parameters: [
      query('conversationId', 'Conversation id'),
      query('externalId', "The CRM record's external id"),
      query('state', 'Event state', { type: 'string', enum: ['queued', 'delivered', 'dead', 'stale'] }),
      query('intent', 'Intent'),
      ...PAGE,
    ],
    responses: {
      '200': answer('One page', { page: { items: [EVENT_VIEW], nextCursor: null } }),
      '400': ADMIN_400,
      '401': ADMIN_401,
      '404': ADMIN_404('Route'),
    },
  },
  'GET /admin/events/{eventId}': {
    tags: ['admin'],
    summary: 'One event: state, every CRM attempt, the mapped upsert body',
    security: ADMIN,
    parameters: [EVENT_ID],
    responses: {
      '200': answer('The event', {
        event: {
          ...EVENT_VIEW,
          conversationId: 'conv-8f2c',
          attemptHistory: [
            {
              at: '2026-11-26T10:00:01.000Z',
              status: 400,
              error: 'CRM answered 400: {"error":"invalid_field"}',
              durationMs: 12,
            },
          ],
          upsert: { external_id: 'C-1001', status: 'gold' },
        },
      }),
      '401': ADMIN_401,
      '404': ADMIN_404('Event'),
    },
  },
  'GET /console': {
    tags: ['console'],
    summary: "The operators' console (a web page using the /admin API; sign in with ADMIN_TOKEN)",
    responses: {
      '200': {
        description: 'The page, with a Content-Security-Policy that forbids inline script',
        content: { 'text/html': { schema: { type: 'string' } } },
      },
      '404': ADMIN_404('Route'),
    },
  },
  'GET /console/{file}': {
    tags: ['console'],
    summary: "One of the console's own scripts or styles",
    parameters: [{ in: 'path', name: 'file', required: true, schema: { type: 'string' }, example: 'console.js' }],
    responses: {
      '200': {
        description: 'The file',
        content: { 'text/javascript': { schema: { type: 'string' } }, 'text/css': { schema: { type: 'string' } } },
      },
      '404': ADMIN_404('File'),
    },
  },
  'GET /admin/stats': {
    tags: ['admin'],
    summary: "The console's overview: states, per-minute activity, oldest queued event, breaker, token, SLA",
    security: ADMIN,
    responses: {
      '200': answer('The overview', {
        stats: {
          states: { queued: 0, delivered: 120, dead: 1, stale: 0 },
          perMinute: [{ minute: '2026-11-26T10:00:00.000Z', delivered: 12, deadLettered: 0 }],
          oldestQueuedAgeSeconds: null,
          breaker: 'closed',
          token: { mode: 'client_credentials', cached: true },
          sla: LATENCY,
        },
      }),
      '401': ADMIN_401,
      '404': ADMIN_404('Route'),
    },
  },
};
