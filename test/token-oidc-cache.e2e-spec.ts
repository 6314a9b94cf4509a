import { ClientCredentialsTokenProvider } from '../src/crm/token/client-credentials-token.provider';
import { claims, CLIENTS, oidcProviderSuite } from './support/oidc-provider-suite';

/**
 * How long ClientCredentialsTokenProvider keeps a token from a real OAuth2 authorization server
 * (oidc-provider on loopback, test/support/oidc-provider-suite.ts): cached across calls, refreshed
 * before it expires (60 s before, or expires_in / 2 for a short-lived one; on a mocked clock and on
 * the real one), one refresh for concurrent callers, and invalidate() dropping only the token it
 * names. Requests are counted at the server, not in the code under test. Obtaining a token:
 * test/token-oidc-requests.e2e-spec.ts.
 */

describe('ClientCredentialsTokenProvider against oidc-provider', () => {
  const { stats, providerFor } = oidcProviderSuite();
  const realNow = Date.now.bind(Date);

  it('caches the token across calls: one request to the server', async () => {
    const { provider } = providerFor(CLIENTS.basic);
    const before = await stats();

    const first = await provider.getToken();
    const again = [await provider.getToken(), await provider.getToken(), await provider.getToken()];

    expect(again).toEqual([first, first, first]);
    expect((await stats()).tokenRequests).toBe(before.tokenRequests + 1);
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
