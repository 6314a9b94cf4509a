import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { DiscoveryService } from '@nestjs/core';
import { MappingConfig } from '../config/mapping.config';
import { ANY_INTENT } from '../config/routes-file';
import { DEFAULT_ROUTE_NAME, routingConfig } from '../config/routing.config';
import { DialogCompletedEvent } from '../shared/dialog-completed-event';
import { ConnectorMappings } from './connector-mappings';
import { IntentMapper, MappingTarget } from './intent-mapper';
import { IntentMappings, loadDefinitions } from './intent-mappings';
import { MappingsFileError } from './mapping-definition';
import { UnsupportedIntentError } from './mapping-errors';
import { RoutedUpsert, RouteMapper, TargetMappings } from './route-mapper';
import { discoverStrategies } from './strategy-discovery';
import { IntentStrategy } from './intent-strategy';

/** Several mapping sets refused at startup: every problem of each, in one error. */
export class RouteMappingsError extends Error {
  constructor(errors: MappingsFileError[]) {
    super(errors.map((error) => error.message).join('\n'));
    this.name = 'MappingsFileError';
  }
}

type RouteTargets = Array<{ target: string; mappings: IntentMappings }>;

/** What one target's routes take there: the intents of each mapping set sent to it. */
type Taken = Array<{ mappings: IntentMappings; intents: ReadonlySet<string> }>;

const mappingKey = (mapping: MappingConfig, connector: string) =>
  `${connector} ${mapping.inline?.where ?? mapping.mappingsFile ?? ''}`;

/**
 * The routing file's routes with the mappings of each route target: its mappings (the source's by
 * default) checked against its target's connector and rendered by it. Built and checked once, at
 * startup; every mapping set that fails is named in one error. Without a routing file it holds
 * nothing (the webhook maps with IntentMapper, as before) and tells IntentMapper's mappings as
 * those of the one target `default`.
 */
@Injectable()
export class RouteMappings extends RouteMapper implements OnModuleInit {
  private readonly logger = new Logger(RouteMappings.name);
  /** source → intent (or `*`) → its targets. */
  private readonly routes = new Map<string, Map<string, RouteTargets>>();

  constructor(
    private readonly discovery: DiscoveryService,
    @Inject(routingConfig.KEY) private readonly routing: ConfigType<typeof routingConfig>,
    private readonly connectors: ConnectorMappings,
    private readonly mapper: IntentMapper,
  ) {
    super();
  }

  async onModuleInit(): Promise<void> {
    if (!this.routing.fromFile) return;
    const strategies = discoverStrategies(this.discovery);
    const connectorOf = new Map(this.routing.targets.map(({ name, crm }) => [name, crm.connector]));
    const built = new Map<string, Promise<IntentMappings>>();
    const setOf = (mapping: MappingConfig, connector: string) => {
      const key = mappingKey(mapping, connector);
      if (!built.has(key)) built.set(key, this.build(strategies, mapping, connector));
      return built.get(key)!;
    };
    const pending = this.routing.routes.map(async ({ source, intent, targets }) => {
      const resolved = await Promise.allSettled(
        targets.map(async ({ target, mapping }) => ({
          target,
          mappings: await setOf(mapping, connectorOf.get(target)!),
        })),
      );
      return { source, intent, resolved };
    });
    const failures = new Set<MappingsFileError>();
    for (const { source, intent, resolved } of await Promise.all(pending)) {
      const targets: RouteTargets = [];
      for (const result of resolved) {
        if (result.status === 'fulfilled') targets.push(result.value);
        else if (result.reason instanceof MappingsFileError) failures.add(result.reason);
        else throw result.reason;
      }
      if (!this.routes.has(source)) this.routes.set(source, new Map());
      this.routes.get(source)!.set(intent, targets);
    }
    if (failures.size > 0) throw new RouteMappingsError([...failures]);
    this.logger.log(`Routes mapped: ${this.routing.routes.length}, mapping sets: ${built.size}`);
  }

  private async build(strategies: Map<string, IntentStrategy>, mapping: MappingConfig, connector: string) {
    const { rules, rendering } = this.connectors.of(connector);
    return new IntentMappings(strategies, await loadDefinitions(mapping, rules), rules, rendering);
  }

  map(source: string, event: DialogCompletedEvent): RoutedUpsert[] {
    const intents = this.routes.get(source);
    const targets = intents?.get(event.intent) ?? intents?.get(ANY_INTENT);
    if (!targets) throw new UnsupportedIntentError(event.intent);
    return targets.map(({ target, mappings }) => ({ target, upsert: mappings.map(event) }));
  }

  targetMappings(): TargetMappings[] {
    if (!this.routing.fromFile) {
      const { mapper } = this;
      return [{ target: DEFAULT_ROUTE_NAME, objectTypes: mapper.objectTypes(), records: mapper.targets() }];
    }
    const taken = new Map<string, Taken>(this.routing.targets.map(({ name }) => [name, []]));
    for (const intents of this.routes.values()) {
      for (const [intent, targets] of intents) {
        for (const { target, mappings } of targets) {
          // A `*` route takes only the intents no other route of its source names (as map() does).
          const names = intent === ANY_INTENT ? mappings.intents().filter((name) => !intents.has(name)) : [intent];
          taken.get(target)?.push({ mappings, intents: new Set(names) });
        }
      }
    }
    return [...taken].map(([target, sets]) => ({ target, ...mappedFrom(sets) }));
  }
}

/**
 * The object types and CRM records of the intents taken, once each: an intent a mapping set does
 * not map adds nothing (its events are refused at ingest), an entry in a set's order.
 */
function mappedFrom(taken: Taken): Omit<TargetMappings, 'target'> {
  const objectTypes = new Set<string>();
  const records = new Map<string, MappingTarget>();
  for (const { mappings, intents } of taken) {
    for (const intent of intents) {
      const objectType = mappings.objectTypeOf(intent);
      if (objectType !== undefined) objectTypes.add(objectType);
    }
    for (const record of mappings.targets()) {
      if (intents.has(record.intent)) records.set(JSON.stringify(record), record);
    }
  }
  return { objectTypes: [...objectTypes], records: [...records.values()] };
}
