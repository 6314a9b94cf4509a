import { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { OpenAPIObject } from '@nestjs/swagger';
import { ADMIN_SECURITY, ADMIN_SECURITY_SCHEME } from './admin/admin-api-docs';
import { AppModule } from './app.module';
import { EnvironmentWithCrm, validateEnvironment } from './config/environment';
import { CONNECTORS } from './crm/connector-registry';
import { applyApiDocs, SwaggerApi } from './shared/api-docs';
import { WEBHOOK_SECURITY_SCHEMES } from './webhook/webhook-api-docs';

/**
 * Any valid configuration builds the same document: every route is mapped whatever the settings
 * (a disabled one answers 404 at run time).
 */
const DOCUMENTED_ENVIRONMENT = {
  NODE_ENV: 'development',
  CRM_BASE_URL: 'http://crm.invalid',
  CRM_AUTH: 'static',
  CRM_ACCESS_TOKEN: 'documentation',
  COGNIGY_WEBHOOK_SECRETS: 'documentation',
};

/**
 * The OpenAPI 3 document of the app's routes: @nestjs/swagger reads the controllers (paths,
 * parameters) and the DTOs (schemas, from their types and class-validator decorators through the
 * CLI plugin), completed by the `@ApiDocs` written beside each route.
 */
export function openApiDocument(app: INestApplication, api: SwaggerApi): OpenAPIObject {
  applyApiDocs(api);
  const config = new api.DocumentBuilder()
    .setTitle('cognigy-crm-sync')
    .setDescription(
      'Receives NICE Cognigy.AI dialog-completion webhooks, stores each durably and answers at once, then ' +
        'delivers it to the CRM as an idempotent upsert. Operators inspect and replay events under /admin.',
    )
    .setVersion('1');
  for (const [name, scheme] of Object.entries(WEBHOOK_SECURITY_SCHEMES)) config.addSecurity(name, scheme);
  config.addSecurity(ADMIN_SECURITY, ADMIN_SECURITY_SCHEME);
  return api.SwaggerModule.createDocument(app, config.build());
}

/**
 * The document as `npm run build` writes it (scripts/build-openapi.js): from the application's
 * module graph in Nest's preview mode, which instantiates nothing (no store, CRM client or server).
 */
export async function buildOpenApiDocument(): Promise<OpenAPIObject> {
  const env = validateEnvironment(DOCUMENTED_ENVIRONMENT, CONNECTORS) as EnvironmentWithCrm;
  const app = await NestFactory.create(AppModule.forRoot(env), {
    preview: true,
    logger: false,
    bodyParser: false,
    abortOnError: false,
  });
  try {
    return openApiDocument(app, await import('@nestjs/swagger'));
  } finally {
    await app.close();
  }
}
