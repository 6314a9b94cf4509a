import { CrmUpsert, DialogCompletedEvent } from '../shared/dialog-completed-event';
import { normaliseEventTime } from '../shared/event-time';
import { entityValue, requireEntity } from './intent-strategy';
import { FieldSource, MappingDefinition } from './mapping-definition';
import { bindValue, upsertTo } from './upsert-body';

function metadataValue(metadata: Record<string, unknown>, path: string): unknown {
  let current: unknown = metadata;
  for (const part of path.split('.')) {
    if (typeof current !== 'object' || current === null || !Object.hasOwn(current, part)) {
      return undefined;
    }
    current = (current as Record<string, unknown>)[part];
  }
  return current ?? undefined;
}

/**
 * One MAPPINGS_FILE entry: its intent's events become an upsert in the CRM's own words (the entry
 * names the path, or the object, id field and field names), so no connector renders it.
 */
export class MappingEntry {
  constructor(private readonly definition: MappingDefinition) {}

  get objectType(): string {
    return this.definition.objectType;
  }

  map(event: DialogCompletedEvent): CrmUpsert {
    const { definition } = this;
    const externalId = requireEntity(event, definition.idEntity, definition.minConfidence);
    const values = Object.entries(definition.fields).map(([name, source]): [string, unknown] => [
      name,
      this.resolve(event, source),
    ]);
    return upsertTo(definition, { intent: event.intent, objectType: definition.objectType, externalId }, values);
  }

  private resolve(event: DialogCompletedEvent, source: FieldSource): unknown {
    const { minConfidence } = this.definition;
    if ('entity' in source) return entityValue(event, source.entity, minConfidence);
    if ('metadata' in source) return metadataValue(event.metadata, source.metadata);
    if ('literal' in source) return source.literal;
    if ('bind' in source) {
      const { entitySet, key, entity } = source.bind;
      return bindValue(entitySet, key, entityValue(event, entity, minConfidence));
    }
    return source.event === 'timestamp' ? normaliseEventTime(event.timestamp) : event[source.event];
  }
}
