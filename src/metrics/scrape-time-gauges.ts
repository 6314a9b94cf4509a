import { Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import { Gauge } from 'prom-client';
import { CrmStatus } from '../crm/crm-status';
import { StoreHealth } from '../queue/store-health';
import { BreakerState } from '../telemetry/telemetry-signals';
import { ReadinessCheck } from './health/readiness-check';
import { METRIC } from './prometheus-metrics';

const CIRCUIT_VALUE: Record<BreakerState, number> = { closed: 0, 'half-open': 1, open: 2 };

type Collector = () => void | Promise<void>;
/** prom-client calls a metric's `collect` on every scrape, before it reads the values. */
type Collectable = { collect?: Collector };

/**
 * Gauges that mirror state are read from their source when scraped, so they cannot drift. The
 * gauge definitions are process-wide (prom-client's default registry: the apps of one test process
 * share them), so each app installs its readers when it starts and removes them when it stops.
 */
@Injectable()
export class ScrapeTimeGauges implements OnModuleInit, OnModuleDestroy {
  private readonly readers = new Map<Collectable, Collector>();

  constructor(
    private readonly store: StoreHealth,
    private readonly crm: CrmStatus,
    private readonly readiness: ReadinessCheck,
    @InjectMetric(METRIC.circuit) private readonly circuit: Gauge,
    @InjectMetric(METRIC.queue) private readonly queue: Gauge<'state'>,
    @InjectMetric(METRIC.oldestQueuedAge) private readonly oldestQueuedAge: Gauge,
    @InjectMetric(METRIC.ready) private readonly ready: Gauge,
  ) {}

  onModuleInit(): void {
    this.install(this.circuit, () => this.circuit.set(CIRCUIT_VALUE[this.crm.breakerState()]));
    this.install(this.queue, () => this.readQueueDepths());
    this.install(this.oldestQueuedAge, () => this.readOldestQueuedAge());
    this.install(this.ready, async () => this.ready.set((await this.readiness.isReady()) ? 1 : 0));
  }

  onModuleDestroy(): void {
    for (const [gauge, reader] of this.readers) if (gauge.collect === reader) delete gauge.collect;
  }

  private install(gauge: Gauge<string>, reader: Collector): void {
    // Gauge's type declares `collect` on its configuration only; the instance holds it.
    const collectable = gauge as Collectable;
    collectable.collect = reader;
    this.readers.set(collectable, reader);
  }

  private async readQueueDepths(): Promise<void> {
    try {
      const counts = await this.store.countByState();
      this.queue.set({ state: 'queued' }, counts.queued);
      this.queue.set({ state: 'dead' }, counts.dead);
    } catch {
      // The store is away: every other series still matters most right now; depth is unknown.
      this.queue.set({ state: 'queued' }, Number.NaN);
      this.queue.set({ state: 'dead' }, Number.NaN);
    }
  }

  private async readOldestQueuedAge(): Promise<void> {
    try {
      const receivedAt = await this.store.oldestQueuedAt();
      // Clamped: another instance's clock (Redis) may run a little ahead of this one's.
      this.oldestQueuedAge.set(receivedAt === null ? 0 : Math.max(0, (Date.now() - receivedAt) / 1000));
    } catch {
      this.oldestQueuedAge.set(Number.NaN);
    }
  }
}
