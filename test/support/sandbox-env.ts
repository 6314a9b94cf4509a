import { CrmSandbox } from '../../src/dev/sandbox/crm-sandbox';

/**
 * The CRM settings that point the service at a running `sandbox`: its API, its token endpoint and
 * the client it knows, with quick retries (10 ms base, 40 ms cap). `overrides` adds the suite's
 * own settings (the webhook secret among them) or replaces any of these.
 */
export function sandboxEnv(sandbox: CrmSandbox, overrides: Record<string, string> = {}): Record<string, string> {
  return {
    CRM_BASE_URL: sandbox.url,
    CRM_TOKEN_URL: sandbox.tokenUrl,
    CRM_CLIENT_ID: sandbox.clientId,
    CRM_CLIENT_SECRET: sandbox.clientSecret,
    CRM_RETRY_BASE_MS: '10',
    CRM_RETRY_MAX_MS: '40',
    ...overrides,
  };
}
