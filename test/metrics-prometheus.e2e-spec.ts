import request from 'supertest';
import { OperatorEvents } from '../src/queue/operator-events';
import { WEBHOOK_ANSWER_KINDS } from '../src/telemetry/telemetry-signals';
import { sampleDialog } from '../src/webhook/dto/dialog-complete.fixture';
import { reached, SECRET, sendDialog } from './support/metrics-webhooks';
import { itWithPromtool, parseSamples, promtool, sum, types } from './support/prometheus-text';
import { sandboxEnv } from './support/sandbox-env';
import { sandboxedApp, startTestApp, TestApp } from './support/test-app';
import { DIALOG_ROUTE, ENDPOINT_ROUTE, post, postSigned, unique } from './support/webhook-cases';

/**
 * `GET /metrics`, end to end: signed webhooks into the real app, the real worker delivering to a
 * CRM sandbox over loopback, then the Prometheus text over HTTP. The latency figures of
 * `GET /metrics/latency`: test/metrics-latency.e2e-spec.ts.
 *
 * Each app has a registry of its own (the process's Node series included); counts are compared as
 * deltas between two scrapes of the same app.
 */

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
