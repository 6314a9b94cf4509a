import { configNamespace } from './config-namespace';
import { splitList } from './env-transforms';
import { pendingBytesPerClient, requireTimestamp } from './webhook-environment';

export interface WebhookConfig {
  /** Each one of the spellings validation allows, once. */
  authModes: string[];
  hmacSecrets: string[];
  toleranceSeconds: number;
  requireTimestamp: boolean;
  basicUser?: string;
  basicPassword?: string;
  apiKeys: string[];
  /** Decoded key bytes of each `whsec_` secret. */
  standardSecrets: Buffer[];
  maxBodyBytes: number;
  /** A body not fully received within this long is answered 408 and dropped. */
  bodyTimeoutMs: number;
  /** How far ahead of the receipt time an event's `timestamp` may be. */
  maxFutureSeconds: number;
  /** How far behind the receipt time an event's `timestamp` may be (RECORD_STATE_TTL_SECONDS). */
  maxAgeSeconds: number;
  /** Bytes held at once for bodies read before their sender is authenticated. */
  maxPendingBytes: number;
  /** The part of `maxPendingBytes` one client address may hold. */
  maxPendingBytesPerClient: number;
}

export const webhookConfig = configNamespace('webhook', (env): WebhookConfig => {
  return {
    authModes: [...new Set(splitList(env.WEBHOOK_AUTH_MODES))],
    hmacSecrets: splitList(env.COGNIGY_WEBHOOK_SECRETS),
    toleranceSeconds: env.WEBHOOK_TOLERANCE_SECONDS,
    requireTimestamp: requireTimestamp(env),
    basicUser: env.WEBHOOK_BASIC_USER,
    basicPassword: env.WEBHOOK_BASIC_PASSWORD,
    apiKeys: splitList(env.WEBHOOK_API_KEYS),
    standardSecrets: splitList(env.STANDARD_WEBHOOK_SECRETS).map((s) =>
      Buffer.from(s.slice('whsec_'.length), 'base64'),
    ),
    maxBodyBytes: env.WEBHOOK_MAX_BODY_BYTES,
    bodyTimeoutMs: env.WEBHOOK_BODY_TIMEOUT_MS,
    maxFutureSeconds: env.WEBHOOK_MAX_FUTURE_SECONDS,
    maxAgeSeconds: env.RECORD_STATE_TTL_SECONDS,
    maxPendingBytes: env.WEBHOOK_MAX_PENDING_BYTES,
    maxPendingBytesPerClient: pendingBytesPerClient(env),
  };
});
