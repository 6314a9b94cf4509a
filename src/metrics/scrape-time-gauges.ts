import { Injectable } from '@nestjs/common';
import { Gauge, Registry } from 'prom-client';
import { CrmStatus } from '../crm/crm-status';
import { TargetStatus } from '../crm/target-status';
import { StoreHealth } from '../queue/store-health';
import { BreakerState } from '../telemetry/telemetry-signals';
import { ReadinessCheck } from './health/readiness-check';
import { METRIC } from './prometheus-metrics';
import { RouteLabels } from './route-labels';
import { TargetQueueDepths } from './target-queue-depths';

const CIRCUIT_VALUE: Record<BreakerState, number> = { closed: 0, 'half-open': 1, open: 2 };

/**
 * Gauges that mirror state, read from their source on every scrape (prom-client calls a metric's
 * `collect` before it reads the values), so they cannot drift.
 */
@Injectable()
export class ScrapeTimeGauges {
  readonly circuit: Gauge<'target'>;
  readonly queue: Gauge<'state' | 'target'>;
  readonly oldestQueuedAge: Gauge;
  readonly ready: Gauge;

  constructor(
    registry: Registry,
    store: StoreHealth,
    crm: CrmStatus,
    readiness: ReadinessCheck,
    routes: RouteLabels,
    targets: TargetStatus,
  ) {
    const registers = [registry];
    const targetDepths = new TargetQueueDepths(store, routes.targets);
    this.circuit = new Gauge({
      name: METRIC.circuit,
      help: 'CRM circuit breaker: 0 closed, 1 half-open, 2 open (with routing: per target)',
      labelNames: routes.targetNames(),
      registers,
      collect() {
        if (!routes.routed) return this.set(CIRCUIT_VALUE[crm.breakerState()]);
        for (const { name, breaker } of targets.targets()) {
          if (routes.target(name)) this.set({ target: name }, CIRCUIT_VALUE[breaker]);
        }
      },
    });
    this.queue = new Gauge({
      name: METRIC.queue,
      help: 'Events in the store by state (with routing: deliveries by target and state, also of a target ROUTES_FILE no longer names), read at scrape time',
      labelNames: ['state', ...routes.targetNames()],
      registers,
      async collect() {
        await (routes.routed ? targetDepths.set(this) : readQueueDepths(this, store));
      },
    });
    this.oldestQueuedAge = new Gauge({
      name: METRIC.oldestQueuedAge,
      help: 'Seconds since the oldest queued event was received (0 when none is queued), read at scrape time',
      registers,
      async collect() {
        await readOldestQueuedAge(this, store);
      },
    });
    this.ready = new Gauge({
      name: METRIC.ready,
      help: 'Whether GET /health/ready answers ready (1) or 503 (0), read at scrape time',
      registers,
      async collect() {
        this.set((await readiness.isReady()) ? 1 : 0);
      },
    });
  }
}

async function readQueueDepths(gauge: Gauge<'state'>, store: StoreHealth): Promise<void> {
  try {
    const counts = await store.countByState();
    gauge.set({ state: 'queued' }, counts.queued);
    gauge.set({ state: 'dead' }, counts.dead);
  } catch {
    // The store is away: every other series still matters most right now; depth is unknown.
    gauge.set({ state: 'queued' }, Number.NaN);
    gauge.set({ state: 'dead' }, Number.NaN);
  }
}

async function readOldestQueuedAge(gauge: Gauge, store: StoreHealth): Promise<void> {
  try {
    const receivedAt = await store.oldestQueuedAt();
    // Clamped: another instance's clock (Redis) may run a little ahead of this one's.
    gauge.set(receivedAt === null ? 0 : Math.max(0, (Date.now() - receivedAt) / 1000));
  } catch {
    gauge.set(Number.NaN);
  }
}
