import { HttpService } from '@nestjs/axios';
import { Logger } from '@nestjs/common';
import axios from 'axios';
import { BasicCredentialsProvider } from '../token/basic-credentials.provider';
import { ClientCredentialsTokenProvider } from '../token/client-credentials-token.provider';
import { StaticTokenProvider } from '../token/static-token.provider';
import { TokenUnavailableError } from '../token/token-provider';
import { BreakerOpenError } from './crm-breaker';
import { breakerOf, clientCredentialsAt, crmHttpFor, LocalCrm, post, waitUntil } from './local-crm.fixture';

/** The token interceptor on a real axios instance (built as the Crm module builds it) against a loopback CRM. */
describe('TokenInterceptor', () => {
  let crm: LocalCrm;
  const closedBreaker = () => breakerOf({ breakerThreshold: 5, breakerCooldownMs: 60_000, timeoutMs: 5000 });

  beforeAll(() => Logger.overrideLogger(false));
  beforeEach(async () => (crm = await LocalCrm.start()));
  afterEach(() => crm.close());

  it('attaches the credential its provider gives, in its scheme', async () => {
    const bearer = crmHttpFor(crm, clientCredentialsAt(crm), closedBreaker());
    const basic = crmHttpFor(
      crm,
      new BasicCredentialsProvider('agent@example.com/token', 'api-token'),
      closedBreaker(),
    );
    expect((await post(bearer, '/status/200')).status).toBe(200);
    expect((await post(basic, '/status/200')).status).toBe(200);
    expect(crm.received.map((r) => r.authorization)).toEqual([
      'Bearer token-1',
      `Basic ${Buffer.from('agent@example.com/token:api-token').toString('base64')}`,
    ]);
  });

  it('sends to the API base the token answer named, else to the instance base', async () => {
    const tokens = new ClientCredentialsTokenProvider(new HttpService(axios.create()), {
      tokenUrl: `${crm.url}/token`,
      clientId: 'spec',
      clientSecret: 'spec-secret',
      clientAuth: 'post',
      scopes: '',
      timeoutMs: 5000,
      apiBaseOf: () => `${crm.url}/status`,
    });
    const http = crmHttpFor(crm, tokens, closedBreaker());
    expect((await post(http, '/201')).status).toBe(201);
    expect(crm.received.map((r) => r.path)).toEqual(['/status/201']);
  });

  it('on a 401 to a refreshable token: drops it, fetches a new one and replays the request once with it', async () => {
    const http = crmHttpFor(crm, clientCredentialsAt(crm), closedBreaker());
    const answer = await post(http, '/reject/token-1');
    expect(answer.status).toBe(200);
    expect(crm.received.map((r) => r.authorization)).toEqual(['Bearer token-1', 'Bearer token-2']);
    expect(crm.tokenRequests).toBe(2);
    // The new token is the cached one now: the next request carries it without a token request.
    await post(http, '/status/200');
    expect(crm.received.at(-1)?.authorization).toBe('Bearer token-2');
    expect(crm.tokenRequests).toBe(2);
  });

  it('a 401 to the replay is the answer: two requests, never a third', async () => {
    const http = crmHttpFor(crm, clientCredentialsAt(crm), closedBreaker());
    expect((await post(http, '/status/401')).status).toBe(401);
    expect(crm.received.map((r) => r.authorization)).toEqual(['Bearer token-1', 'Bearer token-2']);
  });

  it('a 401 to a credential that cannot be refreshed (static, Basic) is the answer, not replayed', async () => {
    const staticHttp = crmHttpFor(crm, new StaticTokenProvider('private-app-token'), closedBreaker());
    const basicHttp = crmHttpFor(crm, new BasicCredentialsProvider('u', 'p'), closedBreaker());
    expect((await post(staticHttp, '/status/401')).status).toBe(401);
    expect((await post(basicHttp, '/status/401')).status).toBe(401);
    expect(crm.received).toHaveLength(2);
  });

  it('no token to be had: the request fails unsent with TokenUnavailableError', async () => {
    crm.tokenStatus = 503;
    const http = crmHttpFor(crm, clientCredentialsAt(crm), closedBreaker());
    await expect(post(http, '/status/200')).rejects.toThrow(TokenUnavailableError);
    expect(crm.tokenRequests).toBe(1);
    expect(crm.received).toEqual([]);
  });

  it('the replay goes through the breaker again: refused when it opened meanwhile, after one request', async () => {
    const breaker = breakerOf({ breakerThreshold: 1, breakerCooldownMs: 60_000, timeoutMs: 5000 });
    const http = crmHttpFor(crm, clientCredentialsAt(crm), breaker);
    const refusedLater = post(http, '/held/401');
    await waitUntil(() => crm.heldCount === 1);
    expect((await post(http, '/status/503')).status).toBe(503);
    expect(breaker.state).toBe('open');
    crm.release();
    await expect(refusedLater).rejects.toThrow(BreakerOpenError);
    expect(crm.received.map((r) => r.path)).toEqual(['/held/401', '/status/503']);
    expect(crm.tokenRequests).toBe(1);
  });
});
