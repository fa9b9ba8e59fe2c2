/**
 * Provisioning benchmark: the provisioning service in process (real PostgreSQL, Kafka and
 * ansible-playbook) — job overhead against the same playbook run bare, throughput with pools of
 * 2/4/8, and the PUT /crm/provision/ latency under 200 concurrent callers.
 * Build with `npm run build`, run with `./node_modules/.bin/node dist/bench/provisioning/run.js
 * [flags]` (see --help). Prints a table to stdout, progress to stderr, and writes the figures to a
 * JSON file.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { AnsibleRunner } from '../../apps/provisioning/src/runner';
import {
  ROOT,
  createThrowawayDatabase,
  dropDatabase,
  machineInfo,
  quietLog,
  runTag,
  waitForQuiet,
} from '../messaging/environment';
import { MemorySampler, fmt, log, round, table } from '../messaging/stats';
import type { Spread } from './figures';
import { type LatencyResult, runLatency } from './latency';
import {
  type ApiSummary,
  type OverheadResult,
  VARIANTS,
  VARIANT_LABEL,
  type Variant,
  runOverhead,
} from './overhead';
import { ServiceProfiler, StatementCounter, deletePrefixed } from './probes';
import { type BenchService, STAND_IN, startProvisioning, writePlaybooks } from './service';
import { type ThroughputRun, runThroughput } from './throughput';
import { intFlag, listFlag, parseFlags } from '../messaging/flags';

const HELP = `usage: ./node_modules/.bin/node dist/bench/provisioning/run.js [flags]   (after npm run build)

  --only LIST              overhead,throughput,latency,latency-standin (default all four;
                           latency-standin is a DIAGNOSTIC: the same burst with the pool held by
                           sleeping stand-ins for ansible-playbook, i.e. without Ansible's CPU)
  --runs N                 overhead: measured rounds, each runs every variant once (default 10)
  --warmup N               overhead: warm-up rounds, not counted (default 1)
  --poll-ms N              overhead: GET /crm/provision/provision_id/{id} every N ms (default 20)
  --pools LIST             throughput: PROVISIONING_MAX_PARALLEL_JOBS settings (default 2,4,8)
  --jobs N                 throughput: five-task jobs per setting (default 24)
  --callers N              latency: concurrent callers (default 200)
  --per-caller N           latency: PUTs per caller, one after the other (default 5)
  --pool N                 PROVISIONING_MAX_PARALLEL_JOBS of the overhead/latency service (default 4,
                           the service default)
  --diag-ansible-poll S    DIAGNOSTIC: every ansible-playbook run (bare and service) gets an ansible.cfg
                           with internal_poll_interval = S (Ansible's default 0.001 s), through
                           ANSIBLE_CONFIG, which the runner passes on like every ANSIBLE_* variable
  --brokers LIST           Kafka bootstrap (default $KAFKA_BROKERS or 127.0.0.1:9092)
  --pg-host H --pg-port P --pg-user U   PostgreSQL server (default 127.0.0.1 5432 postgres)
  --timeout-ms N           how long to wait for a job or a burst (default 300000)
  --json FILE              result file (default bench/provisioning/results/latest.json)
  --no-wait                start each measurement at once (default: wait until no bench/kafka-clients
                           process runs, the broker answers and the machine is idle)
  --min-idle PCT           idle share of all cores required before a measurement (default 80)
  --max-wait-s S           give up waiting after S s and flag the figure as disturbed (default 300)
`;

function ansibleVersion(): string {
  const out = spawnSync('ansible-playbook', ['--version'], { encoding: 'utf8' });
  if (out.status !== 0) return 'unavailable';
  const core = /core ([\d.]+)/.exec(out.stdout)?.[1] ?? '?';
  const python = /python version = ([\d.]+)/.exec(out.stdout)?.[1] ?? '?';
  return `ansible-core ${core} (Python ${python})`;
}

interface Results {
  overhead?: OverheadResult;
  latency?: LatencyResult;
  latencyStandIn?: LatencyResult;
  throughput?: ThroughputRun[];
  memory: {
    rssBeforeBootMiB: number;
    rssPeakMiB: number;
    heapUsedPeakMiB: number;
    overheadRssPeakMiB?: number;
    latencyRssPeakMiB?: number;
    /** Closing the overhead/latency service (its queued jobs are cancelled). */
    closeMs?: number;
  };
}

