import { Environment } from '../src/config/environment';
import { namedVariables, PRODUCTION_OK, rejectionOf, validateEnvironment } from './support/environment-checks';

/**
 * validateEnvironment (test/support/environment-checks.ts): what an empty environment gets, how
 * values are converted, the settings a CRM connector or CRM_AUTH needs, and malformed values,
 * each refused with a message naming its variable (every bad one in one message).
 */

describe('validateEnvironment', () => {
  describe('defaults', () => {
    it('accepts an empty environment and applies every documented default', () => {
      const env = validateEnvironment({});
      expect(env).toBeInstanceOf(Environment);
      expect(env).toMatchObject({
        NODE_ENV: 'development',
        PORT: 3000,
        HOST: '0.0.0.0',
        DATA_DIR: './data',
        LOG_LEVEL: 'info',
        SHUTDOWN_GRACE_MS: 10000,
        WEBHOOK_AUTH_MODES: 'hmac',
        WEBHOOK_TOLERANCE_SECONDS: 300,
        RECORD_STATE_TTL_SECONDS: 2592000,
        WEBHOOK_MAX_BODY_BYTES: 262144,
        DEDUP_TTL_SECONDS: 86400,
        QUEUE_DRIVER: 'sqlite',
        SQLITE_SYNCHRONOUS: 'full',
        REDIS_KEY_PREFIX: 'ccs',
        CRM_AUTH: 'client_credentials',
        CRM_CLIENT_AUTH: 'basic',
        CRM_SCOPES: 'crm:contacts:write crm:contacts:read',
        CRM_TIMEOUT_MS: 15000,
        CRM_RETRY_BASE_MS: 1000,
        CRM_RETRY_MAX_MS: 300000,
        CRM_MAX_ATTEMPTS: 15,
        CRM_BREAKER_THRESHOLD: 5,
        CRM_BREAKER_COOLDOWN_MS: 30000,
        CRM_CONCURRENCY: 16,
        LATENCY_WINDOW: 1000,
        SLA_THRESHOLD_SECONDS: 2,
      });
      expect(env.COGNIGY_WEBHOOK_SECRETS).toBeUndefined();
      expect(env.CRM_BASE_URL).toBeUndefined();
      expect(env.CRM_RATE_LIMIT_PER_SECOND).toBeUndefined();
      expect(env.ADMIN_TOKEN).toBeUndefined();
    });

    it('converts numbers and booleans and ignores variables it does not own', () => {
      const env = validateEnvironment({
        PORT: '8080',
        CRM_CONCURRENCY: ' 4 ',
        SLA_THRESHOLD_SECONDS: '1.5',
        CRM_RATE_LIMIT_PER_SECOND: '2.5',
        WEBHOOK_REQUIRE_TIMESTAMP: 'true',
        PATH: '/usr/bin',
        HOME: '/root',
      });
      expect(env.PORT).toBe(8080);
      expect(env.CRM_CONCURRENCY).toBe(4);
      expect(env.SLA_THRESHOLD_SECONDS).toBe(1.5);
      expect(env.CRM_RATE_LIMIT_PER_SECOND).toBe(2.5);
      expect(env.WEBHOOK_REQUIRE_TIMESTAMP).toBe(true);
      expect(env).not.toHaveProperty('PATH');
    });

    it('with CRM_BASE_URL set outside production, names the missing credentials of CRM_AUTH', () => {
      const names = (extra: Record<string, string>) =>
        rejectionOf({ CRM_BASE_URL: 'http://crm.local', ...extra })
          .problems.map((p) => p.split(':')[0])
          .sort();
      expect(names({})).toEqual(['CRM_CLIENT_ID', 'CRM_CLIENT_SECRET', 'CRM_TOKEN_URL']);
      expect(names({ CRM_AUTH: 'static' })).toEqual(['CRM_ACCESS_TOKEN']);
      expect(() =>
        validateEnvironment({ CRM_BASE_URL: 'http://crm.local', CRM_AUTH: 'static', CRM_ACCESS_TOKEN: 't' }),
      ).not.toThrow();
    });

    it('names every setting a CRM connector lacks, and the batch sizes it allows', () => {
      const missing = (extra: Record<string, string>) =>
        rejectionOf(extra)
          .problems.map((p) => p.split(':')[0])
          .sort();
      expect(missing({ CRM_CONNECTOR: 'salesforce' })).toEqual(['CRM_CLIENT_ID', 'CRM_CLIENT_SECRET', 'CRM_TOKEN_URL']);
      expect(missing({ CRM_CONNECTOR: 'dataverse' })).toEqual([
        'CRM_BASE_URL',
        'CRM_CLIENT_ID',
        'CRM_CLIENT_SECRET',
        'CRM_TOKEN_URL',
      ]);
      expect(missing({ CRM_CONNECTOR: 'hubspot', CRM_BATCH_SIZE: '150' })).toEqual([
        'CRM_ACCESS_TOKEN',
        'CRM_BASE_URL',
        'CRM_BATCH_SIZE',
      ]);
      expect(missing({ CRM_CONNECTOR: 'zendesk', CRM_AUTH: 'basic' })).toEqual([
        'CRM_BASE_URL',
        'CRM_BASIC_PASSWORD',
        'CRM_BASIC_USER',
      ]);
      expect(missing({ CRM_CONNECTOR: 'zendesk' })).toEqual(['CRM_AUTH', 'CRM_BASE_URL']);
      expect(missing({ CRM_CONNECTOR: 'generic', CRM_BATCH_SIZE: '2' })).toEqual(['CRM_BATCH_SIZE']);
      expect(missing({ SALESFORCE_API_VERSION: 'v62' })).toEqual(['SALESFORCE_API_VERSION']);
      for (const domains of ['https://salesforce.mil', '*.salesforce.mil', 'salesforce.mil,', 'mil'])
        expect(missing({ SALESFORCE_INSTANCE_DOMAINS: domains })).toEqual(['SALESFORCE_INSTANCE_DOMAINS']);
      const salesforce = validateEnvironment({
        CRM_CONNECTOR: 'salesforce',
        CRM_TOKEN_URL: 'https://acme.my.salesforce.com/services/oauth2/token',
        CRM_CLIENT_ID: 'id',
        CRM_CLIENT_SECRET: 'secret',
        MAPPINGS_FILE: 'mappings/salesforce.example.json',
        CRM_BATCH_SIZE: '200',
        SALESFORCE_INSTANCE_DOMAINS: ' salesforce.mil, sfcrmproducts.cn ',
      });
      expect(salesforce).toMatchObject({
        CRM_CONNECTOR: 'salesforce',
        CRM_BATCH_SIZE: 200,
        connectorSettings: {
          SALESFORCE_API_VERSION: '62.0',
          SALESFORCE_INSTANCE_DOMAINS: 'salesforce.mil, sfcrmproducts.cn',
        },
      });
    });

    it('accepts http(s) URLs on hosts without a TLD (loopback, cluster DNS)', () => {
      const env = validateEnvironment({
        CRM_BASE_URL: 'http://localhost:4010/',
        CRM_TOKEN_URL: 'http://crm-api.crm.svc:8080/oauth/token',
        CRM_CLIENT_ID: 'id',
        CRM_CLIENT_SECRET: 'secret',
        REDIS_URL: 'redis://redis:6379/0',
      });
      expect(env.CRM_BASE_URL).toBe('http://localhost:4010/');
      expect(env.CRM_TOKEN_URL).toBe('http://crm-api.crm.svc:8080/oauth/token');
    });

    it('treats an empty variable as unset', () => {
      const env = validateEnvironment({ PORT: '', CRM_CONCURRENCY: '', COGNIGY_WEBHOOK_SECRETS: '' });
      expect(env.PORT).toBe(3000);
      expect(env.CRM_CONCURRENCY).toBe(16);
      expect(env.COGNIGY_WEBHOOK_SECRETS).toBeUndefined();
    });

    it('accepts a complete production configuration', () => {
      expect(() => validateEnvironment(PRODUCTION_OK)).not.toThrow();
      expect(() =>
        validateEnvironment({
          NODE_ENV: 'production',
          COGNIGY_WEBHOOK_SECRETS: 's',
          CRM_BASE_URL: 'https://api.hubapi.com',
          CRM_AUTH: 'static',
          CRM_ACCESS_TOKEN: 'pat-token',
        }),
      ).not.toThrow();
    });

    it('outside production, hmac without COGNIGY_WEBHOOK_SECRETS and without a CRM is valid (dev secret, sandbox)', () => {
      expect(() => validateEnvironment({ NODE_ENV: 'development' })).not.toThrow();
      expect(() => validateEnvironment({ NODE_ENV: 'test' })).not.toThrow();
    });
  });

  describe('malformed values', () => {
    it.each([
      ['PORT', 'abc'],
      ['PORT', '70000'],
      ['PORT', '-1'],
      ['PORT', '80.5'],
      ['CRM_CONCURRENCY', '1.5'],
      ['CRM_CONCURRENCY', '0'],
      ['CRM_CONCURRENCY', 'many'],
      ['CRM_TIMEOUT_MS', '15s'],
      ['DEDUP_TTL_SECONDS', '1e3x'],
      ['SLA_THRESHOLD_SECONDS', 'two'],
      ['CRM_RATE_LIMIT_PER_SECOND', 'fast'],
      ['WEBHOOK_REQUIRE_TIMESTAMP', 'maybe'],
      ['QUEUE_DRIVER', 'kafka'],
      ['SQLITE_SYNCHRONOUS', 'off'],
      ['NODE_ENV', 'staging'],
      ['LOG_LEVEL', 'loud'],
      ['CRM_AUTH', 'password'],
      ['CRM_BASE_URL', 'not a url'],
      ['CRM_BASE_URL', 'crm.example.com'],
      ['CRM_BASE_URL', 'ftp://crm.example.com'],
      ['CRM_TOKEN_URL', 'crm.example.com/oauth/token'],
      ['REDIS_URL', 'http://redis'],
      ['REDIS_URL', 'localhost:6379'],
    ])('%s=%s is refused with a message naming %s', (name, value) => {
      const error = rejectionOf({ [name]: value });
      expect(namedVariables(error)).toEqual([name]);
      expect(error.problems).toHaveLength(1);
      expect(error.problems[0].startsWith(`${name}: `)).toBe(true);
    });

    it('names every bad variable in one message', () => {
      const error = rejectionOf({
        PORT: 'abc',
        CRM_CONCURRENCY: '1.5',
        LOG_LEVEL: 'loud',
        CRM_BASE_URL: 'nope',
        WEBHOOK_AUTH_MODES: 'hmac,magic',
      });
      expect(error.name).toBe('ConfigValidationError');
      expect(namedVariables(error)).toEqual(
        ['CRM_BASE_URL', 'CRM_CONCURRENCY', 'LOG_LEVEL', 'PORT', 'WEBHOOK_AUTH_MODES'].sort(),
      );
      expect(error.message).toContain('unknown mode "magic"');
    });

    it('refuses an empty list of auth modes and a retry cap below the base', () => {
      expect(namedVariables(rejectionOf({ WEBHOOK_AUTH_MODES: ' , ' }))).toEqual(['WEBHOOK_AUTH_MODES']);
      expect(namedVariables(rejectionOf({ CRM_RETRY_BASE_MS: '5000', CRM_RETRY_MAX_MS: '1000' }))).toEqual([
        'CRM_RETRY_MAX_MS',
      ]);
    });
  });
});
