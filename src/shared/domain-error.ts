/**
 * Base of every error the service raises on purpose. The code decides the HTTP answer
 * (see DomainErrorFilter); services never build HTTP answers themselves.
 */
export type DomainErrorCode =
  | 'SHUTTING_DOWN'
  | 'PAYLOAD_TOO_LARGE'
  | 'BODY_TIMEOUT'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'UNAUTHORIZED'
  | 'INVALID_PAYLOAD'
  | 'UNSUPPORTED_INTENT'
  | 'MISSING_ENTITY'
  | 'STORE_UNAVAILABLE'
  | 'NOT_FOUND';

export abstract class DomainError extends Error {
  abstract readonly code: DomainErrorCode;
  /** Messages safe to show to the client; the first one is the headline. */
  readonly details: string[];

  protected constructor(message: string, details: string[] = [message]) {
    super(message);
    this.name = new.target.name;
    this.details = details;
  }
}

export class ShuttingDownError extends DomainError {
  readonly code = 'SHUTTING_DOWN';
  constructor() {
    super('Service is shutting down');
  }
}

export class PayloadTooLargeError extends DomainError {
  readonly code = 'PAYLOAD_TOO_LARGE';
  constructor(limit: number) {
    super(`Request body exceeds ${limit} bytes`);
  }
}

export class BodyTimeoutError extends DomainError {
  readonly code = 'BODY_TIMEOUT';
  constructor(timeoutMs: number) {
    super(`Request body not received within ${timeoutMs} ms`);
  }
}

export class UnsupportedMediaTypeError extends DomainError {
  readonly code = 'UNSUPPORTED_MEDIA_TYPE';
  constructor(contentType: string | undefined) {
    super(
      contentType
        ? `Unsupported content type: ${contentType.slice(0, 100)}; expected application/json`
        : 'Missing content type; expected application/json',
    );
  }
}

export class UnauthorizedError extends DomainError {
  readonly code = 'UNAUTHORIZED';
  constructor() {
    super('Unauthorized');
  }
}

export class InvalidPayloadError extends DomainError {
  readonly code = 'INVALID_PAYLOAD';
  constructor(problems: string[]) {
    super(problems[0] ?? 'Invalid payload', problems);
  }
}

export class UnsupportedIntentError extends DomainError {
  readonly code = 'UNSUPPORTED_INTENT';
  constructor(readonly intent: string) {
    super(`Unsupported intent: ${intent}`);
  }
}

export class MissingEntityError extends DomainError {
  readonly code = 'MISSING_ENTITY';
  constructor(readonly entity: string) {
    super(`Missing required entity: ${entity}`);
  }
}

export class StoreUnavailableError extends DomainError {
  readonly code = 'STORE_UNAVAILABLE';
  constructor(cause?: unknown) {
    super('Event store unavailable', ['Event store unavailable']);
    this.cause = cause;
  }
}

export class NotFoundError extends DomainError {
  readonly code = 'NOT_FOUND';
  constructor(what: string, message = `${what} not found`) {
    super(message);
  }

  /** Worded like Nest's own 404, so a disabled route cannot be told from a missing one. */
  static route(method: string, path: string): NotFoundError {
    return new NotFoundError('Route', `Cannot ${method} ${path}`);
  }
}
