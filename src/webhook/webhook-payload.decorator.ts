import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import { detachFreeForm } from './dto/free-form';
import { InvalidPayloadError } from './webhook-errors';
import { WebhookRequest } from './webhook-request';

/** Deeper bodies are refused: validation recurses, and a few KB of brackets must not reach it. */
export const MAX_JSON_DEPTH = 32;
/**
 * More values are refused: validating and copying tens of thousands of tiny values (a 176 KB body
 * of empty arrays) would hold the event loop for hundreds of milliseconds.
 */
export const MAX_JSON_VALUES = 10_000;

/** The first limit a parsed body breaks, or null. Walked without recursion, stopping early. */
function shapeProblem(value: unknown): string | null {
  const stack: [unknown, number][] = [[value, 1]];
  let values = 0;
  while (stack.length > 0) {
    const [current, depth] = stack.pop()!;
    if (++values > MAX_JSON_VALUES) return `body holds more than ${MAX_JSON_VALUES} JSON values`;
    if (typeof current !== 'object' || current === null) continue;
    if (depth > MAX_JSON_DEPTH) return `body is nested deeper than ${MAX_JSON_DEPTH} levels`;
    for (const child of Object.values(current)) stack.push([child, depth + 1]);
  }
  return null;
}

/**
 * The JSON body, parsed from the raw bytes only after authentication (so an unauthenticated
 * caller learns nothing from parse errors). The global ValidationPipe then checks the DTO;
 * `freeForm` names the objects whose keys it must keep as sent (see dto/free-form.ts).
 */
export const WebhookPayload = createParamDecorator((freeForm: readonly string[], ctx: ExecutionContext) => {
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
  const problem = shapeProblem(body);
  if (problem) throw new InvalidPayloadError([problem]);
  detachFreeForm(body as Record<string, unknown>, freeForm);
  return body;
});
