import { CrmUpsert, DialogCompletedEvent } from '../shared/dialog-completed-event';
import { normaliseEventTime } from '../shared/event-time';
import { odataKeyLiteral } from '../shared/odata-key';
import { entityValue, IntentStrategy, requireEntity } from './intent-strategy';
import { FieldSource, ODataBind, UpsertRecipe } from './mapping-definition';

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

/** `comment/body` → `{ comment: { body } }`, as ticket comments and custom user fields need. */
function setNested(target: Record<string, unknown>, [head, ...rest]: string[], value: unknown): void {
  const own = Object.hasOwn(target, head) ? target[head] : undefined;
  const next = rest.length === 0 ? value : typeof own === 'object' && own !== null ? own : {};
  // defineProperty: a field named __proto__ stays a field instead of replacing the prototype.
  Object.defineProperty(target, head, { value: next, enumerable: true, writable: true, configurable: true });
  if (rest.length > 0) setNested(next as Record<string, unknown>, rest, value);
}

const flat = (body: Record<string, unknown>, name: string, value: unknown) => (body[name] = value);
const nested = (body: Record<string, unknown>, name: string, value: unknown) => setNested(body, name.split('/'), value);

/** A strategy built from a recipe: a MAPPINGS_FILE entry, or a built-in strategy's own. */
export class DeclarativeStrategy implements IntentStrategy {
  constructor(private readonly recipe: UpsertRecipe) {}

  get objectType(): string {
    return this.recipe.objectType;
  }

  map(event: DialogCompletedEvent): CrmUpsert {
    const { recipe } = this;
    const externalId = requireEntity(event, recipe.idEntity, recipe.minConfidence);
    const common = { intent: event.intent, objectType: recipe.objectType, externalId };
    if (!('object' in recipe)) {
      return { ...common, method: 'POST', path: recipe.path, body: this.resolveAll(event, () => true) };
    }
    const { object, idField } = recipe;
    // A CRM connector places the id itself (URL, key, idProperty), so the id field is not a field.
    return { ...common, object, idField, body: this.resolveAll(event, (name) => name !== idField, nested) };
  }

  /** The value of every field `keep` keeps that its source gives one, placed by `place`. */
  private resolveAll(
    event: DialogCompletedEvent,
    keep: (name: string) => boolean,
    place: (body: Record<string, unknown>, name: string, value: unknown) => void = flat,
  ): Record<string, unknown> {
    const body: Record<string, unknown> = {};
    for (const [name, source] of Object.entries(this.recipe.fields)) {
      const value = this.resolve(event, source);
      if (value !== undefined && keep(name)) place(body, name, value);
    }
    return body;
  }

  private resolve(event: DialogCompletedEvent, source: FieldSource): unknown {
    if ('entity' in source) return entityValue(event, source.entity, this.recipe.minConfidence);
    if ('metadata' in source) return metadataValue(event.metadata, source.metadata);
    if ('literal' in source) return source.literal;
    if ('bind' in source) return this.bindTo(event, source.bind);
    return source.event === 'timestamp' ? normaliseEventTime(event.timestamp) : event[source.event];
  }

  /** `/contacts(cognigy_customerid='C-1')`, or undefined (field left out) when the entity is. */
  private bindTo(event: DialogCompletedEvent, { entitySet, key, entity }: ODataBind): string | undefined {
    const id = entityValue(event, entity, this.recipe.minConfidence);
    return id === undefined ? undefined : `/${entitySet}(${key}=${odataKeyLiteral(id)})`;
  }
}
