import { Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsNumber, IsOptional, IsString, IsUrl, Max, Min } from 'class-validator';
import { toBool, toFloat, toInt, toLower, toTrimmed } from './env-transforms';
import { ServiceEnvironment } from './service-environment';

/** The CRM delivered to: connector, address, credentials, batching, timeouts, retries, breaker, concurrency. */
export class CrmEnvironment {
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

  /** true: production accepts http:// CRM and token URLs that are not loopback. */
  @Transform(toBool)
  @IsBoolean()
  CRM_ALLOW_INSECURE_HTTP = false;
}

/** Where a client-credentials CRM lives and the client it knows. */
export interface CrmEndpoint {
  baseUrl: string;
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
}

const LOOPBACK_HOST = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/i;
const CRM_URL_VARIABLES = ['CRM_BASE_URL', 'CRM_TOKEN_URL'] as const;

/** The CRM URL variables that name a plain http:// URL off this host (credentials would travel in clear). */
export function insecureCrmUrls(env: CrmEnvironment): (typeof CRM_URL_VARIABLES)[number][] {
  return CRM_URL_VARIABLES.filter((name) => {
    const value = env[name];
    if (value === undefined || !URL.canParse(value)) return false;
    const url = new URL(value);
    return url.protocol === 'http:' && !LOOPBACK_HOST.test(url.hostname);
  });
}

/** In production, an http:// CRM or token URL off this host stops startup, unless CRM_ALLOW_INSECURE_HTTP says it may. */
function insecureUrlProblems(env: CrmEnvironment & Pick<ServiceEnvironment, 'NODE_ENV'>): string[] {
  if (env.NODE_ENV !== 'production' || env.CRM_ALLOW_INSECURE_HTTP) return [];
  return insecureCrmUrls(env).map(
    (name) =>
      `${name}: http:// is refused in production (loopback aside): use https://, or set CRM_ALLOW_INSECURE_HTTP=true`,
  );
}

/** How the CRM variables combine (the chosen connector's own rules aside: see ConnectorEnvironment). */
export function crmProblems(env: CrmEnvironment & Pick<ServiceEnvironment, 'NODE_ENV'>): string[] {
  const problems = insecureUrlProblems(env);
  if (env.CRM_RETRY_MAX_MS < env.CRM_RETRY_BASE_MS) {
    problems.push('CRM_RETRY_MAX_MS: must not be smaller than CRM_RETRY_BASE_MS');
  }
  return problems;
}
