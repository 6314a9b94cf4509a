import { suiteApp } from './suite-app';
import { TestApp } from './test-app';
import { PostOptions, postSigned, storedCount } from './webhook-cases';

/**
 * The webhook-answer suites (test/webhook-answers-*.e2e-spec.ts): their app, with a body limit
 * small enough to cross, the signed requests they send it and the checks they share.
 */

export const SECRET = 'answers-secret';
export const MAX_BODY = 2048;

/** A signed POST (hex HMAC of the exact bytes sent). */
export const signed = (t: TestApp, path: string, body: string | object, options: PostOptions = {}) =>
  postSigned(t, SECRET, path, body, options);

/** A JSON body padded (through `metadata`) to exactly `size` bytes. */
export function paddedBody(base: Record<string, unknown>, size: number): string {
  const empty = JSON.stringify({ ...base, metadata: { pad: '' } });
  const body = JSON.stringify({ ...base, metadata: { pad: 'x'.repeat(size - Buffer.byteLength(empty)) } });
  expect(Buffer.byteLength(body)).toBe(size);
  return body;
}

export function expectRetryAfter(value: string | string[] | undefined) {
  expect(value).toMatch(/^\d+$/);
  expect(Number(value)).toBeGreaterThan(0);
}

/**
 * For the enclosing describe: an app taking SECRET-signed webhooks of at most MAX_BODY bytes.
 * `app()` is the running app, from the describe's own beforeAll on.
 */
export function answersApp() {
  const app = suiteApp({ COGNIGY_WEBHOOK_SECRETS: SECRET, WEBHOOK_MAX_BODY_BYTES: String(MAX_BODY) });

  /** Runs `send`, then checks that the queue holds exactly as many events as before. */
  async function expectNothingStored(send: () => Promise<unknown>) {
    const before = await storedCount(app());
    await send();
    expect(await storedCount(app())).toBe(before);
  }

  return { app, expectNothingStored };
}
