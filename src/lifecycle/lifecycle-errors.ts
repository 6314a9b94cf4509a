import { Injectable } from '@nestjs/common';
import { DomainError } from '../shared/domain-error';
import { ErrorAnswers } from '../shared/error-answers';

type LifecycleErrorCode = 'SHUTTING_DOWN';

export class ShuttingDownError extends DomainError<LifecycleErrorCode> {
  readonly code = 'SHUTTING_DOWN';
  constructor() {
    super('Service is shutting down');
  }
}

/** Another instance (or this one, restarted) will take the request: retry soon. */
@Injectable()
export class LifecycleErrorAnswers extends ErrorAnswers<LifecycleErrorCode> {
  readonly answers = {
    SHUTTING_DOWN: {
      status: 503,
      error: 'Service Unavailable',
      retryAfterSeconds: 5,
      description: 'The service is shutting down: retry later',
    },
  };
}
