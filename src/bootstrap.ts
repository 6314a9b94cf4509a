import { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module';

/**
 * Builds the whole application exactly as production runs it; the e2e tests use this too.
 * Nest's body parser is off: webhook routes read their raw bytes themselves (the signature is
 * computed over them), after the size and content-type checks.
 */
export async function createApp(): Promise<INestApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(), {
    bodyParser: false,
    bufferLogs: true,
    // Startup errors (bad configuration, bad mappings file) reach the caller, which names them.
    abortOnError: false,
  });
  app.useLogger(app.get(Logger));
  app.disable('x-powered-by');
  app.set('trust proxy', true);
  return app;
}
