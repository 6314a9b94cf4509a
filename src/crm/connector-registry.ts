import { Provider } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { ModuleRef } from '@nestjs/core';
import { crmConfig } from '../config/crm.config';
import { ConnectorDefinition } from './connectors/connector-definition';
import { CrmConnector } from './connectors/crm-connector';
import { dataverseDefinition } from './connectors/dataverse/dataverse.definition';
import { genericDefinition } from './connectors/generic/generic.definition';
import { hubspotDefinition } from './connectors/hubspot/hubspot.definition';
import { salesforceDefinition } from './connectors/salesforce/salesforce.definition';
import { serviceNowDefinition } from './connectors/servicenow/servicenow.definition';
import { zendeskDefinition } from './connectors/zendesk/zendesk.definition';
import { CredentialFlows } from './token/credential-flows';
import { TokenProvider } from './token/token-provider';

/** Every CRM connector; CRM_CONNECTOR names one. Adding a CRM is one folder under connectors/ and one line here. */
export const CONNECTORS: readonly ConnectorDefinition[] = [
  genericDefinition,
  salesforceDefinition,
  dataverseDefinition,
  hubspotDefinition,
  zendeskDefinition,
  serviceNowDefinition,
];

export class ConnectorChoiceError extends Error {
  constructor(problem: string) {
    super(`CRM connectors: ${problem}`);
    this.name = 'ConnectorChoiceError';
  }
}

/** The connector CRM_CONNECTOR names (startup validation has refused any other name). */
export function connectorNamed(name: string): ConnectorDefinition {
  const chosen = CONNECTORS.filter((definition) => definition.name === name);
  if (chosen.length !== 1) {
    throw new ConnectorChoiceError(`${chosen.length} connectors named "${name}" (exactly one expected)`);
  }
  return chosen[0];
}

/** The chosen connector as `CrmConnector` (only it is built), and its credential flow as `TokenProvider`. */
export const chosenConnectorProviders: Provider[] = [
  {
    provide: CrmConnector,
    inject: [crmConfig.KEY, ModuleRef],
    useFactory: (config: ConfigType<typeof crmConfig>, moduleRef: ModuleRef): Promise<CrmConnector> =>
      moduleRef.create(connectorNamed(config.connector).connector),
  },
  {
    provide: TokenProvider,
    inject: [crmConfig.KEY, CredentialFlows],
    useFactory: (config: ConfigType<typeof crmConfig>, flows: CredentialFlows): TokenProvider =>
      connectorNamed(config.connector).credentials(config, flows),
  },
];
