import { randomBytes } from 'node:crypto';
import { cognigySignature, nowSeconds, standardSignature } from './support/signing';
import { startTestApp, TestApp } from './support/test-app';
import { post, storedCount, RouteCase, ROUTES, store, UNAUTHORIZED_BODY, unique } from './support/webhook-cases';

/**
 * the four authentication modes of WEBHOOK_AUTH_MODES, alone and together, through
 * real HTTP into the real app (one app per configuration), on both webhook routes.
 */

const TOLERANCE = 60;
const OLD_SECRET = 'old-hmac-secret';
const NEW_SECRET = 'new-hmac-secret';
const WHSEC_OLD = `whsec_${randomBytes(24).toString('base64')}`;
const WHSEC_NEW = `whsec_${randomBytes(32).toString('base64')}`;
const WHSEC_OTHER = `whsec_${randomBytes(32).toString('base64')}`;
const BASIC_USER = 'cognigy';
const BASIC_PASSWORD = 'p:ss w0rd!';

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

const apps: Record<string, TestApp> = {};

beforeAll(async () => {
  const configs: Record<string, Record<string, string>> = {
    hmac: {
      COGNIGY_WEBHOOK_SECRETS: `${OLD_SECRET},${NEW_SECRET}`,
      WEBHOOK_TOLERANCE_SECONDS: String(TOLERANCE),
    },
    hmacRequired: {
      COGNIGY_WEBHOOK_SECRETS: NEW_SECRET,
      WEBHOOK_TOLERANCE_SECONDS: String(TOLERANCE),
      WEBHOOK_REQUIRE_TIMESTAMP: 'true',
    },
    basic: {
      WEBHOOK_AUTH_MODES: 'basic',
      WEBHOOK_BASIC_USER: BASIC_USER,
      WEBHOOK_BASIC_PASSWORD: BASIC_PASSWORD,
      // Configured but not enabled: must not let anything through.
      COGNIGY_WEBHOOK_SECRETS: NEW_SECRET,
      WEBHOOK_API_KEYS: 'k1,k2',
    },
    apikey: { WEBHOOK_AUTH_MODES: 'apikey', WEBHOOK_API_KEYS: 'k1,k2' },
    standard: {
      WEBHOOK_AUTH_MODES: 'standard',
      STANDARD_WEBHOOK_SECRETS: `${WHSEC_OLD},${WHSEC_NEW}`,
      WEBHOOK_TOLERANCE_SECONDS: String(TOLERANCE),
    },
    multi: {
      WEBHOOK_AUTH_MODES: 'hmac,apikey',
      COGNIGY_WEBHOOK_SECRETS: NEW_SECRET,
      WEBHOOK_API_KEYS: 'k1,k2',
      WEBHOOK_BASIC_USER: BASIC_USER,
      WEBHOOK_BASIC_PASSWORD: BASIC_PASSWORD,
    },
    // hmac only, with every other mode's credentials configured.
    hmacOnly: {
      WEBHOOK_AUTH_MODES: 'hmac',
      COGNIGY_WEBHOOK_SECRETS: NEW_SECRET,
      WEBHOOK_BASIC_USER: BASIC_USER,
      WEBHOOK_BASIC_PASSWORD: BASIC_PASSWORD,
      WEBHOOK_API_KEYS: 'k1,k2',
      STANDARD_WEBHOOK_SECRETS: WHSEC_NEW,
    },
  };
  for (const [name, env] of Object.entries(configs)) apps[name] = await startTestApp(env);
});

afterAll(async () => {
  for (const app of Object.values(apps)) await app.close();
});

