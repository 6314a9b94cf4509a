import { Injectable, OnModuleInit } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import { collectDefaultMetrics, Counter, Gauge, Histogram, register } from 'prom-client';
import { BreakerState, CrmEvents } from '../crm/crm-events';
import { CrmStatus } from '../crm/crm-status';
import { StoreHealth } from '../queue/store-health';
import { WebhookEvents } from '../webhook/webhook-events';
import { LatencyService } from './latency.service';
import { METRIC } from './prometheus-metrics';

const NON_COUNTER_TOTALS = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];

const CIRCUIT_VALUE: Record<BreakerState, number> = { closed: 0, 'half-open': 1, open: 2 };

/** Turns webhook and CRM events into Prometheus series and SLA samples. */
@Injectable()
export class MetricsRecorder implements OnModuleInit {
  constructor(
    private readonly webhookEvents: WebhookEvents,
    private readonly crmEvents: CrmEvents,
    private readonly latency: LatencyService,
    private readonly store: StoreHealth,
    private readonly crm: CrmStatus,
    @InjectMetric(METRIC.webhooks) private readonly webhooks: Counter<'route' | 'outcome'>,
    @InjectMetric(METRIC.ack) private readonly ack: Histogram<'route'>,
    @InjectMetric(METRIC.delivery) private readonly delivery: Histogram<'object'>,
    @InjectMetric(METRIC.requests) private readonly requests: Counter<'object' | 'code'>,
    @InjectMetric(METRIC.requestSeconds) private readonly requestSeconds: Histogram<'object'>,
    @InjectMetric(METRIC.circuit) private readonly circuit: Gauge,
    @InjectMetric(METRIC.tokenRequests) private readonly tokenRequests: Counter<'outcome'>,
    @InjectMetric(METRIC.queue) private readonly queue: Gauge<'state'>,
    @InjectMetric(METRIC.deadLetters) private readonly deadLetters: Counter<'object'>,
  ) {}

  onModuleInit(): void {
    // The default registry is process-wide: Node's metrics are registered once per process.
    if (!register.getSingleMetric('process_cpu_user_seconds_total')) {
      collectDefaultMetrics();
      // prom-client's three `nodejs_active_*_total` are gauges named like counters: `promtool check
      // metrics` rejects them (exit 3; prometheus/client_js#283). `nodejs_active_handles{type}`
      // and friends stay, and sum() over them gives the same totals.
      NON_COUNTER_TOTALS.forEach((name) => register.removeSingleMetric(name));
    }
    this.webhookEvents.on('answered', (route, outcome, seconds) => {
      this.webhooks.inc({ route, outcome });
      this.ack.observe({ route }, seconds);
      if (outcome === 'accepted') this.latency.recordAck(seconds * 1000);
    });
    this.crmEvents.on('crmRequest', (object, code, seconds) => {
      this.requests.inc({ object, code });
      this.requestSeconds.observe({ object }, seconds);
    });
    this.crmEvents.on('delivered', (object, receivedAt) => {
      const ms = Date.now() - receivedAt;
      this.delivery.observe({ object }, ms / 1000);
      this.latency.recordDelivery(ms);
    });
    this.crmEvents.on('deadLettered', (object) => this.deadLetters.inc({ object }));
    this.crmEvents.on('tokenRequest', (outcome) => this.tokenRequests.inc({ outcome }));
  }

  /** Gauges that mirror state are read when scraped, so they cannot drift. */
  async refreshGauges(): Promise<void> {
    this.circuit.set(CIRCUIT_VALUE[this.crm.breakerState()]);
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
}
