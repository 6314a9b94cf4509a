import { DynamicModule, INestApplication, Logger as NestLogger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { Server } from 'node:http';
import { resolve } from 'node:path';
import { AppModule, ModuleImport } from './app.module';
import { AppLogger } from './logging/app-logger';
import { insecureCrmUrls } from './config/crm-environment';
import { Environment, hasCrm, withWebhookSecret } from './config/environment';
import { loadEnvironment } from './config/load-environment';
import { openApiEnabled } from './config/service-environment';
import { lacksWebhookSecret } from './config/webhook-environment';
import { CONNECTORS } from './crm/connector-registry';
import type { DevNotice } from './dev/dev-notice';
import { pageSecurityHeaders } from './shared/security-headers';

/**
 * Limits against slow clients: all headers within 10 s, the whole request within 30 s. Node checks
 * these every `connectionsCheckingInterval` (30 s by default, read when the server starts
 * listening), which would let a slow sender hold a connection up to 30 s longer.
 */
function limitSlowClients(server: Server & { connectionsCheckingInterval?: number }): void {
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  server.connectionsCheckingInterval = 1_000;
}

/**
 * Builds the whole application exactly as production runs it; the e2e tests use this too.
 * The environment is read and validated once, here. What a fresh checkout lacks (allowed outside
 * production only) gets a development stand-in: a webhook secret under DATA_DIR, the sandbox CRM.
 * Their code (src/dev/) is loaded only then. A program embedding the service passes its own
 * modules in `added` (e.g. one providing intent strategies, docs/mappings.md).
 */
export async function createApp(added: ModuleImport[] = []): Promise<INestApplication> {
  const notices: DevNotice[] = [];
  const env = await withDevWebhookSecret(loadEnvironment(CONNECTORS), notices);
  notices.push(...insecureUrlNotices(env));
  if (hasCrm(env)) return build(AppModule.forRoot(env, added), notices, openApiEnabled(env));
  const { startDevSandbox } = await import('./dev/sandbox/dev-sandbox.module');
  const sandbox = await startDevSandbox(env);
  try {
    return await build(
      AppModule.forRoot(sandbox.env, [...added, sandbox.module]),
      [...notices, ...sandbox.notices],
      openApiEnabled(env),
    );
  } catch (error) {
    await sandbox.stop();
    throw error;
  }
}

async function withDevWebhookSecret(env: Environment, notices: DevNotice[]): Promise<Environment> {
  // A routing file's sources each have their own secrets.
  if (env.routing || !lacksWebhookSecret(env)) return env;
  const { loadOrCreateDevSecret } = await import('./dev/dev-webhook-secret');
  const { secret, notice } = loadOrCreateDevSecret(resolve(env.DATA_DIR));
  notices.push(notice);
  return withWebhookSecret(env, secret);
}

/** CRM_ALLOW_INSECURE_HTTP let production start with a plain-http CRM URL: said at every start. */
function insecureUrlNotices(env: Environment): DevNotice[] {
  if (env.NODE_ENV !== 'production') return [];
  return insecureCrmUrls(env).map((name) => ({
    context: 'Config',
    message: `${name} is http:// (CRM_ALLOW_INSECURE_HTTP=true): credentials and events travel unencrypted`,
  }));
}

/**
 * Swagger UI's own scripts from this origin only, never framed. Its page and its renderer style
 * elements inline, and its stylesheet draws icons from data: URLs.
 */
const DOCS_SECURITY_HEADERS = pageSecurityHeaders([
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
]);

/**
 * Swagger UI and the document `npm run build` wrote, under /docs: their packages load on the first
 * request there instead of at start-up.
 */
function serveOpenApiOnDemand(app: NestExpressApplication): void {
  let docs: Promise<RequestHandler> | undefined;
  app.use((req: Request, res: Response, next: NextFunction) => {
    if (req.path !== '/docs' && !req.path.startsWith('/docs/')) return next();
    res.set(DOCS_SECURITY_HEADERS);
    docs ??= import('./openapi-handler').then(({ openApiHandler }) => openApiHandler());
    docs.then((handler) => handler(req, res, next), next);
  });
}

/**
 * Nest's body parser is off: webhook routes read their raw bytes themselves (the signature is
 * computed over them), after the size and content-type checks. Closing the application closes
 * every client connection, idle or not, so no slow client can keep a stopping process alive.
 */
async function build(root: DynamicModule, notices: DevNotice[], openApi: boolean): Promise<INestApplication> {
  const app = await NestFactory.create<NestExpressApplication>(root, {
    bodyParser: false,
    bufferLogs: true,
    forceCloseConnections: true,
    // Startup errors (bad configuration, bad mappings file) reach the caller, which names them.
    abortOnError: false,
  });
  app.useLogger(app.get(AppLogger));
  for (const { context, message } of notices) new NestLogger(context).warn(message);
  app.disable('x-powered-by');
  app.set('trust proxy', true);
  limitSlowClients(app.getHttpServer());
  if (openApi) serveOpenApiOnDemand(app);
  return app;
}
