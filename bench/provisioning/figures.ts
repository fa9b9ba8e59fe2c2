/** Small summaries of samples (nearest-rank percentiles) and the machine's busy share. */
import { machineCpuTicks, round } from '../messaging/stats';

export interface Spread {
  n: number;
  median: number;
  p90: number;
  mean: number;
  min: number;
  max: number;
}

/** Nearest-rank percentile (p in 0..100) of unsorted values; NaN when empty. */
export function percentile(values: readonly number[], p: number): number {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

export function spread(values: readonly number[], digits = 1): Spread {
  const v = values.filter((x) => Number.isFinite(x));
  return {
    n: v.length,
    median: round(percentile(v, 50), digits),
    p90: round(percentile(v, 90), digits),
    mean: v.length ? round(v.reduce((a, b) => a + b, 0) / v.length, digits) : Number.NaN,
    min: v.length ? round(Math.min(...v), digits) : Number.NaN,
    max: v.length ? round(Math.max(...v), digits) : Number.NaN,
  };
}

export function ratioOf(a: number, b: number, digits = 3): number {
  return Number.isFinite(a) && Number.isFinite(b) && b !== 0 ? round(a / b, digits) : Number.NaN;
}

/** Share of all cores busy (all processes) between `begin()` and the returned function's call. */
export function machineBusy(): () => number {
  const start = machineCpuTicks();
  return () => {
    const end = machineCpuTicks();
    const total = end.total - start.total;
    return total > 0 ? round((100 * (total - (end.idle - start.idle))) / total, 0) : Number.NaN;
  };
}
