import { createHash } from 'node:crypto';
import { EVENT_ID_PATTERN, MAX_EVENT_ID } from './dto/body-limits';
import { InvalidPayloadError } from './request/webhook-errors';
import { header, WebhookRequest } from './request/webhook-request';

const ID_HEADERS = ['idempotency-key', 'x-cognigy-event-id'];

/** SHA-256 hex of conversation id, intent and timestamp (as received), joined by newlines. */
export function derivedEventId(conversationId: string, intent: string, timestamp: string): string {
  return createHash('sha256').update(`${conversationId}\n${intent}\n${timestamp}`).digest('hex');
}

/**
 * JSON with every object's keys in sorted order, so the same value always gives the same text
 * (whatever order or spacing it was sent with). Keys are read as own properties: `__proto__` too.
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value !== 'object' || value === null) return JSON.stringify(value) ?? 'null';
  const entries = Object.keys(value)
    .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
    .sort()
    .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`);
  return `{${entries.join(',')}}`;
}

/**
 * A Webhook Endpoint output's id: SHA-256 hex of its `traceId` and its `data` (canonical JSON),
 * joined by a newline. Cognigy's `traceId` identifies the user input the flow answered, and every
 * output of that input carries it; the output's data tells two of them apart.
 */
export function outputEventId(traceId: string, data: object): string {
  return createHash('sha256')
    .update(`${traceId}\n${canonicalJson(data)}`)
    .digest('hex');
}

/**
 * The sender's own event id, first present wins: `webhook-id` (when Standard Webhooks
 * authenticated the request), `Idempotency-Key`, `X-Cognigy-Event-Id`.
 */
export function headerEventId(req: WebhookRequest): string | undefined {
  if (req.webhookAuth?.eventId) return validIdHeader('webhook-id', req.webhookAuth.eventId);
  for (const name of ID_HEADERS) {
    const value = header(req, name)?.trim();
    if (value) return validIdHeader(name, value);
  }
  return undefined;
}

/** The id header `name` sent, refused (400) when it is too long or holds other than visible ASCII. */
function validIdHeader(name: string, value: string): string {
  if (value.length > MAX_EVENT_ID) {
    throw new InvalidPayloadError([`${name} header must be at most ${MAX_EVENT_ID} characters`]);
  }
  if (!EVENT_ID_PATTERN.test(value)) {
    throw new InvalidPayloadError([`${name} header must be visible ASCII characters without spaces`]);
  }
  return value;
}
