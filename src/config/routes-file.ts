import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parse } from 'yaml';
import { ConnectorEnvironment, Environment } from './environment';
import { RouteConfig, RoutingConfig, SourceConfig, TargetConfig } from './routing.config';
import { isObject, ROUTE_NAME, ROUTE_NAME_RULE, RoutesFileContext, unknownKeys } from './routes-file-parts';
import { mappingFromFile, sourceFromFile } from './routes-file-sources';
import { targetFromFile } from './routes-file-targets';

const FILE_KEYS = ['sources', 'targets', 'routes'];
const ROUTE_KEYS = ['source', 'intent', 'targets'];
const ROUTE_TARGET_KEYS = ['target', 'mappings'];
/** A route's intent when it names none: every intent of its source that no other route names. */
export const ANY_INTENT = '*';

/** The file's text as a document: YAML (JSON is YAML too, so a .json file reads the same). */
function documentOf(file: string): { document?: unknown; problems: string[] } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    return { problems: [`ROUTES_FILE: ${file} cannot be read (${(error as NodeJS.ErrnoException).code})`] };
  }
  try {
    return { document: parse(text, { prettyErrors: false }), problems: [] };
  } catch (error) {
    return { problems: [`ROUTES_FILE: ${file} is not valid YAML or JSON: ${(error as Error).message}`] };
  }
}

/** Each entry of a `sources` or `targets` map, its name checked, read by `read`. */
function namedParts<T>(
  key: 'sources' | 'targets',
  value: unknown,
  read: (name: string, part: unknown) => { problems: string[] } & Partial<Record<'source' | 'target', T>>,
): { parts: T[]; names: Set<string>; problems: string[] } {
  const found = { parts: [] as T[], names: new Set<string>(), problems: [] as string[] };
  if (!isObject(value) || Object.keys(value).length === 0) {
    found.problems.push(`${key}: must be a map of names to ${key}, at least one`);
    return found;
  }
  for (const [name, part] of Object.entries(value)) {
    found.names.add(name);
    if (!ROUTE_NAME.test(name)) found.problems.push(`${key}.${name}: a name must be ${ROUTE_NAME_RULE}`);
    const result = read(name, part);
    found.problems.push(...result.problems);
    const made = result.source ?? result.target;
    if (made) found.parts.push(made);
  }
  return found;
}

/** One route: its source and targets named in the file, each target once, its mappings (the source's by default). */
function routeFromFile(
  index: number,
  value: unknown,
  sources: ReadonlyMap<string, SourceConfig>,
  targets: ReadonlySet<string>,
  context: RoutesFileContext,
): { route?: RouteConfig; problems: string[] } {
  const where = `routes[${index}]`;
  if (!isObject(value)) return { problems: [`${where}: must be a map with source, intent and targets`] };
  const problems = unknownKeys(where, value, ROUTE_KEYS);
  const { source, intent = ANY_INTENT } = value;
  if (typeof source !== 'string' || !sources.has(source)) {
    problems.push(`${where}.source: unknown source '${String(source)}' (sources: ${[...sources.keys()].join(', ')})`);
  }
  if (typeof intent !== 'string' || intent.trim() === '') problems.push(`${where}.intent: must be a non-empty string`);
  if (!Array.isArray(value.targets) || value.targets.length === 0) {
    problems.push(`${where}.targets: must list at least one target`);
    return { problems };
  }
  const routeTargets: RouteConfig['targets'] = [];
  const named = new Set<unknown>();
  value.targets.forEach((item: unknown, i: number) => {
    const at = `${where}.targets[${i}]`;
    if (!isObject(item)) return void problems.push(`${at}: must be a map with target and mappings`);
    problems.push(...unknownKeys(at, item, ROUTE_TARGET_KEYS));
    const { target } = item;
    if (typeof target !== 'string' || !targets.has(target)) {
      problems.push(`${at}.target: unknown target '${String(target)}' (targets: ${[...targets].join(', ')})`);
    } else if (named.has(target)) {
      problems.push(`${at}.target: '${target}' is listed twice in this route`);
    }
    named.add(target);
    const own = item.mappings === undefined ? undefined : mappingFromFile(`${at}.mappings`, item.mappings, context);
    problems.push(...(own?.problems ?? []));
    const mapping = own ? own.mapping : sources.get(source as string)?.mapping;
    if (typeof target === 'string' && mapping) routeTargets.push({ target, mapping });
  });
  if (problems.length > 0) return { problems };
  return { route: { source: source as string, intent: (intent as string).trim(), targets: routeTargets }, problems };
}

function routesFromFile(
  value: unknown,
  sources: ReadonlyMap<string, SourceConfig>,
  targets: ReadonlySet<string>,
  context: RoutesFileContext,
): { routes: RouteConfig[]; problems: string[] } {
  if (!Array.isArray(value) || value.length === 0)
    return { routes: [], problems: ['routes: must list at least one route'] };
  const found = { routes: [] as RouteConfig[], problems: [] as string[] };
  const seen = new Map<string, number>();
  value.forEach((item: unknown, index) => {
    const { route, problems } = routeFromFile(index, item, sources, targets, context);
    found.problems.push(...problems);
    if (route) found.routes.push(route);
    const { source, intent = ANY_INTENT } = isObject(item) ? item : {};
    if (typeof source !== 'string' || typeof intent !== 'string') return;
    const key = `${source} ${intent.trim()}`;
    const earlier = seen.get(key);
    if (earlier !== undefined) {
      found.problems.push(
        `routes[${index}]: source '${source}' and intent '${intent.trim()}' are routed by routes[${earlier}] already`,
      );
    } else seen.set(key, index);
  });
  return found;
}

/**
 * ROUTES_FILE read and validated: every problem found, each named by its path in the file
 * (`targets.crm-eu.settings.CRM_TOKEN_URL: …`, `routes[2].targets[0].target: unknown target 'x'`),
 * and the routing it describes when there is none.
 */
export function routingFromFile(
  file: string,
  raw: Record<string, unknown>,
  env: Environment,
  connectors: readonly ConnectorEnvironment[],
): { routing?: RoutingConfig; problems: string[] } {
  const path = resolve(file);
  const { document, problems } = documentOf(path);
  if (problems.length > 0) return { problems };
  if (!isObject(document))
    return { problems: [`ROUTES_FILE: ${path} must hold a map with sources, targets and routes`] };
  problems.push(...unknownKeys('ROUTES_FILE', document, FILE_KEYS));
  const context: RoutesFileContext = { raw, env, connectors, dir: dirname(path) };
  const sources = namedParts<SourceConfig>('sources', document.sources, (name, part) =>
    sourceFromFile(name, part, context),
  );
  const targets = namedParts<TargetConfig>('targets', document.targets, (name, part) =>
    targetFromFile(name, part, context),
  );
  const bySource = new Map(sources.parts.map((source) => [source.name, source]));
  // A route naming a source that has problems of its own is not reported again.
  for (const name of sources.names) if (!bySource.has(name)) bySource.set(name, { name, mapping: {} } as SourceConfig);
  const routes = routesFromFile(document.routes, bySource, targets.names, context);
  problems.push(...sources.problems, ...targets.problems, ...routes.problems);
  if (problems.length > 0) return { problems };
  return {
    routing: { fromFile: true, sources: sources.parts, targets: targets.parts, routes: routes.routes },
    problems,
  };
}
