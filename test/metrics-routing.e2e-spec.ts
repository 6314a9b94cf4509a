import request from 'supertest';
import { EventIntake } from '../src/queue/event-intake';
import { OperatorEvents } from '../src/queue/operator-events';
import { dueEvent } from '../src/queue/stored-event.fixture';
import { CrmSandbox } from '../src/dev/sandbox/crm-sandbox';
import { Telemetry } from '../src/telemetry/telemetry';
import { WEBHOOK_ANSWER_KINDS } from '../src/telemetry/telemetry-signals';
import { cleanRedis, describeEachDriver, Driver, driverEnv } from './support/drivers';
import { itWithPromtool, parseSamples, promtool, Sample, sum } from './support/prometheus-text';
import { routedAs, sandboxTarget, startRoutedApp } from './support/routed-app';
import { sandboxEnv } from './support/sandbox-env';
import { TestApp } from './support/test-app';
import { waitFor } from './support/wait-for';
import { contactDialog, DIALOG_ROUTE, postSigned, unique } from './support/webhook-cases';

/**
 * `target` and `source` labels with routing (docs/routing.md, What operators see): every name of
 * the configuration has its series at 0 from the first scrape, counts land on their own names'
 * series, and a name the configuration does not hold never becomes a label value. Two targets,
 * each its own CRM sandbox and runtime: crm accepts, desk refuses with 400; an event is fanned out
 * to both through the store's intake port, as the webhook does.
 */

const SECRET = 's';
const TARGETS = ['crm', 'desk'];
const SOURCES = ['default', 'chat'];

const valuesOf = (samples: Sample[], label: string) =>
  new Set(samples.filter((s) => label in s.labels).map((s) => s.labels[label]));

