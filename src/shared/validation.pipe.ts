import { ValidationPipeOptions } from '@nestjs/common';

/**
 * DTOs are built from the input (`transform`), undeclared properties dropped, every problem
 * listed. Custom parameter decorators bring their own pipe (the webhook body's).
 */
export const VALIDATION_OPTIONS: ValidationPipeOptions = {
  transform: true,
  whitelist: true,
  stopAtFirstError: false,
};
