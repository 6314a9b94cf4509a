import fc from 'fast-check';
import { SandboxRequest } from '../../src/dev/sandbox/sandbox-state';
import { BuiltRequest, FUZZ_AUTH, fuzzAuthEnv, fuzzDraft } from '../support/fuzz-drafts';
import { allowedAnswers, build } from '../support/fuzz-requests';
import { sandboxedService } from '../support/sandboxed-service';
import { cognigySignature, keyedDialog } from '../support/signing';
import { call, Reply } from '../support/service-process';
import { sleep, waitFor } from '../support/wait-for';

/**
 * `npm run test:reliability`: the BUILT service (dist/main.js) against a test CRM that records
 * every request it gets (the sandbox, its access tokens expiring every 5 s), with counts asserted.
 * RELIABILITY_PROFILE=short (default, run by .ci/run) or long (docs/reliability.md).
 *
 * Every accepted event must reach the CRM with exactly one 2xx, and every other request for it
 * must be explained by the answer of the one before (a fault injected here: 503, 429, 401 after
 * a token expired, or no answer at all: a hang cut by the timeout). The fuzzer's requests are new,
 * valid and authenticated (every mode enabled) a good half of the time, so this is checked on
 * thousands of generated events, not a handful.
 */

const LONG = process.env.RELIABILITY_PROFILE === 'long';
const FUZZ_RUNS = LONG ? 10_000 : 2_000;
const SECRET = FUZZ_AUTH.hmacSecret;
const ADMIN = 'reliability-admin';
const CONCURRENCY = 4;
const CRM_TIMEOUT_MS = 1500;
const COOLDOWN_MS = 2000;
const THRESHOLD = 3;
const DIALOG = '/webhooks/cognigy/dialog-complete';

jest.setTimeout(LONG ? 3_600_000 : 170_000);

