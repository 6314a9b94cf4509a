import { ConnectorEnvironment, Environment, validated } from './environment';

/**
 * A source or target name: it appears in URLs, store keys (where a space separates it from an
 * event id, and a leading letter tells it from a record key) and metric labels.
 */
export const ROUTE_NAME = /^[a-z][a-z0-9-]{0,62}$/;
export const ROUTE_NAME_RULE = 'lowercase letters, digits and "-", starting with a letter, at most 63 characters';

const ENV_VAR_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** What a source or target is checked with: the process environment and its validated form. */
export interface RoutesFileContext {
  /** The process environment, where each secret's variable is read. */
  raw: Record<string, unknown>;
  env: Environment;
  connectors: readonly ConnectorEnvironment[];
  /** The routing file's directory: relative mappings files are found from it. */
  dir: string;
}

export const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** `<where>: unknown key(s) …` when `value` has keys outside `allowed`. */
export function unknownKeys(where: string, value: Record<string, unknown>, allowed: readonly string[]): string[] {
  const unknown = Object.keys(value).filter((key) => !allowed.includes(key));
  return unknown.length > 0 ? [`${where}: unknown key(s) ${unknown.join(', ')} (allowed: ${allowed.join(', ')})`] : [];
}

/**
 * The variables a part of the file sets: `settings` (values in the file) and `secrets` (each the
 * name of the environment variable holding the value), as raw variables for the environment's
 * own validation, and where each came from, so a problem is named by its path in the file.
 */
export interface FileVariables {
  raw: Record<string, string>;
  /** Variable name → its path in the file (`targets.x.settings.CRM_BASE_URL`). */
  paths: Map<string, string>;
  problems: string[];
  /** Variables already named in `problems` (a secret whose variable is unset). */
  failed: Set<string>;
}

export function readVariables(
  where: string,
  part: Record<string, unknown>,
  allowed: readonly string[],
  secretNames: readonly string[],
  context: RoutesFileContext,
): FileVariables {
  const found: FileVariables = { raw: {}, paths: new Map(), problems: [], failed: new Set() };
  readSettings(`${where}.settings`, part.settings, allowed, secretNames, found);
  readSecrets(`${where}.secrets`, part.secrets, allowed, context, found);
  return found;
}

function readSettings(
  where: string,
  settings: unknown,
  allowed: readonly string[],
  secretNames: readonly string[],
  found: FileVariables,
): void {
  if (settings === undefined) return;
  if (!isObject(settings)) return void found.problems.push(`${where}: must be a map of variable names to values`);
  for (const [name, value] of Object.entries(settings)) {
    const path = `${where}.${name}`;
    if (secretNames.includes(name)) {
      found.problems.push(
        `${path}: a secret is never written in the file: name its environment variable under secrets`,
      );
    } else if (!allowed.includes(name)) {
      found.problems.push(`${path}: not a setting here (allowed: ${allowed.join(', ')})`);
    } else if (!['string', 'number', 'boolean'].includes(typeof value)) {
      found.problems.push(`${path}: must be a string, number or boolean`);
    } else {
      found.raw[name] = String(value);
      found.paths.set(name, path);
    }
  }
}

function readSecrets(
  where: string,
  secrets: unknown,
  allowed: readonly string[],
  context: RoutesFileContext,
  found: FileVariables,
): void {
  if (secrets === undefined) return;
  if (!isObject(secrets)) {
    return void found.problems.push(`${where}: must be a map of variable names to environment variable names`);
  }
  for (const [name, variable] of Object.entries(secrets)) {
    const path = `${where}.${name}`;
    if (!allowed.includes(name)) {
      found.problems.push(`${path}: not a setting here (allowed: ${allowed.join(', ')})`);
    } else if (typeof variable !== 'string' || !ENV_VAR_NAME.test(variable)) {
      found.problems.push(`${path}: must be the name of an environment variable (letters, digits, "_")`);
    } else if (found.paths.has(name)) {
      found.problems.push(`${path}: set under settings too`);
    } else {
      const value = context.raw[variable];
      found.paths.set(name, path);
      if (typeof value === 'string' && value !== '') found.raw[name] = value;
      else {
        found.problems.push(`${path}: environment variable ${variable} is not set`);
        found.failed.add(name);
      }
    }
  }
}

/** The variable a `VARIABLE: why` problem names. */
export const variableOf = (problem: string): string => problem.split(':')[0];

/**
 * The environment a source or target stands for: the process's own, but with only the file's
 * variables among `own` (a target inherits no CRM_* of the process, a source no secret), read and
 * checked by their concern's class (`Concern`: e.g. CrmEnvironment) as the environment's are.
 */
export function partEnvironment(
  Concern: new () => object,
  own: readonly string[],
  variables: FileVariables,
  base: Environment,
): { env: Environment; problems: string[] } {
  const { instance, problems } = validated(Concern, variables.raw);
  const env = Object.assign(new Environment(), base);
  for (const name of own) Object.assign(env, { [name]: (instance as Record<string, unknown>)[name] });
  return { env, problems: problems.filter((problem) => own.includes(variableOf(problem))) };
}

/** `VARIABLE: why` → `<its path in the file>: why`; a variable the file does not set is named under `fallback`. */
export function atPaths(problems: string[], paths: Map<string, string>, fallback: (name: string) => string): string[] {
  return problems.map((problem) => {
    const colon = problem.indexOf(':');
    const name = problem.slice(0, colon);
    return `${paths.get(name) ?? fallback(name)}${problem.slice(colon)}`;
  });
}
