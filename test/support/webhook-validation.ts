import { StoredEvent } from '../../src/queue/stored-event';
import { suiteApp } from './suite-app';
import { postSigned, sendAccepted, store, storedCount, unique } from './webhook-cases';

/**
 * The DTO-validation suites (test/webhook-validation-*.e2e-spec.ts): their app, the 400 they expect
 * (Nest's validation shape naming each bad field, nothing stored) and the bodies they start from.
 */

export const SECRET = 'validation-secret';
export const REQUIRED = ['conversationId', 'botId', 'status', 'intent', 'timestamp'] as const;
export const MAX = 10_000;

/** A valid Webhook Endpoint dialog completion with a trace id no other test uses. */
export function endpointOutput(data: Record<string, unknown> = {}, top: Record<string, unknown> = {}) {
  return {
    userId: 'user123',
    sessionId: unique('session'),
    AIOutput: {
      text: 'Your ticket is logged.',
      data: { intent: 'log_support_ticket', entities: { ticketId: { value: 'T-77' } }, ...data },
      traceId: unique('endpoint-httpIncomingMessage'),
      source: 'bot',
    },
    ...top,
  };
}

export const without = (body: Record<string, unknown>, key: string) => {
  const copy = { ...body };
  delete copy[key];
  return copy;
};

/** Escapes a field path for use in a RegExp. */
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * True when a message of its own names `field` by its whole path: the message starts with it,
 * followed by a space, `:` or the end. `timestamp` is therefore not found in
 * `AIOutput.data.timestamp must ...`, nor `entities` in `entities.customerId.value ...`.
 */
export const names = (messages: string[], field: string) =>
  messages.some((m) => new RegExp(`^${escape(field)}([ :]|$)`).test(m));

/**
 * For the enclosing describe: an app taking SECRET-signed webhooks, and the suites' requests to it.
 * `app()` is the running app, from the describe's own beforeAll on.
 */
export function validationApp() {
  const app = suiteApp({ COGNIGY_WEBHOOK_SECRETS: SECRET });

  const totalStored = () => storedCount(app());

  /** A signed POST of exactly these bytes. */
  const send = (path: string, body: string | object, headers: Record<string, string> = {}) =>
    postSigned(app(), SECRET, path, body, { headers });

  /**
   * Posts, expects Nest's validation 400 naming every one of `fields` (and, when `only` is set,
   * no other required field), and checks nothing was stored. Returns the messages.
   */
  async function expect400(path: string, body: string | object, fields: string[], only = false): Promise<string[]> {
    const before = await totalStored();
    const res = await send(path, body);
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(Object.keys(res.body).sort()).toEqual(['error', 'message', 'statusCode']);
    expect(res.body.statusCode).toBe(400);
    expect(res.body.error).toBe('Bad Request');
    expect(Array.isArray(res.body.message)).toBe(true);
    const messages: string[] = res.body.message;
    expect(messages.length).toBeGreaterThan(0);
    for (const m of messages) expect(typeof m).toBe('string');
    for (const field of fields) {
      if (!names(messages, field)) throw new Error(`400 does not name "${field}": ${JSON.stringify(messages)}`);
    }
    if (only) {
      for (const other of REQUIRED.filter((f) => !fields.includes(f))) {
        if (names(messages, other)) throw new Error(`400 wrongly names "${other}": ${JSON.stringify(messages)}`);
      }
    }
    expect(await totalStored()).toBe(before);
    return messages;
  }

  /** Posts, expects 202 accepted and returns the stored event. */
  async function accepted(path: string, body: string | object, headers: Record<string, string> = {}) {
    const stored = await store(app()).get(await sendAccepted(app(), SECRET, body, { path, headers }));
    expect(stored).not.toBeNull();
    return stored as StoredEvent;
  }

  return { app, totalStored, send, expect400, accepted };
}
