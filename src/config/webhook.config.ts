import { resolve } from 'node:path';
import { loadOrCreateDevSecret } from './dev-webhook-secret';
import { splitList, WebhookAuthMode } from './environment';
import { configNamespace } from './config-namespace';

export interface WebhookConfig {
  authModes: WebhookAuthMode[];
  hmacSecrets: string[];
  toleranceSeconds: number;
  requireTimestamp: boolean;
  basicUser?: string;
  basicPassword?: string;
  apiKeys: string[];
  /** Decoded key bytes of each `whsec_` secret. */
  standardSecrets: Buffer[];
  maxBodyBytes: number;
  dedupTtlSeconds: number;
}

export const webhookConfig = configNamespace('webhook', (env): WebhookConfig => {
  const authModes = [...new Set(splitList(env.WEBHOOK_AUTH_MODES))] as WebhookAuthMode[];
  let hmacSecrets = splitList(env.COGNIGY_WEBHOOK_SECRETS);
  if (authModes.includes('hmac') && hmacSecrets.length === 0) {
    hmacSecrets = [loadOrCreateDevSecret(resolve(env.DATA_DIR))];
  }
  return {
    authModes,
    hmacSecrets,
    toleranceSeconds: env.WEBHOOK_TOLERANCE_SECONDS,
    requireTimestamp: env.WEBHOOK_REQUIRE_TIMESTAMP,
    basicUser: env.WEBHOOK_BASIC_USER,
    basicPassword: env.WEBHOOK_BASIC_PASSWORD,
    apiKeys: splitList(env.WEBHOOK_API_KEYS),
    standardSecrets: splitList(env.STANDARD_WEBHOOK_SECRETS).map((s) =>
      Buffer.from(s.slice('whsec_'.length), 'base64'),
    ),
    maxBodyBytes: env.WEBHOOK_MAX_BODY_BYTES,
    dedupTtlSeconds: env.DEDUP_TTL_SECONDS,
  };
});
