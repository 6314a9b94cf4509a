import type { SecuritySchemeObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import { StoredEvent } from '../queue/stored-event';
import type { SwaggerApi } from '../shared/api-docs';
import { errorResponses, VALIDATION_ANSWER } from '../shared/error-answer-docs';
import { AdminErrorAnswers, RemovedTargetReplayAnswers, RouteFilterErrorAnswers } from './admin-errors';
import { activityView, deadLetterView, eventDetailView, eventView } from './event-views';

export const ADMIN_SECURITY = 'admin';
export const ADMIN_SECURITY_SCHEME: SecuritySchemeObject = {
  type: 'http',
  scheme: 'bearer',
  description: 'ADMIN_TOKEN. Unset: every /admin route answers 404.',
};

/** A dead letter as the store holds it, to show the views of the answers. */
const SAMPLE: StoredEvent = {
  eventId: '3f7c9a…',
  event: {
    eventId: '3f7c9a…',
    source: 'endpoint-output',
    conversationId: 'session-41aa',
    botId: 'bot-1',
    status: 'completed',
    intent: 'log_support_ticket',
    entities: { ticketId: { value: 'T-77', confidence: 0 } },
    timestamp: '2026-11-26T10:00:00Z',
    metadata: {},
  },
  upsert: {
    intent: 'log_support_ticket',
    objectType: 'ticket',
    method: 'POST',
    path: '/tickets/upsert',
    externalId: 'T-77',
    body: { external_id: 'T-77', priority: 'high' },
  },
  eventTime: Date.parse('2026-11-26T10:00:00Z'),
  receivedAt: Date.parse('2026-11-26T10:00:00.120Z'),
  requestId: 'req-1',
  state: 'dead',
  attempts: 1,
  replays: 0,
  nextAttemptAt: 0,
  lastStatus: 400,
  lastError: '{"error":"invalid_field"}',
  crmRecordId: null,
  created: null,
  deliveredAt: null,
  failedAt: Date.parse('2026-11-26T10:00:01.002Z'),
};
const ATTEMPT = { at: Date.parse('2026-11-26T10:00:01Z'), status: 400, error: 'CRM answered 400', durationMs: 12 };

export const ADMIN_EXAMPLES = {
  deadLetters: { items: [deadLetterView(SAMPLE)], nextCursor: null },
  events: { items: [eventView(SAMPLE)], nextCursor: null },
  event: eventDetailView(SAMPLE, [ATTEMPT]),
  stats: {
    states: { queued: 0, delivered: 120, dead: 1, stale: 0 },
    ...activityView({ perMinute: [{ minute: ATTEMPT.at, delivered: 12, deadLettered: 1 }], oldestQueuedAt: null }, 0),
    breaker: 'closed',
    token: { mode: 'client_credentials', cached: true },
    sla: { status: 'no_data' },
  },
  routeNames: { routed: true, sources: ['chat', 'voice'], targets: ['crm', 'desk'], removedTargets: ['legacy'] },
};

interface Answer {
  status: number;
  description: string;
  example?: unknown;
}

/**
 * An /admin route's documentation: the bearer token, its answers, and the admin error answers
 * (plus, for a route with query filters, the validation pipe's 400 and the unknown route name's;
 * for a replay route, the refusal of a removed target).
 */
export function adminRouteDocs(
  api: SwaggerApi,
  summary: string,
  answers: Answer[],
  { validated = false, replays = false } = {},
): MethodDecorator[] {
  return [
    api.ApiTags('admin'),
    api.ApiOperation({ summary }),
    api.ApiBearerAuth(ADMIN_SECURITY),
    ...answers.map(({ status, description, example }) =>
      api.ApiResponse({
        status,
        description,
        ...(example === undefined ? {} : { content: { 'application/json': { example } } }),
      }),
    ),
    ...errorResponses(api, [
      AdminErrorAnswers,
      ...(validated ? [VALIDATION_ANSWER, RouteFilterErrorAnswers] : []),
      ...(replays ? [RemovedTargetReplayAnswers] : []),
    ]),
  ];
}