const s = (ms: number, digits = 2) => fmt(ms / 1000, digits);
const ms0 = (ms: number) => fmt(ms, 0);
const pair = (x: Spread, f: (v: number) => string = ms0) => `${f(x.median)} / ${f(x.p90)}`;

function overheadReport(o: OverheadResult): string {
  const out: string[] = [];
  const bare = o.summary.bare.ms.median;
  const row = (v: Variant) => {
    const x = o.summary[v];
    return [
      VARIANT_LABEL[v],
      `${x.ms.n}`,
      ms0(x.ms.median),
      ms0(x.ms.p90),
      ms0(x.ms.min),
      ms0(x.ms.max),
      fmt(x.ms.median / bare, 3),
      fmt(o.ratios.perRound[v].median, 3),
      ms0(x.startupMs.median),
      ms0(x.tasksMs.median),
      ms0(x.tailMs.median),
      ms0(x.childCpuMs.median),
      ms0(x.processCpuMs.median),
      fmt(x.busyPct.median),
      `${x.failures}`,
    ];
  };
  const p = o.api.polled;
  const w = o.api.wait;
  const both = (f: (a: ApiSummary) => Spread, digits = 0) => [
    pair(f(p), (v) => fmt(v, digits)),
    pair(f(w), (v) => fmt(v, digits)),
  ];
  const types = [...new Set([...Object.keys(p.recordMs), ...Object.keys(w.recordMs)])].filter(
    (t) => (p.recordMs[t]?.max ?? 0) >= 0.5 || (w.recordMs[t]?.max ?? 0) >= 0.5,
  );
  const none: Spread = { n: 0, median: Number.NaN, p90: Number.NaN, mean: 0, min: 0, max: 0 };
  out.push(
    `Job overhead: one five-task job at a time (5 × ansible.builtin.uri GET to the service's CRM), ${o.runs} interleaved rounds`,
    table(
      [
        'path',
        'n',
        'median ms',
        'p90 ms',
        'min ms',
        'max ms',
        '× bare (medians)',
        '× bare (per round)',
        'start-up ms',
        'tasks ms',
        'tail ms',
        'ansible CPU ms',
        'node CPU ms',
        'busy %',
        'failed',
      ],
      [
        ...VARIANTS.map(row),
        [
          `service: PUT → status ≠ 1 seen (GET every ${o.pollMs} ms)`,
          `${p.seenMs.n}`,
          ms0(p.seenMs.median),
          ms0(p.seenMs.p90),
          ms0(p.seenMs.min),
          ms0(p.seenMs.max),
          fmt(p.seenMs.median / bare, 3),
          '',
          '',
          '',
          '',
          '',
          '',
          '',
          '',
        ],
      ],
    ),
    "(start-up: spawn → the plugin's playbook_start; tasks: → last task result; tail: → process closed / run done;",
    ' all medians, so the phases need not add up. ansible CPU: the reaped ansible processes; node CPU: this process,',
    " which is the service (it also answers the playbook's CRM calls on every path); busy %: whole machine.)",
    '',
    `Ratio service ÷ bare (GET-polled, as the issue defines it): median ${fmt(o.ratios.apiOverBareMedian, 3)}, p90 ${fmt(o.ratios.apiOverBareP90, 3)}, ` +
      `median of per-round ratios ${fmt(o.ratios.perRound.api.median, 3)} (target ≤ 1.15)`,
    `  without polling ${fmt(o.ratios.apiWaitOverBareMedian, 3)}; plugin ÷ bare ${fmt(o.ratios.pluginOverBareMedian, 3)}; ` +
      `runner ÷ plugin ${fmt(o.ratios.runnerOverPluginMedian, 3)}; service (polled) ÷ runner ${fmt(o.ratios.apiOverRunnerMedian, 3)}; ` +
      `service (no polling) ÷ plugin ${fmt(o.ratios.apiWaitOverPluginMedian, 3)}`,
    '',
    'Where the service path spends its time (median / p90 ms):',
    table(
      ['phase', `GET-polled (${o.pollMs} ms)`, 'no polling'],
      [
        ['PUT /crm/provision/ answered', ...both((a) => a.putMs, 1)],
        [
          'created (DB) → runner started (token, pool, spawn prep)',
          ...both((a) => a.createdToSpawnMs, 1),
        ],
        ['runner: private folder → ansible-playbook exits → clean-up', ...both((a) => a.executeMs)],
        ['runner done → finished (DB)', ...both((a) => a.executeEndToFinishedMs, 1)],
        [
          '  ProvisionJobs#complete (service lookup, final transaction)',
          ...both((a) => a.completeMs, 1),
        ],
        ['finished (DB) → seen by the client', ...both((a) => a.finishedToSeenMs, 1)],
        ['service side: finished − created', ...both((a) => a.serviceMs)],
        ['last task result received → its event written', ...both((a) => a.lastRecordLagMs, 1)],
        ...types.map((type) => [
          `  ProvisionJobs#record(${type}), ${fmt((p.recordMs[type]?.n ?? 0) / Math.max(1, p.putMs.n), 0)} per job`,
          pair(p.recordMs[type] ?? none, (v) => fmt(v, 2)),
          pair(w.recordMs[type] ?? none, (v) => fmt(v, 2)),
        ]),
        ['GET polls per job', ...both((a) => a.polls)],
        [
          'SQL statements per job (whole process)',
          fmt(p.statementsPerJob, 1),
          fmt(w.statementsPerJob, 1),
        ],
      ],
    ),
    '',
    'SQL statements per job, no polling (top 10; the outbox relay included):',
    table(
      ['statement', 'per job', 'mean ms', 'per job, GET-polled'],
      w.statements
        .slice(0, 10)
        .map((x) => [
          x.statement,
          fmt(x.perJob, 1),
          fmt(x.meanMs, 2),
          fmt(p.statements.find((y) => y.statement === x.statement)?.perJob ?? 0, 1),
        ]),
    ),
  );
  return out.join('\n');
}

