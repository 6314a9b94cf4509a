import fc from 'fast-check';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hostileAnswer, HostileCrm } from '../support/hostile-crm';
import { freePort, ServiceProcess, serviceEnv, startService, call } from '../support/service-process';
import { signedEvent } from '../support/signing';
import { waitFor } from '../support/wait-for';

/**
 * The BUILT service against a hostile CRM (test/support/hostile-crm.ts) whose answers fast-check
 * generates: any status, any body (JSON, bytes, empty, over the answer cap), any content type and
 * Retry-After, connections destroyed, requests never answered, bodies cut short. Per run, signed
 * events go in while the CRM plays its script; every one must end delivered or dead (none left
 * queued), an event is delivered only if the CRM sent it a 2xx (or a 409), and the service never crashes.
 */

const LONG = process.env.RELIABILITY_PROFILE === 'long';
const RUNS = LONG ? 40 : 6;
const EVENTS_PER_RUN = 10;
const SECRET = 'hostile-crm-secret';
const ADMIN = 'hostile-crm-admin';
const DIALOG = '/webhooks/cognigy/dialog-complete';

jest.setTimeout(LONG ? 1_200_000 : 150_000);

describe(`a hostile CRM (${LONG ? 'long' : 'short'} profile, built service)`, () => {
  const crm = new HostileCrm();
  const running: ServiceProcess[] = [];
  let root: string;
  let port: number;
  let service: ServiceProcess;

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'ccs-hostile-crm-'));
    await crm.start();
    port = await freePort();
    const env = {
      COGNIGY_WEBHOOK_SECRETS: SECRET,
      ADMIN_TOKEN: ADMIN,
      LOG_LEVEL: 'error',
      CRM_BASE_URL: crm.url,
      CRM_TOKEN_URL: `${crm.url}/oauth/token`,
      CRM_CLIENT_ID: 'hostile',
      CRM_CLIENT_SECRET: 'hostile-secret',
      CRM_TIMEOUT_MS: '500',
      CRM_MAX_ATTEMPTS: '4',
      CRM_RETRY_BASE_MS: '20',
      CRM_RETRY_MAX_MS: '200',
      CRM_BREAKER_THRESHOLD: '5',
      CRM_BREAKER_COOLDOWN_MS: '300',
    };
    service = await startService(serviceEnv(port, join(root, 'data'), env), root, running);
  });
  afterAll(async () => {
    await Promise.all(running.map((s) => s.stop('SIGKILL')));
    await crm.stop();
    rmSync(root, { recursive: true, force: true });
  });

  const alive = () => service.child.exitCode === null && service.child.signalCode === null;
  const view = async (eventId: string) => {
    const reply = await call(port, 'GET', `/admin/events/${eventId}`, {
      headers: { authorization: `Bearer ${ADMIN}` },
    });
    return JSON.parse(reply.body) as { state: string; attempts: number };
  };

  it(`${RUNS} runs of ${EVENTS_PER_RUN} events: every event ends delivered or dead, none stays queued, no crash`, async () => {
    const endings: Record<string, number> = {};
    const served: Record<string, number> = {};
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(hostileAnswer, { minLength: 5, maxLength: 40 }), async (script) => {
        run++;
        crm.play(script);
        const ids: string[] = [];
        for (let i = 0; i < EVENTS_PER_RUN; i++) {
          const { raw, headers } = signedEvent(SECRET, `hostile-${Date.now()}-${run}-${i}`);
          const reply = await call(port, 'POST', DIALOG, { raw, headers, timeoutMs: 30_000 });
          expect(reply.status).toBe(202);
          ids.push((JSON.parse(reply.body) as { eventId: string }).eventId);
        }
        let states: string[] = [];
        await waitFor(
          async () => {
            states = (await Promise.all(ids.map(view))).map((v) => v.state);
            return states.every((s) => s === 'delivered' || s === 'dead');
          },
          { timeoutMs: 60_000, intervalMs: 200, what: 'every event to be delivered or dead' },
        ).catch((error: Error) => {
          throw new Error(`${error.message}: states ${JSON.stringify(states)}, alive ${alive()}`);
        });
        for (const [i, id] of ids.entries()) {
          endings[states[i]] = (endings[states[i]] ?? 0) + 1;
          if (states[i] !== 'delivered') continue;
          // Delivered only on a 2xx the CRM sent for it (a scripted one, or the fallback), or a 409: the
          // generic CRM's "that Idempotency-Key's request is done already" (SPEC §4.2).
          const answers = crm.requests.filter((r) => r.idempotencyKey === `cognigy-${id}`).map((r) => r.answer);
          expect(
            answers.some(
              (a) =>
                a === 'fallback' || (a.kind !== 'destroy' && a.kind !== 'hang' && (a.status < 300 || a.status === 409)),
            ),
          ).toBe(true);
        }
        expect(alive()).toBe(true);
      }),
      { numRuns: RUNS, endOnFailure: true },
    );
    for (const r of crm.requests) {
      const label =
        r.answer === 'fallback' ? 'fallback 200' : `${r.answer.kind} ${Math.floor(r.answer.status / 100)}xx`;
      served[label] = (served[label] ?? 0) + 1;
    }
    console.log(
      `hostile CRM: ${RUNS} runs, ${RUNS * EVENTS_PER_RUN} events, endings ${JSON.stringify(endings)}; ` +
        `${crm.requests.length} CRM requests, answered ${JSON.stringify(served)}`,
    );
    expect(alive()).toBe(true);
  });
});
