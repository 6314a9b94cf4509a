import { plainToInstance, Transform } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsNumber,
  IsOptional,
  IsPositive,
  IsString,
  IsUrl,
  Max,
  Min,
  validateSync,
  ValidationError,
} from 'class-validator';
import { splitList, toBool, toFloat, toInt, toLower, toTrimmed } from './env-transforms';
import { RedisEnvironment, redisProblems } from './redis-environment';

/** The spellings WEBHOOK_AUTH_MODES accepts; the webhook module has a verifier for each. */
const AUTH_MODES = ['hmac', 'basic', 'apikey', 'standard'];

/**
 * Every environment variable the service reads, with its default (the Redis driver's in
 * RedisEnvironment). Validated once at startup; the config namespaces (`*.config.ts`) read their
 * slice from a validated instance.
 */
export class Environment extends RedisEnvironment {
  @IsOptional()
  @Transform(toLower)
  @IsIn(['development', 'production', 'test'])
  NODE_ENV = 'development';

  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT = 3000;

  @Transform(toTrimmed)
  @IsString()
  HOST = '0.0.0.0';

  @Transform(toTrimmed)
  @IsString()
  DATA_DIR = './data';

  @Transform(toLower)
  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL = 'info';

  /** Unset: human-readable outside production, JSON lines in production. */
  @Transform(toLower)
  @IsOptional()
  @IsIn(['json', 'pretty'])
  LOG_FORMAT?: string;

  @Transform(toInt)
  @IsInt()
  @Min(0)
  SHUTDOWN_GRACE_MS = 10000;

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

  @Transform(toInt)
  @IsInt()
  @Min(1)
  DEDUP_TTL_SECONDS = 86400;

  /** Each record's newest delivered event time is kept this long; older events are refused at receipt. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  RECORD_STATE_TTL_SECONDS = 2592000;

  @Transform(toLower)
  @IsIn(['sqlite', 'redis'])
  QUEUE_DRIVER = 'sqlite';

  @Transform(toLower)
  @IsIn(['full', 'normal'])
  SQLITE_SYNCHRONOUS = 'full';

  @Transform(toInt)
  @IsInt()
  @Min(1000)
  @Max(600_000)
  QUEUE_LEASE_MS = 30000;

  @Transform(toTrimmed)
  @IsOptional()
  @IsString()
  MAPPINGS_FILE?: string;

  @Transform(toTrimmed)
  @IsOptional()
  @IsUrl({ protocols: ['http', 'https'], require_tld: false, require_protocol: true })
  CRM_BASE_URL?: string;

  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(65535)
  CRM_SANDBOX_PORT = 4010;

  @Transform(toBool)
  @IsBoolean()
  DELIVERY_ENABLED = true;

  /** One of the connectors given to validateEnvironment (the Crm module's registry). */
  @Transform(toLower)
  @IsString()
  CRM_CONNECTOR = 'generic';

  @Transform(toLower)
  @IsIn(['client_credentials', 'static', 'basic'])
  CRM_AUTH = 'client_credentials';

  @Transform(toTrimmed)
  @IsOptional()
  @IsString()
  CRM_BASIC_USER?: string;

  @IsOptional()
  @IsString()
  CRM_BASIC_PASSWORD?: string;

  /** At most the chosen connector's own limit (checked with it). */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  CRM_BATCH_SIZE = 1;

  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(10_000)
  CRM_BATCH_WAIT_MS = 20;

  @Transform(toTrimmed)
  @IsOptional()
  @IsUrl({ protocols: ['http', 'https'], require_tld: false, require_protocol: true })
  CRM_TOKEN_URL?: string;

  @Transform(toTrimmed)
  @IsOptional()
  @IsString()
  CRM_CLIENT_ID?: string;

  @IsOptional()
  @IsString()
  CRM_CLIENT_SECRET?: string;

  @Transform(toLower)
  @IsIn(['basic', 'post'])
  CRM_CLIENT_AUTH = 'basic';

  @Transform(toTrimmed)
  @IsString()
  CRM_SCOPES = 'crm:contacts:write crm:contacts:read';

  @IsOptional()
  @IsString()
  CRM_ACCESS_TOKEN?: string;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  CRM_TIMEOUT_MS = 15000;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  CRM_RETRY_BASE_MS = 1000;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  CRM_RETRY_MAX_MS = 300000;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  CRM_MAX_ATTEMPTS = 15;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  CRM_BREAKER_THRESHOLD = 5;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  CRM_BREAKER_COOLDOWN_MS = 30000;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1024)
  CRM_CONCURRENCY = 16;

  @Transform(toFloat)
  @IsOptional()
  @IsNumber()
  @Min(0.01)
  CRM_RATE_LIMIT_PER_SECOND?: number;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  LATENCY_WINDOW = 1000;

  @Transform(toFloat)
  @IsNumber()
  @Min(0)
  SLA_THRESHOLD_SECONDS = 2.0;

  @IsOptional()
  @IsString()
  ADMIN_TOKEN?: string;

  @Transform(toFloat)
  @IsOptional()
  @IsNumber()
  @IsPositive()
  DEAD_LETTER_RETENTION_DAYS?: number;

  /** Unset: on outside production, off in production (see openApiEnabled). */
  @Transform(toBool)
  @IsOptional()
  @IsBoolean()
  OPENAPI_ENABLED?: boolean;

  /** true: production accepts http:// CRM and token URLs that are not loopback. */
  @Transform(toBool)
  @IsBoolean()
  CRM_ALLOW_INSECURE_HTTP = false;

  /** The chosen CRM connector's own variables, validated (see ConnectorEnvironment); not a variable. */
  declare connectorSettings?: object;
}

