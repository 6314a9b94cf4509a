import { Environment, unsetVariables } from '../../../config/environment';
import { ConnectorDefinition } from '../connector-definition';
import { PathTargetRules } from '../../../mapping/mapping-rules';
import { GenericConnector } from './generic.connector';
import { genericRendering } from './generic.records';

/** A real CRM (CRM_BASE_URL) needs the credentials of CRM_AUTH; without one the sandbox issues them. */
function genericProblems(env: Environment, failed: ReadonlySet<string>): string[] {
  const production = env.NODE_ENV === 'production';
  const problems = production ? unsetVariables(env, ['CRM_BASE_URL'], 'in production') : [];
  if (!production && (env.CRM_BASE_URL === undefined || failed.has('CRM_BASE_URL'))) return problems;
  const where = production ? 'in production' : 'with CRM_BASE_URL set';
  if (env.CRM_AUTH === 'static')
    return [...problems, ...unsetVariables(env, ['CRM_ACCESS_TOKEN'], `when CRM_AUTH=static ${where}`)];
  if (env.CRM_AUTH === 'basic') return [...problems, 'CRM_AUTH: basic is not a flow of CRM_CONNECTOR=generic'];
  const required: Array<keyof Environment> = ['CRM_TOKEN_URL', 'CRM_CLIENT_ID', 'CRM_CLIENT_SECRET'];
  return [...problems, ...unsetVariables(env, required, `when CRM_AUTH=client_credentials ${where}`)];
}

/** CRM_CONNECTOR=generic (the default): the original design's REST upsert, to the mapping's path. */
export const genericDefinition: ConnectorDefinition = {
  name: 'generic',
  maxBatchSize: 1,
  problems: genericProblems,
  credentials: (config, flows) => (config.auth === 'static' ? flows.staticToken() : flows.clientCredentials()),
  mappingRules: new PathTargetRules('generic'),
  rendering: genericRendering,
  connector: GenericConnector,
};
