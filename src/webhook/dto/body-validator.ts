import { BadRequestException, Type, ValidationPipe } from '@nestjs/common';
import { VALIDATION_OPTIONS } from '../../shared/validation.pipe';
import { InvalidPayloadError } from '../request/webhook-errors';
import { fastAcceptor } from './fast-accept';
import { FreeFormProperty, freeFormProblems, freeFormProperties, putBack, setAside } from './free-form';

const pipe = new ValidationPipe(VALIDATION_OPTIONS);
const validators = new WeakMap<Type, BodyValidator<object>>();

/**
 * A webhook DTO's rules applied to a parsed body: the class-validator decorators through Nest's
 * ValidationPipe, then the free-form objects' checks (`@FreeForm()`), every problem of both listed
 * in one 400. A body the DTO accepts is recognised first by the fast path derived from the same
 * rules (`fastAcceptor`), which returns the same DTO without the pipe.
 */
export class BodyValidator<T extends object> {
  private readonly freeForm: FreeFormProperty[];
  /** The fast path; undefined for a DTO whose rules it cannot run (that DTO always takes the pipe). */
  readonly accept: ((body: Record<string, unknown>) => T | undefined) | undefined;

  private constructor(private readonly dto: Type<T>) {
    this.freeForm = freeFormProperties(dto);
    this.accept = fastAcceptor(dto, this.freeForm);
  }

  /** The validator of `dto`, made once per class. */
  static of<T extends object>(dto: Type<T>): BodyValidator<T> {
    let validator = validators.get(dto) as BodyValidator<T> | undefined;
    if (!validator) validators.set(dto, (validator = new BodyValidator(dto)));
    return validator;
  }

  /** The DTO of a valid body; an InvalidPayloadError naming every problem otherwise. */
  async validate(body: Record<string, unknown>): Promise<T> {
    return this.accept?.(body) ?? this.throughPipe(body);
  }

  /** The way every body goes without the fast path, and every refused one with it. */
  async throughPipe(body: Record<string, unknown>): Promise<T> {
    const { rest, values } = setAside(body, this.freeForm);
    let dto: T | undefined;
    const problems: string[] = [];
    try {
      dto = (await pipe.transform(rest, { type: 'body', metatype: this.dto })) as T;
    } catch (error) {
      if (!(error instanceof BadRequestException)) throw error;
      problems.push(...[(error.getResponse() as { message: string | string[] }).message].flat());
    }
    problems.push(...freeFormProblems(this.freeForm, values));
    if (problems.length > 0 || !dto) throw new InvalidPayloadError(problems);
    return putBack(dto, values);
  }
}
