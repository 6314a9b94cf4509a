import { configNamespace } from './config-namespace';

export interface CrmConfig {
  /** Empty when the connector's token answer names the API base. */
  baseUrl: string;
  /** False runs an ingest-only instance: events are stored, another instance delivers them. */
  deliveryEnabled: boolean;
  shutdownGraceMs: number;
  /** CRM_CONNECTOR: a name in the Crm module's connector registry. */
  connector: string;
  /** The chosen connector's own variables, validated with the environment (its Settings class). */
  connectorSettings: object;
  auth: 'client_credentials' | 'static' | 'basic';
  basicUser?: string;
  basicPassword?: string;
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
    connector: env.CRM_CONNECTOR,
    connectorSettings: env.connectorSettings ?? {},
    auth: env.CRM_AUTH as CrmConfig['auth'],
    basicUser: env.CRM_BASIC_USER,
    basicPassword: env.CRM_BASIC_PASSWORD,
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