function throughputReport(runs: ThroughputRun[]): string {
  return [
    `Throughput: ${runs[0]?.jobs ?? '?'} five-task jobs submitted at once, one service start per pool size`,
    table(
      [
        'pool',
        'ok',
        'wall s',
        'jobs/min',
        'PUT→finished p50 / p90 s',
        'queue p50 s',
        'run p50 / p90 s',
        'peak running',
        'CPU ms/job svc / ansible / pg',
        'CPU-bound jobs/min',
        'busy %',
        'others, cores',
        'RSS peak MiB',
        'ansible RSS peak MiB (procs)',
      ],
      runs.map((r) => [
        `${r.maxParallel}`,
        `${r.succeeded}/${r.jobs}`,
        s(r.wallMs, 1),
        fmt(r.jobsPerMin, 1),
        pair(r.latencyMs, (v) => s(v, 1)),
        s(r.queueMs.median, 1),
        pair(r.executeMs, (v) => s(v, 2)),
        `${r.peakRunning}`,
        `${ms0(r.cpuMsPerJob.service)} / ${ms0(r.cpuMsPerJob.ansible)} / ${ms0(r.cpuMsPerJob.postgres)}`,
        fmt(r.cpuBoundJobsPerMin, 1),
        fmt(r.machineBusyPct),
        fmt(r.otherLoadCores, 2),
        fmt(r.rssPeakMiB),
        `${fmt(r.ansibleRssPeakMiB)} (${r.ansibleProcessesPeak})`,
      ]),
    ),
    '(CPU-bound jobs/min = cores × 60 s ÷ CPU per job of service + ansible + PostgreSQL; svc = this whole process)',
  ].join('\n');
}

