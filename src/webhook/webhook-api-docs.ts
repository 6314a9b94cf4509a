import type { Type } from '@nestjs/common';
import type { SecuritySchemeObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import { LifecycleErrorAnswers } from '../lifecycle/lifecycle-errors';
import { MappingErrorAnswers } from '../mapping/mapping-errors';
import { QueueErrorAnswers } from '../queue/queue-error-answers';
import type { SwaggerApi } from '../shared/api-docs';
import { errorResponses } from '../shared/error-answer-docs';
import { WebhookAuthMode } from './request/webhook-auth-mode';
import { MAX_EVENT_ID } from './dto/body-limits';
import { DIALOG_COMPLETE_EXAMPLE, ENDPOINT_OUTPUT_EXAMPLE } from './dto/body-examples';
import { DialogCompleteDto } from './dto/dialog-complete.dto';
import { EndpointOutputDto } from './dto/endpoint-output.dto';
import { WebhookErrorAnswers } from './request/webhook-errors';

/** How each auth mode proves the sender (the document's security schemes, named after the modes). */
export const WEBHOOK_SECURITY_SCHEMES: Record<WebhookAuthMode, SecuritySchemeObject> = {
  hmac: {
    type: 'apiKey',
    in: 'header',
    name: 'X-Cognigy-Signature',
    description:
      'Hex HMAC-SHA256 of the raw body with a secret of COGNIGY_WEBHOOK_SECRETS (optional `sha256=` prefix). ' +
      'With X-Cognigy-Timestamp (Unix seconds) the signed content is `<timestamp>.<raw body>`.',
  },
  basic: { type: 'http', scheme: 'basic', description: 'WEBHOOK_BASIC_USER / WEBHOOK_BASIC_PASSWORD.' },
  apikey: { type: 'apiKey', in: 'header', name: 'X-API-Key', description: 'One of WEBHOOK_API_KEYS.' },
  standard: {
    type: 'apiKey',
    in: 'header',
    name: 'webhook-signature',
    description:
      'Standard Webhooks: `webhook-id`, `webhook-timestamp` and `webhook-signature` (`v1,<base64 HMAC-SHA256>` ' +
      'over `<id>.<timestamp>.<raw body>`, secrets STANDARD_WEBHOOK_SECRETS). Svix sends the same as ' +
      '`svix-id`, `svix-timestamp`, `svix-signature`.',
  },
};

const HEADERS: [string, string][] = [
  [
    'X-Cognigy-Timestamp',
    'hmac: Unix seconds, signed as `<timestamp>.<raw body>` (required with WEBHOOK_REQUIRE_TIMESTAMP)',
  ],
  ['Idempotency-Key', `Your event id (visible ASCII, at most ${MAX_EVENT_ID} characters)`],
  ['X-Cognigy-Event-Id', 'Your event id, when Idempotency-Key is absent'],
  ['webhook-id', 'standard: the message id, then also the event id (alias svix-id)'],
  ['webhook-timestamp', 'standard: Unix seconds within WEBHOOK_TOLERANCE_SECONDS (alias svix-timestamp)'],
  ['X-Request-Id', 'Kept as the request id and echoed'],
];

const receipt = (status: string, eventId = '3f7c9a…') => ({ status, eventId });

export interface WebhookRouteDocs {
  summary: string;
  body: Type;
  /** A body the route accepts (202), shown as the request example. */
  example: object;
  /** What a 200 means on this route, with its examples. */
  ok: { description: string; examples: Record<string, object> };
}

/**
 * A webhook route's documentation: any enabled auth mode, the id and signing headers, the body
 * (the DTO's schema), 202 and 200, and every error answer of the modules it passes through.
 */
export function webhookRouteDocs(api: SwaggerApi, docs: WebhookRouteDocs): MethodDecorator[] {
  const json = (examples: Record<string, object>) =>
    Object.fromEntries(Object.entries(examples).map(([name, value]) => [name, { value }]));
  return [
    api.ApiTags('webhooks'),
    api.ApiOperation({ summary: docs.summary }),
    ...Object.keys(WEBHOOK_SECURITY_SCHEMES).map((mode) => api.ApiSecurity(mode)),
    ...HEADERS.map(([name, description]) => api.ApiHeader({ name, description, required: false })),
    api.ApiBody({ type: docs.body, examples: json({ dialogCompleted: docs.example }) }),
    api.ApiResponse({
      status: 202,
      description: "Stored durably (committed and fsync'd) before this answer",
      content: { 'application/json': { examples: json({ accepted: receipt('accepted') }) } },
    }),
    api.ApiResponse({
      status: 200,
      description: docs.ok.description,
      content: { 'application/json': { examples: json(docs.ok.examples) } },
    }),
    ...errorResponses(api, [WebhookErrorAnswers, MappingErrorAnswers, QueueErrorAnswers, LifecycleErrorAnswers]),
  ];
}

export const DUPLICATE_ANSWER = {
  description: 'The same event (id or byte-identical body) was accepted within DEDUP_TTL_SECONDS',
  examples: { duplicate: receipt('duplicate') },
};

/** The `source` path parameter of a named source's routes. */
export const SOURCE_PARAM = (api: SwaggerApi): MethodDecorator =>
  api.ApiParam({
    name: 'source',
    description: "A source of ROUTES_FILE, authenticated with that source's auth modes and secrets only",
    example: 'chat',
  });

export const DIALOG_COMPLETE_DOCS: WebhookRouteDocs = {
  summary: 'A dialog completed (HTTP Request node at the end of a flow)',
  body: DialogCompleteDto,
  example: DIALOG_COMPLETE_EXAMPLE,
  ok: DUPLICATE_ANSWER,
};

export const ENDPOINT_OUTPUT_DOCS: WebhookRouteDocs = {
  summary: "A Webhook Endpoint's bot output (a dialog completion when AIOutput.data.intent is present)",
  body: EndpointOutputDto,
  example: ENDPOINT_OUTPUT_EXAMPLE,
  ok: {
    description: `${DUPLICATE_ANSWER.description}; or an output that is not a dialog completion (plain chat text)`,
    examples: { ...DUPLICATE_ANSWER.examples, ignored: { status: 'ignored' } },
  },
};
