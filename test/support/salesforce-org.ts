import { SalesforceFake } from './salesforce-fake';

/**
 * For the enclosing file or describe: a fake Salesforce org (salesforce-fake.ts) started before its
 * tests and stopped after them, and `env`, the app's CRM settings whose connected app logs in to it.
 */
export function salesforceOrg(clientId = 'sf-connected-app', clientSecret = 'sf-secret') {
  const sf = new SalesforceFake(clientId, clientSecret);

  beforeAll(() => sf.start());
  afterAll(() => sf.stop());

  const env = (more: Record<string, string> = {}) => ({
    CRM_TOKEN_URL: sf.tokenUrl,
    CRM_CLIENT_ID: clientId,
    CRM_CLIENT_SECRET: clientSecret,
    ...more,
  });
  return { sf, env };
}
