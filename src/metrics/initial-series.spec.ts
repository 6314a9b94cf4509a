import { Test } from '@nestjs/testing';
import { Counter, Histogram, Registry } from 'prom-client';
import { RoutingConfig } from '../config/routing.config';
import { RouteMapper, TargetMappings } from '../mapping/route-mapper';
import { CRM_CODES_AT_START, InitialSeries, labelSetsAtStart, TargetObjects } from './initial-series';
import { METRIC } from './prometheus-metrics';
import { RouteLabels } from './route-labels';

const HISTOGRAMS = new Set<string>([METRIC.ack, METRIC.delivery, METRIC.requestSeconds]);
const LABELS: Record<string, string[]> = {
  [METRIC.webhooks]: ['route', 'outcome'],
  [METRIC.ack]: ['route'],
  [METRIC.tokenRequests]: ['outcome'],
  [METRIC.deadLetters]: ['object'],
  [METRIC.delivery]: ['object'],
  [METRIC.requestSeconds]: ['object'],
  [METRIC.requests]: ['object', 'code'],
  [METRIC.upserts]: ['object', 'result'],
  [METRIC.spansDropped]: ['reason'],
};

const UNROUTED = new RouteLabels({ fromFile: false, sources: [], targets: [], routes: [] });

/** Routing labels of a file with the source `default` and these targets. */
const routedTo = (targets: string[]) =>
  new RouteLabels({
    fromFile: true,
    sources: [{ name: 'default' }],
    targets: targets.map((name) => ({ name })),
    routes: [],
  } as unknown as RoutingConfig);

/** Without routing, the mappings' object types are the one target `default`'s. */
const alone = (objectTypes: string[]): TargetObjects[] => [{ target: 'default', objectTypes }];

/**
 * The provider in a Nest module, with real prom-client series in the application's registry, and
 * the object types of each target's mappings as `targets` gives them.
 */
async function started(
  targets: TargetObjects[],
  before?: (series: Map<string, Counter | Histogram>) => void,
  routes: RouteLabels = UNROUTED,
) {
  const registry = new Registry();
  const webhookSeries = new Set<string>([METRIC.webhooks, METRIC.ack]);
  const routing = (name: string) =>
    name === METRIC.spansDropped ? [] : webhookSeries.has(name) ? routes.sourceNames() : routes.targetNames();
  const series = new Map(
    Object.entries(LABELS).map(([name, own]) => {
      // The routing labels as RecordedSeries adds them.
      const labelNames = [...own, ...routing(name)];
      const config = { name, help: name, labelNames, registers: [registry] };
      return [name, HISTOGRAMS.has(name) ? new Histogram({ ...config, buckets: [1, 2] }) : new Counter(config)];
    }),
  );
  before?.(series);
  const mapper = { targetMappings: () => targets.map((t) => ({ ...t, records: [] })) as TargetMappings[] };
  const moduleRef = await Test.createTestingModule({
    providers: [
      InitialSeries,
      { provide: RouteMapper, useValue: mapper },
      { provide: Registry, useValue: registry },
      { provide: RouteLabels, useValue: routes },
    ],
  }).compile();
  await moduleRef.init();
  expect(moduleRef.get(InitialSeries)).toBeInstanceOf(InitialSeries);
  return registry.metrics();
}

describe('labelSetsAtStart', () => {
  const sets = labelSetsAtStart(alone(['contact', 'ticket']));

  it('names only series with labels, each set complete for its series', () => {
    for (const [name, labelSets] of Object.entries(sets)) {
      for (const labels of labelSets) expect(Object.keys(labels).sort()).toEqual([...LABELS[name]].sort());
    }
    expect(Object.keys(sets).sort()).toEqual(Object.keys(LABELS).sort());
  });

  it('covers both routes × every answer kind, both token outcomes, and each object × code and result', () => {
    expect(sets[METRIC.webhooks]).toHaveLength(2 * 10);
    expect(sets[METRIC.webhooks]).toContainEqual({ route: 'endpoint-output', outcome: 'error' });
    expect(sets[METRIC.tokenRequests]).toEqual([{ outcome: 'success' }, { outcome: 'failure' }]);
    expect(sets[METRIC.deadLetters]).toEqual([{ object: 'contact' }, { object: 'ticket' }]);
    expect(sets[METRIC.requests]).toHaveLength(2 * CRM_CODES_AT_START.length);
    expect(sets[METRIC.requests]).toContainEqual({ object: 'ticket', code: '429' });
    expect(sets[METRIC.requests]).toContainEqual({ object: 'contact', code: 'timeout' });
    expect(sets[METRIC.upserts]).toContainEqual({ object: 'ticket', result: 'unknown' });
    expect(sets[METRIC.spansDropped]).toEqual([{ reason: 'export_failed' }, { reason: 'queue_full' }]);
  });
});

