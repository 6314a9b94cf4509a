import SwaggerParser from '@apidevtools/swagger-parser';
import { DiscoveryService } from '@nestjs/core';
import type { OpenAPI } from 'openapi-types';
import request from 'supertest';
import { ErrorAnswers } from '../src/shared/error-answers';
import { VALIDATION_ANSWER } from '../src/shared/error-answer-docs';
import { declaredRoutes, DeclaredRoute, dtoRules } from './support/route-contract';
import { cognigySignature } from './support/signing';
import { startTestApp, TestApp } from './support/test-app';
import { post } from './support/webhook-cases';

/**
 * The OpenAPI document the service serves (dist/openapi.json, which `npm run build` generates from
 * the controllers and DTOs; the global setup rebuilds when a source changed), held against the code: valid OpenAPI 3; exactly the routes the app
 * maps, each with a summary, its path and query parameters and its body as the controllers and
 * DTOs declare them (class-validator's rules, read here without @nestjs/swagger), its success
 * answer and only error answers the modules' tables give; the four webhook schemes and the admin
 * bearer; request examples the app accepts; OPENAPI_ENABLED=false turns it off.
 */

const SECRET = 'openapi-secret';
type Schema = {
  $ref?: string;
  allOf?: Schema[];
  type?: string;
  required?: string[];
  properties?: Record<string, Schema>;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  enum?: unknown[];
};
type Parameter = { in: string; name: string; required?: boolean; schema: Schema };
type Response = { content?: Record<string, { schema?: Schema }> };
type Operation = {
  summary?: string;
  parameters?: Parameter[];
  requestBody?: { content: Record<string, { schema: Schema; examples?: Record<string, { value: unknown }> }> };
  responses: Record<string, Response>;
  security?: Record<string, string[]>[];
};
type Document = {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components: { securitySchemes: Record<string, unknown>; schemas: Record<string, Schema> };
};

/**
 * `METHOD /path` of every route Express serves, in OpenAPI's `{param}` form: the docs' own excepted,
 * and the wildcard layers Nest mounts middleware on (`/{*path}`, `/admin{/*path}`, every method), which are no endpoint.
 * A route with its own middleware is listed once per layer.
 */
function mappedRoutes(t: TestApp): string[] {
  const router = t.app.getHttpAdapter().getInstance().router as {
    stack: { route?: { path: string; methods: Record<string, boolean> } }[];
  };
  return router.stack
    .filter((layer) => layer.route && !layer.route.path.startsWith('/docs') && !layer.route.path.includes('*'))
    .flatMap(({ route }) =>
      Object.keys(route!.methods)
        .filter((method) => method !== '_all')
        .map((method) => `${method.toUpperCase()} ${route!.path.replace(/:(\w+)/g, '{$1}')}`),
    );
}

