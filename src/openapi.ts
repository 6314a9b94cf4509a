import { INestApplication } from '@nestjs/common';
import { ExpressAdapter } from '@nestjs/platform-express';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import type { Express } from 'express';
import { OPENAPI_OPERATIONS, OPENAPI_SCHEMAS, WEBHOOK_SECURITY } from './openapi-operations';

export const OPENAPI_UI_PATH = 'docs';
export const OPENAPI_JSON_PATH = 'docs/openapi.json';

/**
 * The OpenAPI 3 document: the routes Nest maps (found by @nestjs/swagger), each completed with its
 * parameters, bodies and every answer from openapi-operations.ts. A mapped route without an entry
 * there keeps only what Nest knows, and test/openapi.e2e-spec.ts fails naming it.
 */
export function openApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('cognigy-crm-sync')
    .setDescription(
      'Receives NICE Cognigy.AI dialog-completion webhooks, stores each durably and answers at once, then ' +
        'delivers it to the CRM as an idempotent upsert. Operators inspect and replay events under /admin.',
    )
    .setVersion('1')
    .addSecurity(WEBHOOK_SECURITY.hmac, {
      type: 'apiKey',
      in: 'header',
      name: 'X-Cognigy-Signature',
      description:
        'Hex HMAC-SHA256 of the raw body with a secret of COGNIGY_WEBHOOK_SECRETS (optional `sha256=` prefix). ' +
        'With X-Cognigy-Timestamp (Unix seconds) the signed content is `<timestamp>.<raw body>`.',
    })
    .addSecurity(WEBHOOK_SECURITY.basic, {
      type: 'http',
      scheme: 'basic',
      description: 'WEBHOOK_BASIC_USER / WEBHOOK_BASIC_PASSWORD.',
    })
    .addSecurity(WEBHOOK_SECURITY.apikey, {
      type: 'apiKey',
      in: 'header',
      name: 'X-API-Key',
      description: 'One of WEBHOOK_API_KEYS.',
    })
    .addSecurity(WEBHOOK_SECURITY.standard, {
      type: 'apiKey',
      in: 'header',
      name: 'webhook-signature',
      description:
        'Standard Webhooks: `webhook-id`, `webhook-timestamp` and `webhook-signature` (`v1,<base64 HMAC-SHA256>` ' +
        'over `<id>.<timestamp>.<raw body>`, secrets STANDARD_WEBHOOK_SECRETS). Svix sends the same as ' +
        '`svix-id`, `svix-timestamp`, `svix-signature`.',
    })
    .addBearerAuth(
      { type: 'http', scheme: 'bearer', description: 'ADMIN_TOKEN. Unset: every /admin route answers 404.' },
      'admin',
    )
    .build();
  const document = SwaggerModule.createDocument(app, config);
  document.components = { ...document.components, schemas: { ...document.components?.schemas, ...OPENAPI_SCHEMAS } };
  for (const [path, operations] of Object.entries(document.paths)) {
    for (const method of ['get', 'post', 'put', 'patch', 'delete'] as const) {
      const documented = OPENAPI_OPERATIONS[`${method.toUpperCase()} ${path}`];
      if (operations[method] && documented) operations[method] = { ...operations[method], ...documented };
    }
  }
  return document;
}

/**
 * The document at /docs/openapi.json (and .yaml) and Swagger UI at /docs, on an Express app of
 * their own: the caller passes it the requests under /docs, so it can be built after start-up.
 */
export function openApiHandler(app: INestApplication): Express {
  const docs = new ExpressAdapter();
  const handler = docs.getInstance<Express>();
  handler.disable('x-powered-by');
  const host = {
    getHttpAdapter: () => docs,
    useStaticAssets: (path: string, options: object) => {
      docs.useStaticAssets(path, options);
    },
  } as unknown as INestApplication;
  SwaggerModule.setup(OPENAPI_UI_PATH, host, () => openApiDocument(app), {
    jsonDocumentUrl: OPENAPI_JSON_PATH,
    yamlDocumentUrl: 'docs/openapi.yaml',
  });
  return handler;
}
