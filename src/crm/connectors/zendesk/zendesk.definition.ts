import { Environment, unsetVariables } from '../../../config/environment';
import { ConnectorDefinition } from '../connector-definition';
import { ZendeskConnector } from './zendesk.connector';
import { ZendeskMappingRules } from './zendesk.mapping-rules';
import { zendeskRendering } from './zendesk.records';

const NAME = 'zendesk';
const WHY = `with CRM_CONNECTOR=${NAME}`;

/** Basic (`<email>/token` and an API token) or a static OAuth token; nothing else signs Zendesk requests. */
function credentialProblems(env: Environment): string[] {
  if (env.CRM_AUTH === 'basic') {
    return [
      ...unsetVariables(env, ['CRM_BASIC_USER'], `${WHY} and CRM_AUTH=basic (<email>/token)`),
      ...unsetVariables(env, ['CRM_BASIC_PASSWORD'], `${WHY} and CRM_AUTH=basic (the API token)`),
    ];
  }
  if (env.CRM_AUTH === 'static') return unsetVariables(env, ['CRM_ACCESS_TOKEN'], `${WHY} and CRM_AUTH=static`);
  return [`CRM_AUTH: must be basic or static ${WHY}`];
}

/** CRM_CONNECTOR=zendesk: users and tickets by external_id, one record per request. */
export const zendeskDefinition: ConnectorDefinition = {
  name: NAME,
  maxBatchSize: 1,
  problems: (env) => [...unsetVariables(env, ['CRM_BASE_URL'], WHY), ...credentialProblems(env)],
  credentials: (config, flows) => (config.auth === 'basic' ? flows.basic() : flows.staticToken()),
  mappingRules: new ZendeskMappingRules(NAME),
  rendering: zendeskRendering,
  connector: ZendeskConnector,
};
