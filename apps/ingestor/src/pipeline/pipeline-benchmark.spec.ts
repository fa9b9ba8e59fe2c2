import { benchmarkPipeline, syntheticMetrics } from './pipeline-benchmark';

describe('pipeline micro-benchmark', () => {
  it('runs the measured path on records the pipeline accepts, with the planted rejects refused', () => {
    const result = benchmarkPipeline({ records: 1000, rounds: 1 });
    // Every 100th record is an out-of-range percentage; the rest are valid ENM-shaped metrics.
    expect(result).toMatchObject({ records: 1000, accepted: 990, rejected: 10 });
    expect(result.recordsPerSecond).toBeGreaterThan(0);
    expect(result.recordsPerSecondWithEncoding).toBeGreaterThan(0);
  });

  it('builds records spread over sites and KPIs, each keeping its raw item', () => {
    const records = syntheticMetrics(10, Date.parse('2024-01-15T10:00:00Z'), { sites: 3 });
    expect(new Set(records.map((r) => r.siteId)).size).toBe(3);
    expect(new Set(records.map((r) => r.name)).size).toBe(5);
    expect(records.every((r) => (r.raw as { siteId: string }).siteId === r.siteId)).toBe(true);
  });
});
