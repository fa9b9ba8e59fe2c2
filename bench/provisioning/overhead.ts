/**
 * Job overhead: one five-task job at a time through the API (PUT /crm/provision/, then GET every
 * `pollMs` until its status leaves 1) against the same playbook run bare, bare with the callback
 * plugin, and through the service's AnsibleRunner alone. The variants are interleaved, in an
 * order rotated each round, so that a change in the machine's load hits all of them alike.
 */
import type { AnsibleRunner } from '../../apps/provisioning/src/runner';
import { log, round, sleep } from '../messaging/stats';
import { runBare, runRunner } from './bare';
import { machineBusy, ratioOf, type Spread, spread } from './figures';
import {
  type ServiceProfiler,
  type StatementCounter,
  type StatementStat,
  childrenCpuMs,
  wallNow,
} from './probes';
import { type BenchService, FIVE_TASKS } from './service';

export const VARIANTS = ['bare', 'plugin', 'runner', 'api', 'apiWait'] as const;
export type Variant = (typeof VARIANTS)[number];

export const VARIANT_LABEL: Record<Variant, string> = {
  bare: 'ansible-playbook, bare',
  plugin: 'ansible-playbook + telcomesh_events plugin',
  runner: 'AnsibleRunner alone (no HTTP, no DB)',
  api: 'service: PUT → finished (DB), GET polled',
  apiWait: 'service: PUT → finished (DB), no polling',
};

export interface OverheadSample {
  variant: Variant;
  round: number;
  /** bare/plugin: spawn → exit; runner: start() → done; api: PUT sent → `finished` in the DB. */
  ms: number;
  ok: boolean;
  /** Machine busy (all cores, all processes) during this sample, %. */
  busyPct: number;
  /** CPU of the reaped children (ansible-playbook and its workers) during this sample. */
  childCpuMs: number;
  /** CPU of this process (the service, which also answers the playbook's CRM calls) in the sample. */
  processCpuMs: number;
  /** Phases, as far as the variant shows them (ms). */
  startupMs?: number;
  tasksMs?: number;
  tailMs?: number;
  api?: {
    putMs: number;
    seenMs: number;
    serviceMs: number;
    createdToSpawnMs: number;
    executeMs: number;
    executeEndToFinishedMs: number;
    finishedToSeenMs: number;
    /** Last task result received → its event written (the per-event DB writes lagging behind). */
    lastRecordLagMs: number;
    recordMs: Record<string, number[]>;
    completeMs: number;
    polls: number;
    /** SQL statements the process sent during the job, by label: [count, total ms]. */
    statements: Record<string, [number, number]>;
  };
}

export interface ApiSummary {
  putMs: Spread;
  seenMs: Spread;
  serviceMs: Spread;
  createdToSpawnMs: Spread;
  executeMs: Spread;
  executeEndToFinishedMs: Spread;
  finishedToSeenMs: Spread;
  lastRecordLagMs: Spread;
  completeMs: Spread;
  polls: Spread;
  /** Per event type: time of ProvisionJobs#record (its DB writes), ms. */
  recordMs: Record<string, Spread>;
  statementsPerJob: number;
  statements: (StatementStat & { perJob: number })[];
}

