import { LatencyWindow } from './latency-window';

/**
 * The latency figures over a ring buffer of the last N latencies. Percentiles are nearest-rank: the
 * p-th percentile of n sorted samples is the sample at (1-based) rank ceil(p/100 × n). Every
 * expected number below is worked out by hand in the comment next to it, not by the code under test.
 */

/** Records `values` in the given order (deliberately not sorted) into a window of `size`. */
function windowOf(size: number, values: number[]): LatencyWindow {
  const window = new LatencyWindow(size);
  values.forEach((ms) => window.record(ms));
  return window;
}

describe('LatencyWindow', () => {
  it('has no figures before the first sample', () => {
    const window = new LatencyWindow(10);
    expect(window.length).toBe(0);
    expect(window.figures(2)).toBeNull();
  });

  describe('a window of 1 sample', () => {
    it('reports that sample as mean and every percentile', () => {
      // n = 1: every rank ceil(p/100 × 1) = 1 → the only sample, 42; mean 42/1 = 42; 42 ms ≤ 2000 ms → 100 %.
      expect(windowOf(1, [42]).figures(2)).toEqual({
        total_requests: 1,
        mean_latency_ms: 42,
        p50_latency_ms: 42,
        p95_latency_ms: 42,
        p99_latency_ms: 42,
        sla_compliance_percent: 100,
        sla_threshold_seconds: 2,
      });
    });

    it('is 0 % compliant when the sample is over the threshold', () => {
      // 2500 ms > 2.0 s = 2000 ms → 0 of 1 compliant.
      const figures = windowOf(1, [2500]).figures(2)!;
      expect(figures.sla_compliance_percent).toBe(0);
      expect(figures.p99_latency_ms).toBe(2500);
    });

    it('keeps only the newest sample once full', () => {
      // size 1: 7 then 9 → only 9 is left.
      const window = windowOf(1, [7, 9]);
      expect(window.length).toBe(1);
      expect(window.figures(2)).toMatchObject({ total_requests: 1, mean_latency_ms: 9, p50_latency_ms: 9 });
    });
  });

  describe('a window of 2 samples', () => {
    it('takes the lower sample as p50 and the upper one as p95 and p99', () => {
      // sorted [10, 30]; p50 rank ceil(0.5 × 2) = 1 → 10; p95 rank ceil(1.9) = 2 → 30;
      // p99 rank ceil(1.98) = 2 → 30; mean (10 + 30) / 2 = 20;
      // threshold 0.02 s = 20 ms: 10 ≤ 20 yes, 30 no → 1 of 2 = 50 %.
      expect(windowOf(2, [30, 10]).figures(0.02)).toEqual({
        total_requests: 2,
        mean_latency_ms: 20,
        p50_latency_ms: 10,
        p95_latency_ms: 30,
        p99_latency_ms: 30,
        sla_compliance_percent: 50,
        sla_threshold_seconds: 0.02,
      });
    });
  });

  describe('a window of 20 samples', () => {
    // 5, 10, …, 100 ms, recorded out of order (a lexicographic sort would put 100 before 15).
    const values = [100, 5, 55, 10, 95, 15, 45, 20, 85, 25, 35, 30, 75, 40, 65, 50, 60, 70, 80, 90];

    it('computes nearest-rank percentiles, mean and compliance', () => {
      // sorted 5·1 … 5·20; sample at rank r is 5r.
      // p50 rank ceil(0.50 × 20) = 10 → 50; p95 rank ceil(0.95 × 20) = 19 → 95;
      // p99 rank ceil(0.99 × 20) = ceil(19.8) = 20 → 100.
      // mean 5 × (1 + … + 20) / 20 = 5 × 210 / 20 = 52.5.
      // threshold 0.05 s = 50 ms: 5 … 50 are ≤ 50 → 10 of 20 = 50 % (50 itself counts).
      expect(windowOf(20, values).figures(0.05)).toEqual({
        total_requests: 20,
        mean_latency_ms: 52.5,
        p50_latency_ms: 50,
        p95_latency_ms: 95,
        p99_latency_ms: 100,
        sla_compliance_percent: 50,
        sla_threshold_seconds: 0.05,
      });
    });

    it('counts a sample exactly at the threshold as compliant', () => {
      // threshold 0.1 s = 100 ms: all 20 are ≤ 100 (the 100 ms sample included) → 100 %.
      // A strict "<" would give 19 of 20 = 95 %.
      expect(windowOf(20, values).figures(0.1)!.sla_compliance_percent).toBe(100);
      // 0.095 s = 95 ms: 5 … 95 → 19 of 20 = 95 %.
      expect(windowOf(20, values).figures(0.095)!.sla_compliance_percent).toBe(95);
    });

    it('counts a sample at the threshold as compliant even where seconds × 1000 is inexact', () => {
      // In binary floating point 1.001 × 1000 = 1000.9999999999999 and 1.017 × 1000 = 1016.9999999999999:
      // a sample of exactly 1001 (1017) ms is still at the threshold, not over it. [1001, 1002]: 1 of 2.
      expect(windowOf(2, [1001, 1002]).figures(1.001)!.sla_compliance_percent).toBe(50);
      expect(windowOf(2, [1017, 1018]).figures(1.017)!.sla_compliance_percent).toBe(50);
    });

    it('keeps only the last 20 of 1000 recorded samples', () => {
      // 1 … 1000 into a window of 20 → 981 … 1000 remain; sample at rank r is 980 + r.
      // p50 rank 10 → 990; p95 rank 19 → 999; p99 rank 20 → 1000; mean (981 + 1000) / 2 = 990.5;
      // threshold 0.99 s = 990 ms: 981 … 990 → 10 of 20 = 50 %.
      const window = windowOf(
        20,
        Array.from({ length: 1000 }, (_, i) => i + 1),
      );
      expect(window.length).toBe(20);
      expect(window.figures(0.99)).toEqual({
        total_requests: 20,
        mean_latency_ms: 990.5,
        p50_latency_ms: 990,
        p95_latency_ms: 999,
        p99_latency_ms: 1000,
        sla_compliance_percent: 50,
        sla_threshold_seconds: 0.99,
      });
    });
  });

  describe('a window of 1000 samples', () => {
    it('computes the figures over 1 … 1000 ms recorded in reverse order', () => {
      // sample at rank r is r. p50 rank 500 → 500; p95 rank 950 → 950; p99 rank 990 → 990;
      // mean (1 + 1000) / 2 = 500.5; threshold 0.9 s = 900 ms: 1 … 900 → 900 of 1000 = 90 %.
      const window = windowOf(
        1000,
        Array.from({ length: 1000 }, (_, i) => 1000 - i),
      );
      expect(window.figures(0.9)).toEqual({
        total_requests: 1000,
        mean_latency_ms: 500.5,
        p50_latency_ms: 500,
        p95_latency_ms: 950,
        p99_latency_ms: 990,
        sla_compliance_percent: 90,
        sla_threshold_seconds: 0.9,
      });
    });

    it('does not let 10 slow samples in 1000 move p99, but 11 do', () => {
      // 990 × 10 ms then 10 × 5000 ms: p99 rank 990 is the last 10 ms sample → 10.
      // mean (990 × 10 + 10 × 5000) / 1000 = (9900 + 50000) / 1000 = 59.9;
      // p95 rank 950 → 10; 2 s threshold: 990 of 1000 = 99 %.
      const ten = windowOf(1000, [...Array(990).fill(10), ...Array(10).fill(5000)]);
      expect(ten.figures(2)).toEqual({
        total_requests: 1000,
        mean_latency_ms: 59.9,
        p50_latency_ms: 10,
        p95_latency_ms: 10,
        p99_latency_ms: 10,
        sla_compliance_percent: 99,
        sla_threshold_seconds: 2,
      });
      // One more slow sample evicts the oldest 10 ms one: 989 × 10 + 11 × 5000.
      // p99 rank 990 → now a 5000 ms sample; mean (9890 + 55000) / 1000 = 64.89; 989 / 1000 = 98.9 %.
      ten.record(5000);
      expect(ten.figures(2)).toMatchObject({
        total_requests: 1000,
        mean_latency_ms: 64.89,
        p95_latency_ms: 10,
        p99_latency_ms: 5000,
        sla_compliance_percent: 98.9,
      });
    });

    it('evicts the oldest samples first as the ring wraps', () => {
      // 1000 × 3000 ms, then 1000 × 1 ms: the window holds only the 1 ms samples.
      const window = windowOf(1000, [...Array(1000).fill(3000), ...Array(1000).fill(1)]);
      expect(window.length).toBe(1000);
      expect(window.figures(2)).toMatchObject({
        total_requests: 1000,
        mean_latency_ms: 1,
        p99_latency_ms: 1,
        sla_compliance_percent: 100,
      });
      // Half-way round again: 500 × 2000 ms replace the 500 oldest 1 ms samples.
      // sorted: 500 × 1 then 500 × 2000. p50 rank 500 → 1; p95 rank 950 → 2000;
      // mean (500 + 1 000 000) / 1000 = 1000.5; 2000 ms = 2.0 s counts as compliant → 100 %.
      for (let i = 0; i < 500; i++) window.record(2000);
      expect(window.figures(2)).toMatchObject({
        total_requests: 1000,
        mean_latency_ms: 1000.5,
        p50_latency_ms: 1,
        p95_latency_ms: 2000,
        sla_compliance_percent: 100,
      });
      // With 1.999 s, the 500 samples of 2000 ms fall out of the SLA → 50 %.
      expect(window.figures(1.999)!.sla_compliance_percent).toBe(50);
    });
  });

  describe('ring buffer of 3', () => {
    it('holds only the last 3 samples, oldest out first', () => {
      const window = windowOf(3, [1000, 1000, 1000, 1, 2]);
      // window [1000, 1, 2]: sorted [1, 2, 1000]; p50 rank ceil(1.5) = 2 → 2; p95 rank 3 → 1000;
      // mean 1003 / 3 = 334.333…→ 334.333; 1 s threshold: all three ≤ 1000 → 100 %.
      expect(window.figures(1)).toEqual({
        total_requests: 3,
        mean_latency_ms: 334.333,
        p50_latency_ms: 2,
        p95_latency_ms: 1000,
        p99_latency_ms: 1000,
        sla_compliance_percent: 100,
        sla_threshold_seconds: 1,
      });
      window.record(3);
      // window [1, 2, 3]: mean 2, p50 2, p99 3; 0.002 s = 2 ms: 1 and 2 → 2 of 3 = 66.667 %.
      expect(window.figures(0.002)).toEqual({
        total_requests: 3,
        mean_latency_ms: 2,
        p50_latency_ms: 2,
        p95_latency_ms: 3,
        p99_latency_ms: 3,
        sla_compliance_percent: 66.667,
        sla_threshold_seconds: 0.002,
      });
    });

    it('counts up to its size before it starts evicting', () => {
      const window = new LatencyWindow(3);
      window.record(5);
      expect(window.length).toBe(1);
      window.record(6);
      expect(window.length).toBe(2);
      // [5, 6] only: the unused third slot (0) must not count as a sample. mean 5.5, p50 rank 1 → 5.
      expect(window.figures(2)).toMatchObject({ total_requests: 2, mean_latency_ms: 5.5, p50_latency_ms: 5 });
    });
  });

  it('rounds figures to the microsecond (3 decimals of a millisecond)', () => {
    // [0.1234, 0.2] → mean 0.3234 / 2 = 0.1617; p50 rank 1 → 0.1234 → 0.123; p99 → 0.2.
    expect(windowOf(2, [0.1234, 0.2]).figures(2)).toMatchObject({
      mean_latency_ms: 0.162,
      p50_latency_ms: 0.123,
      p99_latency_ms: 0.2,
    });
  });
});
