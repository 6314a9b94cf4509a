import { Injectable } from '@nestjs/common';
import { ErrorAnswers } from '../shared/error-answers';
import { QueueErrorCode } from './queue-errors';

/**
 * Nothing was stored: the caller retries, after a short pause. (Apart from the error classes, so
 * the store thread, which throws them, does not load Nest.)
 */
@Injectable()
export class QueueErrorAnswers extends ErrorAnswers<QueueErrorCode> {
  readonly answers = {
    STORE_UNAVAILABLE: {
      status: 503,
      error: 'Service Unavailable',
      retryAfterSeconds: 5,
      description: 'The store is unavailable: nothing was stored, retry later',
    },
  };
}
