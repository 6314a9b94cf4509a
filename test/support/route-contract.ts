import { INestApplication, RequestMethod, Type } from '@nestjs/common';
import { HTTP_CODE_METADATA, METHOD_METADATA, PATH_METADATA, ROUTE_ARGS_METADATA } from '@nestjs/common/constants';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum';
import { DiscoveryService } from '@nestjs/core';
import { getMetadataStorage } from 'class-validator';

/**
 * What the code says about the app's routes and DTOs, read from Nest's and class-validator's own
 * metadata (not through @nestjs/swagger), to hold the OpenAPI document against.
 */

/** A route as its controller declares it. */
export interface DeclaredRoute {
  /** `GET /admin/events/{eventId}`, as OpenAPI writes paths. */
  key: string;
  pathParams: string[];
  /** The `@Query()` DTO. */
  query?: Type;
  /** The validated body DTO (any other parameter whose class has class-validator rules). */
  body?: Type;
  /** `@HttpCode()` or Nest's default; undefined when the handler writes its answer itself (`@Res()`). */
  successStatus?: number;
}

interface RouteArg {
  index: number;
  data?: unknown;
}

const hasRules = (type: unknown): type is Type =>
  typeof type === 'function' && getMetadataStorage().getTargetValidationMetadatas(type, '', true, false).length > 0;

const joinPath = (...parts: (string | undefined)[]) =>
  `/${parts
    .flatMap((part) => (part ?? '').split('/'))
    .filter(Boolean)
    .join('/')}`.replace(/:(\w+)/g, '{$1}');

export function declaredRoutes(app: INestApplication): DeclaredRoute[] {
  const routes: DeclaredRoute[] = [];
  for (const { instance, metatype } of app.get(DiscoveryService).getControllers()) {
    if (!instance || !metatype) continue;
    const prototype = Object.getPrototypeOf(instance) as Record<string, unknown>;
    const names = new Set<string>();
    for (let p = prototype; p && p !== Object.prototype; p = Object.getPrototypeOf(p) as Record<string, unknown>) {
      Object.getOwnPropertyNames(p).forEach((name) => names.add(name));
    }
    for (const name of names) {
      const handler = prototype[name];
      if (name === 'constructor' || typeof handler !== 'function') continue;
      const path = Reflect.getMetadata(PATH_METADATA, handler) as string | undefined;
      if (path === undefined) continue;
      const method = RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod];
      const key = `${method} ${joinPath(Reflect.getMetadata(PATH_METADATA, metatype) as string, path)}`;
      const args = (Reflect.getMetadata(ROUTE_ARGS_METADATA, metatype, name) ?? {}) as Record<string, RouteArg>;
      const types = (Reflect.getMetadata('design:paramtypes', prototype, name) ?? []) as unknown[];
      const argOf = (type: RouteParamtypes) =>
        Object.entries(args).find(([argKey]) => argKey.split(':')[0] === String(type))?.[1];
      const query = argOf(RouteParamtypes.QUERY);
      const response = argOf(RouteParamtypes.RESPONSE) as { data?: { passthrough?: boolean } } | undefined;
      const body = types.find((type, index) => index !== query?.index && hasRules(type));
      const defaultStatus = method === 'POST' ? 201 : 200;
      routes.push({
        key,
        pathParams: [...key.matchAll(/\{(\w+)\}/g)].map((match) => match[1]),
        query: query ? (types[query.index] as Type) : undefined,
        body: body as Type | undefined,
        successStatus:
          response && !response.data?.passthrough
            ? undefined
            : ((Reflect.getMetadata(HTTP_CODE_METADATA, handler) as number | undefined) ?? defaultStatus),
      });
    }
  }
  return routes;
}

/** A validated property's rules as class-validator holds them. */
export interface PropertyRules {
  /** `@IsOptional()` or `@ValidateIf()`: the property may be missing. */
  optional: boolean;
  string: boolean;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  enum?: unknown[];
  /** `@ValidateNested()`: the class of the nested object. */
  nested?: Type;
}

export function dtoRules(dto: Type): Map<string, PropertyRules> {
  const rules = new Map<string, PropertyRules>();
  for (const metadata of getMetadataStorage().getTargetValidationMetadatas(dto, '', true, false)) {
    const { propertyName, type, name, constraints } = metadata;
    const rule = rules.get(propertyName) ?? { optional: false, string: false };
    rules.set(propertyName, rule);
    if (type === 'conditionalValidation') rule.optional = true;
    if (type === 'nestedValidation') {
      rule.nested = Reflect.getMetadata('design:type', dto.prototype, propertyName) as Type;
    }
    if (name === 'isString') rule.string = true;
    if (name === 'maxLength') rule.maxLength = constraints[0] as number;
    if (name === 'min') rule.minimum = constraints[0] as number;
    if (name === 'max') rule.maximum = constraints[0] as number;
    if (name === 'isIn') rule.enum = constraints[0] as unknown[];
  }
  return rules;
}
