/**
 * Reading a CRM's answer as what it is: unknown JSON. The judging functions take `unknown` and read
 * each field through these, so an answer of another shape than documented is a value they can
 * judge (usually: unreadable, retried), never an exception.
 */

/** A JSON object (not null, not an array). */
export const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The field of an object, or undefined when `value` is not one. */
export const fieldOf = (value: unknown, name: string): unknown =>
  isRecord(value) && Object.hasOwn(value, name) ? value[name] : undefined;

/** The items of an array, or undefined when `value` is not one. */
export const itemsOf = (value: unknown): unknown[] | undefined => (Array.isArray(value) ? value : undefined);

/** A string field's value; undefined for anything else. */
export const stringOf = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/** A boolean's value; null for anything else (`"false"` is not false). */
export const booleanOf = (value: unknown): boolean | null => (typeof value === 'boolean' ? value : null);

/**
 * A record id as a CRM answers it, a string or an integer (some CRMs' ids are JSON numbers), of the
 * CRM's id form. Null for anything else: an id that is not of its form is not kept.
 */
export function recordIdOf(value: unknown, form: RegExp): string | null {
  const text = typeof value === 'number' && Number.isSafeInteger(value) ? String(value) : value;
  return typeof text === 'string' && form.test(text) ? text : null;
}

/** Digits only, as CRMs with numeric ids write them: nothing a URL would read as more than one segment. */
export const NUMERIC_ID = /^[1-9]\d{0,19}$/;

/** Levels of an answer's value shown in the attempt history; deeper ones are elided. */
const SHOWN_DEPTH = 16;

/**
 * A value of the answer as JSON text for the attempt history, at most `max` characters, levels
 * below SHOWN_DEPTH elided (`[…]`): cut as it is written, so a huge or deeply nested answer
 * (JSON.parse reads any depth, JSON.stringify overflows the stack) costs no more than a short one.
 */
export function jsonText(value: unknown, max = 300): string {
  if (typeof value === 'string') return value.slice(0, max);
  const parts: string[] = [];
  let length = 0;
  const put = (text: string): boolean => {
    parts.push(text);
    length += text.length;
    return length < max;
  };
  const write = (item: unknown, depth: number): boolean => {
    if (typeof item === 'string') return put(JSON.stringify(item.slice(0, max)));
    if (typeof item !== 'object' || item === null) return put(String(JSON.stringify(item) ?? null));
    const array = Array.isArray(item);
    if (depth >= SHOWN_DEPTH) return put(array ? '[…]' : '{…}');
    if (!put(array ? '[' : '{')) return false;
    let first = true;
    for (const [key, inner] of array ? item.entries() : Object.entries(item)) {
      if (!first && !put(',')) return false;
      first = false;
      if (!array && !put(`${JSON.stringify(String(key).slice(0, max))}:`)) return false;
      if (!write(inner, depth + 1)) return false;
    }
    return put(array ? ']' : '}');
  };
  write(value, 0);
  return parts.join('').slice(0, max);
}
