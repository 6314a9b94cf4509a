import { existsSync } from 'node:fs';
import { Environment, validateEnvironment } from './environment';

/**
 * The one place the process environment is read: once, at bootstrap, after a `.env` file in the
 * working directory (when there is one) has filled in the variables the process was not given.
 */
export function loadEnvironment(): Environment {
  if (existsSync('.env')) process.loadEnvFile('.env');
  return validateEnvironment(process.env);
}