function apiSummary(api: NonNullable<OverheadSample['api']>[]): ApiSummary {
  const types = [...new Set(api.flatMap((a) => Object.keys(a.recordMs)))];
  const jobs = Math.max(1, api.length);
  const labels = new Map<string, [number, number]>();
  for (const a of api)
    for (const [label, [count, ms]] of Object.entries(a.statements)) {
      const x = labels.get(label) ?? [0, 0];
      labels.set(label, [x[0] + count, x[1] + ms]);
    }
  const total = [...labels.values()].reduce((sum, [count]) => sum + count, 0);
  return {
    putMs: spread(api.map((a) => a.putMs)),
    seenMs: spread(api.map((a) => a.seenMs)),
    serviceMs: spread(api.map((a) => a.serviceMs)),
    createdToSpawnMs: spread(api.map((a) => a.createdToSpawnMs)),
    executeMs: spread(api.map((a) => a.executeMs)),
    executeEndToFinishedMs: spread(api.map((a) => a.executeEndToFinishedMs)),
    finishedToSeenMs: spread(api.map((a) => a.finishedToSeenMs)),
    lastRecordLagMs: spread(api.map((a) => a.lastRecordLagMs)),
    completeMs: spread(api.map((a) => a.completeMs)),
    polls: spread(
      api.map((a) => a.polls),
      0,
    ),
    recordMs: Object.fromEntries(
      types.map((type) => [
        type,
        spread(
          api.flatMap((a) => a.recordMs[type] ?? []),
          2,
        ),
      ]),
    ),
    statementsPerJob: round(total / jobs, 1),
    statements: [...labels]
      .map(([statement, [count, ms]]) => ({
        statement,
        count,
        meanMs: round(ms / count, 2),
        perJob: round(count / jobs, 1),
      }))
      .sort((a, b) => b.count - a.count),
  };
}

export interface OverheadResult {
  runs: number;
  warmup: number;
  pollMs: number;
  samples: OverheadSample[];
  summary: Record<
    Variant,
    {
      ms: Spread;
      startupMs: Spread;
      tasksMs: Spread;
      tailMs: Spread;
      busyPct: Spread;
      childCpuMs: Spread;
      processCpuMs: Spread;
      failures: number;
    }
  >;
  /** The two service paths: GET-polled (as a client would) and waited for in process. */
  api: Record<'polled' | 'wait', ApiSummary>;
  ratios: {
    apiOverBareMedian: number;
    apiOverBareP90: number;
    apiOverPluginMedian: number;
    pluginOverBareMedian: number;
    runnerOverPluginMedian: number;
    apiOverRunnerMedian: number;
    seenOverBareMedian: number;
    apiWaitOverBareMedian: number;
    apiWaitOverPluginMedian: number;
    /** Median over the rounds of (this round's value ÷ this round's bare run). */
    perRound: Record<Variant, Spread>;
  };
}

export interface OverheadOptions {
  svc: BenchService;
  runner: AnsibleRunner;
  runs: number;
  warmup: number;
  pollMs: number;
  profiler: ServiceProfiler;
  counter: StatementCounter;
  quiet: () => Promise<void>;
  timeoutMs: number;
}

let fakeIds = 900_000;

