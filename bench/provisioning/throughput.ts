/**
 * Throughput: J five-task jobs submitted at once (one PUT after the other) to a service whose pool
 * runs P playbooks at a time; jobs per minute from the first PUT to the last `finished`. One
 * service start per P. Completion is watched in the database (not through the API, whose polling
 * would load the service).
 */
import { MemorySampler, log, round, sleep } from '../messaging/stats';
import { machineBusy, ratioOf, type Spread, spread } from './figures';
import {
  DescendantsSampler,
  PostgresCpu,
  type ServiceProfiler,
  childrenCpuMs,
  wallNow,
} from './probes';
import type { BenchService } from './service';

export interface ThroughputRun {
  maxParallel: number;
  jobs: number;
  succeeded: number;
  failed: number;
  /** First PUT → last `finished`. */
  wallMs: number;
  jobsPerMin: number;
  /** All PUTs answered after (ms). */
  submitMs: number;
  /** PUT sent → `finished`, per job. */
  latencyMs: Spread;
  /** `created` → the runner started (queue wait in the pool). */
  queueMs: Spread;
  /** The runner's run (private folder → ansible-playbook exits → clean-up). */
  executeMs: Spread;
  /** Largest number of jobs between `started` and `finished` at once (from the DB timestamps). */
  peakRunning: number;
  cpuMsPerJob: { service: number; ansible: number; postgres: number; total: number };
  /** Jobs/min the 2 cores could give if CPU were the only limit: cores × 60 s ÷ CPU per job. */
  cpuBoundJobsPerMin: number;
  processCpuPct: number;
  machineBusyPct: number;
  /**
   * Cores used by processes outside this benchmark (other tenants, the broker): machine busy
   * minus this process, its ansible children and PostgreSQL. Roughly; CPU steal is not seen.
   */
  otherLoadCores: number;
  rssStartMiB: number;
  rssPeakMiB: number;
  heapUsedPeakMiB: number;
  ansibleRssPeakMiB: number;
  ansibleProcessesPeak: number;
}

export interface ThroughputOptions {
  start: (maxParallel: number) => Promise<BenchService>;
  pools: number[];
  jobs: number;
  profiler: ServiceProfiler;
  quiet: () => Promise<void>;
  timeoutMs: number;
  cores: number;
}

async function waitAllEnded(svc: BenchService, ids: number[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const rows = await svc.rows(ids);
    if (rows.every((r) => r.status !== 1)) return;
    if (Date.now() > deadline) throw new Error(`jobs still running after ${timeoutMs} ms`);
    await sleep(100);
  }
}

function peakConcurrency(intervals: [number, number][]): number {
  const edges = intervals.flatMap(([a, b]) => [
    [a, 1],
    [b, -1],
  ]);
  edges.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  let now = 0;
  let peak = 0;
  for (const [, d] of edges) {
    now += d;
    peak = Math.max(peak, now);
  }
  return peak;
}

async function submit(svc: BenchService): Promise<number> {
  const r = await svc.call('PUT', '/crm/provision/', {
    product_id: svc.productFive,
    customer_id: svc.customer,
  });
  const id = r.body.provision_id;
  if (r.status !== 200 || typeof id !== 'number')
    throw new Error(`PUT /crm/provision/ answered ${r.status}: ${JSON.stringify(r.body)}`);
  return id;
}

export async function runThroughput(o: ThroughputOptions): Promise<ThroughputRun[]> {
  const out: ThroughputRun[] = [];
  for (const maxParallel of o.pools) {
    const svc = await o.start(maxParallel);
    try {
      // Warm-up: one job per slot (connections, JIT, Python's files in the page cache).
      const warm: number[] = [];
      for (let i = 0; i < Math.min(maxParallel, 4); i++) warm.push(await submit(svc));
      await waitAllEnded(svc, warm, o.timeoutMs);
      await o.quiet();
      log(`throughput: ${o.jobs} five-task jobs, pool of ${maxParallel}`);
      const memory = MemorySampler.begin();
      const descendants = new DescendantsSampler();
      const pg = new PostgresCpu();
      const busy = machineBusy();
      const children0 = childrenCpuMs();
      const cpu0 = process.cpuUsage();
      const sentAt = new Map<number, number>();
      const t0 = wallNow();
      const ids: number[] = [];
      for (let i = 0; i < o.jobs; i++) {
        const at = wallNow();
        const id = await submit(svc);
        sentAt.set(id, at);
        ids.push(id);
      }
      const submitMs = wallNow() - t0;
      await waitAllEnded(svc, ids, o.timeoutMs);
      const rows = await svc.rows(ids);
      const lastFinished = Math.max(...rows.map((r) => r.finished ?? Number.NaN));
      const wallMs = lastFinished - t0;
      // Children are reaped a moment after `finished`; give the last one time to be counted.
      await sleep(300);
      const cpu = process.cpuUsage(cpu0);
      const ansibleMs = childrenCpuMs() - children0;
      const pgCpu = pg.stop();
      const machine = busy();
      const anc = descendants.stop();
      const mem = memory.stop();
      const serviceMs = (cpu.user + cpu.system) / 1000;
      const succeeded = rows.filter((r) => r.status === 0 && r.eventsOk === 5).length;
      const traces = ids.map((id) => o.profiler.traces.get(id));
      const perJob = (ms: number) => round(ms / o.jobs, 0);
      const total = perJob(serviceMs) + perJob(ansibleMs) + perJob(pgCpu.ms);
      const run: ThroughputRun = {
        maxParallel,
        jobs: o.jobs,
        succeeded,
        failed: o.jobs - succeeded,
        wallMs: round(wallMs, 0),
        jobsPerMin: round((o.jobs * 60_000) / wallMs, 1),
        submitMs: round(submitMs, 0),
        latencyMs: spread(rows.map((r) => (r.finished ?? Number.NaN) - (sentAt.get(r.id) ?? 0))),
        queueMs: spread(rows.map((r, i) => (traces[i]?.executeStart ?? Number.NaN) - r.created)),
        executeMs: spread(
          traces.map((t) => (t?.executeEnd ?? Number.NaN) - (t?.executeStart ?? Number.NaN)),
        ),
        peakRunning: peakConcurrency(
          traces.map((t) => [t?.executeStart ?? 0, t?.executeEnd ?? 0] as [number, number]),
        ),
        cpuMsPerJob: {
          service: perJob(serviceMs),
          ansible: perJob(ansibleMs),
          postgres: perJob(pgCpu.ms),
          total,
        },
        cpuBoundJobsPerMin: round(ratioOf(o.cores * 60_000, total, 3), 1),
        processCpuPct: mem.processCpuPct,
        machineBusyPct: machine,
        otherLoadCores: round(
          (machine / 100) * o.cores - (serviceMs + ansibleMs + pgCpu.ms) / (wallNow() - t0),
          2,
        ),
        rssStartMiB: mem.rssStartMiB,
        rssPeakMiB: mem.rssPeakMiB,
        heapUsedPeakMiB: mem.heapUsedPeakMiB,
        ansibleRssPeakMiB: anc.rssPeakMiB,
        ansibleProcessesPeak: anc.processesPeak,
      };
      log(
        `throughput, pool ${maxParallel}: ${run.jobsPerMin} jobs/min (${succeeded}/${o.jobs} ok) in ${(wallMs / 1000).toFixed(1)} s; CPU per job ${total} ms; machine ${machine} % busy`,
      );
      out.push(run);
    } finally {
      await svc.close();
    }
  }
  return out;
}
