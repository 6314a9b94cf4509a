import { configNamespace } from './config-namespace';

export interface AppConfig {
  port: number;
  host: string;
  logLevel: string;
  adminToken?: string;
}

export const appConfig = configNamespace('app', (env): AppConfig => {
  return {
    port: env.PORT,
    host: env.HOST,
    logLevel: env.LOG_LEVEL,
    adminToken: env.ADMIN_TOKEN,
  };
});