/** The environment the application is built from: the CRM it delivers to is known. */
export type EnvironmentWithCrm = Environment & { CRM_BASE_URL: string };

export function hasCrm(env: Environment): env is EnvironmentWithCrm {
  // The sandbox speaks the generic API only; another connector names its CRM (or has it named in its token answer).
  return env.CRM_BASE_URL !== undefined || env.CRM_CONNECTOR !== 'generic';
}

/**
 * hmac auth enabled without COGNIGY_WEBHOOK_SECRETS: allowed outside production only (validation
 * refuses it in production), where bootstrap provides a development secret.
 */
export function lacksWebhookSecret(env: Environment): boolean {
  return splitList(env.WEBHOOK_AUTH_MODES).includes('hmac') && splitList(env.COGNIGY_WEBHOOK_SECRETS).length === 0;
}

/** `env` checking hmac signatures against `secret`, as if it had been configured. */
export function withWebhookSecret(env: Environment, secret: string): Environment {
  return Object.assign(new Environment(), env, { COGNIGY_WEBHOOK_SECRETS: secret });
}

/**
 * hmac: whether X-Cognigy-Timestamp is mandatory. In production by default: the shipped Cognigy
 * Extension signs `<timestamp>.<body>`, and with the timestamp a captured request is refused once
 * WEBHOOK_TOLERANCE_SECONDS pass, long before the dedup window ends.
 */
export function requireTimestamp(env: Environment): boolean {
  return env.WEBHOOK_REQUIRE_TIMESTAMP ?? env.NODE_ENV === 'production';
}

/** Swagger UI and the OpenAPI document (they list every route, /admin's too): off in production unless asked for. */
export function openApiEnabled(env: Environment): boolean {
  return env.OPENAPI_ENABLED ?? env.NODE_ENV !== 'production';
}

const LOOPBACK_HOST = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/i;
const CRM_URL_VARIABLES = ['CRM_BASE_URL', 'CRM_TOKEN_URL'] as const;

/** The CRM URL variables that name a plain http:// URL off this host (credentials would travel in clear). */
export function insecureCrmUrls(env: Environment): (typeof CRM_URL_VARIABLES)[number][] {
  return CRM_URL_VARIABLES.filter((name) => {
    const value = env[name];
    if (value === undefined || !URL.canParse(value)) return false;
    const url = new URL(value);
    return url.protocol === 'http:' && !LOOPBACK_HOST.test(url.hostname);
  });
}

/** In production, an http:// CRM or token URL off this host stops startup, unless CRM_ALLOW_INSECURE_HTTP says it may. */
function insecureUrlProblems(env: Environment): string[] {
  if (env.NODE_ENV !== 'production' || env.CRM_ALLOW_INSECURE_HTTP) return [];
  return insecureCrmUrls(env).map(
    (name) =>
      `${name}: http:// is refused in production (loopback aside): use https://, or set CRM_ALLOW_INSECURE_HTTP=true`,
  );
}

/** The bytes of unauthenticated bodies one client address may hold at once. */
export function pendingBytesPerClient(env: Environment): number {
  return (
    env.WEBHOOK_MAX_PENDING_BYTES_PER_CLIENT ??
    Math.max(Math.floor(env.WEBHOOK_MAX_PENDING_BYTES / 4), env.WEBHOOK_MAX_BODY_BYTES)
  );
}

/** A body of the largest size allowed must fit in the pending-bytes budgets, or it could never be read. */
function pendingBudgetProblems(env: Environment): string[] {
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

/** Where a client-credentials CRM lives and the client it knows. */
export interface CrmEndpoint {
  baseUrl: string;
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
}

/** `env` delivering to `crm`, as if its settings had been configured. */
export function withCrm(env: Environment, crm: CrmEndpoint): EnvironmentWithCrm {
  return Object.assign(new Environment(), env, {
    CRM_BASE_URL: crm.baseUrl,
    CRM_AUTH: 'client_credentials',
    CRM_TOKEN_URL: crm.tokenUrl,
    CRM_CLIENT_ID: crm.clientId,
    CRM_CLIENT_SECRET: crm.clientSecret,
  });
}

export class ConfigValidationError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigValidationError';
  }
}

/** Messages name the variable and the rule, never the value (it may be a secret). */
function describe(errors: ValidationError[]): string[] {
  return errors.map((error) => {
    const rules = Object.values(error.constraints ?? {}).map((m) => m.replace(new RegExp(`^${error.property} `), ''));
    return `${error.property}: ${rules.join('; ')}`;
  });
}

