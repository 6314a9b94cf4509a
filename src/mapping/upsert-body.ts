import { CrmUpsert } from '../shared/dialog-completed-event';
import { odataKeyLiteral } from '../shared/odata-key';

/** Where an upsert goes: a request path (a connector mapping to paths), or a CRM object and its id field. */
export type UpsertTarget = { path: string } | { object: string; idField: string };

/** What every upsert of one event carries besides its target and body. */
export interface UpsertHead {
  intent: string;
  objectType: string;
  externalId: string;
}

/** `comment/body` → `{ comment: { body } }`, as ticket comments and custom user fields need. */
function setNested(target: Record<string, unknown>, [head, ...rest]: string[], value: unknown): void {
  const own = Object.hasOwn(target, head) ? target[head] : undefined;
  const next = rest.length === 0 ? value : typeof own === 'object' && own !== null ? own : {};
  // defineProperty: a field named __proto__ stays a field instead of replacing the prototype.
  Object.defineProperty(target, head, { value: next, enumerable: true, writable: true, configurable: true });
  if (rest.length > 0) setNested(next as Record<string, unknown>, rest, value);
}

const flat = (body: Record<string, unknown>, name: string, value: unknown) =>
  Object.defineProperty(body, name, { value, enumerable: true, writable: true, configurable: true });
const nested = (body: Record<string, unknown>, name: string, value: unknown) => setNested(body, name.split('/'), value);

/**
 * The upsert of `target` whose body holds `values` in their order, an undefined value left out
 * (never sent empty). A path's body is sent as it is; a record's fields nest at `/`, and its id
 * field is left out (the connector places the id itself: URL, key, idProperty).
 */
export function upsertTo(target: UpsertTarget, head: UpsertHead, values: Array<[string, unknown]>): CrmUpsert {
  const body: Record<string, unknown> = {};
  if ('path' in target) {
    for (const [name, value] of values) if (value !== undefined) flat(body, name, value);
    return { ...head, method: 'POST', path: target.path, body };
  }
  const { object, idField } = target;
  for (const [name, value] of values) if (value !== undefined && name !== idField) nested(body, name, value);
  return { ...head, object, idField, body };
}

/** An OData lookup's value: `/contacts(cognigy_customerid='C-1')`, or undefined (left out) without an id. */
export const bindValue = (entitySet: string, key: string, id: string | undefined): string | undefined =>
  id === undefined ? undefined : `/${entitySet}(${key}=${odataKeyLiteral(id)})`;
