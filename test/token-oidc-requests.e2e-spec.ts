import { TokenUnavailableError } from '../src/crm/token/token-provider';
import { claims, CLIENTS, oidcProviderSuite, SCOPES } from './support/oidc-provider-suite';
import { freePort } from './support/service-process';

/**
 * ClientCredentialsTokenProvider's token requests against a real OAuth2 authorization server
 * (oidc-provider on loopback, test/support/oidc-provider-suite.ts): a token for the configured
 * scopes with either client authentication, a wrong secret or an unreachable endpoint answered
 * with TokenUnavailableError naming no secret, and concurrent callers sharing one request, failed
 * or not. Requests are counted at the server, not in the code under test. How long a token is kept:
 * test/token-oidc-cache.e2e-spec.ts.
 */

describe('ClientCredentialsTokenProvider against oidc-provider', () => {
  const { oidc, stats, providerFor } = oidcProviderSuite();

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
});
