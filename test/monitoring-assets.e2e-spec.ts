import { parser } from '@prometheus-io/lezer-promql';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { parse as parseYaml } from 'yaml';
import { OperatorEvents } from '../src/queue/operator-events';
import { itWithPromtool, parseSamples, promtool, Sample, sum } from './support/prometheus-text';
import { routedAs, sandboxTarget, startRoutedApp } from './support/routed-app';
import { sandboxEnv } from './support/sandbox-env';
import { sandboxedApp, TestApp } from './support/test-app';
import { waitFor } from './support/wait-for';
import { contactDialog, DIALOG_ROUTE, postSigned, ticketDialog, unique } from './support/webhook-cases';

/**
 * The monitoring assets under deploy/ against the real application: the alert rules pass
 * `promtool check rules` and their unit tests, the Prometheus configuration passes `promtool check
 * config`, and every PromQL expression of the rules and of the Grafana dashboard names only series
 * (and labels) that the app's own `GET /metrics` exports.
 */

const ROOT = join(__dirname, '..');
const PROMETHEUS_DIR = join(ROOT, 'deploy', 'prometheus');
const DASHBOARD = join(ROOT, 'deploy', 'grafana', 'cognigy-crm-sync.json');
const SECRET = 'monitoring-secret';

/** The series the service promises to export; the dashboard shows each one. */
const PROMISED_SERIES = [
  'cognigy_webhooks_total',
  'cognigy_webhook_ack_seconds',
  'crm_delivery_seconds',
  'crm_requests_total',
  'crm_request_seconds',
  'crm_circuit_state',
  'crm_token_requests_total',
  'queue_events',
  'queue_oldest_event_age_seconds',
  'service_ready',
  'crm_dead_letters_total',
  'tracing_spans_dropped_total',
];

/**
 * Series Prometheus records itself for every target it scrapes, with the target's labels only
 * (https://prometheus.io/docs/concepts/jobs_instances/#automatically-generated-labels-and-time-series).
 */
const SCRAPE_SERIES = [
  'up',
  'scrape_duration_seconds',
  'scrape_samples_scraped',
  'scrape_samples_post_metric_relabeling',
  'scrape_series_added',
];

/** Labels Prometheus adds to every scraped series (the target's). */
const TARGET_LABELS = ['job', 'instance'];

/** Grafana's template variables, replaced by values Prometheus accepts before parsing. */
const GRAFANA_VARIABLES: Record<string, string> = {
  $__rate_interval: '5m',
  $__interval: '1m',
  $__range: '1h',
  $job: '.*',
  $instance: '.*',
};

interface Query {
  where: string;
  expr: string;
}

interface Selector {
  metric: string;
  labels: string[];
}

/** A node of the PromQL syntax tree (@lezer/common's SyntaxNode, as the parser hands it out). */
type SyntaxNode = ReturnType<typeof parser.parse>['topNode'];

/** The functions that read a counter's growth: a series born at 1 shows none at its birth. */
const GROWTH_FUNCTIONS = ['rate', 'irate', 'increase'];

interface Analysis {
  selectors: Selector[];
  groupingLabels: string[];
  errors: number[];
  /** Metric names read inside rate() / irate() / increase(). */
  growthRead: string[];
}

/** Whether the syntax node sits inside a call of one of GROWTH_FUNCTIONS. */
function insideGrowthFunction(node: SyntaxNode | null, text: (from: number, to: number) => string): boolean {
  for (let at = node; at; at = at.parent) {
    const name = at.name === 'FunctionCall' ? at.getChild('FunctionIdentifier') : null;
    if (name && GROWTH_FUNCTIONS.includes(text(name.from, name.to))) return true;
  }
  return false;
}

/** Metric names and matcher label names of every vector selector, read with Prometheus' own grammar. */
function analyse(expr: string): Analysis {
  const selectors: Selector[] = [];
  const growthRead: string[] = [];
  const groupingLabels: string[] = [];
  const errors: number[] = [];
  const text = (from: number, to: number) => expr.slice(from, to);
  const cursor = parser.parse(expr).cursor();
  do {
    if (cursor.type.isError) errors.push(cursor.from);
    if (cursor.name === 'VectorSelector') {
      const node = cursor.node;
      const identifier = node.getChild('Identifier');
      const labels = node
        .getChild('LabelMatchers')
        ?.getChildren('UnquotedLabelMatcher')
        .map((m) => m.getChild('LabelName'))
        .filter((n) => n !== null)
        .map((n) => text(n.from, n.to));
      if (identifier) selectors.push({ metric: text(identifier.from, identifier.to), labels: labels ?? [] });
      if (identifier && insideGrowthFunction(node, text)) growthRead.push(text(identifier.from, identifier.to));
    }
    if (cursor.name === 'GroupingLabels') {
      for (const label of cursor.node.getChildren('LabelName')) groupingLabels.push(text(label.from, label.to));
    }
  } while (cursor.next());
  return { selectors, groupingLabels, errors, growthRead };
}

function alertQueries(): Query[] {
  const rules = parseYaml(readFileSync(join(PROMETHEUS_DIR, 'alerts.yml'), 'utf8')) as {
    groups: { rules: { alert: string; expr: string }[] }[];
  };
  return rules.groups.flatMap((g) => g.rules.map((r) => ({ where: `alert ${r.alert}`, expr: r.expr })));
}

