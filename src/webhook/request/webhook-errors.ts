import { Injectable } from '@nestjs/common';
import { DomainError } from '../../shared/domain-error';
import { ErrorAnswers } from '../../shared/error-answers';

type WebhookErrorCode =
  | 'PAYLOAD_TOO_LARGE'
  | 'BODY_TIMEOUT'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'WEBHOOK_UNAUTHORIZED'
  | 'INVALID_PAYLOAD'
  | 'PENDING_BODIES_FULL'
  | 'UNKNOWN_SOURCE';

export class PayloadTooLargeError extends DomainError<WebhookErrorCode> {
  readonly code = 'PAYLOAD_TOO_LARGE';
  constructor(limit: number) {
    super(`Request body exceeds ${limit} bytes`);
  }
}

export class BodyTimeoutError extends DomainError<WebhookErrorCode> {
  readonly code = 'BODY_TIMEOUT';
  constructor(timeoutMs: number) {
    super(`Request body not received within ${timeoutMs} ms`);
  }
}

export class UnsupportedMediaTypeError extends DomainError<WebhookErrorCode> {
  readonly code = 'UNSUPPORTED_MEDIA_TYPE';
  constructor(contentType: string | undefined) {
    super(
      contentType
        ? `Unsupported content type: ${contentType.slice(0, 100)}; expected application/json`
        : 'Missing content type; expected application/json',
    );
  }
}

/** No enabled auth mode accepted the request; deliberately says nothing more. */
export class WebhookUnauthorizedError extends DomainError<WebhookErrorCode> {
  readonly code = 'WEBHOOK_UNAUTHORIZED';
  constructor() {
    super('Unauthorized');
  }
}

/** The bytes held for unauthenticated bodies (all, or this client's share) are at their cap. */
export class PendingBodiesFullError extends DomainError<WebhookErrorCode> {
  readonly code = 'PENDING_BODIES_FULL';
  constructor() {
    super('Too many request bodies are being received; retry shortly');
  }
}

/** `/webhooks/cognigy/<source>/…` names no source of the routing (ROUTES_FILE's, or `default`). */
export class UnknownSourceError extends DomainError<WebhookErrorCode> {
  readonly code = 'UNKNOWN_SOURCE';
  constructor(source: string) {
    super(`Unknown source: ${source.slice(0, 100)}`);
  }
}

export class InvalidPayloadError extends DomainError<WebhookErrorCode> {
  readonly code = 'INVALID_PAYLOAD';
  constructor(problems: string[]) {
    super(problems[0] ?? 'Invalid payload', problems);
  }
}

@Injectable()
export class WebhookErrorAnswers extends ErrorAnswers<WebhookErrorCode> {
  readonly answers = {
    PAYLOAD_TOO_LARGE: { status: 413, error: 'Payload Too Large', description: 'Body over WEBHOOK_MAX_BODY_BYTES' },
    BODY_TIMEOUT: {
      status: 408,
      error: 'Request Timeout',
      description: 'The body was not received within WEBHOOK_BODY_TIMEOUT_MS (the connection is then closed)',
    },
    UNSUPPORTED_MEDIA_TYPE: {
      status: 415,
      error: 'Unsupported Media Type',
      description: 'Content type other than application/json, or a content encoding',
    },
    WEBHOOK_UNAUTHORIZED: { status: 401, description: 'No enabled mode accepted the credentials (never says why)' },
    // Validation-style: every problem listed.
    INVALID_PAYLOAD: {
      status: 400,
      error: 'Bad Request',
      listDetails: true,
      description: 'Bad JSON, body or id header: every problem named',
    },
    UNKNOWN_SOURCE: {
      status: 404,
      error: 'Not Found',
      description: 'The path names no source of ROUTES_FILE (the unnamed routes are the source `default`)',
    },
    // Held bodies are answered within WEBHOOK_BODY_TIMEOUT_MS; room comes back as they are.
    PENDING_BODIES_FULL: {
      status: 503,
      error: 'Service Unavailable',
      retryAfterSeconds: 1,
      description:
        'Too many bodies are being read before their senders are authenticated (WEBHOOK_MAX_PENDING_BYTES): retry shortly',
    },
  };
}
