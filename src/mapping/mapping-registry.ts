import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { DiscoveryService } from '@nestjs/core';
import { mappingConfig } from '../config/mapping.config';
import { CrmUpsert, DialogCompletedEvent } from '../shared/dialog-completed-event';
import { ChangeRendering } from './change-rendering';
import { IntentMapper, MappingTarget } from './intent-mapper';
import { IntentMappings, loadDefinitions } from './intent-mappings';
import { MappingRules } from './mapping-rules';
import { discoverStrategies } from './strategy-discovery';

/**
 * Finds every `@IntentMapping` provider through DI, then lays the MAPPINGS_FILE entries over
 * them (a file entry replaces the strategy of its intent). A strategy's change is rendered by the
 * chosen connector; a file entry is already in the CRM's words. Checked once, at startup.
 */
@Injectable()
export class MappingRegistry extends IntentMapper implements OnModuleInit {
  private readonly logger = new Logger(MappingRegistry.name);
  private mappings?: IntentMappings;

  constructor(
    private readonly discovery: DiscoveryService,
    @Inject(mappingConfig.KEY) private readonly config: ConfigType<typeof mappingConfig>,
    private readonly rules: MappingRules,
    private readonly rendering: ChangeRendering,
  ) {
    super();
  }

  async onModuleInit(): Promise<void> {
    const strategies = discoverStrategies(this.discovery);
    const definitions = await loadDefinitions(this.config, this.rules);
    this.mappings = new IntentMappings(strategies, definitions, this.rules, this.rendering);
    this.logger.log(`Intents mapped: ${this.intents().join(', ')}`);
  }

  private get loaded(): IntentMappings {
    if (!this.mappings) throw new Error('MappingRegistry used before the module was initialised');
    return this.mappings;
  }

  map(event: DialogCompletedEvent): CrmUpsert {
    return this.loaded.map(event);
  }

  targets(): MappingTarget[] {
    return this.loaded.targets();
  }

  intents(): string[] {
    return this.loaded.intents();
  }

  objectTypes(): string[] {
    return this.loaded.objectTypes();
  }
}
