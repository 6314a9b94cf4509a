import { Injectable } from '@nestjs/common';
import { DomainError } from '../shared/domain-error';
import { ErrorAnswers } from '../shared/error-answers';

type MappingErrorCode = 'UNSUPPORTED_INTENT' | 'MISSING_ENTITY';

export class UnsupportedIntentError extends DomainError<MappingErrorCode> {
  readonly code = 'UNSUPPORTED_INTENT';
  constructor(readonly intent: string) {
    super(`Unsupported intent: ${intent}`);
  }
}

export class MissingEntityError extends DomainError<MappingErrorCode> {
  readonly code = 'MISSING_ENTITY';
  constructor(readonly entity: string) {
    super(`Missing required entity: ${entity}`);
  }
}

/** Well-formed events this service cannot map: the caller must not retry them as they are. */
@Injectable()
export class MappingErrorAnswers extends ErrorAnswers<MappingErrorCode> {
  readonly answers = {
    UNSUPPORTED_INTENT: { status: 422, error: 'Unprocessable Entity', description: 'No mapping for the intent' },
    MISSING_ENTITY: {
      status: 422,
      error: 'Unprocessable Entity',
      description: 'An entity the mapping requires is missing or empty',
    },
  };
}
