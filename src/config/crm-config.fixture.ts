import { CrmConfig } from './crm.config';

/** A generic CRM's settings for specs: a static token, one event per request, short retries. */
export const crmSettings = (overrides: Partial<CrmConfig>): CrmConfig => ({
  baseUrl: 'http://127.0.0.1:1',
  deliveryEnabled: true,
  shutdownGraceMs: 1000,
  connector: 'generic',
  auth: 'static',
  connectorSettings: {},
  batchSize: 1,
  batchWaitMs: 0,
  clientAuth: 'basic',
  scopes: '',
  timeoutMs: 1000,
  retryBaseMs: 10,
  retryMaxMs: 40,
  maxAttempts: 3,
  breakerThreshold: 5,
  breakerCooldownMs: 30_000,
  concurrency: 4,
  ...overrides,
});
