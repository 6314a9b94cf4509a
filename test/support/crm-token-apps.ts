import { TokenProvider } from '../../src/crm/token/token-provider';
import { OperatorEvents } from '../../src/queue/operator-events';
import { StoredEvent } from '../../src/queue/stored-event';
import { CrmSandbox } from '../../src/dev/sandbox/crm-sandbox';
import { SandboxRequest, SandboxStats } from '../../src/dev/sandbox/sandbox-state';
import { sandboxEnv } from './sandbox-env';
import { startTestApp, TestApp } from './test-app';
import { DIALOG_CASE, sendAccepted, unique } from './webhook-cases';
import { waitFor } from './wait-for';

/**
 * The apps of test/token-crm.e2e-spec.ts and what it reads of them: each app delivers to
 * `sandbox` (its API and its OAuth2 endpoint) at LOG_LEVEL=debug and is sent webhooks signed with
 * `webhookSecret`; every token the suite looks at is added to `secrets`, the credentials no log
 * line may contain.
 */
export function crmTokenApps(sandbox: CrmSandbox, webhookSecret: string, secrets: Set<string>) {
  /**
   * The app with `env`, its Nest logger output flushed: an app that is only init()ed (not listening)
   * keeps buffering what Nest's Logger writes (bufferLogs: true), so without this the token
   * provider's and the worker's log lines would never be written, let alone checked.
   */
  async function startApp(env: Record<string, string>): Promise<TestApp> {
    const t = await startTestApp(
      sandboxEnv(sandbox, {
        LOG_LEVEL: 'debug',
        COGNIGY_WEBHOOK_SECRETS: webhookSecret,
        CRM_RETRY_BASE_MS: '20',
        CRM_RETRY_MAX_MS: '50',
        ...env,
      }),
    );
    t.app.flushLogs();
    return t;
  }

  /** Posts a signed dialog completion for a record of its own; returns the event id. */
  async function sendWebhook(t: TestApp): Promise<string> {
    const { body, eventId } = DIALOG_CASE.completion('update_customer_profile', {
      customerId: { value: unique('C'), confidence: 0.99 },
      newStatus: { value: 'gold', confidence: 0.9 },
    });
    expect(await sendAccepted(t, webhookSecret, body, { path: DIALOG_CASE.path })).toBe(eventId);
    return eventId;
  }

  const eventOf = (t: TestApp, eventId: string) => t.app.get(OperatorEvents).get(eventId);

  async function waitForState(t: TestApp, eventId: string, state: StoredEvent['state']): Promise<StoredEvent> {
    return waitFor(
      async () => {
        const event = await eventOf(t, eventId);
        return event?.state === state ? event : null;
      },
      { timeoutMs: 5000, what: `event ${eventId} ${state}` },
    );
  }

  const requestsFor = (eventId: string): SandboxRequest[] =>
    sandbox.requests().filter((r) => r.idempotencyKey === `cognigy-${eventId}`);

  /** Stats counters minus a snapshot taken earlier. */
  function since(before: SandboxStats): Omit<SandboxStats, 'byPath'> {
    const now = sandbox.stats();
    return {
      requests: now.requests - before.requests,
      applied: now.applied - before.applied,
      replayedKeys: now.replayedKeys - before.replayedKeys,
      tokenRequests: now.tokenRequests - before.tokenRequests,
      tokensIssued: now.tokensIssued - before.tokensIssued,
      unauthorized: now.unauthorized - before.unauthorized,
      faultsServed: now.faultsServed - before.faultsServed,
    };
  }

  /** The token the app holds right now, remembered as a secret (without fetching a new one). */
  async function rememberToken(t: TestApp): Promise<string> {
    const tokens = t.app.get(TokenProvider);
    expect(tokens.state().cached).toBe(true);
    const token = await tokens.getToken();
    secrets.add(token);
    return token;
  }

  return { startApp, sendWebhook, waitForState, requestsFor, since, rememberToken };
}
