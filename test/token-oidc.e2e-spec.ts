import { HttpService } from '@nestjs/axios';
import axios from 'axios';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { ClientCredentials, ClientCredentialsTokenProvider } from '../src/crm/token/client-credentials-token.provider';
import { TokenUnavailableError } from '../src/crm/token/token-provider';
import { freePort } from './support/service-process';

/**
 * against a real OAuth2 authorization server: `oidc-provider` 8.8.1 (its last release
 * line that supports Node 20; 9.x wants Node 22 LTS) with its client-credentials grant, on
 * loopback. oidc-provider is ESM only and Jest runs these suites as CommonJS in its VM, so the
 * server runs in a worker thread of this process (test/support/oidc-server.mjs). Requests are
 * counted at the server, not in the code under test.
 */

const SCOPES = 'crm:contacts:write crm:contacts:read';
/** VSCHARs that must be form-encoded inside Basic (RFC 6749 §2.3.1): a naive client fails here. */
const secret = (label: string) => `${label} ${randomBytes(12).toString('base64')}+/:%&=`;

interface OidcClient {
  clientId: string;
  clientSecret: string;
  auth: 'basic' | 'post';
  ttlSeconds: number;
}

const CLIENTS = {
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
  const worker = new Worker(join(__dirname, 'support', 'oidc-server.mjs'), { workerData: { clients } });
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
const claims = (token: string) => JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8'));

describe('ClientCredentialsTokenProvider against oidc-provider', () => {
  let worker: Worker;
  let oidc: OidcServer;
  const realNow = Date.now.bind(Date);

  beforeAll(async () => {
    ({ worker, server: oidc } = await startOidcWorker(Object.values(CLIENTS)));
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

  /** Everything written to stdout/stderr or the console while `fn` runs, as one string. */
  async function captureOutput(fn: () => Promise<unknown>): Promise<string> {
    const lines: string[] = [];
    const keep = (...args: unknown[]) => void lines.push(args.map(String).join(' '));
    for (const stream of [process.stdout, process.stderr]) {
      jest.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
        keep(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
        return true;
      });
    }
    for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) {
      jest.spyOn(console, method).mockImplementation(keep);
    }
    try {
      await fn();
    } finally {
      jest.restoreAllMocks();
    }
    return lines.join('\n');
  }

  describe.each([
    ['client_secret_basic', CLIENTS.basic],
    ['client_secret_post', CLIENTS.post],
  ] as const)('%s', (_method, client) => {
    it('obtains a token for the configured scopes, authenticating the way it is configured to', async () => {
      const before = await stats();
      const { provider, outcomes } = providerFor(client);

      const token = await provider.getToken();

      const after = await stats();
      expect(after.tokenRequests).toBe(before.tokenRequests + 1);
      expect(after.issued).toBe(before.issued + 1);
      expect(after.auth.at(-1)).toBe(client.auth);
      expect(after.scopes.at(-1)).toBe(SCOPES);
      expect(claims(token)).toMatchObject({
        iss: oidc.issuer,
        client_id: client.clientId,
        scope: SCOPES,
        aud: 'urn:crm:api',
      });
      expect(outcomes).toEqual(['success']);
      const state = provider.state();
      expect(state).toMatchObject({ mode: 'client_credentials', cached: true, lastError: null });
      // expires_in 600 from the server: the token is good for about ten minutes.
      const expiresIn = Date.parse(state.expiresAt!) - Date.now();
      expect(expiresIn).toBeGreaterThan(590_000);
      expect(expiresIn).toBeLessThanOrEqual(600_000);
    });

    it('fails with TokenUnavailableError on a wrong secret, naming neither secret anywhere', async () => {
      const wrong = `${client.clientSecret}-wrong`;
      const { provider, outcomes } = providerFor(client, { clientSecret: wrong });
      const before = await stats();
      let error: unknown;

      const output = await captureOutput(async () => {
        error = await provider.getToken().then(
          () => undefined,
          (e: unknown) => e,
        );
      });

      expect(error).toBeInstanceOf(TokenUnavailableError);
      const message = (error as Error).message;
      expect(message).toMatch(/401.*invalid_client/);
      const after = await stats();
      expect(after.tokenRequests).toBe(before.tokenRequests + 1);
      expect(after.issued).toBe(before.issued);
      expect(after.lastError).toBe('invalid_client');
      expect(outcomes).toEqual(['failure']);
      expect(provider.state()).toMatchObject({ cached: false, expiresAt: null, lastError: message });
      // The failure is logged (a warning), without a credential in it.
      expect(output).toMatch(/Token request failed/);
      for (const text of [message, (error as Error).stack ?? '', JSON.stringify(error), output]) {
        expect(text).not.toContain(wrong);
        expect(text).not.toContain(client.clientSecret);
        expect(text).not.toContain(encodeURIComponent(client.clientSecret));
      }
    });
  });

  it('answers an unreachable token endpoint with TokenUnavailableError naming only the code', async () => {
    const { provider } = providerFor(CLIENTS.basic, { tokenUrl: `http://127.0.0.1:${await freePort()}/token` });
    let error: unknown;
    const output = await captureOutput(async () => {
      error = await provider.getToken().catch((e: unknown) => e);
    });
    expect(error).toBeInstanceOf(TokenUnavailableError);
    expect((error as Error).message).toBe('token endpoint unreachable (ECONNREFUSED)');
    expect(output).not.toContain(CLIENTS.basic.clientSecret);
    expect(output).not.toContain(Buffer.from(CLIENTS.basic.clientSecret).toString('base64'));
  });

  it('caches the token across calls: one request to the server', async () => {
    const { provider } = providerFor(CLIENTS.basic);
    const before = await stats();

    const first = await provider.getToken();
    const again = [await provider.getToken(), await provider.getToken(), await provider.getToken()];

    expect(again).toEqual([first, first, first]);
    expect((await stats()).tokenRequests).toBe(before.tokenRequests + 1);
  });

  it('lets 50 concurrent callers share exactly one token request', async () => {
    const { provider, outcomes } = providerFor(CLIENTS.post);
    const before = await stats();

    const tokens = await Promise.all(Array.from({ length: 50 }, () => provider.getToken()));

    expect(new Set(tokens).size).toBe(1);
    expect(tokens[0]).toMatch(/^eyJ/);
    const after = await stats();
    expect(after.tokenRequests).toBe(before.tokenRequests + 1);
    expect(after.issued).toBe(before.issued + 1);
    expect(outcomes).toEqual(['success']);
  });

  it('lets 50 concurrent callers share one failed request, and tries again on the next call', async () => {
    const { provider } = providerFor(CLIENTS.post, { clientSecret: 'not-the-secret' });
    const before = await stats();

    const results = await captureOutput(async () => {
      const settled = await Promise.allSettled(Array.from({ length: 50 }, () => provider.getToken()));
      expect(settled.every((r) => r.status === 'rejected' && r.reason instanceof TokenUnavailableError)).toBe(true);
    });
    expect(results).not.toContain('not-the-secret');
    expect((await stats()).tokenRequests).toBe(before.tokenRequests + 1);

    // A failure is not cached: the next caller asks the server again.
    await captureOutput(() => provider.getToken().catch(() => undefined));
    expect((await stats()).tokenRequests).toBe(before.tokenRequests + 2);
  });

  describe('refresh before expiry (the clock moved with a mocked Date.now)', () => {
    let offset = 0;
    const advanceTo = (ms: number) => (offset = ms);

    beforeEach(() => {
      offset = 0;
      jest.spyOn(Date, 'now').mockImplementation(() => realNow() + offset);
    });

    /** Fetches the first token; returns it with the window in which it was received. */
    async function firstToken(provider: ClientCredentialsTokenProvider) {
      const startedAt = Date.now();
      const token = await provider.getToken();
      return { token, startedAt, receivedAt: Date.now() };
    }

    it('expires_in 600: cached until 60 s before expiry, then fetched again', async () => {
      const { provider } = providerFor(CLIENTS.basic);
      const before = await stats();
      const { token, startedAt, receivedAt } = await firstToken(provider);
      const elapsed = receivedAt - startedAt;

      advanceTo(540_000 - elapsed - 50); // the earliest possible refresh time (540 s after issue), minus 50 ms
      expect(await provider.getToken()).toBe(token);
      expect((await stats()).tokenRequests).toBe(before.tokenRequests + 1);

      advanceTo(540_000 + elapsed + 50); // past the latest possible refresh time, still 60 s before expiry
      const refreshed = await provider.getToken();
      expect(refreshed).not.toBe(token);
      expect((await stats()).tokenRequests).toBe(before.tokenRequests + 2);
      expect(await provider.getToken()).toBe(refreshed);
      expect((await stats()).tokenRequests).toBe(before.tokenRequests + 2);
    });

    it('expires_in 4: refreshed expires_in / 2 = 2 s before expiry, not 60 s (which would be at once)', async () => {
      const { provider } = providerFor(CLIENTS.short);
      const before = await stats();
      const { token, startedAt, receivedAt } = await firstToken(provider);
      const elapsed = receivedAt - startedAt;
      const expiresAt = Date.parse(provider.state().expiresAt!);
      expect(expiresAt - receivedAt).toBeLessThanOrEqual(4000);
      expect(expiresAt - startedAt).toBeGreaterThanOrEqual(4000);

      advanceTo(2000 - elapsed - 50);
      expect(await provider.getToken()).toBe(token);
      expect((await stats()).tokenRequests).toBe(before.tokenRequests + 1);

      advanceTo(2000 + elapsed + 50);
      expect(provider.state().cached).toBe(true); // still valid: refreshed before it expires
      const refreshed = await provider.getToken();
      expect(refreshed).not.toBe(token);
      expect((await stats()).tokenRequests).toBe(before.tokenRequests + 2);
    });

    it('50 callers arriving when a refresh is due share one refresh', async () => {
      const { provider } = providerFor(CLIENTS.basic);
      const before = await stats();
      const { token } = await firstToken(provider);

      advanceTo(541_000);
      const tokens = await Promise.all(Array.from({ length: 50 }, () => provider.getToken()));

      expect(new Set(tokens).size).toBe(1);
      expect(tokens[0]).not.toBe(token);
      expect((await stats()).tokenRequests).toBe(before.tokenRequests + 2);
    });
  });

  it('expires_in 2 on the real clock: cached at first, fetched again once 1 s has passed', async () => {
    const { provider } = providerFor(CLIENTS.tiny);
    const before = await stats();
    const token = await provider.getToken();
    expect(await provider.getToken()).toBe(token);
    expect((await stats()).tokenRequests).toBe(before.tokenRequests + 1);

    await new Promise((resolve) => setTimeout(resolve, 1100));

    const refreshed = await provider.getToken();
    expect(refreshed).not.toBe(token);
    expect((await stats()).tokenRequests).toBe(before.tokenRequests + 2);
    expect(claims(refreshed).exp).toBeGreaterThan(claims(token).exp);
  });

  it('invalidate(token) drops that token and the next call fetches a new one', async () => {
    const { provider } = providerFor(CLIENTS.basic);
    const before = await stats();
    const token = await provider.getToken();

    expect(provider.invalidate(token)).toBe(true);
    expect(provider.state().cached).toBe(false);
    const fresh = await provider.getToken();

    expect(fresh).not.toBe(token);
    expect(claims(fresh).jti).not.toBe(claims(token).jti);
    expect((await stats()).tokenRequests).toBe(before.tokenRequests + 2);
  });

  it('invalidate() of an older token keeps the current one (a late 401 does not cost a refresh)', async () => {
    const { provider } = providerFor(CLIENTS.basic);
    const before = await stats();
    const old = await provider.getToken();
    provider.invalidate(old);
    const current = await provider.getToken();

    provider.invalidate(old);

    expect(await provider.getToken()).toBe(current);
    expect((await stats()).tokenRequests).toBe(before.tokenRequests + 2);
  });
});
