import { unsetVariables } from '../../../config/environment';
import { ConnectorDefinition } from '../connector-definition';
import { DataverseConnector } from './dataverse.connector';
import { DataverseMappingRules } from './dataverse.mapping-rules';
import { dataverseRendering } from './dataverse.records';

const NAME = 'dataverse';

/**
 * CRM_CONNECTOR=dataverse (Dynamics 365): client credentials at Entra ID with the secret in the
 * form and the `<CRM_BASE_URL>/.default` scope; one record per request.
 */
export const dataverseDefinition: ConnectorDefinition = {
  name: NAME,
  maxBatchSize: 1,
  problems: (env) => [
    ...unsetVariables(
      env,
      ['CRM_BASE_URL', 'CRM_TOKEN_URL', 'CRM_CLIENT_ID', 'CRM_CLIENT_SECRET'],
      `with CRM_CONNECTOR=${NAME}`,
    ),
  ],
  credentials: (config, flows) => flows.clientCredentials({ clientAuth: 'post', scopes: `${config.baseUrl}/.default` }),
  mappingRules: new DataverseMappingRules(NAME),
  rendering: dataverseRendering,
  connector: DataverseConnector,
};
