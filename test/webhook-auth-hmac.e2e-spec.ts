import { cognigySignature, nowSeconds } from './support/signing';
import { authApps, authRequests, NEW_SECRET, OLD_SECRET, TOLERANCE } from './support/webhook-auth';
import { RouteCase, ROUTES } from './support/webhook-cases';

/**
 * The hmac mode of WEBHOOK_AUTH_MODES (X-Cognigy-Signature over the raw body, with secrets in
 * rotation, optionally over X-Cognigy-Timestamp and, with WEBHOOK_REQUIRE_TIMESTAMP, only so),
 * through real HTTP into the real app (one app per configuration), on both webhook routes.
 */

const apps = authApps('hmac', 'hmacRequired');

describe.each(ROUTES)('webhook authentication on $path', (route: RouteCase) => {
  const { accepted, refused } = authRequests(route);

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
});