/** `NAME: required <why>` for each of `names` the environment leaves unset. */
export function unsetVariables(env: Environment, names: Array<keyof Environment>, why: string): string[] {
  return names.filter((name) => env[name] === undefined).map((name) => `${name}: required ${why}`);
}

/**
 * What a CRM connector asks of the environment. Config names none: the Crm module's registry lists
 * them, and bootstrap hands them to `validateEnvironment`.
 */
export interface ConnectorEnvironment {
  /** The CRM_CONNECTOR value choosing it. */
  readonly name: string;
  /** The most events one request may carry: its CRM's own limit (1: it does not batch). */
  readonly maxBatchSize: number;
  /** Its own variables, if any: a class-validator class whose property initialisers are the defaults. */
  readonly Settings?: new () => object;
  /** What it requires of the shared variables (`failed`: those already refused), one `VARIABLE: why` each. */
  problems(env: Environment, failed: ReadonlySet<string>): string[];
}

/** Each connector's own variables, checked whichever is chosen; the chosen one's settings. */
function connectorSettings(raw: Record<string, unknown>, connectors: readonly ConnectorEnvironment[], chosen: string) {
  const problems: string[] = [];
  let settings: object = {};
  for (const { name, Settings } of connectors) {
    if (!Settings) continue;
    const instance = plainToInstance(Settings, setVariables(raw, Object.keys(new Settings())), {
      exposeDefaultValues: true,
    });
    problems.push(...describe(validateSync(instance)));
    if (name === chosen) settings = instance;
  }
  return { problems, settings };
}

/** The chosen connector's requirements and batch limit. */
function connectorProblems(env: Environment, failed: Set<string>, connectors: readonly ConnectorEnvironment[]) {
  const connector = connectors.find(({ name }) => name === env.CRM_CONNECTOR);
  if (!connector) return [`CRM_CONNECTOR: must be one of ${connectors.map(({ name }) => name).join(', ')}`];
  const problems = connector.problems(env, failed);
  const limit = connector.maxBatchSize;
  if (env.CRM_BATCH_SIZE > limit) {
    const why = limit === 1 ? ' (it does not batch)' : '';
    problems.push(`CRM_BATCH_SIZE: at most ${limit} with CRM_CONNECTOR=${connector.name}${why}`);
  }
  return problems;
}

function crossFieldProblems(env: Environment): string[] {
  const problems: string[] = [];
  const production = env.NODE_ENV === 'production';
  const modes = splitList(env.WEBHOOK_AUTH_MODES);
  if (modes.length === 0) problems.push('WEBHOOK_AUTH_MODES: must list at least one mode');
  for (const mode of modes) {
    if (!AUTH_MODES.includes(mode)) {
      problems.push(`WEBHOOK_AUTH_MODES: unknown mode "${mode}" (allowed: ${AUTH_MODES.join(', ')})`);
    }
  }
  const missing = (name: keyof Environment, why: string) => {
    if (env[name] === undefined) problems.push(`${name}: required ${why}`);
  };
  if (modes.includes('hmac') && production)
    missing('COGNIGY_WEBHOOK_SECRETS', 'when hmac auth is enabled in production');
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
  problems.push(...pendingBudgetProblems(env), ...insecureUrlProblems(env));
  if (env.RECORD_STATE_TTL_SECONDS < env.DEDUP_TTL_SECONDS) {
    problems.push('RECORD_STATE_TTL_SECONDS: must not be smaller than DEDUP_TTL_SECONDS');
  }
  if (env.CRM_RETRY_MAX_MS < env.CRM_RETRY_BASE_MS) {
    problems.push('CRM_RETRY_MAX_MS: must not be smaller than CRM_RETRY_BASE_MS');
  }
  return problems;
}

/** The variables of `raw` among `names` that are set (empty counts as unset). */
function setVariables(raw: Record<string, unknown>, names: string[]): Record<string, unknown> {
  return Object.fromEntries(Object.entries(raw).filter(([k, v]) => names.includes(k) && v !== undefined && v !== ''));
}

/**
 * Validates the raw environment, with the rules of every CRM connector in `connectors`; throws one
 * error naming every bad variable. The chosen connector's own variables are `connectorSettings`.
 */
export function validateEnvironment(
  raw: Record<string, unknown>,
  connectors: readonly ConnectorEnvironment[],
): Environment {
  const env = plainToInstance(Environment, setVariables(raw, Object.keys(new Environment())), {
    exposeDefaultValues: true,
  });
  const own = connectorSettings(raw, connectors, env.CRM_CONNECTOR);
  const problems = [...describe(validateSync(env)), ...own.problems];
  const failed = new Set(problems.map((p) => p.split(':')[0]));
  const crossField = [
    ...crossFieldProblems(env),
    ...connectorProblems(env, failed, connectors),
    ...(env.QUEUE_DRIVER === 'redis' ? redisProblems(env, failed, env.WEBHOOK_BODY_TIMEOUT_MS) : []),
  ];
  problems.push(...crossField.filter((p) => !failed.has(p.split(':')[0])));
  if (problems.length > 0) throw new ConfigValidationError(problems);
  env.connectorSettings = own.settings;
  return env;
}
