import { ConfigValidationError, validateEnvironment as validateWith } from '../../src/config/environment';
import { CONNECTORS } from '../../src/crm/connector-registry';

/**
 * How the environment suites (test/environment-*.e2e-spec.ts) validate an environment and read a
 * refusal: the variables it names, never their values.
 */

/** The environment as bootstrap validates it: with the rules of every registered connector. */
export const validateEnvironment = (raw: Record<string, unknown>) => validateWith(raw, CONNECTORS);

/** The error validateEnvironment throws for `raw`; fails the test when it does not throw. */
export function rejectionOf(raw: Record<string, string>): ConfigValidationError {
  try {
    validateEnvironment(raw);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigValidationError);
    return error as ConfigValidationError;
  }
  throw new Error(`expected ${JSON.stringify(Object.keys(raw))} to be refused`);
}

/** The variables named in the message, one per "  - NAME: rule" line. */
export function namedVariables(error: ConfigValidationError): string[] {
  return [...error.message.matchAll(/^ {2}- ([A-Z_]+):/gm)].map((m) => m[1]).sort();
}

/** Everything a production deployment with the default modes must set. */
export const PRODUCTION_OK = {
  NODE_ENV: 'production',
  COGNIGY_WEBHOOK_SECRETS: 'prod-hmac-secret',
  CRM_BASE_URL: 'https://crm.example.com',
  CRM_TOKEN_URL: 'https://crm.example.com/oauth/token',
  CRM_CLIENT_ID: 'client-id',
  CRM_CLIENT_SECRET: 'client-secret-value',
};
