import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger, OnModuleInit } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { Request, Response } from 'express';
import { DomainError } from './domain-error';
import { ErrorAnswer, ErrorAnswers } from './error-answers';

export class ErrorAnswersError extends Error {
  constructor(problem: string) {
    super(`Error answers: ${problem}`);
    this.name = 'ErrorAnswersError';
  }
}

interface HttpAnswer {
  status: number;
  body: Record<string, unknown>;
  headers: Record<string, string>;
}

// `instanceof` alone would type it DomainError<any>.
const isDomainError = (value: unknown): value is DomainError => value instanceof DomainError;

const INTERNAL: HttpAnswer = { status: 500, body: { statusCode: 500, message: 'Internal server error' }, headers: {} };

/**
 * The one place where errors become HTTP answers. A domain error is answered as the
 * `ErrorAnswers` of its module says (all found through DI at startup); Nest's own HTTP errors
 * (validation pipe, unknown route, health checks) keep their answer; anything else is a 500.
 * Server errors that are not domain errors are logged with their stack.
 */
@Catch()
export class DomainErrorFilter implements ExceptionFilter, OnModuleInit {
  private readonly logger = new Logger('HTTP');
  private answers = new Map<string, ErrorAnswer>();

  constructor(private readonly discovery: DiscoveryService) {}

  onModuleInit(): void {
    const answers = new Map<string, ErrorAnswer>();
    const owners = new Map<string, string>();
    for (const { instance } of this.discovery.getProviders()) {
      if (!(instance instanceof ErrorAnswers)) continue;
      const owner = instance.constructor.name;
      for (const [code, answer] of Object.entries<ErrorAnswer>(instance.answers)) {
        const other = owners.get(code);
        if (other !== undefined && other !== owner) {
          throw new ErrorAnswersError(`code "${code}" is answered by both ${other} and ${owner}`);
        }
        owners.set(code, owner);
        answers.set(code, answer);
      }
    }
    this.answers = answers;
  }

  catch(exception: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    const answer = this.answerFor(exception);
    if (answer.status >= 500 && !isDomainError(exception)) {
      const stack = exception instanceof Error ? exception.stack : String(exception);
      const requestLog = host.switchToHttp().getRequest<Request>().log;
      // The request's own logger puts its request id on the line.
      if (requestLog) requestLog.error({ context: 'HTTP', ...res.locals?.logged }, stack);
      else this.logger.error(stack);
    }
    if (res.headersSent) return;
    res.set(answer.headers).status(answer.status).json(answer.body);
  }

  private answerFor(exception: unknown): HttpAnswer {
    if (isDomainError(exception)) {
      const answer = this.answers.get(exception.code);
      if (answer) return domainAnswer(exception, answer);
      this.logger.error(`No answer for error code "${exception.code}": ${exception.stack}`);
      return INTERNAL;
    }
    if (exception instanceof HttpException) {
      const response = exception.getResponse();
      const body = typeof response === 'string' ? { statusCode: exception.getStatus(), message: response } : response;
      return { status: exception.getStatus(), body: body as Record<string, unknown>, headers: {} };
    }
    return INTERNAL;
  }
}

function domainAnswer(exception: DomainError, answer: ErrorAnswer): HttpAnswer {
  const message = answer.listDetails ? exception.details : exception.message;
  const body =
    answer.error === undefined
      ? { statusCode: answer.status, message }
      : { statusCode: answer.status, message, error: answer.error };
  const headers: Record<string, string> =
    answer.retryAfterSeconds === undefined ? {} : { 'Retry-After': String(answer.retryAfterSeconds) };
  return { status: answer.status, body, headers };
}
