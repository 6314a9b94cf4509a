import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import { InvalidPayloadError } from '../shared/domain-error';
import { WebhookRequest } from './webhook-request';

/** Deeper bodies are refused: validation recurses, and a few KB of brackets must not reach it. */
export const MAX_JSON_DEPTH = 32;

function nestedDeeperThan(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [current, depth] = stack.pop()!;
    if (typeof current !== 'object' || current === null) continue;
    if (depth > max) return true;
    for (const child of Object.values(current)) stack.push([child, depth + 1]);
  }
  return false;
}

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
  if (nestedDeeperThan(body, MAX_JSON_DEPTH)) {
    throw new InvalidPayloadError([`body is nested deeper than ${MAX_JSON_DEPTH} levels`]);
  }
  return body;
});