async function apiRun(o: OverheadOptions, round_: number, poll: boolean): Promise<OverheadSample> {
  const { svc } = o;
  o.counter.reset();
  o.counter.active = true;
  const started = wallNow();
  const put = await svc.call('PUT', '/crm/provision/', {
    product_id: svc.productFive,
    customer_id: svc.customer,
  });
  const putDone = wallNow();
  const id = put.body.provision_id;
  if (put.status !== 200 || typeof id !== 'number')
    throw new Error(`PUT /crm/provision/ answered ${put.status}: ${JSON.stringify(put.body)}`);
  let polls = 0;
  let seen = Number.NaN;
  let next = putDone;
  if (!poll) {
    await svc.waitFor(id, o.timeoutMs);
    seen = wallNow();
  }
  while (poll) {
    next += o.pollMs;
    const wait = next - wallNow();
    if (wait > 0) await sleep(wait);
    polls++;
    const r = await svc.call('GET', `/crm/provision/provision_id/${id}`);
    if (r.body.provisioning_status !== 1) {
      seen = wallNow();
      break;
    }
    if (wallNow() - started > o.timeoutMs) throw new Error(`job ${id} still running`);
  }
  o.counter.active = false;
  const statements: Record<string, [number, number]> = {};
  for (const x of o.counter.byLabel()) statements[x.statement] = [x.count, x.count * x.meanMs];
  const [row] = await svc.rows([id]);
  const t = o.profiler.traces.get(id);
  const finished = row.finished ?? Number.NaN;
  const recordMs: Record<string, number[]> = {};
  for (const r of t?.records ?? []) (recordMs[r.type] ??= []).push(r.end - r.start);
  const taskRecords = (t?.records ?? []).filter((r) => r.type === 'task');
  const lastTask = t?.tasks.at(-1) ?? Number.NaN;
  return {
    variant: poll ? 'api' : 'apiWait',
    round: round_,
    ms: finished - started,
    ok: row.status === 0 && row.events === 5 && row.eventsOk === 5,
    busyPct: Number.NaN,
    childCpuMs: Number.NaN,
    processCpuMs: Number.NaN,
    startupMs: (t?.playbookStart ?? Number.NaN) - (t?.executeStart ?? Number.NaN),
    tasksMs: lastTask - (t?.playbookStart ?? Number.NaN),
    tailMs: (t?.executeEnd ?? Number.NaN) - lastTask,
    api: {
      putMs: putDone - started,
      seenMs: seen - started,
      serviceMs: finished - row.created,
      createdToSpawnMs: (t?.executeStart ?? Number.NaN) - row.created,
      executeMs: (t?.executeEnd ?? Number.NaN) - (t?.executeStart ?? Number.NaN),
      executeEndToFinishedMs: finished - (t?.executeEnd ?? Number.NaN),
      finishedToSeenMs: seen - finished,
      lastRecordLagMs: (taskRecords.at(-1)?.end ?? Number.NaN) - lastTask,
      recordMs,
      completeMs: (t?.completeEnd ?? Number.NaN) - (t?.completeStart ?? Number.NaN),
      polls,
      statements,
    },
  };
}

async function oneRun(
  o: OverheadOptions,
  variant: Variant,
  round_: number,
): Promise<OverheadSample> {
  const busy = machineBusy();
  const cpu0 = childrenCpuMs();
  const own0 = process.cpuUsage();
  let sample: OverheadSample;
  if (variant === 'api' || variant === 'apiWait') {
    sample = await apiRun(o, round_, variant === 'api');
  } else if (variant === 'runner') {
    const id = ++fakeIds;
    const r = await runRunner(o.runner, FIVE_TASKS, o.svc.bareVariables(id));
    const t = o.profiler.traces.get(id);
    const lastTask = t?.tasks.at(-1) ?? Number.NaN;
    sample = {
      variant,
      round: round_,
      ms: r.ms,
      ok: r.status === 0 && r.taskResults === 5 && r.tasksOk === 5,
      busyPct: Number.NaN,
      childCpuMs: Number.NaN,
      processCpuMs: Number.NaN,
      startupMs: (t?.playbookStart ?? Number.NaN) - (t?.executeStart ?? Number.NaN),
      tasksMs: lastTask - (t?.playbookStart ?? Number.NaN),
      tailMs: (t?.executeEnd ?? Number.NaN) - lastTask,
    };
  } else {
    const r = await runBare(
      o.runner,
      FIVE_TASKS,
      o.svc.bareVariables(++fakeIds),
      variant === 'plugin',
    );
    sample = {
      variant,
      round: round_,
      ms: r.ms,
      ok: r.exitCode === 0 && (variant === 'bare' || (r.taskResults === 5 && r.tasksOk === 5)),
      busyPct: Number.NaN,
      childCpuMs: Number.NaN,
      processCpuMs: Number.NaN,
      ...(variant === 'plugin'
        ? {
            startupMs: r.playbookStartMs ?? Number.NaN,
            tasksMs: (r.lastTaskMs ?? Number.NaN) - (r.playbookStartMs ?? Number.NaN),
            tailMs: r.ms - (r.lastTaskMs ?? Number.NaN),
          }
        : {}),
    };
  }
  sample.busyPct = busy();
  sample.childCpuMs = childrenCpuMs() - cpu0;
  const own = process.cpuUsage(own0);
  sample.processCpuMs = (own.user + own.system) / 1000;
  return sample;
}

