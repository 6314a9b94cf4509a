import { resolve } from 'node:path';
import { configNamespace } from './config-namespace';
import { CrmConnectorName } from './environment';

export interface MappingConfig {
  mappingsFile?: string;
  /** Which CRM the mappings address: `generic` maps to paths, the others to objects and id fields. */
  connector: CrmConnectorName;
}

export const mappingConfig = configNamespace('mapping', (env): MappingConfig => {
  return {
    mappingsFile: env.MAPPINGS_FILE ? resolve(env.MAPPINGS_FILE) : undefined,
    connector: env.CRM_CONNECTOR as CrmConnectorName,
  };
});
