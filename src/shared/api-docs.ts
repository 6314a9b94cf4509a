import type * as Swagger from '@nestjs/swagger';

/** The @nestjs/swagger package, handed to the documentation of a class, route or property. */
export type SwaggerApi = typeof Swagger;
type SwaggerDecorator = ClassDecorator | MethodDecorator | PropertyDecorator;
type Decorate = (target: object, key?: string | symbol, descriptor?: PropertyDescriptor) => unknown;

interface Documented {
  target: object;
  key?: string | symbol;
  descriptor?: PropertyDescriptor;
  docs: (api: SwaggerApi) => SwaggerDecorator[];
}

const documented: Documented[] = [];
let applied = 0;

/**
 * OpenAPI decorators (`@nestjs/swagger`'s `ApiOperation`, `ApiResponse`, `ApiProperty`...) of a
 * controller, a route or a DTO property, written beside it but applied only when the document is
 * built (`scripts/build-openapi.js`): the service itself never loads @nestjs/swagger to start.
 */
export function ApiDocs(docs: (api: SwaggerApi) => SwaggerDecorator[]) {
  return (target: object, key?: string | symbol, descriptor?: PropertyDescriptor): void => {
    documented.push({ target, key, descriptor, docs });
  };
}

/** Applies every `@ApiDocs` of the classes loaded so far (each once), before the document is built. */
export function applyApiDocs(api: SwaggerApi): void {
  for (; applied < documented.length; applied++) {
    const { target, key, descriptor, docs } = documented[applied];
    for (const decorator of docs(api)) (decorator as Decorate)(target, key, descriptor);
  }
}
