import { DynamicModule, INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module';
import { hasCrm } from './config/environment';
import { loadEnvironment } from './config/load-environment';

/**
 * Builds the whole application exactly as production runs it; the e2e tests use this too.
 * The environment is read and validated once, here. Without CRM_BASE_URL (allowed outside
 * production only) the development sandbox CRM stands in; its code is loaded only then.
 */
export async function createApp(): Promise<INestApplication> {
  const env = loadEnvironment();
  if (hasCrm(env)) return build(AppModule.forRoot(env));
  const { startDevSandbox } = await import('./dev/sandbox/dev-sandbox.module');
  const sandbox = await startDevSandbox(env);
  try {
    return await build(AppModule.forRoot(sandbox.env, [sandbox.module]));
  } catch (error) {
    await sandbox.stop();
    throw error;
  }
}

/**
 * Nest's body parser is off: webhook routes read their raw bytes themselves (the signature is
 * computed over them), after the size and content-type checks.
 */
async function build(root: DynamicModule): Promise<INestApplication> {
  const app = await NestFactory.create<NestExpressApplication>(root, {
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
