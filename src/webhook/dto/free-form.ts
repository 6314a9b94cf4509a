import { Transform } from 'class-transformer';

/** Where a parsed body keeps the free-form objects taken out of class-transformer's reach. */
const DETACHED = Symbol('detached free-form objects');

type Detachable = Record<string | symbol, unknown>;

/**
 * class-transformer drops keys named `constructor` or `__proto__`, skips keys that name an
 * Object.prototype method (`toString`, `valueOf`...) and fails on a `constructor` key holding an
 * object. Entities and metadata are free-form: their keys are the sender's, kept as sent. So
 * before the validation pipe runs, each such object (at a dotted `path` of the parsed body) is
 * moved under a symbol key of its parent, which class-transformer never visits, and its property
 * is left `undefined` (JSON cannot produce that value); `@FreeForm()` puts it back as it was.
 */
export function detachFreeForm(body: Record<string, unknown>, paths: readonly string[]): void {
  for (const path of paths) {
    const parts = path.split('.');
    const key = parts.pop()!;
    let parent: unknown = body;
    for (const part of parts) {
      parent = isObject(parent) && Object.hasOwn(parent, part) ? parent[part] : undefined;
    }
    if (!isObject(parent) || !Object.hasOwn(parent, key)) continue;
    const detached = (parent[DETACHED] ??= Object.create(null)) as Detachable;
    detached[key] = parent[key];
    parent[key] = undefined;
  }
}

/** The DTO property receives the object `detachFreeForm` moved aside, untouched. */
export function FreeForm(): PropertyDecorator {
  return Transform(({ obj, key }: { obj: Record<string, unknown>; key: string }) => freeFormValue(obj, key), {
    toClassOnly: true,
  });
}

/** The value of a free-form property of a parsed body, whether detached or not. */
export function freeFormValue(body: Record<string, unknown>, key: string): unknown {
  const detached = (body as Detachable)[DETACHED] as Detachable | undefined;
  return detached && Object.hasOwn(detached, key) ? detached[key] : body[key];
}

function isObject(value: unknown): value is Detachable {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
