import { readFile } from 'node:fs/promises';
import { MappingConfig } from '../config/mapping.config';
import { CrmUpsert, DialogCompletedEvent } from '../shared/dialog-completed-event';
import { ChangeRendering } from './change-rendering';
import { MappingTarget } from './intent-mapper';
import { IntentStrategy } from './intent-strategy';
import { checkMappingsDocument, MappingDefinition, MappingsFileError, parseMappingsFile } from './mapping-definition';
import { MappingEntry } from './mapping-entry';
import { UnsupportedIntentError } from './mapping-errors';
import { MappingRules } from './mapping-rules';

/**
 * The entries `config` names (a mappings file, entries written inline in the routing file, or
 * none), checked by one connector's `rules`; a MappingsFileError names every problem.
 */
export async function loadDefinitions(config: MappingConfig, rules: MappingRules): Promise<MappingDefinition[]> {
  if (config.inline) {
    const { where, mappings } = config.inline;
    return checkMappingsDocument(`ROUTES_FILE ${where}`, { mappings }, rules);
  }
  if (!config.mappingsFile) return [];
  let text: string;
  try {
    text = await readFile(config.mappingsFile, 'utf8');
  } catch (error) {
    throw new MappingsFileError(config.mappingsFile, [`cannot be read: ${(error as NodeJS.ErrnoException).code}`]);
  }
  return parseMappingsFile(config.mappingsFile, text, rules);
}

/**
 * One connector's mappings: the entries laid over the strategies (an entry replaces the strategy
 * of its intent), a strategy's change rendered by the connector; an entry is already in the CRM's
 * words.
 */
export class IntentMappings {
  private readonly strategies: Map<string, IntentStrategy>;
  private readonly entries = new Map<string, MappingEntry>();
  private readonly mappingTargets: MappingTarget[] = [];

  constructor(
    strategies: ReadonlyMap<string, IntentStrategy>,
    definitions: readonly MappingDefinition[],
    private readonly rules: MappingRules,
    private readonly rendering: ChangeRendering,
  ) {
    this.strategies = new Map(strategies);
    for (const definition of definitions) {
      this.strategies.delete(definition.intent);
      this.entries.set(definition.intent, new MappingEntry(definition));
      if ('object' in definition) {
        const { intent, object, idField, fields } = definition;
        const binds = Object.entries(fields).flatMap(([field, source]) =>
          'bind' in source ? [{ field, entitySet: source.bind.entitySet, key: source.bind.key }] : [],
        );
        this.mappingTargets.push({ intent, object, idField, fields: Object.keys(fields), binds });
      }
    }
    for (const [intent, strategy] of this.strategies) {
      const target = this.rendering.targetOf(strategy.objectType);
      if (target) this.mappingTargets.push({ intent, ...target });
    }
  }

  /**
   * The entry's upsert, or the strategy's change rendered onto the connector's records; with its
   * record key when the connector's is not the external id itself.
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

  /** The `objectType` of what `intent` is mapped to; undefined when it is not mapped. */
  objectTypeOf(intent: string): string | undefined {
    return (this.entries.get(intent) ?? this.strategies.get(intent))?.objectType;
  }
}
