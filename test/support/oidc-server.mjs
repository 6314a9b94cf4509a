/**
 * A real OAuth2 authorization server for the token tests: `oidc-provider` (ESM only) with its
 * client-credentials grant, on 127.0.0.1 and an ephemeral port.
 *
 * Jest runs the suites as CommonJS inside its VM, where an ESM package cannot be imported, so the
 * tests start this file in a worker thread (same process, plain Node ESM loader): options come in
 * `workerData`, the addresses go back as the first message. Run directly (`node oidc-server.mjs
 * '<options json>'`) it prints `{"issuer":..., "tokenUrl":..., "statsUrl":...}` on stdout instead.
 *
 * Options: `clients`: [{ clientId, clientSecret, auth: 'basic' | 'post', ttlSeconds }].
 * `GET /_test/stats` answers what reached the token endpoint (a counter outside the provider,
 * so the tests count requests at the server, not in the code under test).
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import Provider, { errors } from 'oidc-provider';

export const CRM_SCOPES = ['crm:contacts:write', 'crm:contacts:read'];
export const CRM_RESOURCE = 'urn:crm:api';

/** Stored tokens and grants, per server (the provider's own fallback is a module-wide LRU and warns). */
function memoryAdapter() {
  const store = new Map();
  return class MemoryAdapter {
    constructor(model) {
      this.model = model;
    }
    key(id) {
      return `${this.model}:${id}`;
    }
    async upsert(id, payload) {
      store.set(this.key(id), payload);
    }
    async find(id) {
      return store.get(this.key(id));
    }
    async findByUid() {
      return undefined;
    }
    async findByUserCode() {
      return undefined;
    }
    async consume(id) {
      const payload = store.get(this.key(id));
      if (payload) payload.consumed = Math.floor(Date.now() / 1000);
    }
    async destroy(id) {
      store.delete(this.key(id));
    }
    async revokeByGrantId() {}
  };
}

const METHODS = { basic: 'client_secret_basic', post: 'client_secret_post' };

export async function startOidcServer({ clients }) {
  const server = createServer();
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const ttls = new Map(clients.map((c) => [c.clientId, c.ttlSeconds ?? 3600]));

  // Own signing key: the provider otherwise falls back to its published development keys.
  const jwk = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });

  const provider = new Provider(issuer, {
    adapter: memoryAdapter(),
    cookies: { keys: [randomBytes(32).toString('hex')] },
    jwks: { keys: [{ ...jwk, kid: 'test-rs256', alg: 'RS256', use: 'sig' }] },
    clients: clients.map((c) => ({
      client_id: c.clientId,
      client_secret: c.clientSecret,
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      token_endpoint_auth_method: METHODS[c.auth],
      scope: CRM_SCOPES.join(' '),
    })),
    scopes: CRM_SCOPES,
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      // Tokens are issued for one resource server (the CRM API), which knows the CRM scopes:
      // the answer's `scope` is what the client asked for, filtered by what the CRM accepts.
      resourceIndicators: {
        enabled: true,
        defaultResource: () => CRM_RESOURCE,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx, resource) => {
          if (resource !== CRM_RESOURCE) throw new errors.InvalidTarget();
          return {
            scope: CRM_SCOPES.join(' '),
            audience: CRM_RESOURCE,
            accessTokenFormat: 'jwt',
            jwt: { sign: { alg: 'RS256' } },
          };
        },
      },
    },
    ttl: { ClientCredentials: (_ctx, _token, client) => ttls.get(client.clientId) },
  });

  /** `auth`: how each token request presented the client: an Authorization: Basic header, or not. */
  const stats = { tokenRequests: 0, issued: 0, errors: 0, lastError: null, scopes: [], auth: [] };
  provider.on('grant.success', (ctx) => {
    stats.issued += 1;
    stats.scopes.push(ctx.oidc.entities.ClientCredentials?.scope ?? null);
  });
  provider.on('grant.error', (_ctx, error) => {
    stats.errors += 1;
    stats.lastError = error.error ?? error.message;
  });
  // The server errors (invalid_client before the grant runs) are counted here too.
  provider.on('server_error', (_ctx, error) => {
    stats.errors += 1;
    stats.lastError = `server_error: ${error.message}`;
  });

  const callback = provider.callback();
  server.on('request', (req, res) => {
    if (req.method === 'GET' && req.url === '/_test/stats') {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(stats));
      return;
    }
    if (req.url?.split('?')[0] === '/token') {
      stats.tokenRequests += 1;
      stats.auth.push(/^Basic /i.test(req.headers.authorization ?? '') ? 'basic' : 'post');
    }
    callback(req, res);
  });

  return {
    issuer,
    tokenUrl: `${issuer}/token`,
    statsUrl: `${issuer}/_test/stats`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

if (!isMainThread && parentPort && workerData) {
  const port = parentPort;
  startOidcServer(workerData).then(
    (running) => {
      port.on('message', (message) => {
        if (message === 'close') void running.close().then(() => port.close());
      });
      port.postMessage({ issuer: running.issuer, tokenUrl: running.tokenUrl, statsUrl: running.statsUrl });
    },
    (error) => port.postMessage({ error: String(error?.stack ?? error) }),
  );
} else if (isMainThread && process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const running = await startOidcServer(JSON.parse(process.argv[2] ?? '{"clients":[]}'));
  process.stdout.write(
    `${JSON.stringify({ issuer: running.issuer, tokenUrl: running.tokenUrl, statsUrl: running.statsUrl })}\n`,
  );
  const stop = () => void running.close().then(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