describe('labelSetsAtStart with routing', () => {
  const routes = {
    perSource: (sets: Record<string, string>[]) =>
      ['default', 'chat'].flatMap((source) => sets.map((l) => ({ ...l, source }))),
    perTarget: (sets: Record<string, string>[]) =>
      ['crm', 'desk'].flatMap((target) => sets.map((l) => ({ ...l, target }))),
    target: (name: string) => (['crm', 'desk'].includes(name) ? { target: name } : null),
  };
  const targets = [
    { target: 'crm', objectTypes: ['contact', 'ticket'] },
    { target: 'desk', objectTypes: ['ticket', 'callback'] },
  ];
  const sets = labelSetsAtStart(targets, routes);

  it('repeats the webhook sets per source, the token sets per target, each target with its own object types', () => {
    expect(sets[METRIC.webhooks]).toHaveLength(2 * 2 * 10);
    expect(sets[METRIC.webhooks]).toContainEqual({ route: 'endpoint-output', outcome: 'error', source: 'chat' });
    expect(sets[METRIC.ack]).toContainEqual({ route: 'dialog-complete', source: 'default' });
    expect(sets[METRIC.tokenRequests]).toContainEqual({ outcome: 'failure', target: 'desk' });
    expect(sets[METRIC.requests]).toHaveLength(2 * 2 * CRM_CODES_AT_START.length);
    expect(sets[METRIC.requests]).toContainEqual({ object: 'ticket', code: '429', target: 'crm' });
    expect(sets[METRIC.requests]).toContainEqual({ object: 'callback', code: '503', target: 'desk' });
    expect(sets[METRIC.upserts]).toContainEqual({ object: 'callback', result: 'created', target: 'desk' });
    expect(sets[METRIC.spansDropped]).toEqual([{ reason: 'export_failed' }, { reason: 'queue_full' }]);
    for (const name of [METRIC.deadLetters, METRIC.delivery, METRIC.requestSeconds]) {
      expect(sets[name]).toEqual([
        { object: 'contact', target: 'crm' },
        { object: 'ticket', target: 'crm' },
        { object: 'ticket', target: 'desk' },
        { object: 'callback', target: 'desk' },
      ]);
    }
  });

  it('gives a target its routes send nothing to no object series, and a name the labels do not hold none', () => {
    const quiet = labelSetsAtStart(
      [
        { target: 'crm', objectTypes: [] },
        { target: 'retired', objectTypes: ['contact'] },
        { target: 'desk', objectTypes: ['ticket'] },
      ],
      routes,
    );
    expect(quiet[METRIC.deadLetters]).toEqual([{ object: 'ticket', target: 'desk' }]);
    expect(quiet[METRIC.tokenRequests]).toContainEqual({ outcome: 'success', target: 'crm' });
  });
});

describe('InitialSeries', () => {
  it('exports every known series at 0 once the application has started', async () => {
    const text = await started(alone(['contact', 'ticket']));
    expect(text).toContain('crm_dead_letters_total{object="contact"} 0');
    expect(text).toContain('crm_dead_letters_total{object="ticket"} 0');
    expect(text).toContain('crm_requests_total{object="ticket",code="503"} 0');
    expect(text).toContain('cognigy_webhooks_total{route="dialog-complete",outcome="unauthorized"} 0');
    expect(text).toContain('crm_token_requests_total{outcome="failure"} 0');
    expect(text).toContain('crm_delivery_seconds_bucket{le="2",object="ticket"} 0');
    expect(text).toContain('crm_delivery_seconds_count{object="contact"} 0');
    expect(text).toContain('cognigy_webhook_ack_seconds_count{route="endpoint-output"} 0');
    expect(text).toContain('tracing_spans_dropped_total{reason="queue_full"} 0');
  });

  it('keeps the count of a series that already exists', async () => {
    const text = await started(alone(['contact']), (series) => {
      (series.get(METRIC.deadLetters) as Counter).inc({ object: 'contact' }, 3);
      (series.get(METRIC.delivery) as Histogram).observe({ object: 'contact' }, 1.5);
    });
    expect(text).toContain('crm_dead_letters_total{object="contact"} 3');
    expect(text).toContain('crm_delivery_seconds_count{object="contact"} 1');
  });

  it("with routing, exports each target's own object types at 0, under its target", async () => {
    const targets = [
      { target: 'crm', objectTypes: ['contact'] },
      { target: 'desk', objectTypes: ['callback'] },
    ];
    const text = await started(targets, undefined, routedTo(['crm', 'desk']));
    expect(text).toContain('crm_dead_letters_total{object="contact",target="crm"} 0');
    expect(text).toContain('crm_dead_letters_total{object="callback",target="desk"} 0');
    expect(text).toContain('crm_requests_total{object="callback",code="503",target="desk"} 0');
    expect(text).toContain('crm_delivery_seconds_count{object="contact",target="crm"} 0');
    expect(text).not.toContain('object="callback",target="crm"');
    expect(text).not.toContain('object="contact",target="desk"');
  });
});
