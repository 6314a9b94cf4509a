import { unsetVariables } from '../../../config/environment';
import { ConnectorDefinition } from '../connector-definition';
import { RecordTargetRules } from '../../../mapping/mapping-rules';
import { HubspotConnector } from './hubspot.connector';
import { hubspotRendering } from './hubspot.records';

const NAME = 'hubspot';

/** CRM_CONNECTOR=hubspot: a private-app token (CRM_ACCESS_TOKEN, static); batches of inputs up to HubSpot's own limit. */
export const hubspotDefinition: ConnectorDefinition = {
  name: NAME,
  maxBatchSize: 100,
  problems: (env) => [
    ...unsetVariables(env, ['CRM_BASE_URL'], `with CRM_CONNECTOR=${NAME}`),
    ...unsetVariables(env, ['CRM_ACCESS_TOKEN'], `with CRM_CONNECTOR=${NAME} (a private-app token)`),
  ],
  credentials: (_config, flows) => flows.staticToken(),
  mappingRules: new RecordTargetRules(NAME),
  rendering: hubspotRendering,
  connector: HubspotConnector,
};
