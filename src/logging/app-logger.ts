import { LoggerService } from '@nestjs/common';
import { BaseLogger } from 'pino';

type Level = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';

/**
 * Nest's logger (`app.useLogger`, every `new Logger(context)`) writing to the service's pino
 * logger: the context as a field, an Error as `err`. Lines of a request that should carry its ids
 * are written with the request's own logger (`req.log`) instead.
 */
export class AppLogger implements LoggerService {
  constructor(private readonly pino: BaseLogger) {}

  verbose(message: unknown, ...params: unknown[]): void {
    this.write('trace', message, params);
  }
  debug(message: unknown, ...params: unknown[]): void {
    this.write('debug', message, params);
  }
  log(message: unknown, ...params: unknown[]): void {
    this.write('info', message, params);
  }
  warn(message: unknown, ...params: unknown[]): void {
    this.write('warn', message, params);
  }
  error(message: unknown, ...params: unknown[]): void {
    this.write('error', message, params);
  }
  fatal(message: unknown, ...params: unknown[]): void {
    this.write('fatal', message, params);
  }

  /** Nest passes the context last, after any interpolation values. */
  private write(level: Level, message: unknown, params: unknown[]): void {
    const fields: Record<string, unknown> = params.length > 0 ? { context: params[params.length - 1] } : {};
    const rest = params.slice(0, -1);
    if (message instanceof Error) this.pino[level]({ ...fields, err: message }, ...(rest as []));
    else if (typeof message === 'object' && message !== null)
      this.pino[level]({ ...fields, ...message }, ...(rest as []));
    else if (isStackAfterMessage(level, message, rest))
      this.pino[level]({ ...fields, err: withStack(String(message), rest[0]) });
    else this.pino[level](fields, String(message), ...(rest as []));
  }
}

/** Nest's own exception handlers call `error(message, stack, context)`. */
function isStackAfterMessage(level: Level, message: unknown, rest: unknown[]): rest is [string] {
  return (
    level === 'error' &&
    typeof message === 'string' &&
    rest.length === 1 &&
    typeof rest[0] === 'string' &&
    /\n\s*at /.test(rest[0])
  );
}

function withStack(message: string, stack: string): Error {
  const error = new Error(message);
  error.stack = stack;
  return error;
}