interface Panel {
  title?: string;
  targets?: { expr?: string }[];
  panels?: Panel[];
}

function dashboardPanels(): Panel[] {
  const flatten = (panels: Panel[]): Panel[] => panels.flatMap((p) => [p, ...flatten(p.panels ?? [])]);
  return flatten((JSON.parse(readFileSync(DASHBOARD, 'utf8')) as { panels: Panel[] }).panels);
}

function dashboardQueries(): Query[] {
  return dashboardPanels().flatMap((panel) =>
    (panel.targets ?? [])
      .filter((target) => target.expr !== undefined)
      .map((target) => ({
        where: `panel "${panel.title}"`,
        expr: Object.entries(GRAFANA_VARIABLES).reduce((e, [name, value]) => e.split(name).join(value), target.expr!),
      })),
  );
}

/** Every problem of `queries` against the exported series (name → label names). */
function problems(queries: Query[], exported: Map<string, Set<string>>): string[] {
  const found: string[] = [];
  for (const { where, expr } of queries) {
    const { selectors, groupingLabels, errors } = analyse(expr);
    if (errors.length > 0) found.push(`${where}: PromQL syntax error at offset ${errors[0]}: ${expr}`);
    if (selectors.length === 0) found.push(`${where}: names no series: ${expr}`);
    const known = new Set(TARGET_LABELS);
    for (const { metric, labels } of selectors) {
      const series = SCRAPE_SERIES.includes(metric) ? new Set<string>() : exported.get(metric);
      if (!series) {
        found.push(`${where}: ${metric} is not exported by the app`);
        continue;
      }
      series.forEach((label) => known.add(label));
      for (const label of labels) {
        if (!series.has(label) && !TARGET_LABELS.includes(label))
          found.push(`${where}: ${metric} has no label "${label}"`);
      }
    }
    for (const label of groupingLabels) {
      if (!known.has(label)) found.push(`${where}: groups by "${label}", a label none of its series has`);
    }
  }
  return found;
}

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

/** The samples of every series read with rate() / increase() by the alerts or the dashboard. */
function growthReadSamples(samples: Sample[]): Sample[] {
  const read = new Set([...alertQueries(), ...dashboardQueries()].flatMap((q) => analyse(q.expr).growthRead));
  return samples.filter((sample) => read.has(sample.name));
}

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

  itWithPromtool('alerts.yml passes `promtool check rules`', () => {
    const result = promtool(['check', 'rules', 'alerts.yml'], { cwd: PROMETHEUS_DIR });
    expect(result.stdout).toMatch(/SUCCESS: \d+ rules found/);
  });

  itWithPromtool('alerts.yml passes its unit tests (`promtool test rules alerts.test.yml`)', () => {
    const result = promtool(['test', 'rules', 'alerts.test.yml'], { cwd: PROMETHEUS_DIR });
    expect(result.stdout).toMatch(/SUCCESS/);
  });

  it('every alert has a unit test that expects it to fire and one that expects silence', () => {
    const tests = parseYaml(readFileSync(join(PROMETHEUS_DIR, 'alerts.test.yml'), 'utf8')) as {
      tests: { alert_rule_test: { alertname: string; exp_alerts: unknown[] }[] }[];
    };
    const cases = tests.tests.flatMap((t) => t.alert_rule_test);
    for (const { where } of alertQueries()) {
      const name = where.replace(/^alert /, '');
      const own = cases.filter((c) => c.alertname === name);
      expect({ name, fires: own.some((c) => c.exp_alerts.length > 0) }).toEqual({ name, fires: true });
      expect({ name, silent: own.some((c) => c.exp_alerts.length === 0) }).toEqual({ name, silent: true });
    }
  });

  itWithPromtool('prometheus.yml (docker-compose) passes `promtool check config` and loads the alert rules', () => {
    const result = promtool(['check', 'config', 'prometheus.yml'], { cwd: PROMETHEUS_DIR });
    expect(result.stdout).toMatch(/Checking alerts\.yml/);
  });

  it('every alert expression names only series and labels the app exports', () => {
    expect(alertQueries().length).toBeGreaterThanOrEqual(3);
    expect(problems(alertQueries(), exported)).toEqual([]);
  });

  it('every dashboard expression names only series and labels the app exports', () => {
    expect(dashboardQueries().length).toBeGreaterThan(0);
    expect(problems(dashboardQueries(), exported)).toEqual([]);
  });

  itWithPromtool('every dashboard expression is valid PromQL for Prometheus itself (`promtool check rules`)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ccs-dashboard-'));
    try {
      const rules = dashboardQueries().map((q, i) => ({ record: `dashboard:query_${i}`, expr: q.expr }));
      writeFileSync(join(dir, 'dashboard-rules.json'), JSON.stringify({ groups: [{ name: 'dashboard', rules }] }));
      const result = promtool(['check', 'rules', 'dashboard-rules.json'], { cwd: dir });
      expect(result.stdout).toContain(`SUCCESS: ${rules.length} rules found`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the dashboard charts every promised series', () => {
    const named = new Set(dashboardQueries().flatMap((q) => analyse(q.expr).selectors.map((s) => s.metric)));
    const missing = PROMISED_SERIES.filter(
      (series) => ![...named].some((n) => n === series || n.startsWith(`${series}_`)),
    );
    expect(missing).toEqual([]);
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
