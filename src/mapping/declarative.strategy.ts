import { CrmUpsert, DialogCompletedEvent } from '../shared/dialog-completed-event';
import { normaliseEventTime } from '../shared/event-time';
import { entityValue, IntentStrategy, requireEntity } from './intent-strategy';
import { FieldSource, UpsertRecipe } from './mapping-definition';

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

/** A strategy built from a recipe: a MAPPINGS_FILE entry, or a built-in strategy's own. */
export class DeclarativeStrategy implements IntentStrategy {
  constructor(private readonly recipe: UpsertRecipe) {}

  map(event: DialogCompletedEvent): CrmUpsert {
    const { objectType, path, idEntity, minConfidence, fields } = this.recipe;
    const externalId = requireEntity(event, idEntity, minConfidence);
    const body: Record<string, unknown> = {};
    for (const [name, source] of Object.entries(fields)) {
      const value = this.resolve(event, source);
      if (value !== undefined) body[name] = value;
    }
    return { intent: event.intent, objectType, method: 'POST', path, externalId, body };
  }

  private resolve(event: DialogCompletedEvent, source: FieldSource): unknown {
    if ('entity' in source) return entityValue(event, source.entity, this.recipe.minConfidence);
    if ('metadata' in source) return metadataValue(event.metadata, source.metadata);
    if ('literal' in source) return source.literal;
    return source.event === 'timestamp' ? normaliseEventTime(event.timestamp) : event[source.event];
  }
}
