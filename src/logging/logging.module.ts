import { MiddlewareConsumer, Module, NestModule, RequestMethod } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { randomUUID } from 'node:crypto';
import { IncomingMessage, ServerResponse } from 'node:http';
import { LevelWithSilent, Logger } from 'pino';
import { pinoHttp } from 'pino-http';
import { AllConfig } from '../config/all-config';
import { TelemetryModule } from '../telemetry/telemetry.module';
import { Tracing } from '../telemetry/tracing';
import { AppLogger } from './app-logger';

const REQUEST_ID = /^[\w.:-]{1,200}$/;

/** Keeps a sane inbound X-Request-Id, else makes one; echoed on every answer. */
export function requestId(req: IncomingMessage, res: ServerResponse): string {
  const inbound = req.headers['x-request-id'];
  const id = typeof inbound === 'string' && REQUEST_ID.test(inbound) ? inbound : randomUUID();
  res.setHeader('X-Request-Id', id);
  return id;
}

/**
 * The only request headers a log line shows: whole header sets would carry credentials sent under
 * any name, and kilobytes per line. Ids and transport facts only; each value cut to a bounded length.
 */
export const LOGGED_REQUEST_HEADERS = [
  'content-type',
  'content-length',
  'content-encoding',
  'user-agent',
  'x-request-id',
  'x-forwarded-for',
  'idempotency-key',
  'x-cognigy-event-id',
  'x-cognigy-timestamp',
  'webhook-id',
  'webhook-timestamp',
  'svix-id',
  'svix-timestamp',
];
const MAX_LOGGED_HEADER = 200;

export function loggedHeaders(
  headers: Record<string, string | string[] | undefined> | undefined,
): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const name of LOGGED_REQUEST_HEADERS) {
    const value = headers?.[name];
    if (value !== undefined) kept[name] = (Array.isArray(value) ? value.join(', ') : value).slice(0, MAX_LOGGED_HEADER);
  }
  return kept;
}

/** Paths into a log line that may hold credentials; pino replaces them before writing. */
export const REDACTED_PATHS = [
  'res.headers["set-cookie"]',
  '*.clientSecret',
  '*.client_secret',
  '*.access_token',
  '*.accessToken',
  '*.password',
  '*.secret',
  '*.token',
];

/** 5xx and errors at error, 4xx at warn, the rest at info; silent when the level leaves the line out. */
function accessLineLevel(req: IncomingMessage & { log: Logger }, res: ServerResponse, error?: Error): LevelWithSilent {
  const level = error || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info';
  return req.log.isLevelEnabled(level) ? level : 'silent';
}

/**
 * pino-pretty in a worker thread. Redaction happens before a line leaves the service's thread, so
 * both formats hide the same values. Colours only on a terminal.
 */
const prettyTransport = () => ({
  target: 'pino-pretty',
  options: {
    colorize: process.stdout.isTTY === true,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname,context',
    messageFormat: '{if context}[{context}] {end}{msg}',
  },
});

/**
 * What a request learnt that its access line should carry (event, conversation and record ids;
 * with tracing on, its span's trace_id and span_id): the route leaves them in `res.locals.logged`
 * and `res.locals.trace`, read when the line is written.
 */
type WithLoggedFields = ServerResponse & { locals?: { logged?: object; trace?: object } };
const loggedFields = (res: ServerResponse) => {
  const locals = (res as WithLoggedFields).locals;
  return locals?.trace ? { ...locals.trace, ...locals.logged } : locals?.logged;
};

/**
 * With tracing on, every line written inside a span (a delivery attempt's, a token request's)
 * carries its trace_id and span_id. With tracing off the lines are as they were: no mixin at all.
 * A new object each line: pino merges the line's own fields into the object the mixin returns, so
 * a shared one would hand every line the fields of the lines before it.
 */
function traceMixin(tracing: Tracing): (() => object) | undefined {
  return tracing.enabled ? () => tracing.logFields() ?? {} : undefined;
}

/**
 * One access line per request, with its request id. No AsyncLocalStorage: on Node 20 it turns
 * on promise hooks for the whole process. Code that logs during a request and wants its id uses
 * the request's logger (`req.log`).
 */
function httpLogger(config: ConfigService<AllConfig, true>, tracing: Tracing) {
  return pinoHttp({
    level: config.get('app.logLevel', { infer: true }),
    mixin: traceMixin(tracing),
    transport: config.get('app.logFormat', { infer: true }) === 'pretty' ? prettyTransport() : undefined,
    genReqId: requestId,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    serializers: {
      req: (req: { headers?: Record<string, string | string[] | undefined> }) => ({
        ...req,
        headers: loggedHeaders(req.headers),
      }),
    },
    customLogLevel: accessLineLevel,
    // req.log carries the request id only; the request itself goes on its access line.
    quietReqLogger: true,
    quietResLogger: true,
    customSuccessObject: (req, res, line: object) => ({ req, ...loggedFields(res), ...line }),
    customErrorObject: (req, res, _error, line: object) => ({ req, ...loggedFields(res), ...line }),
  });
}

/** The access-line middleware; its pino logger is the one Nest's logger writes to as well. */
class AccessLog {
  constructor(readonly middleware: ReturnType<typeof httpLogger>) {}
}

@Module({
  imports: [TelemetryModule],
  providers: [
    {
      provide: AccessLog,
      inject: [ConfigService, Tracing],
      useFactory: (config: ConfigService<AllConfig, true>, tracing: Tracing) =>
        new AccessLog(httpLogger(config, tracing)),
    },
    {
      provide: AppLogger,
      inject: [AccessLog],
      useFactory: (accessLog: AccessLog) => new AppLogger(accessLog.middleware.logger),
    },
  ],
  exports: [AppLogger],
})
export class LoggingModule implements NestModule {
  constructor(private readonly accessLog: AccessLog) {}

  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(this.accessLog.middleware).forRoutes({ path: '*', method: RequestMethod.ALL });
  }
}
