import { latencyFigures, UsageRecorder, type ProcessUsage } from './figures';

describe('latencyFigures', () => {
  it('takes nearest-rank percentiles whatever the order of the samples', () => {
    const samples = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(latencyFigures(samples)).toEqual({
      count: 100,
      p50Ms: 50,
      p90Ms: 90,
      p99Ms: 99,
      maxMs: 100,
      meanMs: 50.5,
    });
  });

  it('puts a lone outlier only in the max of a small sample', () => {
    const figures = latencyFigures([...Array.from({ length: 99 }, () => 10), 5000]);
    expect(figures).toMatchObject({ p99Ms: 10, maxMs: 5000 });
  });

  it('says NaN rather than 0 when nothing was measured', () => {
    const figures = latencyFigures([]);
    expect(figures.count).toBe(0);
    expect(figures.p99Ms).toBeNaN();
    expect(figures.maxMs).toBeNaN();
  });
});

describe('UsageRecorder', () => {
  /** A reader that hands out the given readings one by one (the recorder samples at start and stop). */
  const scripted = (readings: ProcessUsage[]) => {
    let next = 0;
    return () => readings[Math.min(next++, readings.length - 1)];
  };
  const at = (ms: number, cpuMs: number, rssPeakMiB = 100): ProcessUsage => ({
    at: ms,
    cpuMs,
    rssMiB: rssPeakMiB,
    rssPeakMiB,
  });

  it('gives the CPU share over a window from the samples around it', () => {
    const recorder = new UsageRecorder(scripted([at(1000, 0), at(3000, 1000, 250)]), 60_000);
    recorder.stop();
    expect(recorder.cpuPctBetween(1000, 3000)).toBe(50);
    expect(recorder.rssPeakMiB()).toBe(250);
  });

  it('uses the last sample at or before the start and the first at or after the end', () => {
    jest.useFakeTimers();
    try {
      const readings = [at(0, 0), at(1000, 900), at(2000, 1100), at(3000, 1300), at(4000, 2300)];
      // One reading at start, three from the interval, one at stop.
      const recorder = new UsageRecorder(scripted(readings), 100);
      jest.advanceTimersByTime(300);
      recorder.stop();
      // Window [1500, 2500]: samples at 1000 and 3000 → (1300 − 900) ms over 2000 ms.
      expect(recorder.cpuPctBetween(1500, 2500)).toBe(20);
    } finally {
      jest.useRealTimers();
    }
  });
});