describe('OpenAPI document', () => {
  let t: TestApp;
  let document: Document;
  let routes: DeclaredRoute[];
  beforeAll(async () => {
    t = await startTestApp({ COGNIGY_WEBHOOK_SECRETS: SECRET, ADMIN_TOKEN: 'admin-token' });
    const res = await request(t.server).get('/docs/openapi.json');
    expect(res.status).toBe(200);
    document = res.body as Document;
    routes = declaredRoutes(t.app);
  });
  afterAll(() => t?.close());

  const operationOf = (route: DeclaredRoute) => {
    const [method, path] = route.key.split(' ');
    return document.paths[path]?.[method.toLowerCase()];
  };
  /** The schema a reference (or a described one, `allOf: [ref]`) points to. */
  const resolve = (schema: Schema): Schema => {
    const ref = schema.$ref ?? schema.allOf?.[0]?.$ref;
    return ref ? document.components.schemas[ref.split('/').pop()!] : schema;
  };

  /** Problems of a documented schema (or parameter list) against a DTO's class-validator rules. */
  function mismatches(where: string, dto: new () => object, properties: Record<string, Schema>, required: string[]) {
    const problems: string[] = [];
    const rules = dtoRules(dto);
    const documented = Object.keys(properties).sort();
    if (JSON.stringify(documented) !== JSON.stringify([...rules.keys()].sort())) {
      problems.push(
        `${where}: documents ${documented.join(', ')}; ${dto.name} validates ${[...rules.keys()].join(', ')}`,
      );
    }
    for (const [name, rule] of rules) {
      const schema = properties[name] ? resolve(properties[name]) : undefined;
      if (!schema) continue;
      const at = `${where}.${name}`;
      if (required.includes(name) === rule.optional) problems.push(`${at}: required is ${!rule.optional} in the code`);
      for (const key of ['maxLength', 'minimum', 'maximum'] as const) {
        if (schema[key] !== rule[key]) problems.push(`${at}: ${key} ${schema[key]}, the code says ${rule[key]}`);
      }
      if (rule.enum && JSON.stringify(schema.enum) !== JSON.stringify(rule.enum)) problems.push(`${at}: enum`);
      if (rule.string && schema.type !== 'string') problems.push(`${at}: type ${schema.type}, the code says string`);
      if (rule.nested) {
        const nested = resolve(properties[name]);
        problems.push(...mismatches(at, rule.nested, nested.properties ?? {}, nested.required ?? []));
      }
    }
    return problems;
  }

  it('is a valid OpenAPI 3 document', async () => {
    // A deep copy: the validator dereferences $refs in place.
    await expect(
      SwaggerParser.validate(structuredClone(document) as unknown as OpenAPI.Document),
    ).resolves.toBeDefined();
    expect(document.openapi).toMatch(/^3\./);
  });

  it('documents exactly the routes the app maps, each with a summary and its answers', () => {
    const mapped = [...new Set(mappedRoutes(t))].sort();
    expect(mapped.length).toBeGreaterThanOrEqual(15);
    expect(routes.map((route) => route.key).sort()).toEqual(mapped);
    const documented = Object.entries(document.paths).flatMap(([path, operations]) =>
      Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(documented.sort()).toEqual(mapped);
    const incomplete = routes.filter((route) => {
      const operation = operationOf(route);
      return !operation?.summary || Object.keys(operation.responses).length === 0;
    });
    expect(incomplete.map((route) => route.key)).toEqual([]);
  });

  it("documents each route's path and query parameters as the controllers and query DTOs declare them", () => {
    const problems = routes.flatMap((route) => {
      const parameters = operationOf(route).parameters ?? [];
      const names = (place: string) => parameters.filter((p) => p.in === place);
      const path = names('path').map((p) => p.name);
      const found = path.join() === route.pathParams.join() ? [] : [`${route.key}: path parameters ${path.join()}`];
      const query = names('query');
      const properties = Object.fromEntries(query.map((p) => [p.name, p.schema]));
      const required = query.filter((p) => p.required).map((p) => p.name);
      if (!route.query) return query.length > 0 ? [...found, `${route.key}: query parameters without a DTO`] : found;
      return [...found, ...mismatches(`${route.key} query`, route.query, properties, required)];
    });
    expect(problems).toEqual([]);
  });

  it("documents each route's body as its DTO validates it, nested objects included", () => {
    const withBody = routes.filter((route) => route.body);
    expect(withBody.map((route) => route.key).sort()).toEqual([
      'POST /webhooks/cognigy/dialog-complete',
      'POST /webhooks/cognigy/endpoint-output',
      'POST /webhooks/cognigy/{source}/dialog-complete',
      'POST /webhooks/cognigy/{source}/endpoint-output',
    ]);
    const problems = routes.flatMap((route) => {
      const body = operationOf(route).requestBody;
      if (!route.body) return body ? [`${route.key}: a body the route does not read`] : [];
      const schema = resolve(body!.content['application/json'].schema);
      return mismatches(`${route.key} body`, route.body, schema.properties ?? {}, schema.required ?? []);
    });
    expect(problems).toEqual([]);
  });

  it('documents each success answer, and no error answer that no error table (or the validation pipe) gives', () => {
    const tables = t.app
      .get(DiscoveryService)
      .getProviders()
      .flatMap(({ instance }) => (instance instanceof ErrorAnswers ? Object.values(instance.answers) : []));
    const answers = [...tables, VALIDATION_ANSWER];
    const problems = routes.flatMap((route) => {
      const responses = operationOf(route).responses;
      const found: string[] = [];
      if (route.successStatus && !responses[route.successStatus]) found.push(`${route.key}: no ${route.successStatus}`);
      for (const [status, response] of Object.entries(responses).filter(([s]) => Number(s) >= 400)) {
        const errors = response.content?.['application/json']?.schema?.properties?.error?.enum ?? [];
        const given = answers.filter((answer) => answer.status === Number(status));
        if (given.length === 0 && !route.key.startsWith('GET /health/')) found.push(`${route.key}: ${status} unknown`);
        for (const error of errors) {
          if (!given.some((answer) => answer.error === error)) found.push(`${route.key}: ${status} ${String(error)}`);
        }
      }
      return found;
    });
    expect(problems).toEqual([]);
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
    expect(Object.keys(dialog).sort()).toEqual(['200', '202', '400', '401', '404', '408', '413', '415', '422', '503']);
    const endpoint = JSON.stringify(document.paths['/webhooks/cognigy/endpoint-output'].post.responses['200']);
    expect(endpoint).toContain('"ignored"');
    expect(Object.keys(document.paths['/admin/dead-letters/{eventId}/replay'].post.responses).sort()).toEqual([
      '202',
      '401',
      '404',
      '409',
    ]);
    expect(Object.keys(document.paths['/admin/dead-letters/replay'].post.responses).sort()).toEqual([
      '200',
      '202',
      '400',
      '401',
      '404',
      '409',
    ]);
    expect(Object.keys(document.paths['/admin/dead-letters/{eventId}'].delete.responses).sort()).toEqual([
      '204',
      '401',
      '404',
    ]);
    expect(Object.keys(document.paths['/admin/events/{eventId}'].get.responses).sort()).toEqual(['200', '401', '404']);
  });

  it('the webhook request examples are accepted by the app as documented (202)', async () => {
    for (const path of ['/webhooks/cognigy/dialog-complete', '/webhooks/cognigy/endpoint-output']) {
      const examples = document.paths[path].post.requestBody!.content['application/json'].examples!;
      const raw = JSON.stringify(examples.dialogCompleted.value);
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
