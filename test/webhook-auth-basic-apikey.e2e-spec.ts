import { cognigySignature } from './support/signing';
import { authApps, authRequests, basic, BASIC_PASSWORD, BASIC_USER, NEW_SECRET } from './support/webhook-auth';
import { RouteCase, ROUTES } from './support/webhook-cases';

/**
 * The basic and apikey modes of WEBHOOK_AUTH_MODES (Authorization: Basic, X-API-Key), each alone,
 * through real HTTP into the real app (one app per configuration), on both webhook routes.
 */

const apps = authApps('basic', 'apikey');

describe.each(ROUTES)('webhook authentication on $path', (route: RouteCase) => {
  const { accepted, refused } = authRequests(route);

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
});
