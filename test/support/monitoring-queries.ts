import { parser } from '@prometheus-io/lezer-promql';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { PROMETHEUS_DIR } from './prometheus-server';
import { Sample } from './prometheus-text';

/**
 * The PromQL of the monitoring assets under deploy/ (test/monitoring-assets-*.e2e-spec.ts): every
 * expression of the alert rules and of the Grafana dashboard, read with Prometheus' own grammar, and
 * checked against the series (and labels) an app exports.
 */

const DASHBOARD = join(__dirname, '..', '..', 'deploy', 'grafana', 'cognigy-crm-sync.json');

/** The series the service promises to export; the dashboard shows each one. */
export const PROMISED_SERIES = [
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

export interface Query {
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

export interface Analysis {
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
export function analyse(expr: string): Analysis {
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

export function alertQueries(): Query[] {
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

export function dashboardQueries(): Query[] {
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
export function problems(queries: Query[], exported: Map<string, Set<string>>): string[] {
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

/** The samples of every series read with rate() / increase() by the alerts or the dashboard. */
export function growthReadSamples(samples: Sample[]): Sample[] {
  const read = new Set([...alertQueries(), ...dashboardQueries()].flatMap((q) => analyse(q.expr).growthRead));
  return samples.filter((sample) => read.has(sample.name));
}
