import { splitList } from '../../../config/env-transforms';
import { unsetVariables } from '../../../config/environment';
import { ConnectorDefinition, settingsOf } from '../connector-definition';
import { SalesforceConnector } from './salesforce.connector';
import { instanceUrlOf } from './salesforce.credentials';
import { SalesforceMappingRules } from './salesforce.mapping-rules';
import { SalesforceSettings } from './salesforce.settings';
import { salesforceRendering } from './salesforce.records';

const NAME = 'salesforce';

/**
 * CRM_CONNECTOR=salesforce. Client credentials at the org's My Domain, id and secret in the form;
 * the answer names the API base (`instance_url`, checked before any request goes there, so
 * CRM_BASE_URL is unused) and has no `expires_in`: the token is kept until a 401. Batches up to the
 * collection limit (sObject collections).
 */
export const salesforceDefinition: ConnectorDefinition = {
  name: NAME,
  maxBatchSize: 200,
  Settings: SalesforceSettings,
  problems: (env) => [
    ...unsetVariables(env, ['CRM_TOKEN_URL', 'CRM_CLIENT_ID', 'CRM_CLIENT_SECRET'], `with CRM_CONNECTOR=${NAME}`),
  ],
  credentials: (config, flows) => {
    const rule = {
      tokenUrl: config.tokenUrl ?? '',
      domains: splitList(settingsOf(config, SalesforceSettings).SALESFORCE_INSTANCE_DOMAINS),
    };
    return flows.clientCredentials({
      clientAuth: 'post',
      scopes: '',
      keptUntilRefused: true,
      apiBaseOf: (answer) => instanceUrlOf(answer, rule),
    });
  },
  mappingRules: new SalesforceMappingRules(NAME),
  rendering: salesforceRendering,
  connector: SalesforceConnector,
};
