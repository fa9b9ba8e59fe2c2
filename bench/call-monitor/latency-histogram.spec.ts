import { LatencyHistogram } from './latency-histogram';

/** Exact nearest-rank percentile of a sample. */
function exact(samples: number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** A deterministic spread of latencies from 5 µs to about 2 s (skewed like real ones). */
function spread(count: number): number[] {
  const out: number[] = [];
  let x = 12345;
  for (let i = 0; i < count; i++) {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    out.push(0.005 * Math.exp((x / 2 ** 31) * 12.9));
  }
  return out;
}

describe('LatencyHistogram', () => {
  it('gives every percentile within a quarter percent of the exact nearest-rank value, and the exact max', () => {
    const samples = spread(20_000);
    const histogram = new LatencyHistogram();
    for (const s of samples) histogram.record(s);
    for (const p of [50, 90, 99, 99.9]) {
      const want = exact(samples, p);
      // Buckets are 0.5 % wide and a percentile is its bucket's middle.
      expect(Math.abs(histogram.percentile(p) - want) / want).toBeLessThan(0.0026);
    }
    const summary = histogram.summary();
    expect(summary.count).toBe(20_000);
    expect(summary.maxMs).toBeCloseTo(Math.max(...samples), 3);
    const mean = samples.reduce((a, b) => a + b, 0) / samples.length;
    expect(summary.meanMs).toBeCloseTo(mean, 3);
  });

  it('tells a slow tail apart: one sample in a thousand at 250 ms is the p99.9, not the p99', () => {
    const histogram = new LatencyHistogram();
    for (let i = 0; i < 998; i++) histogram.record(1);
    histogram.record(250);
    histogram.record(250);
    expect(histogram.percentile(99)).toBeCloseTo(1, 2);
    expect(histogram.percentile(99.9)).toBeCloseTo(250, 0);
    expect(histogram.summary().maxMs).toBe(250);
  });

  it('merges as if every sample had been recorded in one histogram', () => {
    const samples = spread(5000);
    const one = new LatencyHistogram();
    const a = new LatencyHistogram();
    const b = new LatencyHistogram();
    samples.forEach((s, i) => {
      one.record(s);
      (i % 3 === 0 ? a : b).record(s);
    });
    a.merge(b);
    expect(a.summary()).toEqual(one.summary());
  });

  it('counts negative latencies (a clock error) instead of hiding them, and refuses NaN', () => {
    const histogram = new LatencyHistogram();
    histogram.record(-0.2);
    histogram.record(3);
    expect(histogram.summary().negative).toBe(1);
    expect(histogram.percentile(50)).toBe(0);
    expect(() => histogram.record(Number.NaN)).toThrow(/NaN/);
  });

  it('keeps latencies beyond its range in the last bucket with the exact max', () => {
    const histogram = new LatencyHistogram();
    histogram.record(2_000_000);
    expect(histogram.summary().maxMs).toBe(2_000_000);
    expect(histogram.percentile(100)).toBeLessThanOrEqual(2_000_000);
    expect(histogram.percentile(100)).toBeGreaterThan(590_000);
  });

  it('has no percentiles when empty', () => {
    expect(new LatencyHistogram().summary()).toMatchObject({ count: 0, p50Ms: NaN, maxMs: NaN });
  });
});
