import { Injectable, OnModuleInit } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import { collectDefaultMetrics, Counter, Histogram, register } from 'prom-client';
import { Telemetry } from '../telemetry/telemetry';
import { LatencyService } from './latency.service';
import { METRIC } from './prometheus-metrics';

const NON_COUNTER_TOTALS = [
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
];

/** Turns the telemetry signals of Webhook and Crm into Prometheus series and SLA samples. */
@Injectable()
export class MetricsRecorder implements OnModuleInit {
  constructor(
    private readonly telemetry: Telemetry,
    private readonly latency: LatencyService,
    @InjectMetric(METRIC.webhooks) private readonly webhooks: Counter<'route' | 'outcome'>,
    @InjectMetric(METRIC.ack) private readonly ack: Histogram<'route'>,
    @InjectMetric(METRIC.delivery) private readonly delivery: Histogram<'object'>,
    @InjectMetric(METRIC.requests) private readonly requests: Counter<'object' | 'code'>,
    @InjectMetric(METRIC.requestSeconds) private readonly requestSeconds: Histogram<'object'>,
    @InjectMetric(METRIC.tokenRequests) private readonly tokenRequests: Counter<'outcome'>,
    @InjectMetric(METRIC.deadLetters) private readonly deadLetters: Counter<'object'>,
    @InjectMetric(METRIC.upserts) private readonly upserts: Counter<'object' | 'result'>,
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
    this.telemetry.on('webhookAnswered', ({ route, kind, seconds }) => {
      this.webhooks.inc({ route, outcome: kind });
      this.ack.observe({ route }, seconds);
      if (kind === 'accepted') this.latency.recordAck(seconds * 1000);
    });
    this.telemetry.on('crmRequestMade', ({ objectType, code, seconds }) => {
      this.requests.inc({ object: objectType, code });
      this.requestSeconds.observe({ object: objectType }, seconds);
    });
    this.telemetry.on('eventDelivered', ({ objectType, receivedAt, created }) => {
      const result = created === null ? 'unknown' : created ? 'created' : 'updated';
      this.upserts.inc({ object: objectType, result });
      const ms = Date.now() - receivedAt;
      this.delivery.observe({ object: objectType }, ms / 1000);
      this.latency.recordDelivery(ms);
    });
    this.telemetry.on('eventDeadLettered', ({ objectType }) => this.deadLetters.inc({ object: objectType }));
    this.telemetry.on('tokenRequested', ({ result }) => this.tokenRequests.inc({ outcome: result }));
  }
}
