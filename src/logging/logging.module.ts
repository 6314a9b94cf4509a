import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { randomUUID } from 'node:crypto';
import { IncomingMessage, ServerResponse } from 'node:http';
import { LoggerModule } from 'nestjs-pino';
import { AllConfig } from '../config/all-config';

const REQUEST_ID = /^[\w.:-]{1,200}$/;

/** Keeps a sane inbound X-Request-Id, else makes one; echoed on every answer. */
export function requestId(req: IncomingMessage, res: ServerResponse): string {
  const inbound = req.headers['x-request-id'];
  const id = typeof inbound === 'string' && REQUEST_ID.test(inbound) ? inbound : randomUUID();
  res.setHeader('X-Request-Id', id);
  return id;
}

/** Paths into a log line that may hold credentials; pino replaces them before writing. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers["proxy-authorization"]',
  'req.headers["x-cognigy-signature"]',
  'req.headers["x-api-key"]',
  'req.headers["webhook-signature"]',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  '*.clientSecret',
  '*.client_secret',
  '*.access_token',
  '*.accessToken',
  '*.password',
  '*.secret',
  '*.token',
];

@Module({
  imports: [
    LoggerModule.forRootAsync({
      inject: [ConfigService],
      useFactory: (config: ConfigService<AllConfig, true>) => ({
        // Ids assigned during a request (event, conversation, record) also go on its access line.
        assignResponse: true,
        pinoHttp: {
          level: config.get('app.logLevel', { infer: true }),
          genReqId: requestId,
          redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
          customLogLevel: (_req, res, error) =>
            error || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info',
          quietReqLogger: true,
        },
      }),
    }),
  ],
})
export class LoggingModule {}
