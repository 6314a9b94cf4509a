import { Injectable, OnModuleInit } from '@nestjs/common';
import { Telemetry } from '../telemetry/telemetry';
import { LatencyService } from './latency.service';
import { RecordedSeries } from './prometheus-metrics';

/** Turns the telemetry signals of Webhook, Crm and Queue into Prometheus series and SLA samples. */
@Injectable()
export class MetricsRecorder implements OnModuleInit {
  constructor(
    private readonly telemetry: Telemetry,
    private readonly latency: LatencyService,
    private readonly series: RecordedSeries,
  ) {}

  onModuleInit(): void {
    const series = this.series;
    this.telemetry.on('webhookAnswered', ({ route, kind, seconds }) => {
      series.webhooks.inc({ route, outcome: kind });
      series.ack.observe({ route }, seconds);
      if (kind === 'accepted') this.latency.recordAck(seconds * 1000);
    });
    this.telemetry.on('crmRequestMade', ({ objectType, code, seconds }) => {
      series.requests.inc({ object: objectType, code });
      series.requestSeconds.observe({ object: objectType }, seconds);
    });
    this.telemetry.on('eventDelivered', ({ objectType, receivedAt, created }) => {
      const result = created === null ? 'unknown' : created ? 'created' : 'updated';
      series.upserts.inc({ object: objectType, result });
      const ms = Date.now() - receivedAt;
      series.delivery.observe({ object: objectType }, ms / 1000);
      this.latency.recordDelivery(ms);
    });
    this.telemetry.on('eventDeadLettered', ({ objectType }) => series.deadLetters.inc({ object: objectType }));
    this.telemetry.on('tokenRequested', ({ result }) => series.tokenRequests.inc({ outcome: result }));
    this.telemetry.on('storeResetNoticed', () => series.storeResets.inc());
  }
}
