import { Injectable, OnModuleInit } from '@nestjs/common';
import { Telemetry } from '../telemetry/telemetry';
import { LatencyService } from './latency.service';
import { RecordedSeries } from './prometheus-metrics';
import { RouteLabels } from './route-labels';

/**
 * Turns the telemetry signals of Webhook, Crm, Queue and the trace exporter into Prometheus series and SLA samples. A
 * signal naming a source or target the routing configuration does not hold is left out of the
 * series (its labels stay bounded) but still counts for the SLA figures.
 */
@Injectable()
export class MetricsRecorder implements OnModuleInit {
  constructor(
    private readonly telemetry: Telemetry,
    private readonly latency: LatencyService,
    private readonly series: RecordedSeries,
    private readonly routes: RouteLabels,
  ) {}

  onModuleInit(): void {
    const { series, routes } = this;
    this.telemetry.on('webhookAnswered', ({ route, kind, seconds, source }) => {
      const labels = routes.source(source);
      if (labels) {
        series.webhooks.inc({ route, outcome: kind, ...labels });
        series.ack.observe({ route, ...labels }, seconds);
      }
      if (kind === 'accepted') this.latency.recordAck(seconds * 1000);
    });
    this.telemetry.on('crmRequestMade', ({ objectType, code, seconds, target }) => {
      const labels = routes.target(target);
      if (!labels) return;
      series.requests.inc({ object: objectType, code, ...labels });
      series.requestSeconds.observe({ object: objectType, ...labels }, seconds);
    });
    this.telemetry.on('eventDelivered', ({ objectType, receivedAt, created, target }) => {
      const ms = Date.now() - receivedAt;
      this.latency.recordDelivery(ms);
      const labels = routes.target(target);
      if (!labels) return;
      const result = created === null ? 'unknown' : created ? 'created' : 'updated';
      series.upserts.inc({ object: objectType, result, ...labels });
      series.delivery.observe({ object: objectType, ...labels }, ms / 1000);
    });
    this.telemetry.on('eventDeadLettered', ({ objectType, target }) => {
      const labels = routes.target(target);
      if (labels) series.deadLetters.inc({ object: objectType, ...labels });
    });
    this.telemetry.on('tokenRequested', ({ result, target }) => {
      const labels = routes.target(target);
      if (labels) series.tokenRequests.inc({ outcome: result, ...labels });
    });
    this.telemetry.on('storeResetNoticed', () => series.storeResets.inc());
    this.telemetry.on('spansDropped', ({ reason, count }) => series.spansDropped.inc({ reason }, count));
  }
}
