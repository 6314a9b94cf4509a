import { plainToInstance } from 'class-transformer';
import { validateSync, ValidationError } from 'class-validator';
import { CrmEndpoint, CrmEnvironment, crmProblems } from './crm-environment';
import { MetricsEnvironment } from './metrics-environment';
import { QueueEnvironment, queueProblems } from './queue-environment';
import { RedisEnvironment, redisProblems } from './redis-environment';
import type { RoutingConfig } from './routing.config';
import { RoutingEnvironment } from './routing-environment';
import { ServiceEnvironment } from './service-environment';
import { TracingEnvironment, tracingProblems } from './tracing-environment';
import { WebhookEnvironment, webhookProblems } from './webhook-environment';

/**
 * Each concern's variables: a class-validator class whose property initialisers are the defaults.
 * Validated in this order, so a refusal lists the service's variables first and Redis's last.
 */
const CONCERNS = [
  ServiceEnvironment,
  WebhookEnvironment,
  QueueEnvironment,
  RoutingEnvironment,
  CrmEnvironment,
  MetricsEnvironment,
  TracingEnvironment,
  RedisEnvironment,
] as const;

/**
 * Every environment variable the service reads (the CONCERNS' together), validated once at startup
 * by `validateEnvironment`; the config namespaces (`*.config.ts`) read their slice from it.
 */
export type Environment = ServiceEnvironment &
  WebhookEnvironment &
  QueueEnvironment &
  RoutingEnvironment &
  CrmEnvironment &
  MetricsEnvironment &
  TracingEnvironment &
  RedisEnvironment & {
    /** The chosen CRM connector's own variables, validated (see ConnectorEnvironment); not a variable. */
    connectorSettings?: object;
    /** ROUTES_FILE, validated (see load-environment.ts); not a variable. */
    routing?: RoutingConfig;
  };

/** `new Environment()`: every variable at its default. */
export const Environment = class {
  constructor() {
    for (const Concern of CONCERNS) Object.assign(this, new Concern());
  }
} as new () => Environment;

/** The environment the application is built from: the CRM it delivers to is known. */
export type EnvironmentWithCrm = Environment & { CRM_BASE_URL: string };

export function hasCrm(env: Environment): env is EnvironmentWithCrm {
  // The sandbox speaks the generic API only; another connector names its CRM (or has it named in its token answer).
  // A routing file's targets each name their own.
  return env.CRM_BASE_URL !== undefined || env.CRM_CONNECTOR !== 'generic' || env.routing !== undefined;
}

/** `env` checking hmac signatures against `secret`, as if it had been configured. */
export function withWebhookSecret(env: Environment, secret: string): Environment {
  return Object.assign(new Environment(), env, { COGNIGY_WEBHOOK_SECRETS: secret });
}

/** `env` delivering to `crm`, as if its settings had been configured. */
export function withCrm(env: Environment, crm: CrmEndpoint): EnvironmentWithCrm {
  return Object.assign(new Environment(), env, {
    CRM_BASE_URL: crm.baseUrl,
    CRM_AUTH: 'client_credentials',
    CRM_TOKEN_URL: crm.tokenUrl,
    CRM_CLIENT_ID: crm.clientId,
    CRM_CLIENT_SECRET: crm.clientSecret,
  });
}

export class ConfigValidationError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigValidationError';
  }
}

/** Messages name the variable and the rule, never the value (it may be a secret). */
export function variableProblems(errors: ValidationError[]): string[] {
  return errors.map((error) => {
    const rules = Object.values(error.constraints ?? {}).map((m) => m.replace(new RegExp(`^${error.property} `), ''));
    return `${error.property}: ${rules.join('; ')}`;
  });
}

/** The variables of `raw` among `names` that are set (empty counts as unset). */
function setVariables(raw: Record<string, unknown>, names: string[]): Record<string, unknown> {
  return Object.fromEntries(Object.entries(raw).filter(([k, v]) => names.includes(k) && v !== undefined && v !== ''));
}

