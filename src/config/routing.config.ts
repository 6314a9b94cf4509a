import { configNamespace } from './config-namespace';
import { CrmConfig, crmConfig } from './crm.config';
import { MappingConfig, mappingConfig } from './mapping.config';
import { WebhookConfig, webhookConfig } from './webhook.config';

/** The name of the source and of the target the environment variables describe without ROUTES_FILE. */
export const DEFAULT_ROUTE_NAME = 'default';

/** How a source's senders authenticate: the webhook settings that differ from one source to another. */
export type SourceAuth = Pick<
  WebhookConfig,
  'authModes' | 'hmacSecrets' | 'requireTimestamp' | 'basicUser' | 'basicPassword' | 'apiKeys' | 'standardSecrets'
>;

/** Where events come from: `POST /webhooks/cognigy/<name>/…` (`default`: the unnamed routes). */
export interface SourceConfig {
  name: string;
  auth: SourceAuth;
  mapping: MappingConfig;
}

/** Where events go: one CRM with its own client, token cache, breaker, concurrency and rate limit. */
export interface TargetConfig {
  name: string;
  crm: CrmConfig;
}

/** For a source and an intent (`*`: any), the targets an event goes to and the mappings for each. */
export interface RouteConfig {
  source: string;
  intent: string;
  targets: { target: string; mapping: MappingConfig }[];
}

export interface RoutingConfig {
  /** False when no ROUTES_FILE is set: one source and one target `default`, from the environment. */
  fromFile: boolean;
  sources: SourceConfig[];
  targets: TargetConfig[];
  routes: RouteConfig[];
}

/** The part of a webhook configuration that is one source's. */
export function sourceAuthOf(webhook: WebhookConfig): SourceAuth {
  const { authModes, hmacSecrets, requireTimestamp, basicUser, basicPassword, apiKeys, standardSecrets } = webhook;
  return { authModes, hmacSecrets, requireTimestamp, basicUser, basicPassword, apiKeys, standardSecrets };
}

/** Today's environment as routing: source `default` → every intent → target `default`. */
export function routingFromEnvironment(webhook: WebhookConfig, mapping: MappingConfig, crm: CrmConfig): RoutingConfig {
  const auth = sourceAuthOf(webhook);
  return {
    fromFile: false,
    sources: [{ name: DEFAULT_ROUTE_NAME, auth, mapping }],
    targets: [{ name: DEFAULT_ROUTE_NAME, crm }],
    routes: [{ source: DEFAULT_ROUTE_NAME, intent: '*', targets: [{ target: DEFAULT_ROUTE_NAME, mapping }] }],
  };
}

/** ROUTES_FILE's routing (validated with the environment, load-environment.ts), else the environment's. */
export const routingConfig = configNamespace('routing', (env): RoutingConfig => {
  return env.routing ?? routingFromEnvironment(webhookConfig(env), mappingConfig(env), crmConfig(env));
});

/** What operators see of the routing: whether a routing file is loaded, its sources' and targets' names. */
export interface RouteNameLists {
  routed: boolean;
  sources: readonly string[];
  targets: readonly string[];
}

export const routeNamesOf = (routing: RoutingConfig): RouteNameLists => ({
  routed: routing.fromFile,
  sources: routing.sources.map((source) => source.name),
  targets: routing.targets.map((target) => target.name),
});
