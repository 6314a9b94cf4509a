import { ConfigValidationError, validateEnvironment } from '../../../config/environment';
import { serviceNowDefinition } from './servicenow.definition';

/** The startup problems CRM_CONNECTOR=servicenow names for `raw`, none when it starts. */
function problems(raw: Record<string, string>): string[] {
  try {
    validateEnvironment({ CRM_CONNECTOR: 'servicenow', ...raw }, [serviceNowDefinition]);
    return [];
  } catch (error) {
    return (error as ConfigValidationError).problems;
  }
}

const INSTANCE = { CRM_BASE_URL: 'https://acme.service-now.com' };

describe('CRM_CONNECTOR=servicenow at startup', () => {
  it('OAuth client credentials (the default): the token URL, client id and secret, each missing one named', () => {
    expect(problems({})).toEqual([
      'CRM_BASE_URL: required with CRM_CONNECTOR=servicenow (https://<instance>.service-now.com)',
      'CRM_TOKEN_URL: required with CRM_CONNECTOR=servicenow and CRM_AUTH=client_credentials (<instance>/oauth_token.do)',
      'CRM_CLIENT_ID: required with CRM_CONNECTOR=servicenow and CRM_AUTH=client_credentials',
      'CRM_CLIENT_SECRET: required with CRM_CONNECTOR=servicenow and CRM_AUTH=client_credentials',
    ]);
    const oauth = {
      ...INSTANCE,
      CRM_TOKEN_URL: 'https://acme.service-now.com/oauth_token.do',
      CRM_CLIENT_ID: 'id',
      CRM_CLIENT_SECRET: 'secret',
    };
    expect(problems(oauth)).toEqual([]);
  });

  it('basic: the user and the password', () => {
    expect(problems({ ...INSTANCE, CRM_AUTH: 'basic' })).toEqual([
      'CRM_BASIC_USER: required with CRM_CONNECTOR=servicenow and CRM_AUTH=basic',
      'CRM_BASIC_PASSWORD: required with CRM_CONNECTOR=servicenow and CRM_AUTH=basic',
    ]);
    expect(
      problems({ ...INSTANCE, CRM_AUTH: 'basic', CRM_BASIC_USER: 'cognigy.integration', CRM_BASIC_PASSWORD: 'pw' }),
    ).toEqual([]);
  });

  it('no static token, and one record per request', () => {
    const basic = { ...INSTANCE, CRM_AUTH: 'basic', CRM_BASIC_USER: 'u', CRM_BASIC_PASSWORD: 'p' };
    expect(problems({ ...INSTANCE, CRM_AUTH: 'static', CRM_ACCESS_TOKEN: 't' })).toEqual([
      'CRM_AUTH: must be basic or client_credentials with CRM_CONNECTOR=servicenow',
    ]);
    expect(problems({ ...basic, CRM_BATCH_SIZE: '2' })).toEqual([
      'CRM_BATCH_SIZE: at most 1 with CRM_CONNECTOR=servicenow (it does not batch)',
    ]);
  });
});
