/** Small measurement helpers of the ticket-sla benchmark: latency percentiles, memory peaks, rates. */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { machineCpuTicks } from '../messaging/stats';

export interface LatencyFigures {
  count: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  meanMs: number;
}

/** Nearest-rank percentiles (p50/p90/p99) and the max; NaN figures for an empty sample. */
export function latencyFigures(samples: readonly number[]): LatencyFigures {
  const sorted = Float64Array.from(samples).sort();
  const n = sorted.length;
  const rank = (p: number) =>
    n === 0 ? Number.NaN : sorted[Math.min(n - 1, Math.max(0, Math.ceil((p / 100) * n) - 1))];
  let sum = 0;
  for (const value of sorted) sum += value;
  return {
    count: n,
    p50Ms: rank(50),
    p90Ms: rank(90),
    p99Ms: rank(99),
    maxMs: n === 0 ? Number.NaN : sorted[n - 1],
    meanMs: n === 0 ? Number.NaN : sum / n,
  };
}

const MiB = 1024 * 1024;

/**
 * Peaks of this process's memory, sampled where the caller says: the recompute passes are
 * synchronous loops in which no timer would ever fire, so they call `sample()` every few
 * thousand tickets.
 */
export class PeakMemory {
  private rss: number;
  private heap: number;

  constructor() {
    const m = process.memoryUsage();
    this.rss = m.rss;
    this.heap = m.heapUsed;
  }

  sample(): void {
    const m = process.memoryUsage();
    if (m.rss > this.rss) this.rss = m.rss;
    if (m.heapUsed > this.heap) this.heap = m.heapUsed;
  }

  peaks(): { rssPeakMiB: number; heapUsedPeakMiB: number } {
    this.sample();
    return { rssPeakMiB: toMiB(this.rss), heapUsedPeakMiB: toMiB(this.heap) };
  }
}

export const toMiB = (bytes: number) => Math.round((bytes / MiB) * 10) / 10;

/** Whole events per second over `ms`. */
export const perSecond = (count: number, ms: number) =>
  ms > 0 ? Math.round((count * 1000) / ms) : Number.NaN;

/** CPU time and memory of another process (the service), read from /proc on Linux. */
export interface ProcessUsage {
  /** When it was read, epoch ms. */
  at: number;
  /** User + system CPU time so far, ms. */
  cpuMs: number;
  rssMiB: number;
  /** Highest resident set size since the process started (VmHWM). */
  rssPeakMiB: number;
}

let clockTicks: number | undefined;

/** `/proc/<pid>/stat` counts CPU in clock ticks (USER_HZ, nearly always 100 a second). */
function ticksPerSecond(): number {
  if (clockTicks === undefined) {
    const answer = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout);
    clockTicks = Number.isInteger(answer) && answer > 0 ? answer : 100;
  }
  return clockTicks;
}

/** Usage of process `pid`, or undefined when it is gone or /proc cannot be read. */
export function processUsage(pid: number): ProcessUsage | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces; fields after its closing parenthesis are fixed.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = (name: string) =>
      Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1]);
    return {
      at: Date.now(),
      cpuMs: (ticks * 1000) / ticksPerSecond(),
      rssMiB: Math.round(kib('VmRSS') / 102.4) / 10,
      rssPeakMiB: Math.round(kib('VmHWM') / 102.4) / 10,
    };
  } catch {
    return undefined;
  }
}

/**
 * The whole machine's busy CPU time (all processes, all cores, from /proc/stat) as one
 * ProcessUsage: its share over a window, divided by the cores, says how busy the box was.
 */
export function machineUsage(): ProcessUsage | undefined {
  const ticks = machineCpuTicks();
  if (ticks.total === 0) return undefined;
  return {
    at: Date.now(),
    cpuMs: ((ticks.total - ticks.idle) * 1000) / ticksPerSecond(),
    rssMiB: Number.NaN,
    rssPeakMiB: Number.NaN,
  };
}

/** This process's CPU time as a ProcessUsage (memory left out: MemorySampler covers it). */
export function ownUsage(): ProcessUsage {
  const cpu = process.cpuUsage();
  return {
    at: Date.now(),
    cpuMs: (cpu.user + cpu.system) / 1000,
    rssMiB: Number.NaN,
    rssPeakMiB: Number.NaN,
  };
}

/**
 * Reads another process's usage every `intervalMs`, so its CPU share over a window known only
 * afterwards (first task → last ack) can be taken from the samples around it.
 */
export class UsageRecorder {
  private readonly samples: ProcessUsage[] = [];
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly read: () => ProcessUsage | undefined,
    intervalMs = 250,
  ) {
    this.take();
    this.timer = setInterval(() => this.take(), intervalMs);
    this.timer.unref();
  }

  private take(): void {
    const usage = this.read();
    if (usage !== undefined) this.samples.push(usage);
  }

  /** Stops sampling (after one last sample). */
  stop(): void {
    clearInterval(this.timer);
    this.take();
  }

  /** CPU of the process over `[from, to]` as % of one core, from the samples just outside it. */
  cpuPctBetween(from: number, to: number): number {
    const first = [...this.samples].reverse().find((s) => s.at <= from) ?? this.samples[0];
    const last = this.samples.find((s) => s.at >= to) ?? this.samples[this.samples.length - 1];
    if (first === undefined || last === undefined || last.at <= first.at) return Number.NaN;
    return Math.round(((last.cpuMs - first.cpuMs) / (last.at - first.at)) * 100);
  }

  /** Highest resident set size the process ever had (VmHWM at the last sample). */
  rssPeakMiB(): number {
    return this.samples[this.samples.length - 1]?.rssPeakMiB ?? Number.NaN;
  }
}
