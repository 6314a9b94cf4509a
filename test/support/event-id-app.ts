import { createHash } from 'node:crypto';
import { suiteApp } from './suite-app';
import { TestApp } from './test-app';
import { postSigned, sendAccepted, store } from './webhook-cases';

/**
 * The event-id suites (test/event-id-*.e2e-spec.ts): their app, the signed requests they send it
 * and the hash they check ids against.
 */

export const SECRET = 'event-id-secret';

/** Computed here independently of src/webhook/event-id.ts. */
export const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

/** A signed POST of exactly these bytes. */
export const send = (t: TestApp, path: string, body: string | object, headers: Record<string, string> = {}) =>
  postSigned(t, SECRET, path, body, { headers });

/**
 * For the enclosing describe: an app taking SECRET-signed webhooks, with `env` besides.
 * `app()` is the running app, from the describe's own beforeAll on.
 */
export function eventIdApp(env: Record<string, string> = {}) {
  const app = suiteApp({ COGNIGY_WEBHOOK_SECRETS: SECRET, ...env });

  /** Posts, expects 202, checks the event is stored under the answered id, returns the id. */
  async function acceptedId(path: string, body: object, headers: Record<string, string> = {}) {
    const eventId = await sendAccepted(app(), SECRET, body, { path, headers });
    const stored = await store(app()).get(eventId);
    expect(stored?.eventId).toBe(eventId);
    expect(stored?.event.eventId).toBe(eventId);
    return eventId;
  }

  return { app, acceptedId };
}