describeEachDriver('metrics with routing (%s driver)', (driver: Driver) => {
  const sandbox = new CrmSandbox({ port: 0 });
  const deskSandbox = new CrmSandbox({ port: 0 });
  const env = driverEnv(driver);
  let t: TestApp;
  let startText: string;

  const scrape = async () => {
    const res = await request(t.server).get('/metrics');
    expect(res.status).toBe(200);
    return res.text;
  };

  beforeAll(async () => {
    await Promise.all([sandbox.start(), deskSandbox.start()]);
    deskSandbox.inject({ status: 400, count: -1 });
    const targets = { crm: sandboxTarget(sandbox), desk: sandboxTarget(deskSandbox) };
    t = await startRoutedApp(
      sandboxEnv(sandbox, { ...env, COGNIGY_WEBHOOK_SECRETS: SECRET }),
      routedAs(targets, SOURCES),
    );
    startText = await scrape();
  });

  afterAll(async () => {
    await t?.close();
    await Promise.all([sandbox.stop(), deskSandbox.stop()]);
    await cleanRedis(env);
  });

  it('starts every source and target series at 0, and no other name', () => {
    const samples = parseSamples(startText);
    for (const source of SOURCES) {
      for (const outcome of [...WEBHOOK_ANSWER_KINDS, 'error']) {
        const labels = { route: 'dialog-complete', outcome, source };
        expect(samples).toContainEqual({ name: 'cognigy_webhooks_total', labels, value: 0 });
      }
      const ackCount = { route: 'endpoint-output', source };
      expect(samples).toContainEqual({ name: 'cognigy_webhook_ack_seconds_count', labels: ackCount, value: 0 });
    }
    for (const target of TARGETS) {
      for (const [name, labels] of [
        ['crm_dead_letters_total', { object: 'contact', target }],
        ['crm_requests_total', { object: 'ticket', code: '503', target }],
        ['crm_token_requests_total', { outcome: 'failure', target }],
        ['crm_upserts_total', { object: 'contact', result: 'created', target }],
        ['crm_delivery_seconds_count', { object: 'contact', target }],
        ['crm_request_seconds_count', { object: 'ticket', target }],
        ['queue_events', { state: 'queued', target }],
        ['queue_events', { state: 'dead', target }],
      ] as const) {
        expect(samples).toContainEqual({ name, labels, value: 0 });
      }
    }
    expect(valuesOf(samples, 'target')).toEqual(new Set(TARGETS));
    expect(valuesOf(samples, 'source')).toEqual(new Set(SOURCES));
    // Every webhook series has a source, every delivery series a target.
    for (const s of samples) {
      if (s.name.startsWith('cognigy_webhook')) expect(s.labels.source).toBeDefined();
      if (/^(crm_(dead|requests|request_seconds|token|upserts|delivery)|queue_events)/.test(s.name)) {
        expect(s.labels.target).toBeDefined();
      }
    }
  });

  it('counts webhooks under the source of their route', async () => {
    const before = parseSamples(await scrape());
    const res = await postSigned(t, SECRET, DIALOG_ROUTE, contactDialog(unique('C-SRC')));
    expect(res.status).toBe(202);
    // Its fan-out settles (crm delivered, desk dead) before the next test counts deliveries.
    const store = t.app.get(OperatorEvents);
    await waitFor(
      async () =>
        JSON.stringify((await store.deliveriesOf(res.body.eventId)).map((d) => d.state)) === '["delivered","dead"]',
      { what: 'the webhook event settled for both targets' },
    );
    const after = parseSamples(await scrape());
    const accepted = (samples: Sample[], source: string) =>
      sum(samples, 'cognigy_webhooks_total', { route: 'dialog-complete', outcome: 'accepted', source });
    expect(accepted(after, 'default') - accepted(before, 'default')).toBe(1);
    expect(accepted(after, 'chat') - accepted(before, 'chat')).toBe(0);
  });

  it('counts each delivery under its target, and reads breaker and queue depth per target', async () => {
    const before = parseSamples(await scrape());
    const event = dueEvent({ eventId: unique('ev-fan'), externalId: unique('C') });
    const deliveries = TARGETS.map((target) => ({ target, upsert: event.upsert }));
    await t.app.get(EventIntake).enqueue({ ...event, source: 'chat', deliveries });
    const after = await waitFor(
      async () => {
        const samples = parseSamples(await scrape());
        const grew = (name: string, labels: Record<string, string>) =>
          sum(samples, name, labels) - sum(before, name, labels) === 1;
        return grew('queue_events', { state: 'dead', target: 'desk' }) && grew('crm_upserts_total', { target: 'crm' })
          ? samples
          : null;
      },
      { what: 'crm delivered and desk dead-lettered' },
    );
    const delta = (name: string, labels: Record<string, string>) =>
      sum(after, name, labels) - sum(before, name, labels);
    expect(delta('crm_upserts_total', { target: 'crm' })).toBe(1);
    expect(delta('crm_upserts_total', { target: 'desk' })).toBe(0);
    expect(delta('crm_delivery_seconds_count', { object: 'contact', target: 'crm' })).toBe(1);
    expect(delta('crm_dead_letters_total', { object: 'contact', target: 'desk' })).toBe(1);
    expect(delta('crm_dead_letters_total', { target: 'crm' })).toBe(0);
    expect(delta('crm_requests_total', { code: '200', target: 'crm' })).toBe(1);
    expect(delta('crm_requests_total', { code: '400', target: 'desk' })).toBe(1);
    expect(delta('crm_requests_total', { target: 'desk', code: '200' })).toBe(0);
    // One token per target over the app's life (each its own cache).
    for (const target of TARGETS) {
      expect(sum(after, 'crm_token_requests_total', { outcome: 'success', target })).toBe(1);
    }
    expect(sum(after, 'queue_events', { state: 'dead', target: 'crm' })).toBe(0);
    expect(sum(after, 'queue_events', { state: 'queued', target: 'crm' })).toBe(0);
    expect(after.filter((s) => s.name === 'crm_circuit_state')).toEqual(
      TARGETS.map((target) => ({ name: 'crm_circuit_state', labels: { target }, value: 0 })),
    );
  });

  it("counts the Crm module's signals under their target, and leaves out a name it does not know", async () => {
    const telemetry = t.app.get(Telemetry);
    const before = parseSamples(await scrape());
    // As the runtimes emit them; then names no runtime has.
    telemetry.emit('eventDeadLettered', { objectType: 'contact', target: 'desk' });
    telemetry.emit('crmRequestMade', { objectType: 'contact', code: '503', seconds: 0.01, target: 'crm' });
    telemetry.emit('tokenRequested', { result: 'failure', target: 'desk' });
    telemetry.emit('eventDelivered', { objectType: 'ticket', receivedAt: Date.now(), created: true, target: 'crm' });
    telemetry.emit('eventDeadLettered', { objectType: 'contact', target: 'retired' });
    telemetry.emit('webhookAnswered', { route: 'dialog-complete', kind: 'error', seconds: 0.001, source: 'bogus' });
    const after = parseSamples(await scrape());
    const delta = (name: string, labels: Record<string, string>) =>
      sum(after, name, labels) - sum(before, name, labels);

    expect(delta('crm_dead_letters_total', { target: 'desk' })).toBe(1);
    expect(delta('crm_dead_letters_total', { target: 'crm' })).toBe(0);
    expect(delta('crm_dead_letters_total', {})).toBe(1);
    expect(delta('crm_requests_total', { code: '503', target: 'crm' })).toBe(1);
    expect(delta('crm_token_requests_total', { outcome: 'failure', target: 'desk' })).toBe(1);
    expect(delta('crm_upserts_total', { object: 'ticket', result: 'created', target: 'crm' })).toBe(1);
    expect(delta('crm_delivery_seconds_count', { object: 'ticket', target: 'crm' })).toBe(1);
    expect(delta('cognigy_webhooks_total', { outcome: 'error' })).toBe(0);
    expect(valuesOf(after, 'target')).toEqual(new Set(TARGETS));
    expect(valuesOf(after, 'source')).toEqual(new Set(SOURCES));
  });

  itWithPromtool('passes `promtool check metrics`', async () => {
    expect(promtool(['check', 'metrics'], { input: await scrape() }).status).toBe(0);
  });
});
