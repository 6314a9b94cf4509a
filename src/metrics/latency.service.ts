import { Inject, Injectable } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { metricsConfig } from '../config/metrics.config';
import { LatencyReport } from './latency-report';
import { LatencyWindow } from './latency-window';

/** The SLA view: end to end (receipt → CRM upsert confirmed) and ack (receipt → answer). */
@Injectable()
export class LatencyService extends LatencyReport {
  private readonly endToEnd: LatencyWindow;
  private readonly ack: LatencyWindow;

  constructor(@Inject(metricsConfig.KEY) private readonly config: ConfigType<typeof metricsConfig>) {
    super();
    this.endToEnd = new LatencyWindow(config.latencyWindow);
    this.ack = new LatencyWindow(config.latencyWindow);
  }

  recordDelivery(ms: number): void {
    this.endToEnd.record(ms);
  }

  recordAck(ms: number): void {
    this.ack.record(ms);
  }

  report(): Record<string, unknown> {
    const threshold = this.config.slaThresholdSeconds;
    const ack = this.ack.figures(threshold) ?? { status: 'no_data' };
    const endToEnd = this.endToEnd.figures(threshold);
    if (!endToEnd) return this.ack.length === 0 ? { status: 'no_data' } : { status: 'no_data', ack };
    return { ...endToEnd, ack };
  }
}