describe.each(ROUTES)('webhook authentication on $path', (route: RouteCase) => {
  /** Sends a fresh completion with the headers `headersFor(raw)` builds. */
  async function send(t: TestApp, headersFor: (raw: string) => Record<string, string>, raw?: string) {
    const completion = route.completion();
    const body = raw ?? JSON.stringify(completion.body);
    const headers = headersFor(body);
    const res = await post(t, route.path, body, { headers });
    // Standard Webhooks: the authenticated webhook-id is the event id.
    return { res, eventId: headers['webhook-id'] ?? completion.eventId };
  }

  /** Expects 202 with the expected event id, and the event stored once. */
  async function accepted(t: TestApp, headersFor: (raw: string) => Record<string, string>) {
    const before = await storedCount(t);
    const { res, eventId } = await send(t, headersFor);
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ status: 'accepted', eventId });
    expect(await storedCount(t)).toBe(before + 1);
    expect((await store(t).get(eventId))?.eventId).toBe(eventId);
    return res;
  }

  /** Expects exactly the 401 of and nothing stored. */
  async function refused(t: TestApp, headersFor: (raw: string) => Record<string, string>, raw?: string) {
    const before = await storedCount(t);
    const { res } = await send(t, headersFor, raw);
    expect(res.status).toBe(401);
    expect(res.body).toEqual(UNAUTHORIZED_BODY);
    expect(await storedCount(t)).toBe(before);
  }

  describe('hmac', () => {
    const sig = (secret: string, raw: string, ts?: number | string) => cognigySignature(secret, raw, ts);

    it('accepts the hex HMAC of the raw body', () =>
      accepted(apps.hmac, (raw) => ({ 'x-cognigy-signature': sig(NEW_SECRET, raw) })));

    it('accepts the old secret while rotating (COGNIGY_WEBHOOK_SECRETS=old,new)', () =>
      accepted(apps.hmac, (raw) => ({ 'x-cognigy-signature': sig(OLD_SECRET, raw) })));

    it('refuses a wrong secret', () =>
      refused(apps.hmac, (raw) => ({ 'x-cognigy-signature': sig('wrong-secret', raw) })));

    it('refuses a request without a signature', () => refused(apps.hmac, () => ({})));

    it('refuses an empty signature', () => refused(apps.hmac, () => ({ 'x-cognigy-signature': '' })));

    it('accepts a `sha256=` prefix', () =>
      accepted(apps.hmac, (raw) => ({ 'x-cognigy-signature': `sha256=${sig(NEW_SECRET, raw)}` })));

    it('accepts upper-case hex', () =>
      accepted(apps.hmac, (raw) => ({ 'x-cognigy-signature': sig(NEW_SECRET, raw).toUpperCase() })));

    it('accepts upper-case hex after a `sha256=` prefix', () =>
      accepted(apps.hmac, (raw) => ({ 'x-cognigy-signature': `sha256=${sig(OLD_SECRET, raw).toUpperCase()}` })));

    it('refuses a truncated signature', () =>
      refused(apps.hmac, (raw) => ({ 'x-cognigy-signature': sig(NEW_SECRET, raw).slice(0, 63) })));

    it('refuses the body tampered with after signing', async () => {
      const { body } = route.completion();
      const signedRaw = JSON.stringify(body);
      // Same length, one entity value changed.
      const tampered = signedRaw.replace(/"completed"/, '"complete!"');
      expect(tampered).not.toBe(signedRaw);
      expect(tampered.length).toBe(signedRaw.length);
      await refused(apps.hmac, () => ({ 'x-cognigy-signature': sig(NEW_SECRET, signedRaw) }), tampered);
    });

    it('signs the raw bytes: re-serialised JSON of the same object does not match', async () => {
      const { body } = route.completion();
      const compact = JSON.stringify(body);
      const pretty = JSON.stringify(body, null, 2);
      await refused(apps.hmac, () => ({ 'x-cognigy-signature': sig(NEW_SECRET, compact) }), pretty);
    });

    describe('X-Cognigy-Timestamp', () => {
      it('accepts `<timestamp>.<body>` signed with a current timestamp', () =>
        accepted(apps.hmac, (raw) => {
          const ts = nowSeconds();
          return { 'x-cognigy-timestamp': String(ts), 'x-cognigy-signature': sig(NEW_SECRET, raw, ts) };
        }));

      it('accepts a timestamp inside WEBHOOK_TOLERANCE_SECONDS', () =>
        accepted(apps.hmac, (raw) => {
          const ts = nowSeconds() - (TOLERANCE - 10);
          return { 'x-cognigy-timestamp': String(ts), 'x-cognigy-signature': sig(OLD_SECRET, raw, ts) };
        }));

      it('refuses a stale timestamp beyond the tolerance', () =>
        refused(apps.hmac, (raw) => {
          const ts = nowSeconds() - (TOLERANCE + 30);
          return { 'x-cognigy-timestamp': String(ts), 'x-cognigy-signature': sig(NEW_SECRET, raw, ts) };
        }));

      it('refuses a future timestamp beyond the tolerance', () =>
        refused(apps.hmac, (raw) => {
          const ts = nowSeconds() + TOLERANCE + 30;
          return { 'x-cognigy-timestamp': String(ts), 'x-cognigy-signature': sig(NEW_SECRET, raw, ts) };
        }));

      it('refuses a timestamp that is not Unix seconds', () =>
        refused(apps.hmac, (raw) => {
          const ts = new Date().toISOString();
          return { 'x-cognigy-timestamp': ts, 'x-cognigy-signature': sig(NEW_SECRET, raw, ts) };
        }));

      it('refuses a body-only signature when a timestamp is sent (the timestamp must be signed)', () =>
        refused(apps.hmac, (raw) => ({
          'x-cognigy-timestamp': String(nowSeconds()),
          'x-cognigy-signature': sig(NEW_SECRET, raw),
        })));

      it('refuses a signature whose signed timestamp differs from the header', () =>
        refused(apps.hmac, (raw) => {
          const ts = nowSeconds();
          return { 'x-cognigy-timestamp': String(ts), 'x-cognigy-signature': sig(NEW_SECRET, raw, ts - 1) };
        }));
    });

    describe('WEBHOOK_REQUIRE_TIMESTAMP=true', () => {
      it('refuses a request without a timestamp, even correctly signed', () =>
        refused(apps.hmacRequired, (raw) => ({ 'x-cognigy-signature': sig(NEW_SECRET, raw) })));

      it('accepts a signed current timestamp', () =>
        accepted(apps.hmacRequired, (raw) => {
          const ts = nowSeconds();
          return { 'x-cognigy-timestamp': String(ts), 'x-cognigy-signature': sig(NEW_SECRET, raw, ts) };
        }));

      it('refuses a stale timestamp', () =>
        refused(apps.hmacRequired, (raw) => {
          const ts = nowSeconds() - (TOLERANCE + 30);
          return { 'x-cognigy-timestamp': String(ts), 'x-cognigy-signature': sig(NEW_SECRET, raw, ts) };
        }));
    });
  });

  describe('basic', () => {
    it('accepts the configured user and password', () =>
      accepted(apps.basic, () => ({ authorization: basic(BASIC_USER, BASIC_PASSWORD) })));

    it('refuses a wrong password', () =>
      refused(apps.basic, () => ({ authorization: basic(BASIC_USER, 'wrong-password') })));

    it('refuses a wrong user', () => refused(apps.basic, () => ({ authorization: basic('admin', BASIC_PASSWORD) })));

    it('refuses the password as a prefix only', () =>
      refused(apps.basic, () => ({ authorization: basic(BASIC_USER, BASIC_PASSWORD.slice(0, -1)) })));

    it('refuses credentials without a colon', () =>
      refused(apps.basic, () => ({
        authorization: `Basic ${Buffer.from(`${BASIC_USER}${BASIC_PASSWORD}`).toString('base64')}`,
      })));

    it('refuses the right credentials under another scheme', () =>
      refused(apps.basic, () => ({
        authorization: `Bearer ${Buffer.from(`${BASIC_USER}:${BASIC_PASSWORD}`).toString('base64')}`,
      })));

    it('refuses a request without Authorization', () => refused(apps.basic, () => ({})));

    it('ignores a valid HMAC signature and API key: those modes are not enabled', () =>
      refused(apps.basic, (raw) => ({ 'x-cognigy-signature': cognigySignature(NEW_SECRET, raw), 'x-api-key': 'k1' })));
  });

  describe('apikey', () => {
    it('accepts the first key', () => accepted(apps.apikey, () => ({ 'x-api-key': 'k1' })));

    it('accepts the second key', () => accepted(apps.apikey, () => ({ 'x-api-key': 'k2' })));

    it('refuses an unknown key', () => refused(apps.apikey, () => ({ 'x-api-key': 'k3' })));

    it('refuses a key that only starts like a valid one', () => refused(apps.apikey, () => ({ 'x-api-key': 'k12' })));

    it('refuses the whole list as a key', () => refused(apps.apikey, () => ({ 'x-api-key': 'k1,k2' })));

    it('refuses a request without X-API-Key', () => refused(apps.apikey, () => ({})));

    it('refuses a valid key sent in another header', () =>
      refused(apps.apikey, () => ({ authorization: 'Bearer k1' })));
  });

  describe('standard (Standard Webhooks)', () => {
    const headers = (raw: string, whsec: string, id: string, ts: number | string = nowSeconds()) => ({
      'webhook-id': id,
      'webhook-timestamp': String(ts),
      'webhook-signature': standardSignature(whsec, id, ts, raw),
    });

    it('accepts a valid request and takes webhook-id as the event id', async () => {
      const id = unique('msg');
      const before = await storedCount(apps.standard);
      const { res } = await send(apps.standard, (raw) => headers(raw, WHSEC_NEW, id));
      expect(res.status).toBe(202);
      expect(res.body).toEqual({ status: 'accepted', eventId: id });
      expect(await storedCount(apps.standard)).toBe(before + 1);
      expect((await store(apps.standard).get(id))?.eventId).toBe(id);
    });

    it('webhook-id wins over Idempotency-Key and X-Cognigy-Event-Id', async () => {
      const id = unique('msg');
      const { res } = await send(apps.standard, (raw) => ({
        ...headers(raw, WHSEC_NEW, id),
        'idempotency-key': unique('idem'),
        'x-cognigy-event-id': unique('cog'),
      }));
      expect(res.status).toBe(202);
      expect(res.body.eventId).toBe(id);
    });

    it('a second delivery with the same webhook-id is a duplicate', async () => {
      const id = unique('msg');
      const before = await storedCount(apps.standard);
      const first = await send(apps.standard, (raw) => headers(raw, WHSEC_NEW, id));
      expect(first.res.status).toBe(202);
      // A retry from the gateway: same id, fresh timestamp and signature.
      const again = await send(apps.standard, (raw) => headers(raw, WHSEC_OLD, id));
      expect(again.res.status).toBe(200);
      expect(again.res.body).toEqual({ status: 'duplicate', eventId: id });
      expect(await storedCount(apps.standard)).toBe(before + 1);
    });

    it('accepts the rotated (older) whsec_ secret', async () => {
      const id = unique('msg');
      const { res } = await send(apps.standard, (raw) => headers(raw, WHSEC_OLD, id));
      expect(res.status).toBe(202);
      expect(res.body).toEqual({ status: 'accepted', eventId: id });
    });

    it('accepts when any of several space-separated signatures matches', () =>
      accepted(apps.standard, (raw) => {
        const id = unique('msg');
        const ts = nowSeconds();
        const good = standardSignature(WHSEC_NEW, id, ts, raw);
        const bad = standardSignature(WHSEC_OTHER, id, ts, raw);
        return { 'webhook-id': id, 'webhook-timestamp': String(ts), 'webhook-signature': `${bad} ${good}` };
      }));

    it('refuses a secret that is not configured', () =>
      refused(apps.standard, (raw) => headers(raw, WHSEC_OTHER, unique('msg'))));

    it('refuses a stale webhook-timestamp', () =>
      refused(apps.standard, (raw) => headers(raw, WHSEC_NEW, unique('msg'), nowSeconds() - (TOLERANCE + 30))));

    it('refuses a future webhook-timestamp', () =>
      refused(apps.standard, (raw) => headers(raw, WHSEC_NEW, unique('msg'), nowSeconds() + TOLERANCE + 30)));

    it('accepts a webhook-timestamp inside the tolerance', () =>
      accepted(apps.standard, (raw) => headers(raw, WHSEC_NEW, unique('msg'), nowSeconds() - (TOLERANCE - 10))));

    it('refuses the body tampered with after signing', async () => {
      const { body } = route.completion();
      const signedRaw = JSON.stringify(body);
      const tampered = signedRaw.replace(/"completed"/, '"complete!"');
      expect(tampered).not.toBe(signedRaw);
      await refused(apps.standard, () => headers(signedRaw, WHSEC_NEW, unique('msg')), tampered);
    });

    it('refuses a webhook-id other than the one signed', () =>
      refused(apps.standard, (raw) => ({ ...headers(raw, WHSEC_NEW, unique('msg')), 'webhook-id': unique('msg') })));

    it('refuses a request without webhook-id', () =>
      refused(apps.standard, (raw) => {
        const { 'webhook-id': _id, ...rest } = headers(raw, WHSEC_NEW, unique('msg'));
        return rest;
      }));

    it('refuses a request without webhook-timestamp', () =>
      refused(apps.standard, (raw) => {
        const { 'webhook-timestamp': _ts, ...rest } = headers(raw, WHSEC_NEW, unique('msg'));
        return rest;
      }));

    it('refuses a signature not tagged v1', () =>
      refused(apps.standard, (raw) => {
        const h = headers(raw, WHSEC_NEW, unique('msg'));
        return { ...h, 'webhook-signature': h['webhook-signature'].replace(/^v1,/, 'v2,') };
      }));
  });

  describe('several modes at once (WEBHOOK_AUTH_MODES=hmac,apikey)', () => {
    it('accepts a valid HMAC signature alone', () =>
      accepted(apps.multi, (raw) => ({ 'x-cognigy-signature': cognigySignature(NEW_SECRET, raw) })));

    it('accepts a valid API key alone', () => accepted(apps.multi, () => ({ 'x-api-key': 'k2' })));

    it('accepts a valid API key next to a wrong signature', () =>
      accepted(apps.multi, (raw) => ({ 'x-cognigy-signature': cognigySignature('wrong', raw), 'x-api-key': 'k1' })));

    it('accepts a valid signature next to an unknown API key', () =>
      accepted(apps.multi, (raw) => ({
        'x-cognigy-signature': cognigySignature(NEW_SECRET, raw),
        'x-api-key': 'nope',
      })));

    it('refuses a request with no credentials', () => refused(apps.multi, () => ({})));

    it('refuses a wrong signature and an unknown key', () =>
      refused(apps.multi, (raw) => ({ 'x-cognigy-signature': cognigySignature('wrong', raw), 'x-api-key': 'k3' })));

    it('refuses Basic credentials: basic is configured but not enabled', () =>
      refused(apps.multi, () => ({ authorization: basic(BASIC_USER, BASIC_PASSWORD) })));
  });

  describe('a mode that is not enabled lets nothing through (WEBHOOK_AUTH_MODES=hmac)', () => {
    it('accepts hmac', () =>
      accepted(apps.hmacOnly, (raw) => ({ 'x-cognigy-signature': cognigySignature(NEW_SECRET, raw) })));

    it('refuses valid Basic credentials', () =>
      refused(apps.hmacOnly, () => ({ authorization: basic(BASIC_USER, BASIC_PASSWORD) })));

    it('refuses a valid API key', () => refused(apps.hmacOnly, () => ({ 'x-api-key': 'k1' })));

    it('refuses a valid Standard Webhooks signature', () =>
      refused(apps.hmacOnly, (raw) => {
        const id = unique('msg');
        const ts = nowSeconds();
        return {
          'webhook-id': id,
          'webhook-timestamp': String(ts),
          'webhook-signature': standardSignature(WHSEC_NEW, id, ts, raw),
        };
      }));

    it('refuses valid credentials of every other mode together', () =>
      refused(apps.hmacOnly, (raw) => {
        const id = unique('msg');
        const ts = nowSeconds();
        return {
          authorization: basic(BASIC_USER, BASIC_PASSWORD),
          'x-api-key': 'k1',
          'webhook-id': id,
          'webhook-timestamp': String(ts),
          'webhook-signature': standardSignature(WHSEC_NEW, id, ts, raw),
        };
      }));
  });
});
