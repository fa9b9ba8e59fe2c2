/** Small measurement helpers for the messaging benchmark: percentiles, memory peaks, formatting. */
import { readFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

export interface LatencySummary {
  count: number;
  meanMs: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  p999Ms: number;
  maxMs: number;
}

/** Nearest-rank percentile over a sorted sample (p in 0..100). */
function percentileOfSorted(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

export function summarizeLatencies(samples: Float64Array): LatencySummary {
  const sorted = Float64Array.from(samples).sort();
  let sum = 0;
  for (const value of sorted) sum += value;
  return {
    count: sorted.length,
    meanMs: sorted.length ? round(sum / sorted.length, 3) : Number.NaN,
    p50Ms: round(percentileOfSorted(sorted, 50), 3),
    p95Ms: round(percentileOfSorted(sorted, 95), 3),
    p99Ms: round(percentileOfSorted(sorted, 99), 3),
    p999Ms: round(percentileOfSorted(sorted, 99.9), 3),
    maxMs: round(sorted.length ? sorted[sorted.length - 1] : Number.NaN, 3),
  };
}

export interface MemoryPeak {
  /** CPU time of this process over the run, % of one core (200 = both cores of this box). */
  processCpuPct: number;
  /** Whole-machine CPU busy over the run (all processes, broker included), % of all cores. */
  machineBusyPct: number;
  rssStartMiB: number;
  rssPeakMiB: number;
  heapUsedPeakMiB: number;
  externalPeakMiB: number;
}

const MiB = 1024 * 1024;

let gcFn: (() => void) | undefined;

/**
 * Full GC before a run, so its memory peak is not inflated by garbage the previous run left
 * behind (the npm script cannot pass --expose-gc, so it is switched on at run time).
 */
export function collectGarbage(): void {
  if (!gcFn) {
    setFlagsFromString('--expose-gc');
    gcFn = runInNewContext('gc') as () => void;
  }
  gcFn();
}

/**
 * Samples process memory every `intervalMs` while a scenario runs; `stop()` returns the peaks.
 * Construct it with `MemorySampler.begin()`, which first collects garbage.
 */
export class MemorySampler {
  static begin(intervalMs = 50): MemorySampler {
    collectGarbage();
    return new MemorySampler(intervalMs);
  }

  private readonly start = process.memoryUsage();
  private rss = this.start.rss;
  private heap = this.start.heapUsed;
  private external = this.start.external + this.start.arrayBuffers;
  private readonly timer: NodeJS.Timeout;
  private readonly cpuStart = process.cpuUsage();
  private readonly wallStart = performance.now();
  private readonly machineStart = machineCpuTicks();

  private constructor(intervalMs: number) {
    this.timer = setInterval(() => this.sample(), intervalMs);
    this.timer.unref();
  }

  private sample(): void {
    const m = process.memoryUsage();
    this.rss = Math.max(this.rss, m.rss);
    this.heap = Math.max(this.heap, m.heapUsed);
    this.external = Math.max(this.external, m.external + m.arrayBuffers);
  }

  stop(): MemoryPeak {
    this.sample();
    clearInterval(this.timer);
    const cpu = process.cpuUsage(this.cpuStart);
    const wallMs = performance.now() - this.wallStart;
    const machine = machineCpuTicks();
    const total = machine.total - this.machineStart.total;
    return {
      processCpuPct: round(((cpu.user + cpu.system) / 1000 / wallMs) * 100, 0),
      machineBusyPct:
        total > 0
          ? round((100 * (total - (machine.idle - this.machineStart.idle))) / total, 0)
          : Number.NaN,
      rssStartMiB: round(this.start.rss / MiB, 1),
      rssPeakMiB: round(this.rss / MiB, 1),
      heapUsedPeakMiB: round(this.heap / MiB, 1),
      externalPeakMiB: round(this.external / MiB, 1),
    };
  }
}

/** Aggregate CPU jiffies from /proc/stat (Linux); zeros elsewhere. */
export function machineCpuTicks(): { total: number; idle: number } {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0];
    const ticks = line.trim().split(/\s+/).slice(1).map(Number);
    const idle = (ticks[3] ?? 0) + (ticks[4] ?? 0);
    return { total: ticks.reduce((a, b) => a + b, 0), idle };
  } catch {
    return { total: 0, idle: 0 };
  }
}

/** Fraction of all cores idle over the next `ms` milliseconds. */
export async function machineIdleFraction(ms = 1000): Promise<number> {
  const a = machineCpuTicks();
  await sleep(ms);
  const b = machineCpuTicks();
  const total = b.total - a.total;
  return total > 0 ? (b.idle - a.idle) / total : 1;
}

export function round(value: number, digits = 0): number {
  if (!Number.isFinite(value)) return value;
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** Events (or rows) per second over a window in ms. */
export function perSecond(count: number, ms: number): number {
  return ms > 0 ? round((count * 1000) / ms) : Number.NaN;
}

/** MiB/s of payload bytes (the unit Kafka's ProducerPerformance labels "MB/sec"). */
export function mibPerSecond(count: number, bytesEach: number, ms: number): number {
  return ms > 0 ? round((count * bytesEach * 1000) / ms / MiB, 2) : Number.NaN;
}

export function fmt(value: number | undefined, digits = 0): string {
  if (value === undefined || !Number.isFinite(value)) return '-';
  return value.toLocaleString('en-US', {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
}

/** Renders rows as a fixed-width text table (first column left-aligned, the rest right-aligned). */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function log(message: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 23)}] ${message}\n`);
}
