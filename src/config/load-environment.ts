import { existsSync } from 'node:fs';
import { checkEnvironment, ConfigValidationError, ConnectorEnvironment, Environment } from './environment';
import { routingFromFile } from './routes-file';

/**
 * The environment, and ROUTES_FILE when it names one, validated together: one error naming every
 * bad variable and every problem of the file (by its path in the file).
 */
export function validateConfiguration(
  raw: Record<string, unknown>,
  connectors: readonly ConnectorEnvironment[],
): Environment {
  const { env, problems } = checkEnvironment(raw, connectors);
  if (env.ROUTES_FILE !== undefined && env.MAPPINGS_FILE !== undefined) {
    // It would be checked against the environment's connector, which delivers nothing then.
    problems.push(
      "MAPPINGS_FILE: not read with ROUTES_FILE: name the mappings in the file (a source's or a route target's)",
    );
  }
  if (env.ROUTES_FILE !== undefined && !problems.some((p) => p.startsWith('ROUTES_FILE:'))) {
    const file = routingFromFile(env.ROUTES_FILE, raw, env, connectors);
    problems.push(...file.problems);
    env.routing = file.routing;
  }
  if (problems.length > 0) throw new ConfigValidationError(problems);
  return env;
}

/**
 * The one place the process environment is read: once, at bootstrap, after a `.env` file in the
 * working directory (when there is one) has filled in the variables the process was not given.
 * `connectors` add their own rules (the Crm module's registry).
 */
export function loadEnvironment(connectors: readonly ConnectorEnvironment[]): Environment {
  if (existsSync('.env')) process.loadEnvFile('.env');
  return validateConfiguration(process.env, connectors);
}
