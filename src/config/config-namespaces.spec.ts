import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { appConfig } from './app.config';
import { crmConfig } from './crm.config';
import { validateEnvironment, withCrm } from './environment';
import { mappingConfig } from './mapping.config';
import { metricsConfig } from './metrics.config';
import { queueConfig } from './queue.config';
import { redisConfig } from './redis.config';
import { webhookConfig } from './webhook.config';

/** A stand-in for the Crm module's registry: one connector asking nothing of the environment. */
const CONNECTORS = [{ name: 'generic', maxBatchSize: 1, problems: () => [] }];

describe('config namespaces', () => {
  let root: string;
  beforeAll(() => (root = mkdtempSync(join(tmpdir(), 'ccs-config-'))));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  const crm = {
    baseUrl: 'http://crm.local/',
    tokenUrl: 'http://crm.local/token',
    clientId: 'id',
    clientSecret: 'secret',
  };

  it('are read from the validated environment only, writing nothing (no development secret either)', () => {
    const dataDir = join(root, 'data');
    const env = withCrm(validateEnvironment({ DATA_DIR: dataDir, WEBHOOK_AUTH_MODES: 'hmac' }, CONNECTORS), crm);
    for (const namespace of [
      appConfig,
      webhookConfig,
      queueConfig,
      redisConfig,
      mappingConfig,
      crmConfig,
      metricsConfig,
    ])
      namespace(env);
    expect(webhookConfig(env).hmacSecrets).toEqual([]);
    expect(existsSync(dataDir)).toBe(false);
  });

  it('take the CRM handed over at bootstrap as ordinary settings', () => {
    const env = withCrm(validateEnvironment({ CRM_AUTH: 'static' }, CONNECTORS), crm);
    expect(crmConfig(env)).toMatchObject({
      baseUrl: 'http://crm.local',
      auth: 'client_credentials',
      tokenUrl: crm.tokenUrl,
      clientId: 'id',
      clientSecret: 'secret',
    });
  });
});
