import { ConfigType } from '@nestjs/config';
import { CrmConfig, crmConfig } from '../../config/crm.config';
import { ConnectorEnvironment } from '../../config/environment';
import { ChangeRendering } from '../../mapping/change-rendering';
import { MappingRules } from '../../mapping/mapping-rules';
import { CrmClient } from '../client/crm-client';
import { CredentialFlows } from '../token/credential-flows';
import { TokenProvider } from '../token/token-provider';
import { CrmConnector } from './crm-connector';

/** A connector is made per target, from that target's CRM client and settings. */
export type ConnectorClass = new (client: CrmClient, config: CrmConfig) => CrmConnector;

/**
 * Everything one kind of CRM means, in its own folder (`src/crm/connectors/<name>/`), listed once in
 * the registry (`src/crm/connector-registry.ts`): what it asks of the environment (its name, batch
 * limit, own variables and the shared ones it requires), its credential flow, what a mapping entry
 * must carry for it, where it writes the strategies' record changes (its default records), and the
 * provider that builds its requests and judges their answers.
 */
export interface ConnectorDefinition extends ConnectorEnvironment {
  /** Delivers and checks mappings (`crm:check`) for this CRM. */
  readonly connector: ConnectorClass;
  /** Signs its requests: one of the shared flows, with its quirks. */
  credentials(config: ConfigType<typeof crmConfig>, flows: CredentialFlows): TokenProvider;
  /** What a mappings-file entry must carry for it (checked at startup, naming the entry). */
  readonly mappingRules: MappingRules;
  /** How a strategy's record change becomes its upsert: its default records (`<name>.records.ts`). */
  readonly rendering: ChangeRendering;
}

/** The connector's own variables, as validated at startup (its definition's `Settings`). */
export function settingsOf<T extends object>(config: ConfigType<typeof crmConfig>, Settings: new () => T): T {
  const settings = config.connectorSettings;
  if (!(settings instanceof Settings)) throw new Error(`CRM_CONNECTOR=${config.connector}: no ${Settings.name}`);
  return settings;
}
