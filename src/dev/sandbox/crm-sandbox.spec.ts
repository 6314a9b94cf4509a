import { sandboxUnderTest } from './crm-sandbox.fixture';
import { CrmSandbox } from './crm-sandbox';

describe('CrmSandbox over HTTP: tokens, authorization, upserts', () => {
  const { sandbox, requestToken, basic, token, upsert, control } = sandboxUnderTest();

  describe('token endpoint', () => {
    it('grants a token to client_secret_basic with the requested scope', async () => {
      const res = await requestToken(
        { grant_type: 'client_credentials', scope: 'crm:tickets:write' },
        basic(sandbox().clientId, sandbox().clientSecret),
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
        client_id: sandbox().clientId,
        client_secret: sandbox().clientSecret,
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
      const viaBasic = await requestToken({ grant_type: 'client_credentials' }, basic(sandbox().clientId, 'wrong'));
      const viaPost = await requestToken({
        grant_type: 'client_credentials',
        client_id: sandbox().clientId,
        client_secret: 'wrong',
      });
      const none = await requestToken({ grant_type: 'client_credentials' });
      for (const res of [viaBasic, viaPost, none]) {
        expect(res.status).toBe(401);
        expect(await res.json()).toEqual({ error: 'invalid_client' });
      }
      expect(sandbox().stats()).toMatchObject({ tokenRequests: 3, tokensIssued: 0 });
    });

    it('answers 400 unsupported_grant_type to another grant', async () => {
      const res = await requestToken({ grant_type: 'password' }, basic(sandbox().clientId, sandbox().clientSecret));
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
      expect(sandbox().stats()).toMatchObject({ unauthorized: 2, applied: 0 });
      expect(
        sandbox()
          .requests()
          .map((r) => r.authorization),
      ).toEqual(['none', 'invalid']);
    });

    it('answers 401 once tokens are revoked, in code or over HTTP', async () => {
      const first = await token();
      expect((await upsert('contacts', contact, { token: first })).status).toBe(200);
      sandbox().revokeTokens();
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
      expect(sandbox().records()).toEqual({
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

      const [ticket] = sandbox().records().tickets;
      expect(ticket).toMatchObject({ priority: 'high', version: 1, applied_keys: ['cognigy-e1'] });
      expect(sandbox().stats()).toMatchObject({ applied: 1, replayedKeys: 1 });
    });

    it('applies a request without Idempotency-Key every time', async () => {
      await upsert('tickets', { external_id: 'T-1' }, { token: bearer });
      await upsert('tickets', { external_id: 'T-1' }, { token: bearer });
      expect(sandbox().records().tickets[0].version).toBe(2);
      expect(sandbox().stats().applied).toBe(2);
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
      expect(sandbox().records()).toEqual({});
    });
  });
});
