import { crmConfig } from './crm.config';
import { CrmEnvironment, crmProblems } from './crm-environment';
import { connectorProblems, ConnectorEnvironment, EnvironmentWithCrm, unsetVariables, validated } from './environment';
import { TargetConfig } from './routing.config';
import {
  atPaths,
  isObject,
  partEnvironment,
  readVariables,
  RoutesFileContext,
  unknownKeys,
  variableOf,
} from './routes-file-parts';

const TARGET_KEYS = ['connector', 'settings', 'secrets'];

/** CRM variables that stay the process's: the connector is the target's `connector` key, the rest is not per CRM. */
const PROCESS_WIDE = ['CRM_CONNECTOR', 'CRM_SANDBOX_PORT', 'CRM_ALLOW_INSECURE_HTTP'];

/** Values that are credentials: never in the file, only the names of the variables holding them. */
export const CRM_SECRET_VARIABLES = ['CRM_CLIENT_SECRET', 'CRM_BASIC_PASSWORD', 'CRM_ACCESS_TOKEN'];

/** The shared CRM_* variables a target may set, and its connector's own (its definition's Settings). */
function targetVariables(connector: ConnectorEnvironment | undefined): string[] {
  const shared = Object.keys(new CrmEnvironment()).filter(
    (name) => name.startsWith('CRM_') && !PROCESS_WIDE.includes(name),
  );
  return [...shared, ...(connector?.Settings ? Object.keys(new connector.Settings()) : [])];
}

/** The connector's own variables among the target's, validated by its Settings class. */
function connectorSettings(connector: ConnectorEnvironment, raw: Record<string, string>) {
  if (!connector.Settings) return { settings: {}, problems: [] };
  const { instance, problems } = validated(connector.Settings, raw);
  return { settings: instance, problems };
}

/**
 * One target of the routing file: `{ connector, settings, secrets }`, where `settings` and
 * `secrets` name today's CRM_* variables (and the connector's own), held to the same rules as the
 * environment's (Environment, the connector's Settings and requirements). A target's CrmConfig is
 * built by the `crm` namespace from its own environment, so both read the variables one way.
 */
export function targetFromFile(
  name: string,
  value: unknown,
  context: RoutesFileContext,
): { target?: TargetConfig; problems: string[] } {
  const where = `targets.${name}`;
  if (!isObject(value)) return { problems: [`${where}: must be a map with connector, settings and secrets`] };
  const problems = unknownKeys(where, value, TARGET_KEYS);
  const names = context.connectors.map((c) => c.name);
  const connector = context.connectors.find((c) => c.name === value.connector);
  if (!connector) problems.push(`${where}.connector: must be one of ${names.join(', ')}`);
  const own = targetVariables(connector);
  const variables = readVariables(where, value, own, CRM_SECRET_VARIABLES, context);
  problems.push(...variables.problems);
  if (!connector) return { problems };

  const { env, problems: invalidShared } = partEnvironment(CrmEnvironment, own, variables, context.env);
  env.CRM_CONNECTOR = connector.name;
  const settings = connectorSettings(connector, variables.raw);
  const invalid = [...invalidShared, ...settings.problems];
  const failed = new Set([...variables.failed, ...invalid.map(variableOf)]);
  const required = [
    // A target is a real CRM: the development sandbox stands in for the environment's CRM only.
    ...(connector.name === 'generic' ? unsetVariables(env, ['CRM_BASE_URL'], 'for a generic target') : []),
    ...connectorProblems(env, failed, context.connectors),
    ...crmProblems(env),
  ].filter((p) => !failed.has(variableOf(p)));
  const pathOf = (variable: string) =>
    CRM_SECRET_VARIABLES.includes(variable) ? `${where}.secrets.${variable}` : `${where}.settings.${variable}`;
  problems.push(...atPaths([...invalid, ...required], variables.paths, pathOf));
  if (problems.length > 0) return { problems };
  env.connectorSettings = settings.settings;
  return { target: { name, crm: crmConfig(env as EnvironmentWithCrm) }, problems };
}
