import { configNamespace } from './config-namespace';

export interface AppConfig {
  port: number;
  host: string;
  logLevel: string;
  /** `pretty`: pino-pretty's human-readable lines; `json`: one JSON object per line. */
  logFormat: 'json' | 'pretty';
  adminToken?: string;
  /** Dead letters older than this many days are deleted; unset: kept until an operator acts. */
  deadLetterRetentionDays?: number;
}

export const appConfig = configNamespace('app', (env): AppConfig => {
  return {
    port: env.PORT,
    host: env.HOST,
    logLevel: env.LOG_LEVEL,
    logFormat:
      env.LOG_FORMAT === 'json' || env.LOG_FORMAT === 'pretty'
        ? env.LOG_FORMAT
        : env.NODE_ENV === 'production'
          ? 'json'
          : 'pretty',
    adminToken: env.ADMIN_TOKEN,
    deadLetterRetentionDays: env.DEAD_LETTER_RETENTION_DAYS,
  };
});