function latencyRow(label: string, l: LatencyResult): string[] {
  return [
    label,
    fmt(l.requests),
    fmt(l.ok),
    fmt(l.errors),
    fmt(l.requestsPerSec),
    fmt(l.latency.p50, 0),
    fmt(l.latency.p90, 0),
    fmt(l.latency.p99, 0),
    fmt(l.latency.max, 0),
    `${fmt(l.eventLoopDelayMs.p99, 0)} / ${fmt(l.eventLoopDelayMs.max, 0)}`,
    fmt(l.statementsPerRequest, 1),
    fmt(l.postgresCpuPct),
    fmt(l.processCpuPct),
    fmt(l.machineBusyPct),
    fmt(l.rssPeakMiB),
  ];
}

function latencyReport(l: LatencyResult | undefined, d: LatencyResult | undefined): string {
  const first = (l ?? d) as LatencyResult;
  const rows: string[][] = [];
  if (l)
    rows.push(latencyRow(`${l.runningAtStart} five-task jobs running, then the accepted ones`, l));
  if (d)
    rows.push(latencyRow(`DIAGNOSTIC: pool held by ${d.runningAtStart} sleeping stand-ins`, d));
  const lines = [
    `API latency: ${first.callers} concurrent callers × ${first.perCaller} PUT /crm/provision/ (product without inventory, one-task playbook)`,
    table(
      [
        'while',
        'requests',
        '200',
        'errors',
        'req/s',
        'p50 ms',
        'p90 ms',
        'p99 ms',
        'max ms',
        'event loop p99 / max ms',
        'SQL per PUT',
        'pg CPU %',
        'node CPU %',
        'busy %',
        'RSS peak MiB',
      ],
      rows,
    ),
  ];
  for (const x of [l, d]) {
    if (!x) continue;
    lines.push(
      `${x.standIn ? 'stand-ins' : 'jobs running'}: status counts ${JSON.stringify(x.statusCounts)}; errors ${JSON.stringify(x.errorKinds)}; jobs after the burst ${JSON.stringify(x.statesAfter)}`,
    );
  }
  if (l)
    lines.push(
      'SQL statements during the burst per PUT (top 8; running jobs and the outbox relay included):',
      table(
        ['statement', 'per PUT', 'mean ms'],
        l.statements.slice(0, 8).map((x) => [x.statement, fmt(x.perRequest, 2), fmt(x.meanMs, 2)]),
      ),
    );
  return lines.join('\n');
}

