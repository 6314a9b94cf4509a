import { registerDecorator, ValidationArguments, ValidationOptions } from 'class-validator';
import { ApiDocs } from '../../shared/api-docs';
import { parseEventTime } from '../../shared/event-time';
import { MAX_ENTITY_NAME, MAX_STRING } from './body-limits';
import { FreeForm } from './free-form';

const ISO_8601 = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/i;

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Whether a parsed JSON number is certainly the value that was sent. JSON.parse (Node 20 cannot
 * show the source text) turns an integer beyond 2^53 into the nearest double: 12345678901234567890
 * becomes 12345678901234567000, an id of another record. Such numbers are refused. A fraction is
 * kept in its shortest round-trip form, which is exact for any fraction of up to 15 significant
 * digits and for whatever a JavaScript sender's JSON.stringify wrote.
 */
export const isExactNumber = (value: number): boolean => Number.isSafeInteger(value) || !Number.isInteger(value);

/**
 * Where a string holds half of a UTF-16 surrogate pair on its own (`"\ud800"` sent as a JSON
 * escape), or -1. Such a string is no Unicode text: it cannot be put in a URL (encodeURIComponent
 * throws) or a UTF-8 body, so a CRM request built from it fails on every attempt.
 */
export const loneSurrogateAt = (value: string): number => /\p{Cs}/u.exec(value)?.index ?? -1;

const loneSurrogate = (at: string, value: string, index: number) =>
  `${at} must be well-formed Unicode: a lone surrogate \\u${value.charCodeAt(index).toString(16)} at character ${index}`;

const inexactNumber = (at: string) =>
  `${at} must be an integer within ±${Number.MAX_SAFE_INTEGER} (2^53 - 1) to be kept exactly; send larger numbers as strings`;

/** An ISO-8601 date or date-time that parses to a real instant. */
export function isEventTime(value: unknown): value is string {
  return typeof value === 'string' && ISO_8601.test(value) && !Number.isNaN(parseEventTime(value));
}

/** The property holds an ISO-8601 date or date-time that parses to a real instant. */
export function IsEventTime(options?: ValidationOptions) {
  return (target: object, propertyName: string) => {
    ApiDocs((api) => [api.ApiProperty({ format: 'date-time', example: '2026-11-26T10:00:00Z' })])(target, propertyName);
    registerDecorator({
      name: 'isEventTime',
      target: target.constructor,
      propertyName,
      options,
      validator: {
        validate: isEventTime,
        defaultMessage: (args: ValidationArguments) =>
          `${args.property} must be an ISO-8601 date-time (e.g. 2026-11-26T10:00:00Z)`,
      },
    });
  };
}

/** The problems of one entities object, each naming the entity and its field. */
export function entityProblems(entities: unknown, path: string): string[] {
  if (!isPlainObject(entities)) return [`${path} must be an object of entities`];
  const problems: string[] = [];
  for (const [name, entity] of Object.entries(entities)) {
    const at = `${path}.${name.slice(0, MAX_ENTITY_NAME)}`;
    if (name.length > MAX_ENTITY_NAME)
      problems.push(`${at}: entity names are limited to ${MAX_ENTITY_NAME} characters`);
    else if (!isPlainObject(entity)) problems.push(`${at} must be an object with a value`);
    else {
      const { value, confidence } = entity;
      if (!['string', 'number', 'boolean'].includes(typeof value)) {
        problems.push(`${at}.value must be a string, number or boolean`);
      } else if (typeof value === 'number' && !Number.isFinite(value)) {
        problems.push(`${at}.value must be a finite number`);
      } else if (typeof value === 'number' && !isExactNumber(value)) {
        problems.push(inexactNumber(`${at}.value`));
      } else if (typeof value === 'string' && value.length > MAX_STRING) {
        problems.push(`${at}.value must be shorter than or equal to ${MAX_STRING} characters`);
      } else if (typeof value === 'string' && loneSurrogateAt(value) >= 0) {
        problems.push(loneSurrogate(`${at}.value`, value, loneSurrogateAt(value)));
      }
      if (confidence !== undefined && !(typeof confidence === 'number' && confidence >= 0 && confidence <= 1)) {
        problems.push(`${at}.confidence must be a number between 0 and 1`);
      }
    }
  }
  return problems;
}

/**
 * The problems of a metadata object: it must be a plain object, no string in it (value or key, at
 * any depth) may exceed MAX_STRING characters, no string value may hold a lone surrogate, and no
 * number in it may be one JSON.parse rounded (any metadata value may be mapped into the CRM).
 * Walked without recursion.
 */
export function metadataProblems(metadata: unknown, path: string): string[] {
  if (!isPlainObject(metadata)) return [`${path} must be an object`];
  const problems: string[] = [];
  const stack: [unknown, string][] = [[metadata, path]];
  while (stack.length > 0) {
    const [value, at] = stack.pop()!;
    if (typeof value === 'string') {
      if (value.length > MAX_STRING) problems.push(`${at} must be shorter than or equal to ${MAX_STRING} characters`);
      else if (loneSurrogateAt(value) >= 0) problems.push(loneSurrogate(at, value, loneSurrogateAt(value)));
    } else if (typeof value === 'number') {
      if (!isExactNumber(value)) problems.push(inexactNumber(at));
    } else if (typeof value === 'object' && value !== null) {
      const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value);
      for (const [key, child] of entries) {
        const childAt = `${at}.${key.slice(0, MAX_ENTITY_NAME)}`;
        if (key.length > MAX_STRING)
          problems.push(`${childAt}: keys must be shorter than or equal to ${MAX_STRING} characters`);
        stack.push([child, childAt]);
      }
    }
  }
  return problems.sort();
}

/** An entity as `entityProblems` accepts it. */
const ENTITY_SCHEMA = {
  type: 'object',
  required: ['value'],
  properties: {
    value: {
      oneOf: [{ type: 'string', maxLength: MAX_STRING }, { type: 'number' }, { type: 'boolean' }],
      description:
        'Kept as a string. A number must be a fraction or an integer within ±(2^53 - 1): larger ones as strings. A string must be well-formed Unicode (no lone surrogate)',
    },
    confidence: { type: 'number', minimum: 0, maximum: 1, default: 0 },
  },
};

/** Any JSON object, kept as sent, with no string over MAX_STRING characters in it (each one named). */
export const IsMetadata = () =>
  FreeForm(metadataProblems, (api) => [
    api.ApiProperty({ type: 'object', additionalProperties: true, description: 'Any object, kept as sent' }),
  ]);

/** `{ name: { value, confidence } }`, names kept as sent, each bad entity named in its own message. */
export const IsEntityMap = () =>
  FreeForm(entityProblems, (api) => [
    api.ApiProperty({ type: 'object', additionalProperties: ENTITY_SCHEMA, description: 'Entities by name' }),
  ]);
