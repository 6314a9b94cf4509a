import { existsSync } from 'node:fs';
import { ConnectorEnvironment, Environment, validateEnvironment } from './environment';

/**
 * The one place the process environment is read: once, at bootstrap, after a `.env` file in the
 * working directory (when there is one) has filled in the variables the process was not given.
 * `connectors` add their own rules (the Crm module's registry).
 */
export function loadEnvironment(connectors: readonly ConnectorEnvironment[]): Environment {
  if (existsSync('.env')) process.loadEnvFile('.env');
  return validateEnvironment(process.env, connectors);
}
