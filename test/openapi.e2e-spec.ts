import SwaggerParser from '@apidevtools/swagger-parser';
import type { OpenAPI } from 'openapi-types';
import request from 'supertest';
import { DIALOG_EXAMPLE, ENDPOINT_EXAMPLE } from '../src/openapi-operations';
import { cognigySignature } from './support/signing';
import { startTestApp, TestApp } from './support/test-app';
import { post } from './support/webhook-cases';

/**
 * The OpenAPI document the app serves: valid OpenAPI 3 (checked by a validator package), naming
 * every route the app maps with its answers, the four webhook schemes and the admin bearer; its
 * request examples are accepted by the real app; OPENAPI_ENABLED=false turns it off.
 */

const SECRET = 'openapi-secret';
type Operation = { summary?: string; responses: Record<string, unknown>; security?: Record<string, string[]>[] };
type Document = {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components: { securitySchemes: Record<string, unknown> };
};

/**
 * `METHOD /path` of every route Express serves, in OpenAPI's `{param}` form: the docs' own excepted,
 * and the wildcard layers Nest mounts middleware on (`/{*path}`, every method), which are no endpoint.
 */
function mappedRoutes(t: TestApp): string[] {
  const router = t.app.getHttpAdapter().getInstance().router as {
    stack: { route?: { path: string; methods: Record<string, boolean> } }[];
  };
  return router.stack
    .filter((layer) => layer.route && !layer.route.path.startsWith('/docs') && !layer.route.path.includes('{*'))
    .flatMap(({ route }) =>
      Object.keys(route!.methods)
        .filter((method) => method !== '_all')
        .map((method) => `${method.toUpperCase()} ${route!.path.replace(/:(\w+)/g, '{$1}')}`),
    );
}

describe('OpenAPI document', () => {
  let t: TestApp;
  let document: Document;
  beforeAll(async () => {
    t = await startTestApp({ COGNIGY_WEBHOOK_SECRETS: SECRET, ADMIN_TOKEN: 'admin-token' });
    const res = await request(t.server).get('/docs/openapi.json');
    expect(res.status).toBe(200);
    document = res.body as Document;
  });
  afterAll(() => t?.close());

  it('is a valid OpenAPI 3 document', async () => {
    // A deep copy: the validator dereferences $refs in place.
    await expect(
      SwaggerParser.validate(structuredClone(document) as unknown as OpenAPI.Document),
    ).resolves.toBeDefined();
    expect(document.openapi).toMatch(/^3\./);
  });

  it('documents every route the app maps, each with a summary and its answers', () => {
    const routes = mappedRoutes(t);
    expect(routes.length).toBeGreaterThanOrEqual(12);
    const undocumented = routes.filter((route) => {
      const [method, path] = route.split(' ');
      const operation = document.paths[path]?.[method.toLowerCase()];
      return !operation?.summary || Object.keys(operation.responses).length === 0;
    });
    expect(undocumented).toEqual([]); // each needs an entry in src/openapi-operations.ts
  });

  it('names the four webhook schemes and the admin bearer, and which routes need which', () => {
    expect(Object.keys(document.components.securitySchemes).sort()).toEqual([
      'admin',
      'apikey',
      'basic',
      'hmac',
      'standard',
    ]);
    for (const path of ['/webhooks/cognigy/dialog-complete', '/webhooks/cognigy/endpoint-output']) {
      expect(document.paths[path].post.security).toEqual([
        { hmac: [] },
        { basic: [] },
        { apikey: [] },
        { standard: [] },
      ]);
    }
    for (const [path, operations] of Object.entries(document.paths).filter(([p]) => p.startsWith('/admin'))) {
      for (const operation of Object.values(operations))
        expect({ path, security: operation.security }).toEqual({ path, security: [{ admin: [] }] });
    }
  });

  it('lists every webhook answer and every admin answer', () => {
    const dialog = document.paths['/webhooks/cognigy/dialog-complete'].post.responses;
    expect(Object.keys(dialog).sort()).toEqual(['200', '202', '400', '401', '408', '413', '415', '422', '503']);
    const endpoint = JSON.stringify(document.paths['/webhooks/cognigy/endpoint-output'].post.responses['200']);
    expect(endpoint).toContain('"ignored"');
    expect(Object.keys(document.paths['/admin/dead-letters/{eventId}/replay'].post.responses).sort()).toEqual([
      '202',
      '401',
      '404',
    ]);
    expect(Object.keys(document.paths['/admin/dead-letters/{eventId}'].delete.responses).sort()).toEqual([
      '204',
      '401',
      '404',
    ]);
    expect(Object.keys(document.paths['/admin/events/{eventId}'].get.responses).sort()).toEqual(['200', '401', '404']);
  });

  it('the webhook request examples are accepted by the app as documented (202)', async () => {
    for (const [path, example] of [
      ['/webhooks/cognigy/dialog-complete', DIALOG_EXAMPLE],
      ['/webhooks/cognigy/endpoint-output', ENDPOINT_EXAMPLE],
    ] as const) {
      const raw = JSON.stringify(example);
      const res = await post(t, path, raw, { headers: { 'x-cognigy-signature': cognigySignature(SECRET, raw) } });
      expect({ path, status: res.status, status_: res.body.status }).toEqual({
        path,
        status: 202,
        status_: 'accepted',
      });
    }
  });

  it('serves Swagger UI at /docs', async () => {
    const res = await request(t.server).get('/docs');
    expect(res.status).toBe(200);
    expect(res.text).toContain('swagger-ui');
  });
});

describe('OPENAPI_ENABLED=false', () => {
  let t: TestApp;
  beforeAll(async () => (t = await startTestApp({ OPENAPI_ENABLED: 'false' })));
  afterAll(() => t?.close());

  it('serves neither the document nor the UI', async () => {
    expect((await request(t.server).get('/docs/openapi.json')).status).toBe(404);
    expect((await request(t.server).get('/docs')).status).toBe(404);
  });
});
