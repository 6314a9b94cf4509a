import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import { InvalidPayloadError } from '../shared/domain-error';
import { WebhookRequest } from './webhook-request';

/**
 * The JSON body, parsed from the raw bytes only after authentication (so an unauthenticated
 * caller learns nothing from parse errors). The global ValidationPipe then checks the DTO.
 */
export const WebhookPayload = createParamDecorator((_: unknown, ctx: ExecutionContext) => {
  const req = ctx.switchToHttp().getRequest<WebhookRequest>();
  let body: unknown;
  try {
    body = JSON.parse(req.rawBody.toString('utf8'));
  } catch (error) {
    throw new InvalidPayloadError([`body is not valid JSON: ${(error as Error).message}`]);
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new InvalidPayloadError(['body must be a JSON object']);
  }
  return body;
});
