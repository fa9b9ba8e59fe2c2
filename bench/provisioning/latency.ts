/**
 * API latency under load: C concurrent callers in a separate process, each sending R
 * `PUT /crm/provision/` for a product with no inventory and a one-task playbook, while the pool
 * is busy (P five-task jobs are started first, then the accepted jobs queue behind them). Times
 * the PUT alone: validation, the insert transaction with its outbox record, the answer.
 */
import { fork } from 'node:child_process';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { MemorySampler, log, round, sleep } from '../messaging/stats';
import { machineBusy, percentile, spread, type Spread } from './figures';
import type { LoadRequest, LoadResult } from './load';
import {
  PostgresCpu,
  type ServiceProfiler,
  type StatementCounter,
  type StatementStat,
  wallNow,
} from './probes';
import type { BenchService } from './service';

export interface LatencyResult {
  /** DIAGNOSTIC when true: the pool was held by sleeping stand-ins for ansible-playbook. */
  standIn: boolean;
  callers: number;
  perCaller: number;
  requests: number;
  ok: number;
  errors: number;
  errorKinds: Record<string, number>;
  statusCounts: Record<string, number>;
  /** First request → last answer, in the load process. */
  wallMs: number;
  requestsPerSec: number;
  /** Of the 200 answers, ms. */
  latency: { p50: number; p90: number; p99: number; max: number; mean: number };
  /** Of all answers, errors included. */
  latencyAll: Spread;
  /** Jobs running in the pool when the burst started, and the states after it. */
  runningAtStart: number;
  statesAfter: Record<string, number>;
  /** The service's event loop during the burst (it runs in this process). */
  eventLoopDelayMs: { p50: number; p99: number; max: number };
  statementsPerRequest: number;
  statements: (StatementStat & { perRequest: number })[];
  postgresCpuPct: number;
  processCpuPct: number;
  machineBusyPct: number;
  rssPeakMiB: number;
  heapUsedPeakMiB: number;
}

export interface LatencyOptions {
  svc: BenchService;
  callers: number;
  perCaller: number;
  counter: StatementCounter;
  profiler: ServiceProfiler;
  quiet: () => Promise<void>;
  timeoutMs: number;
  /**
   * DIAGNOSTIC: the service's PROVISIONING_ANSIBLE_PLAYBOOK is a script that only sleeps, so jobs
   * hold the pool without using CPU: the same burst without Ansible competing for the cores.
   */
  standIn?: boolean;
}

async function put(svc: BenchService, product: number): Promise<number> {
  const r = await svc.call('PUT', '/crm/provision/', {
    product_id: product,
    customer_id: svc.customer,
  });
  const id = r.body.provision_id;
  if (r.status !== 200 || typeof id !== 'number')
    throw new Error(`PUT /crm/provision/ answered ${r.status}: ${JSON.stringify(r.body)}`);
  return id;
}