describe(`reliability (${LONG ? 'long' : 'short'} profile, built service)`, () => {
  const { sandbox, port, alive, memory, service } = sandboxedService(
    'reliability',
    () => ({
      ...fuzzAuthEnv(),
      ADMIN_TOKEN: ADMIN,
      LOG_LEVEL: 'warn',
      CRM_CONCURRENCY: String(CONCURRENCY),
      CRM_BREAKER_THRESHOLD: String(THRESHOLD),
      CRM_BREAKER_COOLDOWN_MS: String(COOLDOWN_MS),
      CRM_TIMEOUT_MS: String(CRM_TIMEOUT_MS),
      CRM_MAX_ATTEMPTS: '1000',
      WEBHOOK_BODY_TIMEOUT_MS: '1000',
      CRM_RETRY_BASE_MS: '50',
      CRM_RETRY_MAX_MS: '1000',
    }),
    // Every request kept: the totals below read each accepted event's requests.
    { tokenTtlSeconds: 5, requestLogSize: 1_000_000 },
  );
  /** Every event id the service answered 202 for. */
  const accepted = new Set<string>();
  const statuses = new Map<number, number>();
  /** The fuzzer's answers by the kind of request generated (test/support/fuzz-requests.ts) and status. */
  const mix = new Map<string, number>();
  /** Each new request the fuzzer got accepted: the record the CRM must get, its id exactly as sent. */
  const expectedRecords = new Map<string, NonNullable<BuiltRequest['expected']>>();
  let sent = 0;

  /** Posts; a 202 is remembered as accepted. Any 5xx but a 503 with Retry-After fails at once. */
  async function send(path: string, raw: string, headers: Record<string, string>): Promise<Reply> {
    const reply = await call(port(), 'POST', path, { raw, headers, timeoutMs: 30_000 });
    sent++;
    statuses.set(reply.status, (statuses.get(reply.status) ?? 0) + 1);
    if (reply.status >= 500 && !(reply.status === 503 && reply.headers['retry-after'])) {
      throw new Error(`${reply.status} for ${path}: ${reply.body.slice(0, 300)}`);
    }
    if (reply.status === 202) accepted.add((JSON.parse(reply.body) as { eventId: string }).eventId);
    return reply;
  }

  const sendEvent = (key: string) => {
    const raw = JSON.stringify(keyedDialog(key));
    return send(DIALOG, raw, { 'x-cognigy-signature': cognigySignature(SECRET, raw) });
  };

  const rss = () => memory('VmRSS');

  /** The CRM's requests per event, from their Idempotency-Key (`cognigy-<event id>`, see src/crm/connectors). */
  const byEvent = () => {
    const map = new Map<string, SandboxRequest[]>();
    for (const r of sandbox.requests()) {
      if (!r.idempotencyKey) continue;
      const id = r.idempotencyKey.replace(/^cognigy-/, '');
      map.set(id, [...(map.get(id) ?? []), r]);
    }
    return map;
  };

  it('fuzzing: a third or more new and accepted, each answer the one its request calls for, never a crash', async () => {
    const rssBefore = rss();
    const started = Date.now();
    /** The deliverable requests sent, and the event id each was accepted as (a replay must name it). */
    const delivered: BuiltRequest[] = [];
    const idOf = new Map<BuiltRequest, string>();
    /** Accepted deliverables by route and auth mode. */
    const covered = new Map<string, number>();
    let n = 0;
    await fc.assert(
      fc.asyncProperty(fuzzDraft, async (draft) => {
        const request = build(draft, ++n, delivered);
        if (!request) return;
        let reply: Reply;
        try {
          reply = await send(request.path, request.raw, request.headers);
        } catch (error) {
          if (!alive()) throw new Error(`the service died: ${service().output().slice(-2000)}`);
          throw error;
        }
        const label = `${draft.kind} ${reply.status}`;
        mix.set(label, (mix.get(label) ?? 0) + 1);
        if (reply.status === 503 && reply.headers['retry-after']) return;
        if (!allowedAnswers(draft).includes(reply.status)) {
          throw new Error(
            `${draft.kind} answered ${reply.status} ${reply.body.slice(0, 300)}\n` +
              `${request.path} ${JSON.stringify(request.headers)}\n${request.raw.slice(0, 600)}`,
          );
        }
        const eventId = (JSON.parse(reply.body || '{}') as { eventId?: string }).eventId;
        if (draft.kind === 'deliverable') {
          delivered.push(request);
          idOf.set(request, eventId!);
          expectedRecords.set(eventId!, request.expected!);
          covered.set(request.coverage!, (covered.get(request.coverage!) ?? 0) + 1);
        }
        if (draft.kind === 'replay') {
          const original = delivered.find((r) => r.raw === request.raw && r.headers === request.headers);
          expect(eventId).toBe(idOf.get(original!));
        }
      }),
      { numRuns: FUZZ_RUNS, endOnFailure: true },
    );
    // Truncated and slow bodies: the body deadline (1 s here) answers them, the service lives on.
    const truncated = JSON.stringify(keyedDialog('truncated'));
    const partial = await call(port(), 'POST', DIALOG, {
      raw: truncated.slice(0, 20),
      headers: {
        'content-length': String(truncated.length),
        'x-cognigy-signature': cognigySignature(SECRET, truncated),
      },
      timeoutMs: 20_000,
    }).catch((error: Error) => ({ status: 0, body: error.message }) as Reply);
    expect([0, 408]).toContain(partial.status);
    expect(alive()).toBe(true);
    const growth = rss() - rssBefore;
    const newAndAccepted = mix.get('deliverable 202') ?? 0;
    console.log(
      `fuzzing: ${FUZZ_RUNS} requests in ${Math.round((Date.now() - started) / 1000)} s, ${newAndAccepted} new and accepted; ` +
        `answers ${JSON.stringify(Object.fromEntries(statuses))}; by kind ${JSON.stringify(Object.fromEntries([...mix].sort()))}; ` +
        `RSS +${Math.round(growth / 1e6)} MB`,
    );
    console.log(`fuzzing: accepted by route and auth mode ${JSON.stringify(Object.fromEntries([...covered].sort()))}`);
    expect(newAndAccepted).toBeGreaterThanOrEqual(FUZZ_RUNS / 3);
    // Both routes under each of the seven ways of authenticating (four modes, hmac in four forms).
    expect(covered.size).toBe(14);
    expect(growth).toBeLessThan(200e6);
  });

  it('CRM outage of 30 s under steady load, then recovery: acks keep answering, at most one probe per cooldown', async () => {
    sandbox.inject({ status: 503, count: Infinity });
    const before = sandbox.requests().length;
    const started = Date.now();
    let n = 0;
    while (Date.now() - started < 30_000) {
      const reply = await sendEvent(`outage-${n++}`);
      expect(reply.status).toBe(202);
      await sleep(100);
    }
    const outageMs = Date.now() - started;
    const during = sandbox.requests().length - before;
    sandbox.clearFaults();
    // Threshold failures open the breaker, then one probe per cooldown (plus requests already in flight).
    expect(during).toBeLessThanOrEqual(THRESHOLD + CONCURRENCY + Math.ceil(outageMs / COOLDOWN_MS) + 1);
    console.log(`outage: ${n} events accepted in ${outageMs} ms, ${during} CRM requests during the outage`);
  });

  /**
   * Gaps (ms) between a 429 answer leaving the CRM and the next request for the same event. From
   * the answer, not the request: this process may read a request late while the machine is busy.
   */
  const gapsAfter429 = () =>
    [...byEvent().values()].flatMap((requests) =>
      requests.flatMap((r, i) =>
        r.status === 429 && i + 1 < requests.length
          ? [Date.parse(requests[i + 1].at) - Date.parse(r.answeredAt ?? r.at)]
          : [],
      ),
    );

  it('a 429 storm: no request for an event before the Retry-After it was told', async () => {
    // One second: within CRM_RETRY_MAX_MS (1000 here), so it is honoured in full.
    sandbox.inject({ status: 429, retryAfter: '1', count: 10 });
    for (let i = 0; i < 10; i++) expect((await sendEvent(`storm-${i}`)).status).toBe(202);
    // Some event told to wait has been retried: the rule was put to the test.
    await waitFor(() => gapsAfter429().length >= 1, { timeoutMs: 30_000, what: 'a retry after a 429' });
    for (const gap of gapsAfter429()) expect(gap).toBeGreaterThanOrEqual(1000 - 50);
  });

  it(`a hanging CRM: never more than CRM_CONCURRENCY (${CONCURRENCY}) requests in flight`, async () => {
    sandbox.inject({ hang: true, count: Infinity });
    const before = sandbox.requests().length;
    for (let i = 0; i < CONCURRENCY * 3; i++) expect((await sendEvent(`hang-${i}`)).status).toBe(202);
    let peak = 0;
    const until = Date.now() + 5000;
    while (Date.now() < until) {
      // Unanswered and younger than the service's deadline: still in flight (older ones were
      // abandoned by the service when CRM_TIMEOUT_MS ran out, and stay unanswered at the CRM).
      const now = Date.now();
      const inFlight = sandbox
        .requests()
        .slice(before)
        .filter((r) => r.status === null && now - Date.parse(r.at) < CRM_TIMEOUT_MS - 100);
      peak = Math.max(peak, inFlight.length);
      await sleep(50);
    }
    sandbox.clearFaults();
    expect(peak).toBeGreaterThan(0);
    expect(peak).toBeLessThanOrEqual(CONCURRENCY);
  });

  it('every accepted event is applied exactly once, every extra send explained, nothing for a non-2xx, no dead letter', async () => {
    const applied = (r: SandboxRequest) => r.status !== null && r.status < 300;
    // The CRM may refuse what the fuzzer made up (a 4xx that no retry changes): a dead letter then.
    const refused = (r: SandboxRequest) =>
      r.status !== null && r.status >= 400 && r.status < 500 && ![401, 408, 429].includes(r.status);
    const unapplied = () => {
      const map = byEvent();
      return [...accepted].filter((id) => !map.get(id)?.some((r) => applied(r) || refused(r)));
    };
    try {
      await waitFor(() => unapplied().length === 0, {
        timeoutMs: LONG ? 600_000 : 90_000,
        intervalMs: 500,
        what: 'every accepted event to be applied',
      });
    } catch (error) {
      const map = byEvent();
      const detail = unapplied()
        .slice(0, 10)
        .map((id) => `${id.slice(0, 40)}: ${(map.get(id) ?? []).map((r) => r.status).join(',') || 'no request'}`);
      const admin = await call(port(), 'GET', '/admin/dead-letters', { headers: { authorization: `Bearer ${ADMIN}` } });
      throw new Error(
        `${(error as Error).message}\nunapplied: ${detail.join('; ')}\ndead letters: ${admin.body.slice(0, 1500)}`,
      );
    }
    const map = byEvent();
    const unexplained: string[] = [];
    const refusedIds = new Set<string>();
    for (const id of accepted) {
      const requests = map.get(id)!;
      if (requests.some(refused)) {
        refusedIds.add(id);
        expect(requests.filter(applied)).toEqual([]);
        continue;
      }
      expect(requests.filter(applied)).toHaveLength(1);
      // Every request before the successful one failed in a way that calls for another send.
      const success = requests.findIndex(applied);
      for (const r of requests.slice(0, success)) {
        if (!(r.status === null || [401, 429, 503].includes(r.status))) unexplained.push(`${id}: ${r.status}`);
      }
      // Nothing after the successful one.
      expect(requests.slice(success + 1)).toEqual([]);
      // A fuzzed record arrived where it belongs, under the external id exactly as sent.
      const expected = expectedRecords.get(id);
      if (expected) {
        const { path, body } = requests[success];
        expect([path, (body as { external_id?: unknown }).external_id]).toEqual([
          `/api/v2/${expected.collection}/upsert`,
          expected.externalId,
        ]);
      }
    }
    expect(unexplained).toEqual([]);
    for (const gap of gapsAfter429()) expect(gap).toBeGreaterThanOrEqual(1000 - 50);
    // Nothing reached the CRM that the service did not answer 202 for.
    expect([...map.keys()].filter((key) => !accepted.has(key))).toEqual([]);
    // The only dead letters are the events the CRM refused (no 401 after a token expiry ends there).
    const dead = await call(port(), 'GET', '/admin/dead-letters?limit=100', {
      headers: { authorization: `Bearer ${ADMIN}` },
    });
    const deadIds = (JSON.parse(dead.body) as { items: { eventId: string }[] }).items.map((e) => e.eventId);
    expect(deadIds.sort()).toEqual([...refusedIds].sort());
    const tokens = sandbox.stats().tokenRequests;
    console.log(
      `totals: ${sent} requests sent, ${accepted.size} accepted (${expectedRecords.size} of them fuzzed), ` +
        `${sandbox.requests().length} CRM requests, ${tokens} token requests`,
    );
    expect(alive()).toBe(true);
  });
});
