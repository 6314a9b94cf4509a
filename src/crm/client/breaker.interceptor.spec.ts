import { Logger } from '@nestjs/common';
import { StaticTokenProvider } from '../token/static-token.provider';
import { TokenUnavailableError } from '../token/token-provider';
import { BreakerOpenError } from './crm-breaker';
import { breakerOf, clientCredentialsAt, crmHttpFor, LocalCrm, post, waitUntil } from './local-crm.fixture';

/** The breaker interceptor on a real axios instance (built as the Crm module builds it) against a loopback CRM. */
describe('BreakerInterceptor', () => {
  let crm: LocalCrm;
  const tokens = () => new StaticTokenProvider('private-app-token');
  const breaker = (breakerThreshold: number, breakerCooldownMs = 60_000) =>
    breakerOf({ breakerThreshold, breakerCooldownMs, timeoutMs: 5000 });

  beforeAll(() => Logger.overrideLogger(false));
  beforeEach(async () => (crm = await LocalCrm.start()));
  afterEach(() => crm.close());

  it('while open, refuses at once: nothing sent, no token asked for', async () => {
    const credential = tokens();
    const getToken = jest.spyOn(credential, 'getToken');
    const open = breaker(1);
    const http = crmHttpFor(crm, credential, open);
    await post(http, '/status/503');
    expect(open.state).toBe('open');
    await expect(post(http, '/status/200')).rejects.toThrow(BreakerOpenError);
    expect(crm.received).toHaveLength(1);
    expect(getToken).toHaveBeenCalledTimes(1);
  });

  it.each(['/status/408', '/status/500', '/status/503'])(
    'counts the answer to %s as a failure, and hands the answer back',
    async (path) => {
      const guard = breaker(1);
      const answer = await post(crmHttpFor(crm, tokens(), guard), path);
      expect(answer.status).toBe(Number(path.split('/')[2]));
      expect(guard.state).toBe('open');
    },
  );

  it('counts a connection closed unanswered and a timeout as failures', async () => {
    const dropped = breaker(1);
    await expect(post(crmHttpFor(crm, tokens(), dropped), '/drop')).rejects.toMatchObject({ code: 'ECONNRESET' });
    expect(dropped.state).toBe('open');
    const hung = breaker(1);
    await expect(post(crmHttpFor(crm, tokens(), hung, 100), '/hang')).rejects.toMatchObject({
      code: 'ECONNABORTED',
    });
    expect(hung.state).toBe('open');
  });

  it.each([200, 201, 400, 401, 404, 409, 422, 429])(
    'counts a %i answer as a success: the failures before it are no longer consecutive',
    async (status) => {
      const guard = breaker(2);
      const http = crmHttpFor(crm, tokens(), guard);
      await post(http, '/status/500');
      expect((await post(http, `/status/${status}`)).status).toBe(status);
      await post(http, '/status/500');
      expect(guard.state).toBe('closed');
      await post(http, '/status/500');
      expect(guard.state).toBe('open');
    },
  );

  it('sees the replay after a 401 as one more exchange, and each exchange once', async () => {
    const guard = breaker(2);
    const http = crmHttpFor(crm, clientCredentialsAt(crm), guard);
    expect((await post(http, '/reject/token-1/503')).status).toBe(503);
    expect(guard.state).toBe('closed');
    await post(http, '/status/500');
    expect(guard.state).toBe('open');
  });

  it('half-open, lets exactly one probe through; its success closes the breaker', async () => {
    const guard = breaker(1, 50);
    const http = crmHttpFor(crm, tokens(), guard);
    await post(http, '/status/503');
    await waitUntil(() => guard.state === 'half-open');
    const probe = post(http, '/held/200');
    await waitUntil(() => crm.heldCount === 1);
    await expect(post(http, '/status/200')).rejects.toThrow(BreakerOpenError);
    crm.release();
    expect((await probe).status).toBe(200);
    expect(guard.state).toBe('closed');
    expect(crm.received.map((r) => r.path)).toEqual(['/status/503', '/held/200']);
  });

  it("half-open, a probe's failure opens it again", async () => {
    const guard = breaker(1, 50);
    const http = crmHttpFor(crm, tokens(), guard);
    await post(http, '/status/503');
    await waitUntil(() => guard.state === 'half-open');
    await post(http, '/status/502');
    expect(guard.state).toBe('open');
  });

  it('half-open, a token that cannot be had is no probe: the breaker waits for one that reaches the CRM', async () => {
    const credential = clientCredentialsAt(crm);
    const guard = breaker(1, 50);
    const http = crmHttpFor(crm, credential, guard);
    await post(http, '/status/503');
    credential.invalidate('token-1');
    crm.tokenStatus = 500;
    await waitUntil(() => guard.state === 'half-open');
    await expect(post(http, '/status/200')).rejects.toThrow(TokenUnavailableError);
    expect(guard.state).toBe('half-open');
    crm.tokenStatus = 200;
    expect((await post(http, '/status/200')).status).toBe(200);
    expect(guard.state).toBe('closed');
    expect(crm.received.map((r) => r.path)).toEqual(['/status/503', '/status/200']);
  });

  it('each client instance has its own breaker: one open refuses only its own requests', async () => {
    const first = breaker(1);
    const second = breaker(1);
    const firstHttp = crmHttpFor(crm, tokens(), first);
    const secondHttp = crmHttpFor(crm, tokens(), second);
    await post(firstHttp, '/status/503');
    await expect(post(firstHttp, '/status/200')).rejects.toThrow(BreakerOpenError);
    expect((await post(secondHttp, '/status/200')).status).toBe(200);
    expect(second.state).toBe('closed');
  });
});
