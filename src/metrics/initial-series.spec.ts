import { Test } from '@nestjs/testing';
import { Counter, Histogram, Registry } from 'prom-client';
import { IntentMapper } from '../mapping/intent-mapper';
import { CRM_CODES_AT_START, InitialSeries, labelSetsAtStart } from './initial-series';
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
};

const UNROUTED = { perSource: (sets: unknown[]) => sets, perTarget: (sets: unknown[]) => sets };

/** The provider in a Nest module, with real prom-client series in the application's registry. */
async function started(objectTypes: string[], before?: (series: Map<string, Counter | Histogram>) => void) {
  const registry = new Registry();
  const series = new Map(
    Object.entries(LABELS).map(([name, labelNames]) => {
      const config = { name, help: name, labelNames, registers: [registry] };
      return [name, HISTOGRAMS.has(name) ? new Histogram({ ...config, buckets: [1, 2] }) : new Counter(config)];
    }),
  );
  before?.(series);
  const mapper = { objectTypes: () => objectTypes } as unknown as IntentMapper;
  const moduleRef = await Test.createTestingModule({
    providers: [
      InitialSeries,
      { provide: IntentMapper, useValue: mapper },
      { provide: Registry, useValue: registry },
      { provide: RouteLabels, useValue: UNROUTED },
    ],
  }).compile();
  await moduleRef.init();
  expect(moduleRef.get(InitialSeries)).toBeInstanceOf(InitialSeries);
  return registry.metrics();
}

describe('labelSetsAtStart', () => {
  const sets = labelSetsAtStart(['contact', 'ticket']);

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
  });
});

describe('labelSetsAtStart with routing', () => {
  const routes = {
    perSource: (sets: Record<string, string>[]) =>
      ['default', 'chat'].flatMap((source) => sets.map((l) => ({ ...l, source }))),
    perTarget: (sets: Record<string, string>[]) =>
      ['crm', 'desk'].flatMap((target) => sets.map((l) => ({ ...l, target }))),
  };
  const sets = labelSetsAtStart(['contact', 'ticket'], routes);

  it('repeats the webhook sets per source and every other set per target', () => {
    expect(sets[METRIC.webhooks]).toHaveLength(2 * 2 * 10);
    expect(sets[METRIC.webhooks]).toContainEqual({ route: 'endpoint-output', outcome: 'error', source: 'chat' });
    expect(sets[METRIC.ack]).toContainEqual({ route: 'dialog-complete', source: 'default' });
    expect(sets[METRIC.tokenRequests]).toContainEqual({ outcome: 'failure', target: 'desk' });
    expect(sets[METRIC.requests]).toHaveLength(2 * 2 * CRM_CODES_AT_START.length);
    expect(sets[METRIC.requests]).toContainEqual({ object: 'ticket', code: '429', target: 'crm' });
    expect(sets[METRIC.deadLetters]).toEqual([
      { object: 'contact', target: 'crm' },
      { object: 'ticket', target: 'crm' },
      { object: 'contact', target: 'desk' },
      { object: 'ticket', target: 'desk' },
    ]);
  });
});

describe('InitialSeries', () => {
  it('exports every known series at 0 once the application has started', async () => {
    const text = await started(['contact', 'ticket']);
    expect(text).toContain('crm_dead_letters_total{object="contact"} 0');
    expect(text).toContain('crm_dead_letters_total{object="ticket"} 0');
    expect(text).toContain('crm_requests_total{object="ticket",code="503"} 0');
    expect(text).toContain('cognigy_webhooks_total{route="dialog-complete",outcome="unauthorized"} 0');
    expect(text).toContain('crm_token_requests_total{outcome="failure"} 0');
    expect(text).toContain('crm_delivery_seconds_bucket{le="2",object="ticket"} 0');
    expect(text).toContain('crm_delivery_seconds_count{object="contact"} 0');
    expect(text).toContain('cognigy_webhook_ack_seconds_count{route="endpoint-output"} 0');
  });

  it('keeps the count of a series that already exists', async () => {
    const text = await started(['contact'], (series) => {
      (series.get(METRIC.deadLetters) as Counter).inc({ object: 'contact' }, 3);
      (series.get(METRIC.delivery) as Histogram).observe({ object: 'contact' }, 1.5);
    });
    expect(text).toContain('crm_dead_letters_total{object="contact"} 3');
    expect(text).toContain('crm_delivery_seconds_count{object="contact"} 1');
  });
});
