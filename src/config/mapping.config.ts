import { registerAs } from '@nestjs/config';
import { resolve } from 'node:path';
import { loadEnvironment } from './load-environment';

export interface MappingConfig {
  mappingsFile?: string;
}

export const mappingConfig = registerAs('mapping', (): MappingConfig => {
  const env = loadEnvironment();
  return { mappingsFile: env.MAPPINGS_FILE ? resolve(env.MAPPINGS_FILE) : undefined };
});
