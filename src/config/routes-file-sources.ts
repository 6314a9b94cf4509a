import { accessSync, constants } from 'node:fs';
import { resolve } from 'node:path';
import { EnvironmentWithCrm } from './environment';
import { MappingConfig } from './mapping.config';
import { SourceConfig, sourceAuthOf } from './routing.config';
import {
  atPaths,
  isObject,
  partEnvironment,
  readVariables,
  RoutesFileContext,
  unknownKeys,
  variableOf,
} from './routes-file-parts';
import { webhookConfig } from './webhook.config';
import { authProblems, WebhookEnvironment } from './webhook-environment';

const SOURCE_KEYS = ['auth', 'settings', 'secrets', 'mappings'];

/** The webhook variables that differ from one source to another; WEBHOOK_AUTH_MODES is the source's `auth`. */
const SOURCE_VARIABLES = [
  'WEBHOOK_AUTH_MODES',
  'COGNIGY_WEBHOOK_SECRETS',
  'WEBHOOK_REQUIRE_TIMESTAMP',
  'WEBHOOK_BASIC_USER',
  'WEBHOOK_BASIC_PASSWORD',
  'WEBHOOK_API_KEYS',
  'STANDARD_WEBHOOK_SECRETS',
];
const SETTABLE = SOURCE_VARIABLES.filter((name) => name !== 'WEBHOOK_AUTH_MODES');

/** Values that are credentials: never in the file, only the names of the variables holding them. */
export const WEBHOOK_SECRET_VARIABLES = [
  'COGNIGY_WEBHOOK_SECRETS',
  'WEBHOOK_BASIC_PASSWORD',
  'WEBHOOK_API_KEYS',
  'STANDARD_WEBHOOK_SECRETS',
];

/**
 * `mappings`: a mappings file (its path relative to the routing file's directory), the entries
 * themselves (a list, as a mappings file's `mappings`), or unset (the intent strategies alone).
 */
export function mappingFromFile(
  where: string,
  value: unknown,
  context: RoutesFileContext,
): { mapping?: MappingConfig; problems: string[] } {
  if (value === undefined) return { mapping: {}, problems: [] };
  if (Array.isArray(value)) return { mapping: { inline: { where, mappings: value } }, problems: [] };
  if (typeof value !== 'string' || value.trim() === '') {
    return { problems: [`${where}: must be a mappings file's path or a list of mapping entries`] };
  }
  const mappingsFile = resolve(context.dir, value.trim());
  try {
    accessSync(mappingsFile, constants.R_OK);
  } catch (error) {
    return { problems: [`${where}: ${mappingsFile} cannot be read (${(error as NodeJS.ErrnoException).code})`] };
  }
  return { mapping: { mappingsFile }, problems: [] };
}

/** `auth`: a list of modes, or one comma-separated string, as WEBHOOK_AUTH_MODES spells them; unset: hmac. */
function authModes(where: string, auth: unknown): { modes?: string; problems: string[] } {
  if (auth === undefined) return { modes: 'hmac', problems: [] };
  if (typeof auth === 'string') return { modes: auth, problems: [] };
  if (Array.isArray(auth) && auth.every((mode) => typeof mode === 'string'))
    return { modes: auth.join(','), problems: [] };
  return { problems: [`${where}.auth: must be a list of auth modes`] };
}

/**
 * One source of the routing file: `{ auth, settings, secrets, mappings }`, its auth held to the
 * rules of the WEBHOOK_* variables, save that hmac always needs the source's own secrets (no
 * development secret stands in for a named source).
 */
export function sourceFromFile(
  name: string,
  value: unknown,
  context: RoutesFileContext,
): { source?: SourceConfig; problems: string[] } {
  const where = `sources.${name}`;
  if (!isObject(value)) return { problems: [`${where}: must be a map with auth, settings, secrets and mappings`] };
  const problems = unknownKeys(where, value, SOURCE_KEYS);
  const auth = authModes(where, value.auth);
  const variables = readVariables(where, value, SETTABLE, WEBHOOK_SECRET_VARIABLES, context);
  const mapping = mappingFromFile(`${where}.mappings`, value.mappings, context);
  problems.push(...auth.problems, ...variables.problems, ...mapping.problems);
  if (auth.modes === undefined) return { problems };

  variables.raw.WEBHOOK_AUTH_MODES = auth.modes;
  variables.paths.set('WEBHOOK_AUTH_MODES', `${where}.auth`);
  const { env, problems: invalid } = partEnvironment(WebhookEnvironment, SOURCE_VARIABLES, variables, context.env);
  const failed = new Set([...variables.failed, ...invalid.map(variableOf)]);
  const required = authProblems(env, true).filter((p) => !failed.has(variableOf(p)));
  const pathOf = (variable: string) =>
    WEBHOOK_SECRET_VARIABLES.includes(variable) ? `${where}.secrets.${variable}` : `${where}.settings.${variable}`;
  problems.push(...atPaths([...invalid, ...required], variables.paths, pathOf));
  if (problems.length > 0 || !mapping.mapping) return { problems };
  const sourceAuth = sourceAuthOf(webhookConfig(env as EnvironmentWithCrm));
  return { source: { name, auth: sourceAuth, mapping: mapping.mapping }, problems };
}
