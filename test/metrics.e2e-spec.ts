import request from 'supertest';
import { OperatorEvents } from '../src/queue/operator-events';
import { LatencyFigures } from '../src/metrics/latency-window';
import { WEBHOOK_ANSWER_KINDS } from '../src/telemetry/telemetry-signals';
import { sampleDialog } from '../src/webhook/dto/dialog-complete.fixture';
import { itWithPromtool, parseSamples, promtool, sum, types } from './support/prometheus-text';
import { sandboxEnv } from './support/sandbox-env';
import { sandboxedApp, startTestApp, TestApp } from './support/test-app';
import { waitFor } from './support/wait-for';
import { contactDialog, DIALOG_ROUTE, ENDPOINT_ROUTE, post, postSigned, unique } from './support/webhook-cases';

/**
 * Metrics, end to end: signed webhooks into the real app, the real worker delivering to a
 * CRM sandbox over loopback, then `GET /metrics/latency` and `GET /metrics` over HTTP.
 *
 * Each app has a registry of its own (the process's Node series included); counts are compared as
 * deltas between two scrapes of the same app.
 */

const SECRET = 's';

interface Sent {
  eventId: string;
  conversationId: string;
  raw: string;
}

/** A signed dialog completion (update_customer_profile of `customerId` unless the body says otherwise). */
async function sendDialog(t: TestApp, customerId: string, overrides: Record<string, unknown> = {}, expected = 202) {
  const dialog = contactDialog(customerId, {}, overrides);
  const raw = JSON.stringify(dialog);
  const res = await postSigned(t, SECRET, DIALOG_ROUTE, raw);
  expect(res.status).toBe(expected);
  return { eventId: res.body.eventId as string, conversationId: dialog.conversationId as string, raw, body: res.body };
}

const stateOf = async (t: TestApp, eventId: string) => (await t.app.get(OperatorEvents).get(eventId))?.state;
const reached = (t: TestApp, eventId: string, state: string) =>
  waitFor(async () => (await stateOf(t, eventId)) === state, { what: `event ${eventId} ${state}` });

type LatencyReport = LatencyFigures & { ack: LatencyFigures; status?: string };

const FIGURE_NAMES = [
  'total_requests',
  'mean_latency_ms',
  'p50_latency_ms',
  'p95_latency_ms',
  'p99_latency_ms',
  'sla_compliance_percent',
  'sla_threshold_seconds',
];

async function latency(t: TestApp): Promise<LatencyReport> {
  const res = await request(t.server).get('/metrics/latency');
  expect(res.status).toBe(200);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  return res.body as LatencyReport;
}

