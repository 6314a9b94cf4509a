import { createHash, randomBytes } from 'node:crypto';
import { request as httpRequest, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import request from 'supertest';
import { OperatorEvents } from '../../src/queue/operator-events';
import { StoreHealth } from '../../src/queue/store-health';
import { sampleDialog } from '../../src/webhook/dto/dialog-complete.fixture';
import { outputEventId } from '../../src/webhook/event-id';
import { cognigySignature } from './signing';
import { TestApp } from './test-app';

export const DIALOG_ROUTE = '/webhooks/cognigy/dialog-complete';
export const ENDPOINT_ROUTE = '/webhooks/cognigy/endpoint-output';

export const UNAUTHORIZED_BODY = { statusCode: 401, message: 'Unauthorized' };

let counter = 0;
/** A value no other test uses, so every event id is fresh unless a test wants a duplicate. */
export const unique = (prefix: string) => `${prefix}-${++counter}-${randomBytes(4).toString('hex')}`;

export type Entities = Record<string, { value: string | number | boolean; confidence?: number }>;

/** The documented sample (signing.ts) under a conversation id no other test uses; `overrides` replaces top-level fields. */
export const freshDialog = (overrides: Record<string, unknown> = {}) =>
  sampleDialog({ conversationId: unique('conv'), ...overrides });

/**
 * An update_customer_profile completion for contact `customerId` (confidence 0.98), under a fresh
 * conversation id: `more` adds entities (newStatus, notes...), `overrides` replaces top-level fields.
 */
export const contactDialog = (customerId: string, more: Entities = {}, overrides: Record<string, unknown> = {}) =>
  freshDialog({ ...overrides, entities: { customerId: { value: customerId, confidence: 0.98 }, ...more } });

/**
 * A log_support_ticket completion for ticket `ticketId` ("router offline"), under a fresh
 * conversation id: `overrides` replaces top-level fields, `more` adds entities (customerId...).
 */
export const ticketDialog = (
  ticketId: string,
  priority = 'high',
  overrides: Record<string, unknown> = {},
  more: Entities = {},
) =>
  freshDialog({
    ...overrides,
    intent: 'log_support_ticket',
    entities: {
      ticketId: { value: ticketId },
      priority: { value: priority },
      issue: { value: 'router offline' },
      ...more,
    },
  });

/** SHA-256 hex of conversationId, intent and timestamp joined by `\n`. */
export const derivedId = (conversationId: string, intent: string, timestamp: string) =>
  createHash('sha256').update(`${conversationId}\n${intent}\n${timestamp}`).digest('hex');

export interface Completion {
  body: Record<string, unknown>;
  /** The event id the service must answer with when no id header is sent. */
  eventId: string;
}

export interface RouteCase {
  name: 'dialog-complete' | 'endpoint-output';
  path: string;
  /** A dialog completion with a fresh event id; intent and entities may be replaced. */
  completion(intent?: string, entities?: Entities): Completion;
  /** A body that breaks the route's DTO, and a field name the 400 must mention. */
  badDto(): { body: Record<string, unknown>; field: RegExp };
}

export const DIALOG_CASE: RouteCase = {
  name: 'dialog-complete',
  path: DIALOG_ROUTE,
  completion(intent = 'update_customer_profile', entities?: Entities) {
    const conversationId = unique('conv');
    const body = sampleDialog({ conversationId, intent, ...(entities ? { entities } : {}) });
    return { body, eventId: derivedId(conversationId, intent, body.timestamp as string) };
  },
  badDto() {
    const body = freshDialog();
    delete body.botId;
    return { body, field: /botId/ };
  },
};

export const ENDPOINT_CASE: RouteCase = {
  name: 'endpoint-output',
  path: ENDPOINT_ROUTE,
  completion(intent = 'log_support_ticket', entities?: Entities) {
    const traceId = unique('endpoint-httpIncomingMessage');
    const body = {
      userId: 'user123',
      sessionId: unique('session'),
      AIOutput: {
        text: 'Your ticket is logged.',
        data: {
          intent,
          entities: entities ?? { ticketId: { value: 'T-77' }, priority: { value: 'high' } },
          status: 'completed',
          timestamp: '2026-11-26T10:00:00Z',
          botId: 'bot-1',
        },
        traceId,
        source: 'bot',
      },
    };
    return { body, eventId: outputEventId(traceId, body.AIOutput.data) };
  },
  badDto() {
    // An output with an intent must name its session.
    const { body } = ENDPOINT_CASE.completion();
    delete (body as { sessionId?: string }).sessionId;
    return { body, field: /sessionId/ };
  },
};

export const ROUTES: RouteCase[] = [DIALOG_CASE, ENDPOINT_CASE];

export interface PostOptions {
  contentType?: string;
  headers?: Record<string, string>;
}

/** POSTs exactly these bytes (a string is sent as-is; an object is serialised first). */
export function post(t: TestApp, path: string, body: string | object, options: PostOptions = {}) {
  const raw = typeof body === 'string' ? body : JSON.stringify(body);
  const req = request(t.server)
    .post(path)
    .set('content-type', options.contentType ?? 'application/json');
  for (const [name, value] of Object.entries(options.headers ?? {})) req.set(name, value);
  return req.send(raw);
}

/**
 * POSTs exactly these bytes signed as a Cognigy flow signs them: X-Cognigy-Signature is the hex
 * HMAC-SHA256 of the raw body under `secret` (a header in `options` may replace it).
 */
export function postSigned(t: TestApp, secret: string, path: string, body: string | object, options: PostOptions = {}) {
  const raw = typeof body === 'string' ? body : JSON.stringify(body);
  return post(t, path, raw, {
    ...options,
    headers: { 'x-cognigy-signature': cognigySignature(secret, raw), ...options.headers },
  });
}

export interface SendOptions {
  /** The webhook route (default: dialog-complete). */
  path?: string;
  headers?: Record<string, string>;
}

/**
 * A signed POST that must be answered 202 `{ status: 'accepted', eventId }` (any other status
 * fails with the answer in the message); resolves with the event id.
 */
export async function sendAccepted(
  t: TestApp,
  secret: string,
  body: string | object,
  { path = DIALOG_ROUTE, headers = {} }: SendOptions = {},
): Promise<string> {
  const res = await postSigned(t, secret, path, body, { headers });
  if (res.status !== 202) throw new Error(`expected 202, got ${res.status}: ${JSON.stringify(res.body)}`);
  expect(res.body).toEqual({ status: 'accepted', eventId: expect.any(String) });
  return res.body.eventId as string;
}

export const store = (t: TestApp) => t.app.get(OperatorEvents);
/**
 * Events stored in any state. The delivery worker moves accepted events from `queued` on to
 * `delivered` (or elsewhere) at any moment, so "nothing stored" is measured over every state.
 */
export const storedCount = async (t: TestApp) =>
  Object.values(await t.app.get(StoreHealth).countByState()).reduce((sum, n) => sum + n, 0);

export interface RawAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/**
 * A request through node:http, for what supertest cannot send: no Content-Type header at all,
 * or a body streamed in chunks without Content-Length.
 */
export async function rawPost(
  server: Server,
  path: string,
  headers: Record<string, string>,
  chunks: (string | Buffer)[],
): Promise<RawAnswer> {
  if (!server.listening) await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, method: 'POST', headers }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (part: Buffer) => parts.push(part));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(parts).toString('utf8') }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    for (const chunk of chunks) req.write(chunk);
    req.end();
  });
}