function report(r: Results): string {
  const parts: string[] = [];
  if (r.overhead) parts.push(overheadReport(r.overhead));
  if (r.throughput) parts.push(throughputReport(r.throughput));
  if (r.latency || r.latencyStandIn) parts.push(latencyReport(r.latency, r.latencyStandIn));
  const m = r.memory;
  parts.push(
    `Memory of this process (service + benchmark): ${fmt(m.rssBeforeBootMiB)} MiB before boot, ` +
      `peak ${fmt(m.rssPeakMiB)} MiB (heap ${fmt(m.heapUsedPeakMiB)} MiB); overhead run ${fmt(m.overheadRssPeakMiB)} MiB, ` +
      `latency burst ${fmt(m.latencyRssPeakMiB)} MiB; closing the latency service took ${fmt((m.closeMs ?? Number.NaN) / 1000, 1)} s`,
  );
  return parts.join('\n\n');
}

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2));
  if (flags.has('help')) {
    process.stdout.write(HELP);
    return;
  }
  const only = listFlag(flags, 'only', 'overhead,throughput,latency,latency-standin');
  for (const x of only)
    if (!['overhead', 'throughput', 'latency', 'latency-standin'].includes(x))
      throw new Error(`unknown scenario ${x}`);
  const brokers = listFlag(flags, 'brokers', process.env.KAFKA_BROKERS ?? '127.0.0.1:9092');
  const timeoutMs = intFlag(flags, 'timeout-ms', 300_000, 1);
  const pools = listFlag(flags, 'pools', '2,4,8').map((p) => {
    const n = Number(p);
    if (!Number.isInteger(n) || n < 1 || n > 64) throw new Error(`--pools: ${p} is not 1..64`);
    return n;
  });
  const quietOptions = {
    enabled: !flags.has('no-wait'),
    minIdle: intFlag(flags, 'min-idle', 80) / 100,
    maxWaitMs: intFlag(flags, 'max-wait-s', 300) * 1000,
  };
  const quiet = () => waitForQuiet(quietOptions);
  const pg = {
    host: String(flags.get('pg-host') ?? '127.0.0.1'),
    port: intFlag(flags, 'pg-port', 5432),
    user: String(flags.get('pg-user') ?? 'postgres'),
  };
  const jsonPath = resolve(
    ROOT,
    String(flags.get('json') ?? 'bench/provisioning/results/latest.json'),
  );
  const mainPool = intFlag(flags, 'pool', 4, 1);
  const tag = runTag();
  const topicPrefix = `bench-provisioning-${tag}`;
  const startedAt = new Date();
  const t0 = performance.now();

  const profiler = ServiceProfiler.install();
  const counter = StatementCounter.install();
  const playbooksDir = writePlaybooks();
  const runner = new AnsibleRunner({ playbooksDir });
  const ansiblePoll = flags.get('diag-ansible-poll');
  if (ansiblePoll !== undefined) {
    if (typeof ansiblePoll !== 'string' || !(Number(ansiblePoll) > 0))
      throw new Error('--diag-ansible-poll needs a number of seconds > 0');
    const cfg = join(playbooksDir, 'ansible.cfg');
    writeFileSync(cfg, `[defaults]\ninternal_poll_interval = ${Number(ansiblePoll)}\n`);
    process.env.ANSIBLE_CONFIG = cfg;
    log(`DIAGNOSTIC: ANSIBLE_CONFIG=${cfg} (internal_poll_interval = ${Number(ansiblePoll)} s)`);
  }
  const { database, version } = await createThrowawayDatabase(pg);
  log(`database ${database}, topic prefix ${topicPrefix}, playbooks in ${playbooksDir}`);
  const rssBeforeBoot = process.memoryUsage().rss;
  const memory = MemorySampler.begin();
  const start = (
    maxParallel: number,
    schema: string,
    ansiblePlaybook?: string,
  ): Promise<BenchService> => {
    // Each service start has its own schema, so provision ids start again at 1.
    profiler.traces.clear();
    return startProvisioning({
      brokers,
      pg,
      database,
      schema,
      topicPrefix,
      playbooksDir,
      maxParallel,
      ...(ansiblePlaybook ? { ansiblePlaybook } : {}),
    });
  };
  const callers = intFlag(flags, 'callers', 200, 1);
  const perCaller = intFlag(flags, 'per-caller', 5, 1);
  const results: Results = { memory: { rssBeforeBootMiB: 0, rssPeakMiB: 0, heapUsedPeakMiB: 0 } };
  let cleanup = '';
  try {
    // Order: overhead, throughput, then the bursts (they leave this process's heap larger, which
    // would otherwise show in the throughput runs' RSS).
    if (only.includes('overhead')) {
      const svc = await start(mainPool, 'provisioning_main');
      try {
        const mem = MemorySampler.begin();
        results.overhead = await runOverhead({
          svc,
          runner,
          runs: intFlag(flags, 'runs', 10, 1),
          warmup: intFlag(flags, 'warmup', 1),
          pollMs: intFlag(flags, 'poll-ms', 20, 1),
          profiler,
          counter,
          quiet,
          timeoutMs,
        });
        results.memory.overheadRssPeakMiB = mem.stop().rssPeakMiB;
      } finally {
        await svc.close();
      }
    }
    if (only.includes('throughput')) {
      results.throughput = await runThroughput({
        start: (p) => start(p, `provisioning_p${p}`),
        pools,
        jobs: intFlag(flags, 'jobs', 24, 1),
        profiler,
        quiet,
        timeoutMs,
        cores: os.cpus().length,
      });
    }
    if (only.includes('latency')) {
      const svc = await start(mainPool, 'provisioning_latency');
      try {
        results.latency = await runLatency({
          svc,
          callers,
          perCaller,
          counter,
          profiler,
          quiet,
          timeoutMs,
        });
        results.memory.latencyRssPeakMiB = results.latency.rssPeakMiB;
      } finally {
        const closing = performance.now();
        await svc.close();
        results.memory.closeMs = round(performance.now() - closing, 0);
      }
    }
    if (only.includes('latency-standin')) {
      const svc = await start(mainPool, 'provisioning_standin', join(playbooksDir, STAND_IN));
      try {
        results.latencyStandIn = await runLatency({
          svc,
          callers,
          perCaller,
          counter,
          profiler,
          quiet,
          timeoutMs,
          standIn: true,
        });
      } finally {
        await svc.close();
      }
    }
  } finally {
    const mem = memory.stop();
    results.memory.rssBeforeBootMiB = round(rssBeforeBoot / 1024 / 1024, 1);
    results.memory.rssPeakMiB = mem.rssPeakMiB;
    results.memory.heapUsedPeakMiB = mem.heapUsedPeakMiB;
    cleanup = await deletePrefixed(brokers, topicPrefix);
    await dropDatabase(pg, database).catch((error: unknown) =>
      log(`could not drop ${database} (${String(error)}); drop it by hand`),
    );
    rmSync(playbooksDir, { recursive: true, force: true });
    log(`cleaned up: ${cleanup}; database ${database} dropped`);
  }

  const machine = machineInfo(version);
  const ansible = ansibleVersion();
  const durationSec = round((performance.now() - t0) / 1000, 1);
  process.stdout.write(
    `\nProvisioning benchmark — ${startedAt.toISOString()} — ${machine.cpus} × ${machine.cpuModel}, ${machine.memoryGiB} GiB, Node ${machine.node}, PostgreSQL ${machine.postgres}, Kafka ${machine.kafka}, ${ansible}; took ${durationSec} s\n\n${report(results)}\n`,
  );
  const json = {
    startedAt: startedAt.toISOString(),
    durationSec,
    argv: process.argv.slice(2),
    machine: { ...machine, ansible },
    diagnostics: {
      ansibleInternalPollInterval: ansiblePoll === undefined ? null : Number(ansiblePoll),
    },
    workload: {
      playbooks: 'bench/provisioning/service.ts (PLAYBOOKS)',
      topicPrefix,
      database,
      brokers,
      mainPool,
    },
    quietChecks: quietLog,
    disturbed: quietLog.some((q) => q.disturbed),
    cleanup,
    results,
  };
  mkdirSync(dirname(jsonPath), { recursive: true });
  writeFileSync(jsonPath, `${JSON.stringify(json, null, 2)}\n`);
  if (json.disturbed)
    process.stdout.write(
      '\nWARNING: some measurements started on a busy machine (see quietChecks in the JSON)\n',
    );
  process.stdout.write(`\nresults written to ${relative(ROOT, jsonPath)}\n`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(
      `bench:provisioning failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  },
);
