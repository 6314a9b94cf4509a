import { collectDefaultMetrics, Registry } from 'prom-client';

/**
 * prom-client's three `nodejs_active_*_total` are gauges named like counters: `promtool check
 * metrics` rejects them (exit 3; prometheus/client_js#283). `nodejs_active_handles{type}` and
 * friends stay, and sum() over them gives the same totals.
 */
const NON_COUNTER_TOTALS = [
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
];

let processSeries: Registry | undefined;

/**
 * Node's own series (CPU, memory, event-loop delay, GC), which describe the process rather than an
 * application. prom-client starts their monitors (an event-loop delay histogram, a GC observer)
 * with no way to stop them, so they are collected once per process, here, and each application's
 * registry includes them (metrics-registry.ts).
 */
export function processMetrics(): Registry {
  if (processSeries) return processSeries;
  processSeries = new Registry();
  collectDefaultMetrics({ register: processSeries });
  for (const name of NON_COUNTER_TOTALS) processSeries.removeSingleMetric(name);
  return processSeries;
}
