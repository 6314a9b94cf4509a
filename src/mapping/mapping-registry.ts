import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { DiscoveryService } from '@nestjs/core';
import { readFile } from 'node:fs/promises';
import { mappingConfig } from '../config/mapping.config';
import { CrmUpsert, DialogCompletedEvent } from '../shared/dialog-completed-event';
import { ChangeRendering } from './change-rendering';
import { UnsupportedIntentError } from './mapping-errors';
import { IntentMapper, MappingTarget } from './intent-mapper';
import { IntentMapping, IntentStrategy } from './intent-strategy';
import { MappingsFileError, parseMappingsFile } from './mapping-definition';
import { MappingEntry } from './mapping-entry';
import { MappingRules } from './mapping-rules';
import { isLogicalObject, LOGICAL_FIELDS } from './record-change';

export class StrategyRegistryError extends Error {
  constructor(problem: string) {
    super(`Intent strategies: ${problem}`);
    this.name = 'StrategyRegistryError';
  }
}

/**
 * Finds every `@IntentMapping` provider through DI, then lays the MAPPINGS_FILE entries over
 * them (a file entry replaces the strategy of its intent). A strategy's change is rendered by the
 * chosen connector; a file entry is already in the CRM's words. Checked once, at startup.
 */
@Injectable()
export class MappingRegistry extends IntentMapper implements OnModuleInit {
  private readonly logger = new Logger(MappingRegistry.name);
  private strategies = new Map<string, IntentStrategy>();
  private readonly entries = new Map<string, MappingEntry>();
  private readonly mappingTargets: MappingTarget[] = [];

  constructor(
    private readonly discovery: DiscoveryService,
    @Inject(mappingConfig.KEY) private readonly config: ConfigType<typeof mappingConfig>,
    private readonly rules: MappingRules,
    private readonly rendering: ChangeRendering,
  ) {
    super();
  }

  async onModuleInit(): Promise<void> {
    const strategies = this.discoverStrategies();
    if (this.config.mappingsFile) {
      for (const definition of await this.loadFile(this.config.mappingsFile)) {
        strategies.delete(definition.intent);
        this.entries.set(definition.intent, new MappingEntry(definition));
        if ('object' in definition) {
          const { intent, object, idField, fields } = definition;
          const binds = Object.entries(fields).flatMap(([field, source]) =>
            'bind' in source ? [{ field, entitySet: source.bind.entitySet, key: source.bind.key }] : [],
          );
          this.mappingTargets.push({ intent, object, idField, fields: Object.keys(fields), binds });
        }
      }
    }
    for (const [intent, strategy] of strategies) {
      const target = this.rendering.targetOf(strategy.objectType);
      if (target) this.mappingTargets.push({ intent, ...target });
    }
    this.strategies = strategies;
    this.logger.log(`Intents mapped: ${this.intents().join(', ')}`);
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
      // Read as written: a strategy in plain JavaScript may name anything.
      const objectType: unknown = strategy.objectType;
      if (typeof objectType !== 'string' || objectType === '') {
        throw new StrategyRegistryError(`${name} (${intent}) names no objectType`);
      }
      if (!isLogicalObject(objectType)) {
        const logical = Object.keys(LOGICAL_FIELDS).join(' or ');
        throw new StrategyRegistryError(
          `${name} (${intent}) makes "${objectType}" changes; a strategy changes a ${logical}, which every connector writes (map other records in MAPPINGS_FILE)`,
        );
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

  /**
   * The file entry's upsert, or the strategy's change rendered onto the connector's records; with
   * its record key when the connector's is not the external id itself.
   */
  map(event: DialogCompletedEvent): CrmUpsert {
    const upsert = this.mapped(event);
    const recordKey = this.rules.recordKey(upsert);
    return recordKey === upsert.externalId ? upsert : { ...upsert, recordKey };
  }

  private mapped(event: DialogCompletedEvent): CrmUpsert {
    const entry = this.entries.get(event.intent);
    if (entry) return entry.map(event);
    const strategy = this.strategies.get(event.intent);
    if (!strategy) throw new UnsupportedIntentError(event.intent);
    return this.rendering.render(strategy.map(event));
  }

  targets(): MappingTarget[] {
    return [...this.mappingTargets];
  }

  intents(): string[] {
    return [...this.strategies.keys(), ...this.entries.keys()];
  }

  objectTypes(): string[] {
    const mappers = [...this.strategies.values(), ...this.entries.values()];
    return [...new Set(mappers.map((mapper) => mapper.objectType))];
  }
}
