import { DomainError } from '../shared/domain-error';

export type QueueErrorCode = 'STORE_UNAVAILABLE';

/** The store could not take or read an event; the cause stays in the logs, not in the answer. */
export class StoreUnavailableError extends DomainError<QueueErrorCode> {
  readonly code = 'STORE_UNAVAILABLE';
  constructor(cause?: unknown) {
    super('Event store unavailable');
    this.cause = cause;
  }
}
