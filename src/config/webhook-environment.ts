import { Transform } from 'class-transformer';
import { IsBoolean, IsInt, IsOptional, IsString, Max, Min } from 'class-validator';
import { splitList, toBool, toInt, toLower, toTrimmed } from './env-transforms';
import { ServiceEnvironment } from './service-environment';

/** The spellings WEBHOOK_AUTH_MODES accepts; the webhook module has a verifier for each. */
const AUTH_MODES = ['hmac', 'basic', 'apikey', 'standard'];

/** How webhooks are authenticated, and the limits on their bodies and timestamps. */
export class WebhookEnvironment {
  @Transform(toLower)
  @IsString()
  WEBHOOK_AUTH_MODES = 'hmac';

  @Transform(toTrimmed)
  @IsOptional()
  @IsString()
  COGNIGY_WEBHOOK_SECRETS?: string;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  WEBHOOK_TOLERANCE_SECONDS = 300;

  /** Unset: required in production, optional elsewhere (see requireTimestamp). */
  @Transform(toBool)
  @IsOptional()
  @IsBoolean()
  WEBHOOK_REQUIRE_TIMESTAMP?: boolean;

  @Transform(toTrimmed)
  @IsOptional()
  @IsString()
  WEBHOOK_BASIC_USER?: string;

  @IsOptional()
  @IsString()
  WEBHOOK_BASIC_PASSWORD?: string;

  @Transform(toTrimmed)
  @IsOptional()
  @IsString()
  WEBHOOK_API_KEYS?: string;

  @Transform(toTrimmed)
  @IsOptional()
  @IsString()
  STANDARD_WEBHOOK_SECRETS?: string;

  @Transform(toInt)
  @IsInt()
  @Min(1024)
  @Max(50 * 1024 * 1024)
  WEBHOOK_MAX_BODY_BYTES = 262144;

  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(600_000)
  WEBHOOK_BODY_TIMEOUT_MS = 10000;

  @Transform(toInt)
  @IsInt()
  @Min(0)
  WEBHOOK_MAX_FUTURE_SECONDS = 300;

  @Transform(toInt)
  @IsInt()
  @Min(65536)
  WEBHOOK_MAX_PENDING_BYTES = 33554432;

  /** Unset: a quarter of WEBHOOK_MAX_PENDING_BYTES, at least WEBHOOK_MAX_BODY_BYTES. */
  @Transform(toInt)
  @IsOptional()
  @IsInt()
  @Min(65536)
  WEBHOOK_MAX_PENDING_BYTES_PER_CLIENT?: number;
}

/** The webhook variables with the service's mode, which some of their rules depend on. */
type WebhookVariables = WebhookEnvironment & Pick<ServiceEnvironment, 'NODE_ENV'>;

/**
 * hmac auth enabled without COGNIGY_WEBHOOK_SECRETS: allowed outside production only (validation
 * refuses it in production), where bootstrap provides a development secret.
 */
export function lacksWebhookSecret(env: WebhookEnvironment): boolean {
  return splitList(env.WEBHOOK_AUTH_MODES).includes('hmac') && splitList(env.COGNIGY_WEBHOOK_SECRETS).length === 0;
}

/**
 * hmac: whether X-Cognigy-Timestamp is mandatory. In production by default: the shipped Cognigy
 * Extension signs `<timestamp>.<body>`, and with the timestamp a captured request is refused once
 * WEBHOOK_TOLERANCE_SECONDS pass, long before the dedup window ends.
 */
export function requireTimestamp(env: WebhookVariables): boolean {
  return env.WEBHOOK_REQUIRE_TIMESTAMP ?? env.NODE_ENV === 'production';
}

/** The bytes of unauthenticated bodies one client address may hold at once. */
export function pendingBytesPerClient(env: WebhookEnvironment): number {
  return (
    env.WEBHOOK_MAX_PENDING_BYTES_PER_CLIENT ??
    Math.max(Math.floor(env.WEBHOOK_MAX_PENDING_BYTES / 4), env.WEBHOOK_MAX_BODY_BYTES)
  );
}

/** A body of the largest size allowed must fit in the pending-bytes budgets, or it could never be read. */
function pendingBudgetProblems(env: WebhookEnvironment): string[] {
  const problems: string[] = [];
  const body = env.WEBHOOK_MAX_BODY_BYTES;
  if (env.WEBHOOK_MAX_PENDING_BYTES < body) {
    problems.push('WEBHOOK_MAX_PENDING_BYTES: must not be smaller than WEBHOOK_MAX_BODY_BYTES');
  }
  const perClient = env.WEBHOOK_MAX_PENDING_BYTES_PER_CLIENT;
  if (perClient !== undefined && perClient < body) {
    problems.push('WEBHOOK_MAX_PENDING_BYTES_PER_CLIENT: must not be smaller than WEBHOOK_MAX_BODY_BYTES');
  } else if (perClient !== undefined && perClient > env.WEBHOOK_MAX_PENDING_BYTES) {
    problems.push('WEBHOOK_MAX_PENDING_BYTES_PER_CLIENT: must not be larger than WEBHOOK_MAX_PENDING_BYTES');
  }
  return problems;
}

/**
 * Each enabled auth mode's credentials, and their form. hmac's secret: required in production
 * (elsewhere bootstrap provides a development secret), always for a routing file's source
 * (`hmacSecretRequired`).
 */
export function authProblems(env: WebhookVariables, hmacSecretRequired = env.NODE_ENV === 'production'): string[] {
  const problems: string[] = [];
  const modes = splitList(env.WEBHOOK_AUTH_MODES);
  if (modes.length === 0) problems.push('WEBHOOK_AUTH_MODES: must list at least one mode');
  for (const mode of modes) {
    if (!AUTH_MODES.includes(mode)) {
      problems.push(`WEBHOOK_AUTH_MODES: unknown mode "${mode}" (allowed: ${AUTH_MODES.join(', ')})`);
    }
  }
  const missing = (name: keyof WebhookEnvironment, why: string) => {
    if (env[name] === undefined) problems.push(`${name}: required ${why}`);
  };
  if (modes.includes('hmac') && hmacSecretRequired) {
    const where = env.NODE_ENV === 'production' ? ' in production' : '';
    missing('COGNIGY_WEBHOOK_SECRETS', `when hmac auth is enabled${where}`);
  }
  if (modes.includes('basic')) {
    missing('WEBHOOK_BASIC_USER', 'when basic auth is enabled');
    missing('WEBHOOK_BASIC_PASSWORD', 'when basic auth is enabled');
  }
  if (modes.includes('apikey')) missing('WEBHOOK_API_KEYS', 'when apikey auth is enabled');
  if (modes.includes('standard')) missing('STANDARD_WEBHOOK_SECRETS', 'when standard auth is enabled');
  for (const secret of splitList(env.STANDARD_WEBHOOK_SECRETS)) {
    const key = secret.slice('whsec_'.length);
    if (!/^whsec_[A-Za-z0-9+/]+={0,2}$/.test(secret) || Buffer.from(key, 'base64').length === 0) {
      problems.push('STANDARD_WEBHOOK_SECRETS: each secret must be "whsec_" followed by base64');
      break;
    }
  }
  return problems;
}

/** How the webhook variables combine. */
export function webhookProblems(env: WebhookVariables): string[] {
  return [...authProblems(env), ...pendingBudgetProblems(env)];
}
