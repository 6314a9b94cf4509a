import { splitList } from '../src/config/env-transforms';
import { openApiEnabled } from '../src/config/service-environment';
import { namedVariables, PRODUCTION_OK, rejectionOf, validateEnvironment } from './support/environment-checks';

/**
 * validateEnvironment (test/support/environment-checks.ts) on what guards secrets: the credentials
 * each auth mode and production need, refused without echoing a secret value; plain-http CRM URLs
 * refused in production; OPENAPI_ENABLED off in production unless set.
 */

describe('validateEnvironment', () => {
  describe('credentials', () => {
    it('production with hmac and no COGNIGY_WEBHOOK_SECRETS names it (and nothing else)', () => {
      const { COGNIGY_WEBHOOK_SECRETS: _omitted, ...env } = PRODUCTION_OK;
      const error = rejectionOf(env);
      expect(namedVariables(error)).toEqual(['COGNIGY_WEBHOOK_SECRETS']);
      expect(error.message).toMatch(/COGNIGY_WEBHOOK_SECRETS: required .*production/);
    });

    it('production without hmac enabled does not need COGNIGY_WEBHOOK_SECRETS', () => {
      const { COGNIGY_WEBHOOK_SECRETS: _omitted, ...env } = PRODUCTION_OK;
      expect(() => validateEnvironment({ ...env, WEBHOOK_AUTH_MODES: 'apikey', WEBHOOK_API_KEYS: 'k1' })).not.toThrow();
    });

    it('production without the CRM settings names CRM_BASE_URL, CRM_TOKEN_URL, CRM_CLIENT_ID and CRM_CLIENT_SECRET', () => {
      const error = rejectionOf({ NODE_ENV: 'production', COGNIGY_WEBHOOK_SECRETS: 's' });
      expect(namedVariables(error)).toEqual(['CRM_BASE_URL', 'CRM_CLIENT_ID', 'CRM_CLIENT_SECRET', 'CRM_TOKEN_URL']);
    });

    it('production with only the client secret missing names only CRM_CLIENT_SECRET', () => {
      const { CRM_CLIENT_SECRET: _omitted, ...env } = PRODUCTION_OK;
      expect(namedVariables(rejectionOf(env))).toEqual(['CRM_CLIENT_SECRET']);
    });

    it('production with CRM_AUTH=static names CRM_ACCESS_TOKEN instead of the client credentials', () => {
      const error = rejectionOf({
        NODE_ENV: 'production',
        COGNIGY_WEBHOOK_SECRETS: 's',
        CRM_BASE_URL: 'https://api.hubapi.com',
        CRM_AUTH: 'static',
      });
      expect(namedVariables(error)).toEqual(['CRM_ACCESS_TOKEN']);
    });

    it.each(['production', 'development'])('basic mode without user and password names both (%s)', (nodeEnv) => {
      const env = { ...PRODUCTION_OK, NODE_ENV: nodeEnv, WEBHOOK_AUTH_MODES: 'hmac,basic' };
      expect(namedVariables(rejectionOf(env))).toEqual(['WEBHOOK_BASIC_PASSWORD', 'WEBHOOK_BASIC_USER']);
      expect(namedVariables(rejectionOf({ ...env, WEBHOOK_BASIC_USER: 'cognigy' }))).toEqual([
        'WEBHOOK_BASIC_PASSWORD',
      ]);
      expect(() =>
        validateEnvironment({ ...env, WEBHOOK_BASIC_USER: 'cognigy', WEBHOOK_BASIC_PASSWORD: 'pw' }),
      ).not.toThrow();
    });

    it('apikey and standard modes without their secrets name them', () => {
      const error = rejectionOf({ ...PRODUCTION_OK, WEBHOOK_AUTH_MODES: 'apikey,standard' });
      expect(namedVariables(error)).toEqual(['STANDARD_WEBHOOK_SECRETS', 'WEBHOOK_API_KEYS']);
    });

    it('accepts whsec_ secrets in base64, several for rotation', () => {
      const good = `whsec_${Buffer.from('0123456789abcdef0123456789abcdef').toString('base64')}`;
      const env = validateEnvironment({
        WEBHOOK_AUTH_MODES: 'standard',
        STANDARD_WEBHOOK_SECRETS: `${good}, whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw`,
      });
      expect(splitList(env.STANDARD_WEBHOOK_SECRETS)).toHaveLength(2);
    });

    it.each([
      ['no prefix', 'MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'],
      ['not base64', 'whsec_not-base64!value'],
      ['one good, one bad', 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw,whsec_bad secret value'],
    ])('refuses a bad whsec secret (%s) without echoing it', (_case, secrets) => {
      const error = rejectionOf({ WEBHOOK_AUTH_MODES: 'standard', STANDARD_WEBHOOK_SECRETS: secrets });
      expect(namedVariables(error)).toEqual(['STANDARD_WEBHOOK_SECRETS']);
      for (const secret of splitList(secrets)) expect(error.message).not.toContain(secret);
      expect(error.message).not.toContain('MfKQ9r8G');
    });

    it('never puts a secret value into the message, even when other variables are bad', () => {
      const secrets = {
        COGNIGY_WEBHOOK_SECRETS: 'hmac-secret-AAA111,hmac-secret-BBB222',
        WEBHOOK_BASIC_PASSWORD: 'basic-password-CCC333',
        WEBHOOK_API_KEYS: 'api-key-DDD444',
        STANDARD_WEBHOOK_SECRETS: 'whsec_EEE555 not base64',
        CRM_CLIENT_SECRET: 'client-secret-FFF666',
        CRM_ACCESS_TOKEN: 'access-token-GGG777',
        ADMIN_TOKEN: 'admin-token-HHH888',
      };
      const error = rejectionOf({
        ...secrets,
        NODE_ENV: 'production',
        WEBHOOK_AUTH_MODES: 'hmac,basic,apikey,standard',
        CRM_BASE_URL: 'not a url AND-SECRET-III999',
        PORT: 'abc',
      });
      expect(namedVariables(error)).toEqual(
        [
          'CRM_BASE_URL',
          'CRM_CLIENT_ID',
          'CRM_TOKEN_URL',
          'PORT',
          'STANDARD_WEBHOOK_SECRETS',
          'WEBHOOK_BASIC_USER',
        ].sort(),
      );
      const text = `${error.message}\n${error.problems.join('\n')}\n${String(error.stack)}`;
      for (const value of [...Object.values(secrets).flatMap((v) => splitList(v)), 'SECRET-III999', 'EEE555']) {
        expect(text).not.toContain(value);
      }
    });
  });

  describe('plain-http CRM URLs in production', () => {
    const insecure = {
      ...PRODUCTION_OK,
      CRM_BASE_URL: 'http://crm.example.com',
      CRM_TOKEN_URL: 'http://crm.example.com/oauth/token',
    };

    it('are refused, each named, unless CRM_ALLOW_INSECURE_HTTP=true', () => {
      const error = rejectionOf(insecure);
      expect(namedVariables(error)).toEqual(['CRM_BASE_URL', 'CRM_TOKEN_URL']);
      expect(error.message).toContain('CRM_ALLOW_INSECURE_HTTP=true');
      expect(validateEnvironment({ ...insecure, CRM_ALLOW_INSECURE_HTTP: 'true' }).CRM_BASE_URL).toBe(
        'http://crm.example.com',
      );
    });

    it.each(['http://localhost:8080', 'http://127.0.0.1:4010', 'http://127.8.9.10', 'http://[::1]:4010'])(
      'a loopback URL (%s) is allowed',
      (url) => {
        expect(
          validateEnvironment({ ...PRODUCTION_OK, CRM_BASE_URL: url, CRM_TOKEN_URL: `${url}/token` }),
        ).toBeDefined();
      },
    );

    it('a host that only starts like loopback is not', () => {
      expect(namedVariables(rejectionOf({ ...PRODUCTION_OK, CRM_BASE_URL: 'http://127.0.0.1.example.com' }))).toEqual([
        'CRM_BASE_URL',
      ]);
      expect(namedVariables(rejectionOf({ ...PRODUCTION_OK, CRM_TOKEN_URL: 'http://localhost.evil.io/t' }))).toEqual([
        'CRM_TOKEN_URL',
      ]);
    });

    it('outside production, http:// is fine', () => {
      expect(validateEnvironment({ ...insecure, NODE_ENV: 'development' })).toBeDefined();
    });
  });

  describe('OPENAPI_ENABLED', () => {
    it('is on outside production and off in production unless set', () => {
      expect(openApiEnabled(validateEnvironment({}))).toBe(true);
      expect(openApiEnabled(validateEnvironment(PRODUCTION_OK))).toBe(false);
      expect(openApiEnabled(validateEnvironment({ ...PRODUCTION_OK, OPENAPI_ENABLED: 'true' }))).toBe(true);
      expect(openApiEnabled(validateEnvironment({ OPENAPI_ENABLED: 'false' }))).toBe(false);
    });
  });
});
