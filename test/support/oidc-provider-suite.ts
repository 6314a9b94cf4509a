import { HttpService } from '@nestjs/axios';
import axios from 'axios';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import {
  ClientCredentials,
  ClientCredentialsTokenProvider,
} from '../../src/crm/token/client-credentials-token.provider';

/**
 * A real OAuth2 authorization server for the token suites (test/token-oidc-*.e2e-spec.ts):
 * `oidc-provider` 8.8.1 (its last release line that supports Node 20; 9.x wants Node 22 LTS) with
 * its client-credentials grant, on loopback. oidc-provider is ESM only and Jest runs these suites
 * as CommonJS in its VM, so the server runs in a worker thread of the test's process
 * (test/support/oidc-server.mjs). Requests are counted at the server, not in the code under test.
 */

export const SCOPES = 'crm:contacts:write crm:contacts:read';
/** VSCHARs that must be form-encoded inside Basic (RFC 6749 §2.3.1): a naive client fails here. */
const secret = (label: string) => `${label} ${randomBytes(12).toString('base64')}+/:%&=`;

interface OidcClient {
  clientId: string;
  clientSecret: string;
  auth: 'basic' | 'post';
  ttlSeconds: number;
}

export const CLIENTS = {
  basic: { clientId: 'crm-basic', clientSecret: secret('basic'), auth: 'basic', ttlSeconds: 600 },
  post: { clientId: 'crm-post', clientSecret: secret('post'), auth: 'post', ttlSeconds: 600 },
  /** expires_in 4: refreshed min(60, 4 / 2) = 2 s before expiry, i.e. 2 s after issue. */
  short: { clientId: 'crm-short', clientSecret: secret('short'), auth: 'basic', ttlSeconds: 4 },
  /** expires_in 2: refreshed 1 s after issue, short enough to wait for on the real clock. */
  tiny: { clientId: 'crm-tiny', clientSecret: secret('tiny'), auth: 'post', ttlSeconds: 2 },
} satisfies Record<string, OidcClient>;

interface ServerStats {
  tokenRequests: number;
  issued: number;
  errors: number;
  lastError: string | null;
  /** The scope of each token issued, as the server recorded it. */
  scopes: Array<string | null>;
  /** How each token request presented the client. */
  auth: Array<'basic' | 'post'>;
}

interface OidcServer {
  issuer: string;
  tokenUrl: string;
  statsUrl: string;
}

function startOidcWorker(clients: OidcClient[]): Promise<{ worker: Worker; server: OidcServer }> {
  const worker = new Worker(join(__dirname, 'oidc-server.mjs'), { workerData: { clients } });
  return new Promise((resolve, reject) => {
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`oidc-provider worker exited (${code}) before listening`)));
    worker.once('message', (message: OidcServer & { error?: string }) => {
      if (message.error) reject(new Error(message.error));
      else resolve({ worker, server: message });
    });
  });
}

/** The JWT access token's claims (oidc-provider issues JWTs for the CRM resource here). */
export const claims = (token: string) => JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8'));

/**
 * For the enclosing describe: the server with every one of CLIENTS, started in a worker thread
 * before its tests and stopped after them; mocks (a spied Date.now, captured output) are restored
 * after each test. `oidc` is the server's addresses (from the describe's beforeAll on), `stats`
 * what it counted so far, and `providerFor` a provider of `client` on it that collects its outcomes.
 */
export function oidcProviderSuite() {
  let worker: Worker;
  const oidc: OidcServer = { issuer: '', tokenUrl: '', statsUrl: '' };

  beforeAll(async () => {
    const started = await startOidcWorker(Object.values(CLIENTS));
    worker = started.worker;
    Object.assign(oidc, started.server);
  });

  afterAll(async () => {
    worker?.postMessage('close');
    await worker?.terminate();
  });

  afterEach(() => jest.restoreAllMocks());

  const stats = async (): Promise<ServerStats> => (await axios.get<ServerStats>(oidc.statsUrl)).data;

  function providerFor(client: OidcClient, overrides: Partial<ClientCredentials> = {}) {
    const outcomes: string[] = [];
    const provider = new ClientCredentialsTokenProvider(
      new HttpService(axios.create()),
      {
        tokenUrl: oidc.tokenUrl,
        clientId: client.clientId,
        clientSecret: client.clientSecret,
        clientAuth: client.auth,
        scopes: SCOPES,
        timeoutMs: 5000,
        ...overrides,
      },
      (outcome) => outcomes.push(outcome),
    );
    return { provider, outcomes };
  }

  return { oidc, stats, providerFor };
}
