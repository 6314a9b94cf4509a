import { configNamespace } from './config-namespace';
import { CrmConnectorName } from './environment';

export interface CrmConfig {
  /** Empty for Salesforce: its API base is the token answer's instance_url. */
  baseUrl: string;
  /** False runs an ingest-only instance: events are stored, another instance delivers them. */
  deliveryEnabled: boolean;
  shutdownGraceMs: number;
  connector: CrmConnectorName;
  auth: 'client_credentials' | 'static' | 'basic';
  basicUser?: string;
  basicPassword?: string;
  salesforceApiVersion: string;
  /** Events per request for batching connectors (1: one request per event). */
  batchSize: number;
  /** How long a batch waits for more events before it goes. */
  batchWaitMs: number;
  tokenUrl?: string;
  clientId?: string;
  clientSecret?: string;
  clientAuth: 'basic' | 'post';
  scopes: string;
  accessToken?: string;
  timeoutMs: number;
  retryBaseMs: number;
  retryMaxMs: number;
  maxAttempts: number;
  breakerThreshold: number;
  breakerCooldownMs: number;
  concurrency: number;
  rateLimitPerSecond?: number;
}

export const crmConfig = configNamespace('crm', (env): CrmConfig => {
  return {
    baseUrl: (env.CRM_BASE_URL ?? '').replace(/\/+$/, ''),
    deliveryEnabled: env.DELIVERY_ENABLED,
    shutdownGraceMs: env.SHUTDOWN_GRACE_MS,
    connector: env.CRM_CONNECTOR as CrmConnectorName,
    auth: env.CRM_AUTH as CrmConfig['auth'],
    basicUser: env.CRM_BASIC_USER,
    basicPassword: env.CRM_BASIC_PASSWORD,
    salesforceApiVersion: env.SALESFORCE_API_VERSION,
    batchSize: env.CRM_BATCH_SIZE,
    batchWaitMs: env.CRM_BATCH_WAIT_MS,
    tokenUrl: env.CRM_TOKEN_URL,
    clientId: env.CRM_CLIENT_ID,
    clientSecret: env.CRM_CLIENT_SECRET,
    clientAuth: env.CRM_CLIENT_AUTH as CrmConfig['clientAuth'],
    scopes: env.CRM_SCOPES,
    accessToken: env.CRM_ACCESS_TOKEN,
    timeoutMs: env.CRM_TIMEOUT_MS,
    retryBaseMs: env.CRM_RETRY_BASE_MS,
    retryMaxMs: env.CRM_RETRY_MAX_MS,
    maxAttempts: env.CRM_MAX_ATTEMPTS,
    breakerThreshold: env.CRM_BREAKER_THRESHOLD,
    breakerCooldownMs: env.CRM_BREAKER_COOLDOWN_MS,
    concurrency: env.CRM_CONCURRENCY,
    rateLimitPerSecond: env.CRM_RATE_LIMIT_PER_SECOND,
  };
});
