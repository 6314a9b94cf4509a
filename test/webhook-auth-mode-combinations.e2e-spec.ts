import { cognigySignature, nowSeconds, standardSignature } from './support/signing';
import {
  authApps,
  authRequests,
  basic,
  BASIC_PASSWORD,
  BASIC_USER,
  NEW_SECRET,
  WHSEC_NEW,
} from './support/webhook-auth';
import { RouteCase, ROUTES, unique } from './support/webhook-cases';

/**
 * WEBHOOK_AUTH_MODES naming several modes (any one of them lets a request through) or one mode
 * while every other mode's credentials are configured (those let nothing through), through real
 * HTTP into the real app (one app per configuration), on both webhook routes.
 */

const apps = authApps('multi', 'hmacOnly');

describe.each(ROUTES)('webhook authentication on $path', (route: RouteCase) => {
  const { accepted, refused } = authRequests(route);

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