describe('GET /metrics/latency', () => {
  describe('end to end and ack over the delivered events', () => {
    const { sandbox, app } = sandboxedApp({ COGNIGY_WEBHOOK_SECRETS: SECRET });
    let t: TestApp;
    const N = 5;
    beforeAll(() => (t = app()));

    it('answers {"status":"no_data"} before any event', async () => {
      expect(await latency(t)).toEqual({ status: 'no_data' });
    });

    it(`reports ${N} delivered webhooks with the documented names, an ack object, end to end ≥ ack`, async () => {
      const sent: Sent[] = [];
      for (let i = 0; i < N; i++) sent.push(await sendDialog(t, `C-LAT-${i}`));
      for (const { eventId } of sent) await reached(t, eventId, 'delivered');
      expect(sandbox.stats().applied).toBe(N);

      const report = await waitFor(
        async () => {
          const r = await latency(t);
          return r.total_requests === N ? r : null;
        },
        { what: `${N} end-to-end samples` },
      );

      expect(Object.keys(report).sort()).toEqual([...FIGURE_NAMES, 'ack'].sort());
      expect(Object.keys(report.ack).sort()).toEqual([...FIGURE_NAMES].sort());
      expect(report.ack.total_requests).toBe(N);
      expect(report.sla_threshold_seconds).toBe(2);
      expect(report.ack.sla_threshold_seconds).toBe(2);
      // Loopback deliveries take milliseconds, far under the 2 s SLA.
      expect(report.sla_compliance_percent).toBe(100);
      expect(report.ack.sla_compliance_percent).toBe(100);
      for (const figures of [report, report.ack]) {
        expect(figures.mean_latency_ms).toBeGreaterThan(0);
        expect(figures.p50_latency_ms).toBeGreaterThan(0);
        expect(figures.p50_latency_ms).toBeLessThanOrEqual(figures.p95_latency_ms);
        expect(figures.p95_latency_ms).toBeLessThanOrEqual(figures.p99_latency_ms);
        expect(figures.mean_latency_ms).toBeLessThanOrEqual(figures.p99_latency_ms);
      }
      // Each event's end-to-end span (receipt → CRM upsert confirmed) contains its ack span
      // (receipt → answer), so every order statistic and the mean are at least the ack's.
      for (const name of ['mean_latency_ms', 'p50_latency_ms', 'p95_latency_ms', 'p99_latency_ms'] as const) {
        expect(report[name]).toBeGreaterThanOrEqual(report.ack[name]);
      }
    });

    it('counts only accepted webhooks in the ack window and only deliveries at the top level', async () => {
      const before = await latency(t);
      // A duplicate (200), a 422 and a 401 are answered but neither accepted nor delivered.
      const { raw } = await sendDialog(t, 'C-LAT-DUP');
      const dup = await postSigned(t, SECRET, DIALOG_ROUTE, raw);
      expect(dup.status).toBe(200);
      await sendDialog(t, 'C-LAT-X', { intent: 'order_pizza' }, 422);
      const unsigned = await post(t, DIALOG_ROUTE, raw, { headers: { 'x-cognigy-signature': 'ff'.repeat(32) } });
      expect(unsigned.status).toBe(401);
      const after = await waitFor(
        async () => {
          const r = await latency(t);
          return r.total_requests === before.total_requests + 1 ? r : null;
        },
        { what: 'the one new delivery' },
      );
      expect(after.ack.total_requests).toBe(before.ack.total_requests + 1);
    });
  });

  describe('a known CRM latency', () => {
    // A window of 2 and a threshold just under the injected delay. The delay is long so that an
    // ack on a busy machine still stays well under it: the ack must not wait for the CRM.
    const { sandbox, app } = sandboxedApp({
      COGNIGY_WEBHOOK_SECRETS: SECRET,
      LATENCY_WINDOW: '2',
      SLA_THRESHOLD_SECONDS: '2.999',
    });
    let t: TestApp;
    const CRM_DELAY_MS = 3000;
    beforeAll(() => (t = app()));

    it('puts a 3 s CRM answer into the end-to-end figures, not into the ack ones', async () => {
      sandbox.inject({ latencyMs: CRM_DELAY_MS, count: 3 });
      const sent: Sent[] = [];
      for (let i = 0; i < 3; i++) sent.push(await sendDialog(t, `C-SLOW-${i}`));
      for (const { eventId } of sent) await reached(t, eventId, 'delivered');
      expect(sandbox.stats().faultsServed).toBe(3);

      const report = await waitFor(
        async () => {
          const r = await latency(t);
          return r.total_requests === 2 ? r : null;
        },
        { what: 'a full window of 2' },
      );
      // LATENCY_WINDOW=2: 3 events delivered and acknowledged, the window keeps 2 of each.
      expect(report.total_requests).toBe(2);
      expect(report.ack.total_requests).toBe(2);
      expect(report.sla_threshold_seconds).toBe(2.999);
      // Every delivery waited ≥ 3 s for the CRM.
      expect(report.p50_latency_ms).toBeGreaterThanOrEqual(CRM_DELAY_MS);
      expect(report.mean_latency_ms).toBeGreaterThanOrEqual(CRM_DELAY_MS);
      expect(report.p99_latency_ms).toBeGreaterThanOrEqual(CRM_DELAY_MS);
      // … so none is within a 2.999 s SLA.
      expect(report.sla_compliance_percent).toBe(0);
      // The answer does not wait for the CRM: the ack figures stay under the delay.
      expect(report.ack.p99_latency_ms).toBeLessThan(CRM_DELAY_MS);
      expect(report.ack.sla_compliance_percent).toBe(100);
    });
  });
});

