export interface LatencyFigures {
  total_requests: number;
  mean_latency_ms: number;
  p50_latency_ms: number;
  p95_latency_ms: number;
  p99_latency_ms: number;
  sla_compliance_percent: number;
  sla_threshold_seconds: number;
}

const round = (value: number) => Math.round(value * 1000) / 1000;

/**
 * The last `size` latencies (ms) in a ring buffer. Percentiles use the nearest-rank method: the
 * p-th percentile of n sorted samples is the sample at rank ceil(p/100 × n), so it is always a
 * latency that really occurred (p50 of [1, 2] is 1, p99 of 20 samples is the largest).
 */
export class LatencyWindow {
  private readonly samples: Float64Array;
  private count = 0;
  private next = 0;

  constructor(private readonly size: number) {
    this.samples = new Float64Array(size);
  }

  record(ms: number): void {
    this.samples[this.next] = ms;
    this.next = (this.next + 1) % this.size;
    this.count = Math.min(this.count + 1, this.size);
  }

  get length(): number {
    return this.count;
  }

  figures(slaThresholdSeconds: number): LatencyFigures | null {
    if (this.count === 0) return null;
    const sorted = this.samples.slice(0, this.count).sort();
    const rank = (p: number) => sorted[Math.max(1, Math.ceil((p / 100) * this.count)) - 1];
    let sum = 0;
    let within = 0;
    for (const ms of sorted) {
      sum += ms;
      // Compared in seconds: `seconds * 1000` can land just under the threshold (1.001 * 1000 is
      // 1000.9999999999999), which would put a sample of exactly 1001 ms outside the SLA.
      if (ms / 1000 <= slaThresholdSeconds) within += 1;
    }
    return {
      total_requests: this.count,
      mean_latency_ms: round(sum / this.count),
      p50_latency_ms: round(rank(50)),
      p95_latency_ms: round(rank(95)),
      p99_latency_ms: round(rank(99)),
      sla_compliance_percent: round((within / this.count) * 100),
      sla_threshold_seconds: slaThresholdSeconds,
    };
  }
}
