import { Provider, Type } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { crmConfig } from '../../config/crm.config';
import { CrmConnector } from './crm-connector';

export class ConnectorChoiceError extends Error {
  constructor(problem: string) {
    super(`CRM connectors: ${problem}`);
    this.name = 'ConnectorChoiceError';
  }
}

/** Every connector is a provider; CRM_CONNECTOR picks the one `CrmConnector` resolves to, checked at startup. */
export function connectorProviders(connectors: Type<CrmConnector>[]): Provider[] {
  return [
    ...connectors,
    {
      provide: CrmConnector,
      inject: [crmConfig.KEY, ...connectors],
      useFactory: (config: ConfigType<typeof crmConfig>, ...all: CrmConnector[]) => {
        const chosen = all.filter((connector) => connector.name === config.connector);
        if (chosen.length !== 1) {
          throw new ConnectorChoiceError(
            `${chosen.length} connectors named "${config.connector}" (exactly one expected)`,
          );
        }
        if (config.batchSize > chosen[0].maxBatchSize) {
          throw new ConnectorChoiceError(
            `CRM_BATCH_SIZE ${config.batchSize} exceeds ${chosen[0].maxBatchSize} for ${config.connector}`,
          );
        }
        return chosen[0];
      },
    },
  ];
}
