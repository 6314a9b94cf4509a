import { CrmSandbox, SandboxRequest } from './crm-sandbox';

describe('CrmSandbox over HTTP', () => {
  let sandbox: CrmSandbox;
  let url: string;

  beforeEach(async () => {
    sandbox = new CrmSandbox({ tokenTtlSeconds: 60 });
    url = await sandbox.start();
  });

  afterEach(async () => {
    jest.restoreAllMocks();
    await sandbox.stop();
  });

  function requestToken(form: Record<string, string>, headers: Record<string, string> = {}): Promise<Response> {
    return fetch(sandbox.tokenUrl, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers },
      body: new URLSearchParams(form),
    });
  }

  function basic(id: string, secret: string): Record<string, string> {
    return { Authorization: `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}` };
  }

  async function token(): Promise<string> {
    const res = await requestToken({ grant_type: 'client_credentials' }, basic(sandbox.clientId, sandbox.clientSecret));
    expect(res.status).toBe(200);
    return ((await res.json()) as { access_token: string }).access_token;
  }

  function upsert(
    collection: string,
    body: unknown,
    options: { token?: string; key?: string; signal?: AbortSignal } = {},
  ): Promise<Response> {
    const headers: Record<string, string> = { 'Content-Type': 'application/json', 'X-Request-Id': 'req-1' };
    if (options.token !== undefined) headers.Authorization = `Bearer ${options.token}`;
    if (options.key !== undefined) headers['Idempotency-Key'] = options.key;
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    return fetch(`${url}/api/v2/${collection}/upsert`, { method: 'POST', headers, body: text, signal: options.signal });
  }

  function control(method: string, path: string, body?: unknown): Promise<Response> {
    return fetch(`${url}/_sandbox/${path}`, {
      method,
      headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  }

  describe('token endpoint', () => {
    it('grants a token to client_secret_basic with the requested scope', async () => {
      const res = await requestToken(
        { grant_type: 'client_credentials', scope: 'crm:tickets:write' },
        basic(sandbox.clientId, sandbox.clientSecret),
      );
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('no-store');
      const body = await res.json();
      expect(body).toEqual({
        access_token: expect.any(String),
        token_type: 'Bearer',
        expires_in: 60,
        scope: 'crm:tickets:write',
      });
    });

    it('grants a token to client_secret_post with the default scope', async () => {
      const res = await requestToken({
        grant_type: 'client_credentials',
        client_id: sandbox.clientId,
        client_secret: sandbox.clientSecret,
      });
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ scope: 'crm:contacts:write crm:contacts:read' });
    });

    it('decodes form-urlencoded Basic credentials (RFC 6749 2.3.1)', async () => {
      const custom = new CrmSandbox({ clientId: 'bench client', clientSecret: 's3cr+t:&=' });
      await custom.start();
      try {
        const encode = (value: string) => new URLSearchParams({ v: value }).toString().slice(2);
        const res = await fetch(custom.tokenUrl, {
          method: 'POST',
          headers: {
            'Content-Type': 'application/x-www-form-urlencoded',
            ...basic(encode('bench client'), encode('s3cr+t:&=')),
          },
          body: 'grant_type=client_credentials',
        });
        expect(res.status).toBe(200);
      } finally {
        await custom.stop();
      }
    });

    it('answers 401 invalid_client to a wrong secret, by either method', async () => {
      const viaBasic = await requestToken({ grant_type: 'client_credentials' }, basic(sandbox.clientId, 'wrong'));
      const viaPost = await requestToken({
        grant_type: 'client_credentials',
        client_id: sandbox.clientId,
        client_secret: 'wrong',
      });
      const none = await requestToken({ grant_type: 'client_credentials' });
      for (const res of [viaBasic, viaPost, none]) {
        expect(res.status).toBe(401);
        expect(await res.json()).toEqual({ error: 'invalid_client' });
      }
      expect(sandbox.stats()).toMatchObject({ tokenRequests: 3, tokensIssued: 0 });
    });

    it('answers 400 unsupported_grant_type to another grant', async () => {
      const res = await requestToken({ grant_type: 'password' }, basic(sandbox.clientId, sandbox.clientSecret));
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual({ error: 'unsupported_grant_type' });
    });
  });

  describe('authorization of API calls', () => {
    const contact = { external_id: 'C-1', status: 'active' };

    async function expectUnauthorized(res: Response): Promise<void> {
      expect(res.status).toBe(401);
      expect(await res.json()).toEqual({ error: 'invalid_token' });
    }

    it('answers 401 without a token and with an unknown one', async () => {
      await expectUnauthorized(await upsert('contacts', contact));
      await expectUnauthorized(await upsert('contacts', contact, { token: 'made-up' }));
      expect(sandbox.stats()).toMatchObject({ unauthorized: 2, applied: 0 });
      expect(sandbox.requests().map((r) => r.authorization)).toEqual(['none', 'invalid']);
    });

    it('answers 401 once tokens are revoked, in code or over HTTP', async () => {
      const first = await token();
      expect((await upsert('contacts', contact, { token: first })).status).toBe(200);
      sandbox.revokeTokens();
      await expectUnauthorized(await upsert('contacts', contact, { token: first }));

      const second = await token();
      expect((await control('POST', 'tokens/revoke')).status).toBe(204);
      await expectUnauthorized(await upsert('contacts', contact, { token: second }));
    });

    it('answers 401 once the token has expired', async () => {
      const issued = await token();
      const now = Date.now();
      jest.spyOn(Date, 'now').mockReturnValue(now + 61_000);
      await expectUnauthorized(await upsert('contacts', contact, { token: issued }));
    });
  });

  describe('upsert', () => {
    let bearer: string;

    beforeEach(async () => {
      bearer = await token();
    });

    it('creates a record, then merges later fields into it', async () => {
      const created = await upsert(
        'contacts',
        { external_id: 'C-1', status: 'active', notes: 'hi' },
        { token: bearer, key: 'k1' },
      );
      expect(created.status).toBe(200);
      const first = (await created.json()) as { id: string };
      expect(first).toEqual({ id: expect.any(String), external_id: 'C-1', version: 1, created: true });

      const merged = await upsert('contacts', { external_id: 'C-1', status: 'churned' }, { token: bearer, key: 'k2' });
      expect(await merged.json()).toEqual({ id: first.id, external_id: 'C-1', version: 2, created: false });

      await upsert('callbacks', { external_id: 'CB-1', phone: '+49' }, { token: bearer });
      expect(sandbox.records()).toEqual({
        contacts: [
          { id: first.id, external_id: 'C-1', status: 'churned', notes: 'hi', version: 2, applied_keys: ['k1', 'k2'] },
        ],
        callbacks: [{ id: expect.any(String), external_id: 'CB-1', phone: '+49', version: 1, applied_keys: [] }],
      });
    });

    it('answers a repeated Idempotency-Key with the first answer and applies it once', async () => {
      const first = await upsert(
        'tickets',
        { external_id: 'T-1', priority: 'high' },
        { token: bearer, key: 'cognigy-e1' },
      );
      const firstBody = await first.json();
      const repeat = await upsert(
        'tickets',
        { external_id: 'T-1', priority: 'low' },
        { token: bearer, key: 'cognigy-e1' },
      );
      expect(repeat.status).toBe(first.status);
      expect(await repeat.json()).toEqual(firstBody);

      const [ticket] = sandbox.records().tickets;
      expect(ticket).toMatchObject({ priority: 'high', version: 1, applied_keys: ['cognigy-e1'] });
      expect(sandbox.stats()).toMatchObject({ applied: 1, replayedKeys: 1 });
    });

    it('applies a request without Idempotency-Key every time', async () => {
      await upsert('tickets', { external_id: 'T-1' }, { token: bearer });
      await upsert('tickets', { external_id: 'T-1' }, { token: bearer });
      expect(sandbox.records().tickets[0].version).toBe(2);
      expect(sandbox.stats().applied).toBe(2);
    });

    it.each([
      ['no external_id', { status: 'x' }],
      ['an empty external_id', { external_id: '' }],
      ['a numeric external_id', { external_id: 7 }],
      ['an array', [{ external_id: 'C-1' }]],
      ['malformed JSON', '{"external_id":'],
    ])('answers 400 to a body with %s', async (_case, body) => {
      const res = await upsert('contacts', body, { token: bearer, key: 'k-bad' });
      expect(res.status).toBe(400);
      expect(sandbox.records()).toEqual({});
    });
  });

  describe('faults', () => {
    let bearer: string;
    const contact = { external_id: 'C-1' };

    beforeEach(async () => {
      bearer = await token();
    });

    it('serves a status with Retry-After and body, before checking the token', async () => {
      sandbox.inject({ status: 429, retryAfter: '7', body: { error: 'slow_down' } });
      const res = await upsert('contacts', contact);
      expect(res.status).toBe(429);
      expect(res.headers.get('retry-after')).toBe('7');
      expect(await res.json()).toEqual({ error: 'slow_down' });
      expect(sandbox.stats()).toMatchObject({ faultsServed: 1, unauthorized: 0, applied: 0 });
    });

    it('fails the next N requests, then answers normally', async () => {
      sandbox.inject({ status: 503, count: 2 });
      const statuses = [];
      for (let i = 0; i < 3; i++) statuses.push((await upsert('contacts', contact, { token: bearer })).status);
      expect(statuses).toEqual([503, 503, 200]);
      expect(sandbox.stats()).toMatchObject({ faultsServed: 2, applied: 1 });
    });

    it('serves queued faults in order', async () => {
      sandbox.inject({ status: 500 });
      sandbox.inject({ status: 408 });
      expect((await upsert('contacts', contact, { token: bearer })).status).toBe(500);
      expect((await upsert('contacts', contact, { token: bearer })).status).toBe(408);
      expect((await upsert('contacts', contact, { token: bearer })).status).toBe(200);
    });

    it('keeps a fault with count Infinity until cleared', async () => {
      sandbox.inject({ status: 502, count: Infinity });
      for (let i = 0; i < 5; i++) expect((await upsert('contacts', contact, { token: bearer })).status).toBe(502);
      sandbox.clearFaults();
      expect((await upsert('contacts', contact, { token: bearer })).status).toBe(200);
    });

    it('delays the answer by latencyMs, then answers normally', async () => {
      sandbox.inject({ latencyMs: 150 });
      const started = performance.now();
      const res = await upsert('contacts', contact, { token: bearer });
      expect(performance.now() - started).toBeGreaterThanOrEqual(140);
      expect(res.status).toBe(200);
    });

    it('hangs until the client gives up', async () => {
      sandbox.inject({ hang: true });
      const signal = AbortSignal.timeout(200);
      await expect(upsert('contacts', contact, { token: bearer, key: 'k-hang', signal })).rejects.toThrow();
      expect(sandbox.records()).toEqual({});
      expect(sandbox.requests()).toEqual([expect.objectContaining({ idempotencyKey: 'k-hang', status: null })]);
      expect((await upsert('contacts', contact, { token: bearer })).status).toBe(200);
    });

    it('applies token-target faults to the token endpoint only', async () => {
      sandbox.inject({ target: 'token', status: 503, retryAfter: '1' });
      expect((await upsert('contacts', contact, { token: bearer })).status).toBe(200);
      const failed = await requestToken(
        { grant_type: 'client_credentials' },
        basic(sandbox.clientId, sandbox.clientSecret),
      );
      expect(failed.status).toBe(503);
      expect(failed.headers.get('retry-after')).toBe('1');
      await token();
      expect(sandbox.stats()).toMatchObject({ tokenRequests: 3, tokensIssued: 2, faultsServed: 1 });
    });

    it('rejects a fault that could not be served', () => {
      expect(() => sandbox.inject({ count: 2 })).toThrow(/needs status, latencyMs or hang/);
      expect(() => sandbox.inject({ status: 42 })).toThrow(/status/);
      expect(() => sandbox.inject({ status: 500, count: 0 })).toThrow(/count/);
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
      expect(log).toEqual(sandbox.requests());
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
      expect(await (await control('GET', 'records')).json()).toEqual(sandbox.records());
    });

    it('keeps only the last 1000 requests in the log', async () => {
      for (let batch = 0; batch < 1005; batch += 50) {
        const size = Math.min(50, 1005 - batch);
        await Promise.all(
          Array.from({ length: size }, (_, i) => upsert('contacts', { external_id: `C-${batch + i}` })),
        );
      }
      expect(sandbox.requests()).toHaveLength(1000);
      expect(sandbox.stats().requests).toBe(1005);
    });

    it('reset forgets records, keys, counters, log, faults and tokens', async () => {
      const bearer = await token();
      await upsert('contacts', { external_id: 'C-1' }, { token: bearer, key: 'k1' });
      sandbox.inject({ status: 500, count: Infinity, target: 'token' });
      expect((await control('POST', 'reset')).status).toBe(204);

      expect(sandbox.records()).toEqual({});
      expect(sandbox.requests()).toEqual([]);
      expect(sandbox.stats()).toEqual({
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
      expect(other.clientId).not.toBe(sandbox.clientId);
      expect(other.clientSecret).not.toBe(sandbox.clientSecret);
      expect(other.clientSecret.length).toBeGreaterThanOrEqual(32);
      expect(() => other.url).toThrow(/not been started/);
    });
  });
});
