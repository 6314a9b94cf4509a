import { sandboxUnderTest } from './crm-sandbox.fixture';
import { CrmSandbox } from './crm-sandbox';
import { SandboxRequest } from './sandbox-state';

describe('CrmSandbox over HTTP: faults, introspection, reset', () => {
  const { sandbox, requestToken, basic, token, upsert, control } = sandboxUnderTest();

  describe('faults', () => {
    let bearer: string;
    const contact = { external_id: 'C-1' };

    beforeEach(async () => {
      bearer = await token();
    });

    it('serves a status with Retry-After and body, before checking the token', async () => {
      sandbox().inject({ status: 429, retryAfter: '7', body: { error: 'slow_down' } });
      const res = await upsert('contacts', contact);
      expect(res.status).toBe(429);
      expect(res.headers.get('retry-after')).toBe('7');
      expect(await res.json()).toEqual({ error: 'slow_down' });
      expect(sandbox().stats()).toMatchObject({ faultsServed: 1, unauthorized: 0, applied: 0 });
    });

    it('fails the next N requests, then answers normally', async () => {
      sandbox().inject({ status: 503, count: 2 });
      const statuses = [];
      for (let i = 0; i < 3; i++) statuses.push((await upsert('contacts', contact, { token: bearer })).status);
      expect(statuses).toEqual([503, 503, 200]);
      expect(sandbox().stats()).toMatchObject({ faultsServed: 2, applied: 1 });
    });

    it('serves queued faults in order', async () => {
      sandbox().inject({ status: 500 });
      sandbox().inject({ status: 408 });
      expect((await upsert('contacts', contact, { token: bearer })).status).toBe(500);
      expect((await upsert('contacts', contact, { token: bearer })).status).toBe(408);
      expect((await upsert('contacts', contact, { token: bearer })).status).toBe(200);
    });

    it('keeps a fault with count Infinity until cleared', async () => {
      sandbox().inject({ status: 502, count: Infinity });
      for (let i = 0; i < 5; i++) expect((await upsert('contacts', contact, { token: bearer })).status).toBe(502);
      sandbox().clearFaults();
      expect((await upsert('contacts', contact, { token: bearer })).status).toBe(200);
    });

    it('delays the answer by latencyMs, then answers normally', async () => {
      sandbox().inject({ latencyMs: 150 });
      const started = performance.now();
      const res = await upsert('contacts', contact, { token: bearer });
      expect(performance.now() - started).toBeGreaterThanOrEqual(140);
      expect(res.status).toBe(200);
    });

    it('hangs until the client gives up', async () => {
      sandbox().inject({ hang: true });
      const signal = AbortSignal.timeout(200);
      await expect(upsert('contacts', contact, { token: bearer, key: 'k-hang', signal })).rejects.toThrow();
      expect(sandbox().records()).toEqual({});
      expect(sandbox().requests()).toEqual([expect.objectContaining({ idempotencyKey: 'k-hang', status: null })]);
      expect((await upsert('contacts', contact, { token: bearer })).status).toBe(200);
    });

    it('applies token-target faults to the token endpoint only', async () => {
      sandbox().inject({ target: 'token', status: 503, retryAfter: '1' });
      expect((await upsert('contacts', contact, { token: bearer })).status).toBe(200);
      const failed = await requestToken(
        { grant_type: 'client_credentials' },
        basic(sandbox().clientId, sandbox().clientSecret),
      );
      expect(failed.status).toBe(503);
      expect(failed.headers.get('retry-after')).toBe('1');
      await token();
      expect(sandbox().stats()).toMatchObject({ tokenRequests: 3, tokensIssued: 2, faultsServed: 1 });
    });

    it('rejects a fault that could not be served', () => {
      expect(() => sandbox().inject({ count: 2 })).toThrow(/needs status, latencyMs or hang/);
      expect(() => sandbox().inject({ status: 42 })).toThrow(/status/);
      expect(() => sandbox().inject({ status: 500, count: 0 })).toThrow(/count/);
    });

    it('are managed over HTTP, count -1 meaning until cleared', async () => {
      expect((await control('POST', 'faults', { status: 500, count: -1 })).status).toBe(201);
      for (let i = 0; i < 3; i++) expect((await upsert('contacts', contact, { token: bearer })).status).toBe(500);
      expect((await control('DELETE', 'faults')).status).toBe(204);
      expect((await upsert('contacts', contact, { token: bearer })).status).toBe(200);

      const invalid = await control('POST', 'faults', { status: 'soon' });
      expect(invalid.status).toBe(400);
      expect(await invalid.json()).toMatchObject({ error: 'invalid_fault' });
    });
  });

  describe('introspection and reset', () => {
    it('counts requests by path and logs them without the token', async () => {
      const bearer = await token();
      await upsert('contacts', { external_id: 'C-1' }, { token: bearer, key: 'k1' });
      await upsert('contacts', { external_id: 'C-1' }, { token: bearer, key: 'k1' });
      await upsert('tickets', { external_id: 'T-1' }, { token: 'forged' });

      const stats = await (await control('GET', 'stats')).json();
      expect(stats).toEqual({
        requests: 3,
        applied: 1,
        replayedKeys: 1,
        tokenRequests: 1,
        tokensIssued: 1,
        unauthorized: 1,
        faultsServed: 0,
        byPath: { '/api/v2/contacts/upsert': 2, '/api/v2/tickets/upsert': 1 },
      });

      const log = (await (await control('GET', 'requests')).json()) as SandboxRequest[];
      expect(log).toEqual(sandbox().requests());
      expect(log[0]).toEqual({
        method: 'POST',
        path: '/api/v2/contacts/upsert',
        idempotencyKey: 'k1',
        requestId: 'req-1',
        authorization: 'Bearer',
        body: { external_id: 'C-1' },
        status: 200,
        at: expect.any(String),
        answeredAt: expect.any(String),
      });
      expect(log.map((r) => [r.status, r.authorization])).toEqual([
        [200, 'Bearer'],
        [200, 'Bearer'],
        [401, 'invalid'],
      ]);
      expect(JSON.stringify(log)).not.toContain(bearer);
      expect(await (await control('GET', 'records')).json()).toEqual(sandbox().records());
    });

    it('keeps only the last 1000 requests in the log', async () => {
      for (let batch = 0; batch < 1005; batch += 50) {
        const size = Math.min(50, 1005 - batch);
        await Promise.all(
          Array.from({ length: size }, (_, i) => upsert('contacts', { external_id: `C-${batch + i}` })),
        );
      }
      expect(sandbox().requests()).toHaveLength(1000);
      expect(sandbox().stats().requests).toBe(1005);
    });

    it('reset forgets records, keys, counters, log, faults and tokens', async () => {
      const bearer = await token();
      await upsert('contacts', { external_id: 'C-1' }, { token: bearer, key: 'k1' });
      sandbox().inject({ status: 500, count: Infinity, target: 'token' });
      expect((await control('POST', 'reset')).status).toBe(204);

      expect(sandbox().records()).toEqual({});
      expect(sandbox().requests()).toEqual([]);
      expect(sandbox().stats()).toEqual({
        requests: 0,
        applied: 0,
        replayedKeys: 0,
        tokenRequests: 0,
        tokensIssued: 0,
        unauthorized: 0,
        faultsServed: 0,
        byPath: {},
      });
      expect((await upsert('contacts', { external_id: 'C-1' }, { token: bearer })).status).toBe(401);
      const fresh = await token();
      const again = await upsert('contacts', { external_id: 'C-1' }, { token: fresh, key: 'k1' });
      expect(await again.json()).toMatchObject({ version: 1, created: true });
    });

    it('generates distinct random credentials per instance and refuses use before start', () => {
      const other = new CrmSandbox();
      expect(other.clientId).not.toBe(sandbox().clientId);
      expect(other.clientSecret).not.toBe(sandbox().clientSecret);
      expect(other.clientSecret.length).toBeGreaterThanOrEqual(32);
      expect(() => other.url).toThrow(/not been started/);
    });
  });
});
