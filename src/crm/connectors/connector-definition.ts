import { Type } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { crmConfig } from '../../config/crm.config';
import { ConnectorEnvironment, Environment, unsetVariables } from '../../config/environment';
import { MappingRules } from '../../mapping/mapping-rules';
import { CredentialFlows } from '../token/credential-flows';
import { TokenProvider } from '../token/token-provider';
import { CrmConnector } from './crm-connector';

/**
 * Everything one kind of CRM means, in its own folder (`src/crm/connectors/<name>/`), listed once in
 * the registry (`src/crm/connector-registry.ts`): what it asks of the environment (its name, batch
 * limit, own variables and the shared ones it requires), its credential flow, what a mapping entry
 * must carry for it, and the provider that builds its requests and judges their answers.
 */
export interface ConnectorDefinition extends ConnectorEnvironment {
  /** Delivers and checks mappings (`crm:check`) for this CRM. */
  readonly connector: Type<CrmConnector>;
  /** Signs its requests: one of the shared flows, with its quirks. */
  credentials(config: ConfigType<typeof crmConfig>, flows: CredentialFlows): TokenProvider;
  /** What a mappings-file entry must carry for it (checked at startup, naming the entry). */
  readonly mappingRules: MappingRules;
}

/** The connector's own variables, as validated at startup (its definition's `Settings`). */
export function settingsOf<T extends object>(config: ConfigType<typeof crmConfig>, Settings: new () => T): T {
  const settings = config.connectorSettings;
  if (!(settings instanceof Settings)) throw new Error(`CRM_CONNECTOR=${config.connector}: no ${Settings.name}`);
  return settings;
}

/** A connector mapping to records delivers only what MAPPINGS_FILE maps: the file is required. */
export const mappingsFileProblems = (env: Environment, name: string): string[] =>
  unsetVariables(env, ['MAPPINGS_FILE'], `with CRM_CONNECTOR=${name} (it names the CRM objects)`);
