import fc from 'fast-check';
import { SandboxRequest } from '../../src/dev/sandbox/sandbox-state';
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
 * a token expired, or no answer at all: a hang cut by the timeout).
 */

const LONG = process.env.RELIABILITY_PROFILE === 'long';
const FUZZ_RUNS = LONG ? 10_000 : 2_000;
const SECRET = 'reliability-secret';
const ADMIN = 'reliability-admin';
const CONCURRENCY = 4;
const CRM_TIMEOUT_MS = 1500;
const COOLDOWN_MS = 2000;
const THRESHOLD = 3;
const DIALOG = '/webhooks/cognigy/dialog-complete';
const ENDPOINT = '/webhooks/cognigy/endpoint-output';

jest.setTimeout(LONG ? 3_600_000 : 170_000);

describe(`reliability (${LONG ? 'long' : 'short'} profile, built service)`, () => {
  const { sandbox, port, alive, memory, service } = sandboxedService(
    'reliability',
    () => ({
      COGNIGY_WEBHOOK_SECRETS: SECRET,
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
    { tokenTtlSeconds: 5 },
  );
  /** Every event id the service answered 202 for. */
  const accepted = new Set<string>();
  const statuses = new Map<number, number>();
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

  it('fuzzing: never a 5xx but a documented 503, never a crash, RSS bounded', async () => {
    const rssBefore = rss();
    const json = fc.jsonValue({ maxDepth: 6 });
    const protoKey = fc.constantFrom('__proto__', 'constructor', 'toString', 'valueOf', 'hasOwnProperty', 'customerId');
    const body = fc.oneof(
      // A dialog completion with arbitrary entities and metadata (prototype keys, unicode, deep JSON).
      fc
        .record({
          conversationId: fc.string({ unit: 'grapheme', maxLength: 40 }),
          botId: fc.string({ maxLength: 20 }),
          status: fc.constant('completed'),
          intent: fc.constantFrom('update_customer_profile', 'log_support_ticket', 'unknown_intent'),
          entities: fc.dictionary(
            protoKey,
            fc.record({ value: fc.oneof(fc.string(), fc.integer(), fc.boolean(), json) }),
          ),
          timestamp: fc.oneof(fc.constant(new Date().toISOString()), fc.string(), fc.constant('9999-12-31T23:59:59Z')),
          metadata: fc.oneof(json, fc.dictionary(protoKey, json)),
        })
        .map((o) => JSON.stringify(o)),
      // Wide arrays and deep nesting.
      fc.integer({ min: 1, max: 20_000 }).map((n) => JSON.stringify({ metadata: { list: new Array(n).fill([]) } })),
      fc.integer({ min: 1, max: 200 }).map((n) => `${'['.repeat(n)}${']'.repeat(n)}`),
      // Arbitrary JSON and arbitrary text.
      json.map((v) => JSON.stringify(v)),
      fc.string({ unit: 'binary', maxLength: 300 }),
    );
    const signature = fc.constantFrom('valid', 'upper', 'prefixed', 'wrong', 'missing');
    const contentType = fc.constantFrom('application/json', 'application/json; charset=utf-8', 'text/plain', '');
    const route = fc.constantFrom(DIALOG, ENDPOINT);
    const idHeader = fc.option(
      fc.string({ minLength: 1, maxLength: 250 }).filter((s) => !/[\r\n]/.test(s)),
      { nil: undefined },
    );

    await fc.assert(
      fc.asyncProperty(body, signature, contentType, route, idHeader, async (raw, sig, type, path, id) => {
        const hex = cognigySignature(SECRET, raw);
        const headers: Record<string, string> = {};
        if (sig === 'valid') headers['x-cognigy-signature'] = hex;
        if (sig === 'upper') headers['x-cognigy-signature'] = hex.toUpperCase();
        if (sig === 'prefixed') headers['x-cognigy-signature'] = `sha256=${hex}`;
        if (sig === 'wrong') headers['x-cognigy-signature'] = cognigySignature('other', raw);
        if (type) headers['content-type'] = type;
        if (id !== undefined) headers['idempotency-key'] = encodeURIComponent(id);
        let reply: Reply;
        try {
          reply = await send(path, raw, headers);
        } catch (error) {
          if (!alive()) throw new Error(`the service died: ${service().output().slice(-2000)}`);
          throw error;
        }
        if (reply.status === 202 || reply.status === 200)
          expect(sig === 'valid' || sig === 'upper' || sig === 'prefixed').toBe(true);
      }),
      { numRuns: FUZZ_RUNS },
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
    console.log(
      `fuzzing: ${FUZZ_RUNS} requests, answers ${JSON.stringify(Object.fromEntries(statuses))}, RSS +${Math.round(growth / 1e6)} MB`,
    );
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
      `totals: ${sent} requests sent, ${accepted.size} accepted, ${sandbox.requests().length} CRM requests, ${tokens} token requests`,
    );
    expect(alive()).toBe(true);
  });
});
