import type { Type } from '@nestjs/common';
import type { SwaggerApi } from './api-docs';
import { ErrorAnswer, ErrorAnswers } from './error-answers';

/** The validation pipe's own 400 (Nest's validation shape), for routes with validated parameters. */
export const VALIDATION_ANSWER: ErrorAnswer = {
  status: 400,
  error: 'Bad Request',
  listDetails: true,
  description: 'A bad parameter: every problem named',
};

/** The body DomainErrorFilter writes for an answer of that kind. */
function bodySchema(answers: ErrorAnswer[]) {
  const [{ status }] = answers;
  const errors = [...new Set(answers.flatMap((answer) => answer.error ?? []))];
  const message = answers.some((answer) => answer.listDetails)
    ? { type: 'array', items: { type: 'string' } }
    : { type: 'string' };
  return {
    type: 'object',
    required: ['statusCode', 'message'],
    properties: {
      statusCode: { type: 'integer', enum: [status] },
      message,
      ...(errors.length > 0 ? { error: { type: 'string', enum: errors } } : {}),
    },
  };
}

/**
 * One OpenAPI answer per status the given answers use, as the module tables (`ErrorAnswers`)
 * declare them: their descriptions, the body the exception filter writes, Retry-After.
 */
export function errorResponses(api: SwaggerApi, answers: (Type<ErrorAnswers> | ErrorAnswer)[]): MethodDecorator[] {
  const byStatus = new Map<number, ErrorAnswer[]>();
  for (const answer of answers.flatMap((a) => (typeof a === 'function' ? Object.values(new a().answers) : [a]))) {
    byStatus.set(answer.status, [...(byStatus.get(answer.status) ?? []), answer]);
  }
  return [...byStatus.values()].map((group) => {
    const retryAfter = group.some((answer) => answer.retryAfterSeconds !== undefined);
    return api.ApiResponse({
      status: group[0].status,
      description: group.map((answer) => answer.description).join('. '),
      schema: bodySchema(group),
      ...(retryAfter
        ? {
            headers: { 'Retry-After': { description: 'Seconds to wait before retrying', schema: { type: 'integer' } } },
          }
        : {}),
    });
  });
}