describe('GET /metrics', () => {
  const { sandbox, app } = sandboxedApp({ COGNIGY_WEBHOOK_SECRETS: SECRET });
  let t: TestApp;
  let beforeText: string;
  let afterText: string;
  /** Conversation ids and event ids sent: none may show up as a label value. */
  const ids: string[] = [];

  const scrape = async () => {
    const res = await request(t.server).get('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    return res.text;
  };

  beforeAll(async () => {
    t = app();
    beforeText = await scrape();

    // 1. A: the CRM answers 500 once, then 200 on the retry.
    sandbox.inject({ status: 500, count: 1 });
    const a = await sendDialog(t, 'C-MET-A');
    await reached(t, a.eventId, 'delivered');
    // 2. B: delivered at the first attempt.
    const b = await sendDialog(t, 'C-MET-B');
    await reached(t, b.eventId, 'delivered');
    // 3. A again: duplicate (200).
    const dup = await postSigned(t, SECRET, DIALOG_ROUTE, a.raw);
    expect(dup.status).toBe(200);
    expect(dup.body.status).toBe('duplicate');
    // 4. A bad signature: unauthorized (401).
    const badSig = await post(t, DIALOG_ROUTE, b.raw, { headers: { 'x-cognigy-signature': 'ab'.repeat(32) } });
    expect(badSig.status).toBe(401);
    // 5. A signed body breaking the DTO (no botId): invalid (400).
    const invalidConv = unique('conv');
    const invalidBody = sampleDialog({ conversationId: invalidConv });
    delete invalidBody.botId;
    const invalid = await postSigned(t, SECRET, DIALOG_ROUTE, invalidBody);
    expect(invalid.status).toBe(400);
    // 6. An intent without a mapping: unsupported (422).
    const unsupported = await sendDialog(t, 'C-MET-U', { intent: 'order_pizza' }, 422);
    // 7. An endpoint output that is plain chat text: ignored (200).
    const session = unique('session');
    const ignored = await postSigned(t, SECRET, ENDPOINT_ROUTE, {
      userId: 'u1',
      sessionId: session,
      AIOutput: { text: 'Hello!', source: 'bot' },
    });
    expect(ignored.status).toBe(200);
    expect(ignored.body).toEqual({ status: 'ignored' });
    // 8. C: the CRM refuses it with 400 → dead-lettered.
    sandbox.inject({ status: 400, count: 1 });
    const c = await sendDialog(t, 'C-MET-C');
    await reached(t, c.eventId, 'dead');

    ids.push(a.eventId, a.conversationId, b.eventId, b.conversationId, c.eventId, c.conversationId);
    ids.push(invalidConv, unsupported.conversationId, session);
    afterText = await scrape();
  });

  const delta = (name: string, labels: Record<string, string> = {}) =>
    sum(parseSamples(afterText), name, labels) - sum(parseSamples(beforeText), name, labels);

  it('declares every documented series with its type', () => {
    expect(types(afterText)).toMatchObject({
      cognigy_webhooks_total: 'counter',
      cognigy_webhook_ack_seconds: 'histogram',
      crm_delivery_seconds: 'histogram',
      crm_requests_total: 'counter',
      crm_request_seconds: 'histogram',
      crm_circuit_state: 'gauge',
      crm_token_requests_total: 'counter',
      queue_events: 'gauge',
      queue_oldest_event_age_seconds: 'gauge',
      service_ready: 'gauge',
      crm_dead_letters_total: 'counter',
      tracing_spans_dropped_total: 'counter',
    });
  });

  it('counts webhooks by route and outcome', () => {
    const dialog = { route: 'dialog-complete' };
    expect(delta('cognigy_webhooks_total', { ...dialog, outcome: 'accepted' })).toBe(3);
    expect(delta('cognigy_webhooks_total', { ...dialog, outcome: 'duplicate' })).toBe(1);
    expect(delta('cognigy_webhooks_total', { ...dialog, outcome: 'unauthorized' })).toBe(1);
    expect(delta('cognigy_webhooks_total', { ...dialog, outcome: 'invalid' })).toBe(1);
    expect(delta('cognigy_webhooks_total', { ...dialog, outcome: 'unsupported' })).toBe(1);
    expect(delta('cognigy_webhooks_total', { route: 'endpoint-output', outcome: 'ignored' })).toBe(1);
    expect(delta('cognigy_webhooks_total', dialog)).toBe(7);
    expect(delta('cognigy_webhooks_total')).toBe(8);
  });

  it('times every answer in the ack histogram, by route', () => {
    expect(delta('cognigy_webhook_ack_seconds_count', { route: 'dialog-complete' })).toBe(7);
    expect(delta('cognigy_webhook_ack_seconds_count', { route: 'endpoint-output' })).toBe(1);
    expect(delta('cognigy_webhook_ack_seconds_bucket', { route: 'dialog-complete', le: '+Inf' })).toBe(7);
    expect(delta('cognigy_webhook_ack_seconds_sum', { route: 'dialog-complete' })).toBeGreaterThan(0);
    // Buckets from sub-millisecond to a second.
    const les = parseSamples(afterText)
      .filter((s) => s.name === 'cognigy_webhook_ack_seconds_bucket' && s.labels.route === 'dialog-complete')
      .map((s) => s.labels.le);
    expect(les[0]).toBe('0.0005');
    expect(les).toContain('1');
  });

  it('counts CRM requests by object and status code, and times them', () => {
    expect(delta('crm_requests_total', { object: 'contact', code: '500' })).toBe(1);
    expect(delta('crm_requests_total', { object: 'contact', code: '200' })).toBe(2);
    expect(delta('crm_requests_total', { object: 'contact', code: '400' })).toBe(1);
    expect(delta('crm_requests_total')).toBe(4);
    expect(delta('crm_request_seconds_count', { object: 'contact' })).toBe(4);
    expect(delta('crm_request_seconds_sum', { object: 'contact' })).toBeGreaterThan(0);
  });

  it('times confirmed deliveries only, with buckets up to an hour', () => {
    expect(delta('crm_delivery_seconds_count', { object: 'contact' })).toBe(2);
    expect(delta('crm_delivery_seconds_count')).toBe(2);
    const les = parseSamples(afterText)
      .filter((s) => s.name === 'crm_delivery_seconds_bucket' && s.labels.object === 'contact')
      .map((s) => s.labels.le);
    expect(les).toContain('3600');
  });

  it('counts the dead letter, and reads queue depth and breaker state at scrape time', () => {
    const after = parseSamples(afterText);
    expect(delta('crm_dead_letters_total', { object: 'contact' })).toBe(1);
    expect(delta('crm_dead_letters_total')).toBe(1);
    expect(sum(after, 'queue_events', { state: 'dead' })).toBe(1);
    expect(sum(after, 'queue_events', { state: 'queued' })).toBe(0);
    expect(after.filter((s) => s.name === 'crm_circuit_state')).toEqual([
      { name: 'crm_circuit_state', labels: {}, value: 0 },
    ]);
  });

  it('counts one successful token request and no failure', () => {
    expect(delta('crm_token_requests_total', { outcome: 'success' })).toBe(1);
    expect(delta('crm_token_requests_total', { outcome: 'failure' })).toBe(0);
    expect(sandbox.stats().tokensIssued).toBe(1);
  });

  it('exposes Node default process metrics', () => {
    const after = parseSamples(afterText);
    for (const name of [
      'process_cpu_user_seconds_total',
      'process_resident_memory_bytes',
      'nodejs_heap_size_used_bytes',
    ]) {
      expect(after.some((s) => s.name === name)).toBe(true);
    }
    expect(types(afterText).process_cpu_user_seconds_total).toBe('counter');
  });

  it('exposes the event-loop delay since the previous scrape (the queueing no ack window shows)', () => {
    const after = parseSamples(afterText);
    for (const name of ['nodejs_eventloop_lag_p99_seconds', 'nodejs_eventloop_lag_max_seconds']) {
      const sample = after.find((s) => s.name === name);
      expect(sample?.value).toBeGreaterThan(0);
      expect(types(afterText)[name]).toBe('gauge');
    }
  });

  it("gives each application its own series: a second app in this process starts at 0, with the process's", async () => {
    const second = await startTestApp(sandboxEnv(sandbox, { COGNIGY_WEBHOOK_SECRETS: SECRET }));
    try {
      const res = await request(second.server).get('/metrics');
      expect(res.status).toBe(200);
      const fresh = parseSamples(res.text);
      const accepted = { route: 'dialog-complete', outcome: 'accepted' };
      expect(sum(parseSamples(afterText), 'cognigy_webhooks_total', accepted)).toBeGreaterThanOrEqual(2);
      expect(sum(fresh, 'cognigy_webhooks_total', accepted)).toBe(0);
      expect(sum(fresh, 'crm_dead_letters_total')).toBe(0);
      expect(fresh.some((sample) => sample.name === 'process_cpu_user_seconds_total')).toBe(true);
    } finally {
      await second.close();
    }
  });

  it('reads the queue gauge from the store again on each scrape', async () => {
    // Replaying the dead letter out of band moves it back to queued; the next scrape must see it
    // (then the worker delivers it, since the 400 fault was used up).
    const dead = (await t.app.get(OperatorEvents).listDead(10)).items;
    expect(dead).toHaveLength(1);
    expect(await t.app.get(OperatorEvents).replayDead(dead[0].eventId)).toBe(true);
    await reached(t, dead[0].eventId, 'delivered');
    const now = parseSamples(await scrape());
    expect(sum(now, 'queue_events', { state: 'dead' })).toBe(0);
    expect(sum(now, 'queue_events', { state: 'queued' })).toBe(0);
  });

  it('never puts an id in a label, and keeps every label bounded', () => {
    const samples = parseSamples(afterText);
    const values = samples.flatMap((s) =>
      Object.entries(s.labels)
        .filter(([k]) => k !== 'le')
        .map(([, v]) => v),
    );
    expect(values.length).toBeGreaterThan(0);
    for (const value of values) {
      expect(value).not.toMatch(/[0-9a-f]{64}/i);
      for (const id of ids) expect(value).not.toContain(id);
    }
    for (const s of samples) {
      const labels = s.labels;
      if ('route' in labels) expect(['dialog-complete', 'endpoint-output']).toContain(labels.route);
      if ('outcome' in labels && s.name.startsWith('cognigy_')) {
        expect([...WEBHOOK_ANSWER_KINDS, 'error']).toContain(labels.outcome);
      }
      if ('outcome' in labels && s.name.startsWith('crm_token'))
        expect(['success', 'failure']).toContain(labels.outcome);
      if ('code' in labels) expect(labels.code).toMatch(/^(\d{3}|timeout|network)$/);
      if ('object' in labels) expect(labels.object).toMatch(/^[a-z_]+$/);
      if ('state' in labels && s.name === 'queue_events') expect(['queued', 'dead']).toContain(labels.state);
    }
  });

  itWithPromtool('passes `promtool check metrics`', () => {
    const result = promtool(['check', 'metrics'], { input: afterText });
    expect(result.status).toBe(0);
  });
});
