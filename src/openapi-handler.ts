import { INestApplication } from '@nestjs/common';
import { ExpressAdapter } from '@nestjs/platform-express';
import { OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import type { Express, Request, Response } from 'express';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';

export const OPENAPI_UI_PATH = 'docs';
export const OPENAPI_JSON_PATH = 'docs/openapi.json';
/** Where `npm run build` writes the document; the same file whether this runs from dist/ or src/. */
export const OPENAPI_DOCUMENT_FILE = resolve(__dirname, '..', 'dist', 'openapi.json');

/**
 * The built document at /docs/openapi.json (and .yaml) and Swagger UI at /docs, on an Express app
 * of their own: the caller passes it the requests under /docs. Without a built document, every
 * request there is a 404 saying so.
 */
export function openApiHandler(): Express {
  const docs = new ExpressAdapter();
  const handler = docs.getInstance<Express>();
  handler.disable('x-powered-by');
  if (!existsSync(OPENAPI_DOCUMENT_FILE)) {
    handler.use((_req: Request, res: Response) => {
      res.status(404).json({ statusCode: 404, message: 'No OpenAPI document: npm run build writes it' });
    });
    return handler;
  }
  const document = JSON.parse(readFileSync(OPENAPI_DOCUMENT_FILE, 'utf8')) as OpenAPIObject;
  const host = {
    getHttpAdapter: () => docs,
    useStaticAssets: (path: string, options: object) => {
      docs.useStaticAssets(path, options);
    },
  } as unknown as INestApplication;
  SwaggerModule.setup(OPENAPI_UI_PATH, host, document, {
    jsonDocumentUrl: OPENAPI_JSON_PATH,
    yamlDocumentUrl: 'docs/openapi.yaml',
  });
  return handler;
}
