import { resolve } from 'node:path';
import { configNamespace } from './config-namespace';

/** Mapping entries written in the routing file itself, and where (for messages). */
export interface InlineMappings {
  /** Its path in ROUTES_FILE, e.g. `sources.chat.mappings`. */
  where: string;
  /** The entries, as a mappings file's `mappings` array holds them (checked by Mapping at startup). */
  mappings: unknown[];
}

/** A mappings file, inline entries, or neither (the intent strategies alone). */
export interface MappingConfig {
  mappingsFile?: string;
  inline?: InlineMappings;
}

export const mappingConfig = configNamespace('mapping', (env): MappingConfig => {
  return {
    mappingsFile: env.MAPPINGS_FILE ? resolve(env.MAPPINGS_FILE) : undefined,
  };
});
