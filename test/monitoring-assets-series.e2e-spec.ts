import request from 'supertest';
import { OperatorEvents } from '../src/queue/operator-events';
import {
  alertQueries,
  dashboardQueries,
  growthReadSamples,
  problems,
  PROMISED_SERIES,
} from './support/monitoring-queries';
import { parseSamples, Sample, sum } from './support/prometheus-text';
import { routedAs, sandboxTarget, startRoutedApp } from './support/routed-app';
import { sandboxEnv } from './support/sandbox-env';
import { sandboxedApp, TestApp } from './support/test-app';
import { waitFor } from './support/wait-for';
import { contactDialog, DIALOG_ROUTE, postSigned, ticketDialog, unique } from './support/webhook-cases';

/**
 * The monitoring assets under deploy/ against the real application: every PromQL expression of the
 * alert rules and of the Grafana dashboard names only series (and labels) that the app's own
 * `GET /metrics` exports, and every series they read with rate() / increase() is there at 0 from
 * the first scrape. The assets checked on their own: test/monitoring-assets-validity.e2e-spec.ts.
 */

const SECRET = 'monitoring-secret';

async function scrape(t: TestApp): Promise<Sample[]> {
  const res = await request(t.server).get('/metrics');
  expect(res.status).toBe(200);
  return parseSamples(res.text);
}

const seriesKey = ({ name, labels }: Sample) =>
  `${name}{${Object.entries(labels)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}="${v}"`)
    .join(',')}}`;

describe('deploy/prometheus and deploy/grafana against the app', () => {
  const { sandbox, app } = sandboxedApp({ COGNIGY_WEBHOOK_SECRETS: SECRET, CRM_MAX_ATTEMPTS: '1' });
  let t: TestApp;
  /** Every series of one scrape, with the label names its samples carry. */
  const exported = new Map<string, Set<string>>();
  /** The samples of the first scrape, before any event, and of the scrape after the events. */
  let atStart: Sample[];
  let afterEvents: Sample[];

  beforeAll(async () => {
    t = app();
    atStart = await scrape(t);
    // One delivered event, then one dead letter, so every labelled series has samples.
    const store = t.app.get(OperatorEvents);
    const reached = (eventId: string, state: string) =>
      waitFor(async () => (await store.get(eventId))?.state === state, {
        timeoutMs: 15000,
        what: `${eventId} ${state}`,
      });
    const delivered = await postSigned(t, SECRET, DIALOG_ROUTE, contactDialog(unique('C-MON')));
    expect(delivered.status).toBe(202);
    await reached(delivered.body.eventId, 'delivered');
    sandbox.inject({ status: 400, body: { error: 'rejected_by_test' } });
    const dead = await postSigned(t, SECRET, DIALOG_ROUTE, ticketDialog(unique('T-MON')));
    expect(dead.status).toBe(202);
    await reached(dead.body.eventId, 'dead');
    afterEvents = await scrape(t);
    // With ROUTES_FILE the series gain target and source labels: the per-target panels and
    // alerts group by them. An app with two targets at its start shows every one of them.
    const targets = { crm: sandboxTarget(sandbox), desk: sandboxTarget(sandbox) };
    const routed = await startRoutedApp(
      sandboxEnv(sandbox, { COGNIGY_WEBHOOK_SECRETS: SECRET }),
      routedAs(targets, ['default', 'chat']),
    );
    let routedSamples: Sample[];
    try {
      routedSamples = await scrape(routed);
    } finally {
      await routed.close();
    }
    for (const sample of [...afterEvents, ...routedSamples]) {
      const labels = exported.get(sample.name) ?? new Set<string>();
      Object.keys(sample.labels).forEach((label) => labels.add(label));
      exported.set(sample.name, labels);
    }
  });

  it('scraped every promised series with samples', () => {
    const names = [...exported.keys()];
    for (const series of PROMISED_SERIES)
      expect(names.some((n) => n === series || n.startsWith(`${series}_`))).toBe(true);
  });

  it('exports at 0 before the first event every series that rate() / increase() read, so the first event is an increase', () => {
    const startKeys = new Set(growthReadSamples(atStart).map(seriesKey));
    const bornLater = growthReadSamples(afterEvents)
      .map(seriesKey)
      .filter((key) => !startKeys.has(key));
    expect(bornLater).toEqual([]);
    const startValue = (name: string, labels: Record<string, string>) =>
      atStart
        .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
        .map((s) => s.value);
    // Both object types of the built-in mappings, every route and answer kind, both token outcomes.
    expect(startValue('crm_dead_letters_total', { object: 'ticket' })).toEqual([0]);
    expect(startValue('crm_dead_letters_total', { object: 'contact' })).toEqual([0]);
    expect(startValue('crm_requests_total', { object: 'ticket', code: '400' })).toEqual([0]);
    expect(startValue('cognigy_webhooks_total', {})).toHaveLength(2 * 10);
    expect(startValue('crm_token_requests_total', {})).toEqual([0, 0]);
    expect(startValue('crm_delivery_seconds_count', { object: 'ticket' })).toEqual([0]);
    // The events grew what the alerts read: the check compares series that did change.
    expect(sum(afterEvents, 'crm_dead_letters_total', { object: 'ticket' })).toBe(1);
  });

  it('every alert expression names only series and labels the app exports', () => {
    expect(alertQueries().length).toBeGreaterThanOrEqual(3);
    expect(problems(alertQueries(), exported)).toEqual([]);
  });

  it('every dashboard expression names only series and labels the app exports', () => {
    expect(dashboardQueries().length).toBeGreaterThan(0);
    expect(problems(dashboardQueries(), exported)).toEqual([]);
  });

  it('finds a series the app does not export, or a label it does not have (the check can fail)', () => {
    const bad = [
      { where: 'probe', expr: 'rate(crm_requests_totl[5m])' },
      { where: 'probe', expr: 'sum by (tenant) (rate(crm_requests_total{objekt="contact"}[5m]))' },
      { where: 'probe', expr: 'up{job="cognigy-crm-sync", route="x"} == 0' },
    ];
    expect(problems(bad, exported)).toEqual([
      'probe: crm_requests_totl is not exported by the app',
      'probe: crm_requests_total has no label "objekt"',
      'probe: groups by "tenant", a label none of its series has',
      'probe: up has no label "route"',
    ]);
  });
});
