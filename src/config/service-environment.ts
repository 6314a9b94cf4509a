import { Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsNumber, IsOptional, IsPositive, IsString, Max, Min } from 'class-validator';
import { toBool, toFloat, toInt, toLower, toTrimmed } from './env-transforms';

/** The process's own variables: mode, address, data directory, logs, shutdown, the admin API and API docs. */
export class ServiceEnvironment {
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
}

/** Swagger UI and the OpenAPI document (they list every route, /admin's too): off in production unless asked for. */
export function openApiEnabled(env: ServiceEnvironment): boolean {
  return env.OPENAPI_ENABLED ?? env.NODE_ENV !== 'production';
}