export async function runLatency(o: LatencyOptions): Promise<LatencyResult> {
  const { svc } = o;
  const child = fork(join(__dirname, 'load.js'), [], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  try {
    await new Promise<void>((resolve, reject) => {
      child.once('message', () => resolve());
      child.once('error', reject);
      child.once('exit', (code) => reject(new Error(`load generator exited (${code})`)));
    });
    // Warm-up: the PUT path and a few fast jobs, then wait for the pool to be idle again
    // (stand-ins never end: they stay in the pool, which is what that run wants).
    const warm = await Promise.all(Array.from({ length: 20 }, () => put(svc, svc.productFast)));
    const deadline = Date.now() + o.timeoutMs;
    while (!o.standIn && (await svc.rows(warm)).some((r) => r.status === 1)) {
      if (Date.now() > deadline) throw new Error('warm-up jobs did not finish');
      await sleep(200);
    }
    await o.quiet();
    // Fill the pool with five-task jobs so that playbooks run during the whole burst.
    const busy = o.standIn ? warm : [];
    if (!o.standIn)
      for (let i = 0; i < svc.maxParallel; i++) busy.push(await put(svc, svc.productFive));
    let running = 0;
    for (let i = 0; i < 100 && running < svc.maxParallel; i++) {
      await sleep(100);
      running = busy.filter((id) => {
        const t = o.profiler.traces.get(id);
        return t?.executeStart !== undefined && t.executeEnd === undefined;
      }).length;
    }
    log(
      `latency${o.standIn ? ' (DIAGNOSTIC: sleeping stand-ins hold the pool)' : ''}: ${o.callers} callers × ${o.perCaller} PUT /crm/provision/ (one-task playbook, no inventory) with ${running} jobs running`,
    );
    const memory = MemorySampler.begin();
    const pg = new PostgresCpu();
    const machine = machineBusy();
    const loop = monitorEventLoopDelay({ resolution: 10 });
    loop.enable();
    o.counter.reset();
    o.counter.active = true;
    const request: LoadRequest = {
      type: 'run',
      url: svc.url,
      token: svc.admin,
      body: { product_id: svc.productFast, customer_id: svc.customer },
      callers: o.callers,
      perCaller: o.perCaller,
    };
    const t0 = wallNow();
    const result = await new Promise<LoadResult>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('load generator timed out')), o.timeoutMs);
      child.removeAllListeners('exit');
      child.once('message', (m: LoadResult) => {
        clearTimeout(timer);
        resolve(m);
      });
      child.send(request);
    });
    o.counter.active = false;
    loop.disable();
    const mem = memory.stop();
    const pgCpu = pg.stop();
    const busyPct = machine();
    const statesAfter = await svc.states();
    const requests = result.samples.length;
    const ok = result.samples.filter((s) => s.status === 200);
    const okMs = ok.map((s) => s.ms);
    const statusCounts: Record<string, number> = {};
    for (const s of result.samples)
      statusCounts[String(s.status)] = (statusCounts[String(s.status)] ?? 0) + 1;
    const wallMs = result.endedAt - result.startedAt;
    const out: LatencyResult = {
      standIn: o.standIn ?? false,
      callers: o.callers,
      perCaller: o.perCaller,
      requests,
      ok: ok.length,
      errors: requests - ok.length,
      errorKinds: result.errors,
      statusCounts,
      wallMs: round(wallMs, 0),
      requestsPerSec: round((requests * 1000) / wallMs, 0),
      latency: {
        p50: round(percentile(okMs, 50), 1),
        p90: round(percentile(okMs, 90), 1),
        p99: round(percentile(okMs, 99), 1),
        max: round(percentile(okMs, 100), 1),
        mean: round(okMs.reduce((a, b) => a + b, 0) / Math.max(1, okMs.length), 1),
      },
      latencyAll: spread(result.samples.map((s) => s.ms)),
      runningAtStart: running,
      statesAfter,
      eventLoopDelayMs: {
        p50: round(loop.percentile(50) / 1e6, 1),
        p99: round(loop.percentile(99) / 1e6, 1),
        max: round(loop.max / 1e6, 1),
      },
      statementsPerRequest: round(o.counter.total / Math.max(1, requests), 1),
      statements: o.counter
        .byLabel()
        .map((s) => ({ ...s, perRequest: round(s.count / Math.max(1, requests), 2) })),
      postgresCpuPct: pgCpu.pct,
      processCpuPct: mem.processCpuPct,
      machineBusyPct: busyPct,
      rssPeakMiB: mem.rssPeakMiB,
      heapUsedPeakMiB: mem.heapUsedPeakMiB,
    };
    log(
      `latency: ${out.ok}/${requests} answered 200 in ${(wallMs / 1000).toFixed(1)} s (${out.requestsPerSec}/s); p50 ${out.latency.p50} ms, p99 ${out.latency.p99} ms; ${out.errors} errors (t0 skew ${round(result.startedAt - t0, 1)} ms)`,
    );
    return out;
  } finally {
    if (child.exitCode === null) child.kill();
  }
}
