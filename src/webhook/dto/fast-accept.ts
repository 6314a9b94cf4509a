import { Type } from '@nestjs/common';
import { TransformationType } from 'class-transformer';
import { defaultMetadataStorage } from 'class-transformer/cjs/storage';
import { getMetadataStorage, ValidationArguments } from 'class-validator';
import { FreeFormProperty } from './free-form';

interface Rule {
  validate: (value: unknown, args: ValidationArguments) => unknown;
  constraints: unknown[];
}

interface Property {
  name: string;
  /** `@IsOptional()`, `@ValidateIf()`: the rules apply only when every one is true. */
  conditions: ((object: object, value: unknown) => boolean)[];
  rules: Rule[];
}

/** The kinds of class-validator metadata the fast path runs; any other one leaves the DTO to the pipe. */
const RUNS = new Set(['customValidation', 'conditionalValidation']);

/**
 * The properties of `dto` with the validate function of each of their class-validator rules, or
 * undefined when a rule is of a kind class-validator would run differently from a plain call
 * (nested objects, `each`, groups, async constraints) or class-transformer would change a value
 * (`@Type`, `@Transform`, `@Expose`, `@Exclude`).
 */
function propertiesOf(dto: Type): Property[] | undefined {
  const properties = new Map<string, Property>();
  const storage = getMetadataStorage();
  for (const metadata of storage.getTargetValidationMetadatas(dto, '', true, false)) {
    const { type, propertyName: name, each, groups, validateIf } = metadata;
    if (!RUNS.has(type) || each || groups?.length || validateIf || changedByClassTransformer(dto, name))
      return undefined;
    const property = properties.get(name) ?? { name, conditions: [], rules: [] };
    properties.set(name, property);
    if (type === 'conditionalValidation') {
      property.conditions.push(metadata.constraints[0] as Property['conditions'][number]);
      continue;
    }
    for (const constraint of storage.getTargetValidatorConstraints(metadata.constraintCls)) {
      if (constraint.async) return undefined;
      property.rules.push({
        validate: (value, args) => constraint.instance.validate(value, args),
        constraints: metadata.constraints,
      });
    }
  }
  return [...properties.values()];
}

function changedByClassTransformer(dto: Type, name: string): boolean {
  return (
    defaultMetadataStorage.findTypeMetadata(dto, name) !== undefined ||
    defaultMetadataStorage.findTransformMetadatas(dto, name, TransformationType.PLAIN_TO_CLASS).length > 0 ||
    defaultMetadataStorage.findExposeMetadata(dto, name) !== undefined ||
    defaultMetadataStorage.findExcludeMetadata(dto, name) !== undefined
  );
}

/**
 * A fast path for the bodies `dto` accepts: the DTO the validation pipe would return for `body`,
 * found by running the very rules of `dto` (class-validator's own validate functions, and the
 * free-form checks) without class-transformer and class-validator's executor, which cost a large
 * share of a webhook's CPU (docs/benchmarks.md). Undefined as soon as a rule fails: the pipe then
 * decides, and words every refusal. Undefined for a DTO whose rules it cannot run as plain calls
 * (see `propertiesOf`) or that nests others: such a DTO always goes through the pipe.
 */
export function fastAcceptor<T extends object>(
  dto: Type<T>,
  freeForm: FreeFormProperty[],
): ((body: Record<string, unknown>) => T | undefined) | undefined {
  const properties = propertiesOf(dto);
  if (!properties || freeForm.some((property) => property.path.includes('.'))) return undefined;
  return (body) => {
    const accepted = new dto() as Record<string, unknown>;
    for (const { name, conditions, rules } of properties) {
      const value = body[name];
      if (!conditions.every((condition) => condition(body, value))) {
        if (Object.hasOwn(body, name)) accepted[name] = value;
        continue;
      }
      for (const { validate, constraints } of rules) {
        const args = { targetName: dto.name, property: name, object: body, value, constraints };
        if (validate(value, args) !== true) return undefined;
      }
      if (Object.hasOwn(body, name)) accepted[name] = value;
    }
    for (const { path, problemsOf, optional } of freeForm) {
      const value = body[path];
      if (!(optional && value == null) && problemsOf(value, path).length > 0) return undefined;
      if (Object.hasOwn(body, path)) accepted[path] = value;
    }
    return accepted as T;
  };
}
