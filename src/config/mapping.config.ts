import { resolve } from 'node:path';
import { configNamespace } from './config-namespace';

export interface MappingConfig {
  mappingsFile?: string;
}

export const mappingConfig = configNamespace('mapping', (env): MappingConfig => {
  return {
    mappingsFile: env.MAPPINGS_FILE ? resolve(env.MAPPINGS_FILE) : undefined,
  };
});
