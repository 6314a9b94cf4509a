import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { DiscoveryService } from '@nestjs/core';
import { readFile } from 'node:fs/promises';
import { mappingConfig } from '../config/mapping.config';
import { CrmUpsert, DialogCompletedEvent } from '../shared/dialog-completed-event';
import { UnsupportedIntentError } from './mapping-errors';
import { DeclarativeStrategy } from './declarative.strategy';
import { IntentMapper, MappingTarget } from './intent-mapper';
import { IntentMapping, IntentStrategy } from './intent-strategy';
import { MappingsFileError, parseMappingsFile } from './mapping-definition';
import { MappingRules } from './mapping-rules';

export class StrategyRegistryError extends Error {
  constructor(problem: string) {
    super(`Intent strategies: ${problem}`);
    this.name = 'StrategyRegistryError';
  }
}

/**
 * Finds every `@IntentMapping` provider through DI, then lays the MAPPINGS_FILE entries over
 * them (a file entry replaces a built-in of the same intent). Checked once, at startup.
 */
@Injectable()
export class MappingRegistry extends IntentMapper implements OnModuleInit {
  private readonly logger = new Logger(MappingRegistry.name);
  private strategies = new Map<string, IntentStrategy>();
  private readonly mappingTargets: MappingTarget[] = [];

  constructor(
    private readonly discovery: DiscoveryService,
    @Inject(mappingConfig.KEY) private readonly config: ConfigType<typeof mappingConfig>,
    private readonly rules: MappingRules,
  ) {
    super();
  }

  async onModuleInit(): Promise<void> {
    const discovered = this.discoverStrategies();
    // Built-in intents address request paths: a connector mapping to records maps only what the file maps.
    const strategies = this.rules.mapsToPaths ? discovered : new Map<string, IntentStrategy>();
    if (this.config.mappingsFile) {
      for (const definition of await this.loadFile(this.config.mappingsFile)) {
        strategies.set(definition.intent, new DeclarativeStrategy(definition));
        if ('object' in definition) {
          const { intent, object, idField, fields } = definition;
          const binds = Object.entries(fields).flatMap(([field, source]) =>
            'bind' in source ? [{ field, entitySet: source.bind.entitySet, key: source.bind.key }] : [],
          );
          this.mappingTargets.push({ intent, object, idField, fields: Object.keys(fields), binds });
        }
      }
    }
    this.strategies = strategies;
    this.logger.log(`Intents mapped: ${[...strategies.keys()].join(', ')}`);
  }

  private discoverStrategies(): Map<string, IntentStrategy> {
    const found = new Map<string, IntentStrategy>();
    for (const wrapper of this.discovery.getProviders({ metadataKey: IntentMapping.KEY })) {
      const intent = this.discovery.getMetadataByDecorator(IntentMapping, wrapper);
      const strategy = wrapper.instance as IntentStrategy;
      const name = wrapper.metatype?.name ?? String(wrapper.token);
      if (!intent) throw new StrategyRegistryError(`${name} has no intent`);
      if (typeof strategy?.map !== 'function') {
        throw new StrategyRegistryError(`${name} (${intent}) has no map() method`);
      }
      if (typeof strategy.objectType !== 'string' || strategy.objectType === '') {
        throw new StrategyRegistryError(`${name} (${intent}) names no objectType`);
      }
      if (found.has(intent)) throw new StrategyRegistryError(`intent "${intent}" has two strategies`);
      found.set(intent, strategy);
    }
    return found;
  }

  private async loadFile(file: string) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      throw new MappingsFileError(file, [`cannot be read: ${(error as NodeJS.ErrnoException).code}`]);
    }
    return parseMappingsFile(file, text, this.rules);
  }

  map(event: DialogCompletedEvent): CrmUpsert {
    const strategy = this.strategies.get(event.intent);
    if (!strategy) throw new UnsupportedIntentError(event.intent);
    return strategy.map(event);
  }

  targets(): MappingTarget[] {
    return [...this.mappingTargets];
  }

  intents(): string[] {
    return [...this.strategies.keys()];
  }

  objectTypes(): string[] {
    return [...new Set([...this.strategies.values()].map((strategy) => strategy.objectType))];
  }
}
