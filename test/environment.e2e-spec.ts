import { ConfigValidationError, Environment, validateEnvironment as validateWith } from '../src/config/environment';
import { openApiEnabled } from '../src/config/service-environment';
import { pendingBytesPerClient, requireTimestamp } from '../src/config/webhook-environment';
import { splitList } from '../src/config/env-transforms';
import { CONNECTORS } from '../src/crm/connector-registry';

/** The environment as bootstrap validates it: with the rules of every registered connector. */
const validateEnvironment = (raw: Record<string, unknown>) => validateWith(raw, CONNECTORS);

/** The error validateEnvironment throws for `raw`; fails the test when it does not throw. */
function rejectionOf(raw: Record<string, string>): ConfigValidationError {
  try {
    validateEnvironment(raw);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigValidationError);
    return error as ConfigValidationError;
  }
  throw new Error(`expected ${JSON.stringify(Object.keys(raw))} to be refused`);
}

/** The variables named in the message, one per "  - NAME: rule" line. */
function namedVariables(error: ConfigValidationError): string[] {
  return [...error.message.matchAll(/^ {2}- ([A-Z_]+):/gm)].map((m) => m[1]).sort();
}

/** Everything a production deployment with the default modes must set. */
const PRODUCTION_OK = {
  NODE_ENV: 'production',
  COGNIGY_WEBHOOK_SECRETS: 'prod-hmac-secret',
  CRM_BASE_URL: 'https://crm.example.com',
  CRM_TOKEN_URL: 'https://crm.example.com/oauth/token',
  CRM_CLIENT_ID: 'client-id',
  CRM_CLIENT_SECRET: 'client-secret-value',
};

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

  describe('pending-bytes budget', () => {
    it('defaults to 32 MiB, a quarter of it per client', () => {
      const env = validateEnvironment({});
      expect(env.WEBHOOK_MAX_PENDING_BYTES).toBe(32 * 1024 * 1024);
      expect(pendingBytesPerClient(env)).toBe(8 * 1024 * 1024);
    });

    it('gives a client at least room for one body of the largest size', () => {
      const env = validateEnvironment({ WEBHOOK_MAX_PENDING_BYTES: '300000', WEBHOOK_MAX_BODY_BYTES: '200000' });
      expect(pendingBytesPerClient(env)).toBe(200000);
      expect(pendingBytesPerClient(validateEnvironment({ WEBHOOK_MAX_PENDING_BYTES_PER_CLIENT: '300000' }))).toBe(
        300000,
      );
    });

    it('refuses budgets a body of the largest size cannot fit in, and a share over the whole', () => {
      expect(namedVariables(rejectionOf({ WEBHOOK_MAX_PENDING_BYTES: '100000' }))).toEqual([
        'WEBHOOK_MAX_PENDING_BYTES',
      ]);
      expect(namedVariables(rejectionOf({ WEBHOOK_MAX_PENDING_BYTES_PER_CLIENT: '100000' }))).toEqual([
        'WEBHOOK_MAX_PENDING_BYTES_PER_CLIENT',
      ]);
      expect(
        namedVariables(
          rejectionOf({ WEBHOOK_MAX_PENDING_BYTES: '1000000', WEBHOOK_MAX_PENDING_BYTES_PER_CLIENT: '2000000' }),
        ),
      ).toEqual(['WEBHOOK_MAX_PENDING_BYTES_PER_CLIENT']);
      expect(namedVariables(rejectionOf({ WEBHOOK_MAX_PENDING_BYTES: '1000' }))).toEqual(['WEBHOOK_MAX_PENDING_BYTES']);
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

  describe('replay bounds', () => {
    it('refuses a record-state window shorter than the dedup window', () => {
      expect(namedVariables(rejectionOf({ DEDUP_TTL_SECONDS: '86400', RECORD_STATE_TTL_SECONDS: '3600' }))).toEqual([
        'RECORD_STATE_TTL_SECONDS',
      ]);
      expect(validateEnvironment({ DEDUP_TTL_SECONDS: '60', RECORD_STATE_TTL_SECONDS: '60' })).toBeDefined();
    });

    it('requires X-Cognigy-Timestamp in production unless WEBHOOK_REQUIRE_TIMESTAMP says otherwise', () => {
      expect(requireTimestamp(validateEnvironment({}))).toBe(false);
      expect(requireTimestamp(validateEnvironment(PRODUCTION_OK))).toBe(true);
      expect(requireTimestamp(validateEnvironment({ ...PRODUCTION_OK, WEBHOOK_REQUIRE_TIMESTAMP: 'false' }))).toBe(
        false,
      );
      expect(requireTimestamp(validateEnvironment({ WEBHOOK_REQUIRE_TIMESTAMP: 'true' }))).toBe(true);
    });
  });
});
