import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { randomUUID } from 'node:crypto';
import { IncomingMessage, ServerResponse } from 'node:http';
import { LoggerModule } from 'nestjs-pino';
import { LevelWithSilent, Logger } from 'pino';
import { AllConfig } from '../config/all-config';

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

@Module({
  imports: [
    LoggerModule.forRootAsync({
      inject: [ConfigService],
      useFactory: (config: ConfigService<AllConfig, true>) => ({
        // Ids assigned during a request (event, conversation, record) also go on its access line.
        assignResponse: true,
        pinoHttp: {
          level: config.get('app.logLevel', { infer: true }),
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
          // The request goes on its access line only, serialised when that line is written: a
          // logger bound to it would serialise it for every request, whatever the level.
          quietReqLogger: true,
          quietResLogger: true,
          customSuccessObject: (req, _res, line: object) => ({ req, ...line }),
          customErrorObject: (req, _res, _error, line: object) => ({ req, ...line }),
        },
      }),
    }),
  ],
})
export class LoggingModule {}
