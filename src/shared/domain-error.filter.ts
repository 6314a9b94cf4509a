import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import { Response } from 'express';
import { DomainError, DomainErrorCode } from './domain-error';

interface Answer {
  status: number;
  error: string;
  retryAfter?: number;
  /** Validation-style answers list every problem. */
  list?: boolean;
}

const ANSWERS: Record<DomainErrorCode, Answer> = {
  SHUTTING_DOWN: { status: 503, error: 'Service Unavailable', retryAfter: 5 },
  PAYLOAD_TOO_LARGE: { status: 413, error: 'Payload Too Large' },
  BODY_TIMEOUT: { status: 408, error: 'Request Timeout' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, error: 'Unsupported Media Type' },
  UNAUTHORIZED: { status: 401, error: 'Unauthorized' },
  INVALID_PAYLOAD: { status: 400, error: 'Bad Request', list: true },
  UNSUPPORTED_INTENT: { status: 422, error: 'Unprocessable Entity' },
  MISSING_ENTITY: { status: 422, error: 'Unprocessable Entity' },
  STORE_UNAVAILABLE: { status: 503, error: 'Service Unavailable', retryAfter: 5 },
  NOT_FOUND: { status: 404, error: 'Not Found' },
};

export interface ErrorAnswer {
  status: number;
  body: Record<string, unknown>;
  headers: Record<string, string>;
}

/** The HTTP answer for any thrown value; exported so other filters answer identically. */
export function answerFor(exception: unknown): ErrorAnswer {
  if (exception instanceof DomainError) {
    const answer = ANSWERS[exception.code];
    const body =
      exception.code === 'UNAUTHORIZED'
        ? { statusCode: 401, message: 'Unauthorized' }
        : {
            statusCode: answer.status,
            message: answer.list ? exception.details : exception.message,
            error: answer.error,
          };
    const headers: Record<string, string> = answer.retryAfter ? { 'Retry-After': String(answer.retryAfter) } : {};
    return { status: answer.status, body, headers };
  }
  if (exception instanceof HttpException) {
    const response = exception.getResponse();
    const body = typeof response === 'string' ? { statusCode: exception.getStatus(), message: response } : response;
    return { status: exception.getStatus(), body: body as Record<string, unknown>, headers: {} };
  }
  return { status: 500, body: { statusCode: 500, message: 'Internal server error' }, headers: {} };
}

/** The one place where error classes become HTTP answers. */
@Catch()
export class DomainErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('HTTP');

  catch(exception: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    const answer = answerFor(exception);
    if (answer.status >= 500 && !(exception instanceof DomainError)) {
      this.logger.error(exception instanceof Error ? exception.stack : String(exception));
    }
    if (res.headersSent) return;
    res.set(answer.headers).status(answer.status).json(answer.body);
  }
}
