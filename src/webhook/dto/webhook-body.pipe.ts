import { ArgumentMetadata, Injectable, PipeTransform } from '@nestjs/common';
import { MAX_JSON_DEPTH, MAX_JSON_VALUES } from './body-limits';
import { BodyValidator } from './body-validator';
import { InvalidPayloadError } from '../request/webhook-errors';

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

/** The raw bytes as a JSON object within the limits; an InvalidPayloadError naming the problem otherwise. */
export function parseJsonBody(raw: Buffer): Record<string, unknown> {
  let body: unknown;
  try {
    body = JSON.parse(raw.toString('utf8'));
  } catch (error) {
    throw new InvalidPayloadError([`body is not valid JSON: ${(error as Error).message}`]);
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new InvalidPayloadError(['body must be a JSON object']);
  }
  const problem = shapeProblem(body);
  if (problem) throw new InvalidPayloadError([problem]);
  return body as Record<string, unknown>;
}

/**
 * A webhook body, from the raw bytes (read by WebhookBodyMiddleware, authenticated by the guard,
 * so an unauthenticated caller learns nothing from a parse error): parsed, held to the JSON
 * limits, then validated against the parameter's DTO class.
 */
@Injectable()
export class WebhookBodyPipe implements PipeTransform<Buffer, Promise<object>> {
  transform(raw: Buffer, { metatype }: ArgumentMetadata): Promise<object> {
    if (!metatype) throw new Error('A webhook body parameter needs its DTO class as its type');
    return BodyValidator.of(metatype as new () => object).validate(parseJsonBody(raw));
  }
}
