import { Injectable } from '@nestjs/common';
import { DomainError } from '../shared/domain-error';
import { ErrorAnswers } from '../shared/error-answers';

type QueueErrorCode = 'STORE_UNAVAILABLE';

/** The store could not take or read an event; the cause stays in the logs, not in the answer. */
export class StoreUnavailableError extends DomainError<QueueErrorCode> {
  readonly code = 'STORE_UNAVAILABLE';
  constructor(cause?: unknown) {
    super('Event store unavailable');
    this.cause = cause;
  }
}

/** Nothing was stored: the caller retries, after a short pause. */
@Injectable()
export class QueueErrorAnswers extends ErrorAnswers<QueueErrorCode> {
  readonly answers = {
    STORE_UNAVAILABLE: { status: 503, error: 'Service Unavailable', retryAfterSeconds: 5 },
  };
}