export async function runOverhead(o: OverheadOptions): Promise<OverheadResult> {
  log(`overhead: ${o.warmup} warm-up round(s), then ${o.runs} rounds of ${VARIANTS.join(', ')}`);
  for (let w = 0; w < o.warmup; w++)
    for (const variant of VARIANTS) {
      const s = await oneRun(o, variant, -1 - w);
      if (!s.ok) throw new Error(`warm-up ${variant} run failed: ${JSON.stringify(s)}`);
    }
  await o.quiet();
  o.counter.reset();
  const samples: OverheadSample[] = [];
  for (let r = 0; r < o.runs; r++) {
    // Rotate the order each round so that no variant always runs first (or after the API one).
    const order = VARIANTS.map((_, i) => VARIANTS[(i + r) % VARIANTS.length]);
    for (const variant of order) samples.push(await oneRun(o, variant, r));
    const line = order
      .map((v) => {
        const s = samples.find((x) => x.round === r && x.variant === v) as OverheadSample;
        return `${v} ${Math.round(s.ms)} ms${s.ok ? '' : ' FAILED'}`;
      })
      .join(', ');
    log(`overhead round ${r + 1}/${o.runs}: ${line}`);
  }
  const of = (v: Variant) => samples.filter((s) => s.variant === v && s.ok);
  const summary = Object.fromEntries(
    VARIANTS.map((v) => [
      v,
      {
        ms: spread(of(v).map((s) => s.ms)),
        startupMs: spread(of(v).map((s) => s.startupMs ?? Number.NaN)),
        tasksMs: spread(of(v).map((s) => s.tasksMs ?? Number.NaN)),
        tailMs: spread(of(v).map((s) => s.tailMs ?? Number.NaN)),
        busyPct: spread(
          of(v).map((s) => s.busyPct),
          0,
        ),
        childCpuMs: spread(
          of(v).map((s) => s.childCpuMs),
          0,
        ),
        processCpuMs: spread(
          of(v).map((s) => s.processCpuMs),
          0,
        ),
        failures: samples.filter((s) => s.variant === v && !s.ok).length,
      },
    ]),
  ) as OverheadResult['summary'];
  const api = of('api').map((s) => s.api as NonNullable<OverheadSample['api']>);
  const perRound = Object.fromEntries(
    VARIANTS.map((v) => [
      v,
      spread(
        Array.from({ length: o.runs }, (_, r) => {
          const x = samples.find((q) => q.round === r && q.variant === v && q.ok);
          const b = samples.find((q) => q.round === r && q.variant === 'bare' && q.ok);
          return x && b ? x.ms / b.ms : Number.NaN;
        }),
        3,
      ),
    ]),
  ) as Record<Variant, Spread>;
  const m = (v: Variant) => summary[v].ms.median;
  return {
    runs: o.runs,
    warmup: o.warmup,
    pollMs: o.pollMs,
    samples,
    summary,
    api: {
      polled: apiSummary(api),
      wait: apiSummary(of('apiWait').map((x) => x.api as NonNullable<OverheadSample['api']>)),
    },
    ratios: {
      apiOverBareMedian: ratioOf(m('api'), m('bare')),
      apiOverBareP90: ratioOf(summary.api.ms.p90, summary.bare.ms.p90),
      apiOverPluginMedian: ratioOf(m('api'), m('plugin')),
      pluginOverBareMedian: ratioOf(m('plugin'), m('bare')),
      runnerOverPluginMedian: ratioOf(m('runner'), m('plugin')),
      apiOverRunnerMedian: ratioOf(m('api'), m('runner')),
      seenOverBareMedian: ratioOf(spread(api.map((a) => a.seenMs)).median, m('bare')),
      apiWaitOverBareMedian: ratioOf(m('apiWait'), m('bare')),
      apiWaitOverPluginMedian: ratioOf(m('apiWait'), m('plugin')),
      perRound,
    },
  };
}
