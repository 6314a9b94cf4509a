import { ConnectorDefinition } from './connectors/connector-definition';
import { dataverseDefinition } from './connectors/dataverse/dataverse.definition';
import { genericDefinition } from './connectors/generic/generic.definition';
import { hubspotDefinition } from './connectors/hubspot/hubspot.definition';
import { salesforceDefinition } from './connectors/salesforce/salesforce.definition';
import { serviceNowDefinition } from './connectors/servicenow/servicenow.definition';
import { zendeskDefinition } from './connectors/zendesk/zendesk.definition';

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

/** The connector CRM_CONNECTOR (or a target's `connector`) names (startup validation has refused any other name). */
export function connectorNamed(name: string): ConnectorDefinition {
  const chosen = CONNECTORS.filter((definition) => definition.name === name);
  if (chosen.length !== 1) {
    throw new ConnectorChoiceError(`${chosen.length} connectors named "${name}" (exactly one expected)`);
  }
  return chosen[0];
}
