import { CrmUpsert, DialogCompletedEvent } from '../shared/dialog-completed-event';
import { normaliseEventTime } from '../shared/event-time';
import { entityValue, IntentStrategy, requireEntity } from './intent-strategy';
import { FieldSource, MappingDefinition } from './mapping-definition';

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

/** A strategy built from one MAPPINGS_FILE entry. */
export class DeclarativeStrategy implements IntentStrategy {
  readonly intent: string;

  constructor(private readonly definition: MappingDefinition) {
    this.intent = definition.intent;
  }

  map(event: DialogCompletedEvent): CrmUpsert {
    const { objectType, path, idEntity, minConfidence, fields } = this.definition;
    const externalId = requireEntity(event, idEntity, minConfidence);
    const body: Record<string, unknown> = {};
    for (const [name, source] of Object.entries(fields)) {
      const value = this.resolve(event, source);
      if (value !== undefined) body[name] = value;
    }
    return { intent: this.intent, objectType, method: 'POST', path, externalId, body };
  }

  private resolve(event: DialogCompletedEvent, source: FieldSource): unknown {
    if ('entity' in source) return entityValue(event, source.entity, this.definition.minConfidence);
    if ('metadata' in source) return metadataValue(event.metadata, source.metadata);
    if ('literal' in source) return source.literal;
    return source.event === 'timestamp' ? normaliseEventTime(event.timestamp) : event[source.event];
  }
}
