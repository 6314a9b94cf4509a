import { resolve } from 'node:path';
import { configNamespace } from './config-namespace';

export interface AppConfig {
  production: boolean;
  nodeEnv: string;
  port: number;
  host: string;
  dataDir: string;
  logLevel: string;
  shutdownGraceMs: number;
  adminToken?: string;
}

export const appConfig = configNamespace('app', (env): AppConfig => {
  return {
    production: env.NODE_ENV === 'production',
    nodeEnv: env.NODE_ENV,
    port: env.PORT,
    host: env.HOST,
    dataDir: resolve(env.DATA_DIR),
    logLevel: env.LOG_LEVEL,
    shutdownGraceMs: env.SHUTDOWN_GRACE_MS,
    adminToken: env.ADMIN_TOKEN,
  };
});
