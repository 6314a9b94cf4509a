import { ArgumentMetadata, ValidationPipe, ValidationPipeOptions } from '@nestjs/common';

/** DTOs are built from the body (`transform`), undeclared properties dropped, every problem listed. */
export const VALIDATION_OPTIONS: ValidationPipeOptions = {
  transform: true,
  whitelist: true,
  validateCustomDecorators: true,
  stopAtFirstError: false,
};

/**
 * A DTO class that recognises its common valid bodies itself: `acceptValid` returns exactly the
 * DTO the ValidationPipe would return, or undefined to leave the body to the pipe.
 */
interface FastValidatedDto {
  acceptValid(value: Record<string, unknown>): object | undefined;
}

function isFastValidated(metatype: unknown): metatype is FastValidatedDto {
  return typeof metatype === 'function' && typeof (metatype as Partial<FastValidatedDto>).acceptValid === 'function';
}

/**
 * The ValidationPipe, which lets a DTO class with `acceptValid` accept a valid body without
 * class-transformer and class-validator; everything else, refusals included, goes through the pipe.
 */
export class AppValidationPipe extends ValidationPipe {
  constructor() {
    super(VALIDATION_OPTIONS);
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const { metatype } = metadata;
    if (isFastValidated(metatype) && typeof value === 'object' && value !== null && !Array.isArray(value)) {
      const accepted = metatype.acceptValid(value as Record<string, unknown>);
      if (accepted) return accepted;
    }
    return super.transform(value, metadata);
  }
}
