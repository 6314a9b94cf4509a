import { Type } from '@nestjs/common';
import { getMetadataStorage } from 'class-validator';
import { ApiDocs, SwaggerApi } from '../../shared/api-docs';
import { MAX_LISTED_PROBLEMS } from './body-limits';

/** The problems of a free-form value, each a message naming its path (which starts with `path`). */
export type ProblemsOf = (value: unknown, path: string) => string[];

/** A free-form property of a DTO, or of a DTO nested in it, by its dotted path in the body. */
export interface FreeFormProperty {
  path: string;
  problemsOf: ProblemsOf;
  /** `@IsOptional()`: null or missing is fine. */
  optional: boolean;
}

const declared = new Map<Type, Map<string, ProblemsOf>>();
const found = new WeakMap<Type, FreeFormProperty[]>();

/**
 * A property holding the sender's own object (entity names, metadata keys), kept exactly as sent.
 * Class-transformer and the validation pipe never see it: they drop or skip keys such as
 * `constructor`, `__proto__` or `toString`. `problemsOf` checks it once the DTO's other rules have
 * run, so a 400 lists the problems of both, each problem a message of its own.
 */
export function FreeForm(problemsOf: ProblemsOf, docs: (api: SwaggerApi) => PropertyDecorator[]): PropertyDecorator {
  return (target: object, key: string | symbol) => {
    const dto = target.constructor as Type;
    declared.set(dto, (declared.get(dto) ?? new Map<string, ProblemsOf>()).set(String(key), problemsOf));
    ApiDocs(docs)(target, key);
  };
}

/** The free-form properties of `dto` and of the DTOs it nests (`@ValidateNested()`), once per class. */
export function freeFormProperties(dto: Type): FreeFormProperty[] {
  let properties = found.get(dto);
  if (!properties) found.set(dto, (properties = freeFormPropertiesOf(dto, '')));
  return properties;
}

function freeFormPropertiesOf(dto: Type, prefix: string): FreeFormProperty[] {
  const rules = getMetadataStorage().getTargetValidationMetadatas(dto, '', true, false);
  const optional = new Set(rules.filter((r) => r.type === 'conditionalValidation').map((r) => r.propertyName));
  const own = [...(declared.get(dto) ?? [])].map(([name, problemsOf]) => ({
    path: `${prefix}${name}`,
    problemsOf,
    optional: optional.has(name),
  }));
  const nested = rules
    .filter((rule) => rule.type === 'nestedValidation')
    .flatMap((rule) => {
      const type = Reflect.getMetadata('design:type', dto.prototype as object, rule.propertyName) as Type;
      return freeFormPropertiesOf(type, `${prefix}${rule.propertyName}.`);
    });
  return [...own, ...nested];
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The object at `parts` of a parsed body, or undefined when it is not there. */
function objectAt(body: unknown, parts: string[]): Record<string, unknown> | undefined {
  let current = body;
  for (const part of parts) current = isRecord(current) && Object.hasOwn(current, part) ? current[part] : undefined;
  return isRecord(current) ? current : undefined;
}

/**
 * The body without its free-form values (copied along their paths only, the body untouched), and
 * those values by path, as sent: one for every path whose parent object is there, undefined when
 * the body leaves the property out.
 */
export function setAside(
  body: Record<string, unknown>,
  properties: FreeFormProperty[],
): { rest: Record<string, unknown>; values: Map<string, unknown> } {
  const rest = { ...body };
  const values = new Map<string, unknown>();
  for (const { path } of properties) {
    const parts = path.split('.');
    const key = parts.pop()!;
    let parent: Record<string, unknown> | undefined = rest;
    for (const part of parts) {
      const child = objectAt(parent, [part]);
      parent = child && (parent[part] = { ...child });
      if (!parent) break;
    }
    if (!parent) continue;
    values.set(path, parent[key]);
    delete parent[key];
  }
  return { rest, values };
}

/** The problems of the free-form values, at most MAX_LISTED_PROBLEMS per property (the last counts the rest). */
export function freeFormProblems(properties: FreeFormProperty[], values: Map<string, unknown>): string[] {
  return properties.flatMap(({ path, problemsOf, optional }) => {
    const value = values.get(path);
    if (!values.has(path) || (optional && value == null)) return [];
    const problems = problemsOf(value, path);
    if (problems.length <= MAX_LISTED_PROBLEMS) return problems;
    const listed = problems.slice(0, MAX_LISTED_PROBLEMS);
    listed[MAX_LISTED_PROBLEMS - 1] += ` (and ${problems.length - MAX_LISTED_PROBLEMS} more problems)`;
    return listed;
  });
}

/** The validated DTO with the free-form values put back, as sent, where their paths lead. */
export function putBack<T extends object>(dto: T, values: Map<string, unknown>): T {
  for (const [path, value] of values) {
    const parts = path.split('.');
    const key = parts.pop()!;
    const parent = objectAt(dto, parts);
    if (parent && value !== undefined) parent[key] = value;
  }
  return dto;
}
