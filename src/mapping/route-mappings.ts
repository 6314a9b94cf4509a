import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { DiscoveryService } from '@nestjs/core';
import { MappingConfig } from '../config/mapping.config';
import { ANY_INTENT } from '../config/routes-file';
import { routingConfig } from '../config/routing.config';
import { DialogCompletedEvent } from '../shared/dialog-completed-event';
import { ConnectorMappings } from './connector-mappings';
import { IntentMappings, loadDefinitions } from './intent-mappings';
import { MappingsFileError } from './mapping-definition';
import { UnsupportedIntentError } from './mapping-errors';
import { RoutedUpsert, RouteMapper } from './route-mapper';
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

const mappingKey = (mapping: MappingConfig, connector: string) =>
  `${connector} ${mapping.inline?.where ?? mapping.mappingsFile ?? ''}`;

/**
 * The routing file's routes with the mappings of each route target: its mappings (the source's by
 * default) checked against its target's connector and rendered by it. Built and checked once, at
 * startup; every mapping set that fails is named in one error. Without a routing file it holds
 * nothing (the webhook maps with IntentMapper, as before).
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
}
