import { Environment, unsetVariables } from '../../../config/environment';
import { ConnectorDefinition } from '../connector-definition';
import { ServiceNowConnector } from './servicenow.connector';
import { ServiceNowMappingRules } from './servicenow.mapping-rules';
import { serviceNowRendering } from './servicenow.records';

const NAME = 'servicenow';
const WHY = `with CRM_CONNECTOR=${NAME}`;

/**
 * Basic (a user and its password) or OAuth client credentials at the instance's `oauth_token.do`;
 * nothing else signs Table API requests here.
 * https://www.servicenow.com/docs/r/api-reference/rest-api-explorer/c_RESTAPI.html (REST API security),
 * https://www.servicenow.com/docs/r/platform-security/authentication/client-credentials-grant-workflow.html
 */
function credentialProblems(env: Environment): string[] {
  if (env.CRM_AUTH === 'basic') {
    return unsetVariables(env, ['CRM_BASIC_USER', 'CRM_BASIC_PASSWORD'], `${WHY} and CRM_AUTH=basic`);
  }
  if (env.CRM_AUTH === 'client_credentials') {
    return [
      ...unsetVariables(env, ['CRM_TOKEN_URL'], `${WHY} and CRM_AUTH=client_credentials (<instance>/oauth_token.do)`),
      ...unsetVariables(env, ['CRM_CLIENT_ID', 'CRM_CLIENT_SECRET'], `${WHY} and CRM_AUTH=client_credentials`),
    ];
  }
  return [`CRM_AUTH: must be basic or client_credentials ${WHY}`];
}

/** CRM_CONNECTOR=servicenow: Table API records by a correlation field, one record per request. */
export const serviceNowDefinition: ConnectorDefinition = {
  name: NAME,
  maxBatchSize: 1,
  problems: (env) => [
    ...unsetVariables(env, ['CRM_BASE_URL'], `${WHY} (https://<instance>.service-now.com)`),
    ...credentialProblems(env),
  ],
  // The token request as documented: client_id and client_secret in the form, no scope asked
  // (the registry's scopes apply); the answer's expires_in (1799 s by default) sets the refresh.
  credentials: (config, flows) =>
    config.auth === 'basic' ? flows.basic() : flows.clientCredentials({ clientAuth: 'post', scopes: '' }),
  mappingRules: new ServiceNowMappingRules(NAME),
  rendering: serviceNowRendering,
  connector: ServiceNowConnector,
};
