import { buildCompletion } from './completion-body';
import { deliver } from './delivery';
import { readSettings } from './node-config';
import { configurationError, resultOf, SendResult } from './send-result';
import { authHeaders, idempotencyKey } from './service-auth';

/**
 * The node's work: build the body from its fields, serialise it once, authenticate exactly those
 * bytes, send them (again while the service is briefly away) and describe the outcome.
 */
export async function sendCompletion(
  config: Record<string, unknown>,
  now: () => Date = () => new Date(),
): Promise<SendResult> {
  const read = readSettings(config);
  if (!read.ok) return configurationError(read.problems);
  const { url, auth, completion, idempotencyScope, budgetMs, attemptTimeoutMs } = read.settings;
  const built = buildCompletion(completion, now());
  if (!built.ok) return configurationError(built.problems);
  const body = JSON.stringify(built.body);
  const key = idempotencyKey(built.body.conversationId, built.body.intent, idempotencyScope);
  const delivery = await deliver({
    url,
    body,
    headers: (at) => ({ Accept: 'application/json', 'Idempotency-Key': key, ...authHeaders(auth, body, at) }),
    budgetMs,
    attemptTimeoutMs,
  });
  const result = resultOf(delivery, auth, url);
  return built.omitted.length > 0 ? { ...result, omittedEntities: built.omitted } : result;
}