/** `Variables`' instance from the variables of `raw` it declares (defaults for the unset), and what is wrong with it. */
export function validated<T extends object>(Variables: new () => T, raw: Record<string, unknown>) {
  const instance = plainToInstance(Variables, setVariables(raw, Object.keys(new Variables())), {
    exposeDefaultValues: true,
  });
  return { instance, problems: variableProblems(validateSync(instance)) };
}

/** `NAME: required <why>` for each of `names` the environment leaves unset. */
export function unsetVariables(env: Environment, names: Array<keyof Environment>, why: string): string[] {
  return names.filter((name) => env[name] === undefined).map((name) => `${name}: required ${why}`);
}

/**
 * What a CRM connector asks of the environment. Config names none: the Crm module's registry lists
 * them, and bootstrap hands them to `validateEnvironment`.
 */
export interface ConnectorEnvironment {
  /** The CRM_CONNECTOR value choosing it. */
  readonly name: string;
  /** The most events one request may carry: its CRM's own limit (1: it does not batch). */
  readonly maxBatchSize: number;
  /** Its own variables, if any: a class-validator class whose property initialisers are the defaults. */
  readonly Settings?: new () => object;
  /** What it requires of the shared variables (`failed`: those already refused), one `VARIABLE: why` each. */
  problems(env: Environment, failed: ReadonlySet<string>): string[];
}

/** Each connector's own variables, checked whichever is chosen; the chosen one's settings. */
function connectorSettings(raw: Record<string, unknown>, connectors: readonly ConnectorEnvironment[], chosen: string) {
  const problems: string[] = [];
  let settings: object = {};
  for (const { name, Settings } of connectors) {
    if (!Settings) continue;
    const own = validated(Settings, raw);
    problems.push(...own.problems);
    if (name === chosen) settings = own.instance;
  }
  return { problems, settings };
}

/** The chosen connector's requirements and batch limit. */
export function connectorProblems(env: Environment, failed: Set<string>, connectors: readonly ConnectorEnvironment[]) {
  const connector = connectors.find(({ name }) => name === env.CRM_CONNECTOR);
  if (!connector) return [`CRM_CONNECTOR: must be one of ${connectors.map(({ name }) => name).join(', ')}`];
  const problems = connector.problems(env, failed);
  const limit = connector.maxBatchSize;
  if (env.CRM_BATCH_SIZE > limit) {
    const why = limit === 1 ? ' (it does not batch)' : '';
    problems.push(`CRM_BATCH_SIZE: at most ${limit} with CRM_CONNECTOR=${connector.name}${why}`);
  }
  return problems;
}

/**
 * The raw environment validated with the rules of every CRM connector in `connectors`, and every
 * problem found, each naming its variable. The chosen connector's own variables are `connectorSettings`.
 */
export function checkEnvironment(
  raw: Record<string, unknown>,
  connectors: readonly ConnectorEnvironment[],
): { env: Environment; problems: string[] } {
  const env = new Environment();
  const problems: string[] = [];
  for (const Concern of CONCERNS) {
    const concern = validated<object>(Concern, raw);
    Object.assign(env, concern.instance);
    problems.push(...concern.problems);
  }
  const own = connectorSettings(raw, connectors, env.CRM_CONNECTOR);
  problems.push(...own.problems);
  const failed = new Set(problems.map((p) => p.split(':')[0]));
  const crossField = [
    ...webhookProblems(env),
    ...queueProblems(env),
    ...crmProblems(env),
    ...connectorProblems(env, failed, connectors),
    ...tracingProblems(env),
    ...(env.QUEUE_DRIVER === 'redis' ? redisProblems(env, failed, env.WEBHOOK_BODY_TIMEOUT_MS) : []),
  ];
  problems.push(...crossField.filter((p) => !failed.has(p.split(':')[0])));
  env.connectorSettings = own.settings;
  return { env, problems };
}

/** `checkEnvironment`, throwing one error naming every bad variable. */
export function validateEnvironment(
  raw: Record<string, unknown>,
  connectors: readonly ConnectorEnvironment[],
): Environment {
  const { env, problems } = checkEnvironment(raw, connectors);
  if (problems.length > 0) throw new ConfigValidationError(problems);
  return env;
}
