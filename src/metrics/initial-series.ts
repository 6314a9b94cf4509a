import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { Counter, Histogram, Registry } from 'prom-client';
import { RouteMapper, TargetMappings } from '../mapping/route-mapper';
import {
  SPAN_DROP_REASONS,
  TOKEN_OUTCOMES,
  WEBHOOK_ANSWER_KINDS,
  WEBHOOK_ROUTE_LABELS,
} from '../telemetry/telemetry-signals';
import { METRIC } from './prometheus-metrics';
import { RouteLabels } from './route-labels';

/**
 * The CRM answers whose series exist from the start: every status a connector's verdict table
 * names, the usual ones of each class besides, and the two failures without a status. `code` stays
 * the exact status (a class label would not help: a new status is a new series either way).
 */
export const CRM_CODES_AT_START = [
  ...['200', '201', '204', '207'],
  ...['400', '401', '403', '404', '408', '409', '412', '422', '429'],
  ...['500', '502', '503', '504'],
  ...['timeout', 'network'],
];

const UPSERT_RESULTS = ['created', 'updated', 'unknown'];

type Labels = Record<string, string>;

const each = (name: string, values: readonly string[]): Labels[] => values.map((value) => ({ [name]: value }));
const combined = (left: Labels[], right: Labels[]): Labels[] => left.flatMap((l) => right.map((r) => ({ ...l, ...r })));

/** What labelSetsAtStart needs of the routing labels. */
type Routes = Pick<RouteLabels, 'perSource' | 'perTarget' | 'target'>;

/** The label sets as they are, for series without routing labels. */
const UNROUTED: Routes = { perSource: (sets) => sets, perTarget: (sets) => sets, target: () => ({}) };

/** A target and the object types its routes deliver there. */
export type TargetObjects = Pick<TargetMappings, 'target' | 'objectTypes'>;

/**
 * Every labelled series an alert or dashboard panel reads with `increase()` or `rate()`, with the
 * label sets known at startup: the webhook routes and answer kinds, the token outcomes, and per
 * object type of a target's mappings the CRM codes and upsert results; with routing, the webhook
 * sets per source and the others per target of the configuration, each target's object sets with
 * its own object types (those of the mappings its routes send there). Besides, the reasons spans
 * are dropped (one trace exporter per process: no routing labels).
 */
export function labelSetsAtStart(
  targets: readonly TargetObjects[],
  routeLabels: Routes = UNROUTED,
): Record<string, Labels[]> {
  const { perSource, perTarget } = routeLabels;
  const routes = each('route', WEBHOOK_ROUTE_LABELS);
  /** Each target's object types × `sets`, with its `target` label (none without routing). */
  const perObject = (sets: Labels[]): Labels[] =>
    targets.flatMap(({ target, objectTypes }) => {
      const label = routeLabels.target(target);
      return label ? combined(each('object', objectTypes), sets).map((set) => ({ ...set, ...label })) : [];
    });
  return {
    [METRIC.webhooks]: perSource(combined(routes, each('outcome', [...WEBHOOK_ANSWER_KINDS, 'error']))),
    [METRIC.ack]: perSource(routes),
    [METRIC.tokenRequests]: perTarget(each('outcome', TOKEN_OUTCOMES)),
    [METRIC.deadLetters]: perObject([{}]),
    [METRIC.delivery]: perObject([{}]),
    [METRIC.requestSeconds]: perObject([{}]),
    [METRIC.requests]: perObject(each('code', CRM_CODES_AT_START)),
    [METRIC.upserts]: perObject(each('result', UPSERT_RESULTS)),
    [METRIC.spansDropped]: each('reason', SPAN_DROP_REASONS),
  };
}

/**
 * Creates at 0, at startup, the series of labelSetsAtStart. Prometheus sees a series from its
 * first scrape: one created by its first increment starts at 1, and `increase()` reads that first
 * event as no increase at all (the first dead letter after a start would not alert). Runs once
 * the mappings are loaded; a series that already exists keeps its counts.
 */
@Injectable()
export class InitialSeries implements OnApplicationBootstrap {
  constructor(
    private readonly mapper: RouteMapper,
    private readonly registry: Registry,
    private readonly routes: RouteLabels,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    for (const [name, labelSets] of Object.entries(labelSetsAtStart(this.mapper.targetMappings(), this.routes))) {
      const series = this.registry.getSingleMetric(name);
      if (series instanceof Histogram) await zeroNew(series, labelSets);
      else if (series instanceof Counter) for (const labels of labelSets) series.inc(labels, 0);
      else throw new Error(`${name} is not a counter or histogram of this application's registry`);
    }
  }
}

const keyOf = (labels: Record<string, string | number | undefined>, names: string[]) =>
  JSON.stringify(names.map((name) => labels[name]));

/** Histogram.zero() resets a series that exists: only the missing ones are created. */
async function zeroNew(histogram: Histogram<string>, labelSets: Labels[]): Promise<void> {
  if (labelSets.length === 0) return;
  const names = Object.keys(labelSets[0]);
  const existing = new Set(
    (await histogram.get()).values
      .filter((value) => value.metricName?.endsWith('_count'))
      .map((value) => keyOf(value.labels, names)),
  );
  for (const labels of labelSets) if (!existing.has(keyOf(labels, names))) histogram.zero(labels);
}
