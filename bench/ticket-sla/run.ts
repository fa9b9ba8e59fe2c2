/**
 * Ticket SLA benchmark (issue 6): (1) SLA state of 1,000,000 open tickets recomputed in process
 * — time, tickets/s, memory; (2) delay from a threshold crossing to its event on Kafka with the
 * real service; (3) tickets/s ticket-sla stores from one real agent and from four. Build with
 * `npx node scripts/build.mjs`, run with `npx node dist/bench/ticket-sla/run.js [flags]` (see
 * --help). Prints tables to stdout, progress to stderr, and writes the figures to a JSON file.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import {
  ROOT,
  createThrowawayDatabase,
  dropDatabase,
  machineInfo,
  quietLog,
  runTag,
  waitForQuiet,
} from '../messaging/environment';
import { intFlag, listFlag, parseFlags, type Flags } from '../messaging/flags';
import { fmt, log, table } from '../messaging/stats';
import { runIngestion, type IngestionResult } from './agent-ingestion';
import { runCrossingDelay, type CrossingResult } from './crossing-delay';
import type { LatencyFigures } from './figures';
import { crossingTargetMinutes } from './open-tickets';
import type { RecomputeResult } from './recompute';
import { recomputeInFreshProcess } from './recompute-process';
import { deleteRunTopics, type BenchStack } from './service-stack';

const SECTIONS = ['recompute', 'ingest', 'crossing'] as const;
type Section = (typeof SECTIONS)[number];

const HELP = `usage: npx node dist/bench/ticket-sla/run.js [flags]   (after npx node scripts/build.mjs)

  --only LIST              ${SECTIONS.join(',')} (default all, run in that order)
 1. recompute (in process, no I/O)
  --tickets N              open tickets (default 1000000)
  --stale-minutes N        steady-state pass: stored state this much older than now (default 15)
  --warmup N               tickets of another seed through every pass first (default 20000)
  --chunk N                steady-state pass: tickets whose old state is built at a time (default 10000)
  --max-old-space-mib N    heap limit of the recompute process (default 8192)
 3. ingest (real service, real agents)
  --ingest-tickets N       tickets per run, split between the agents (default 20000)
  --ingest-agents LIST     agent counts, one run each (default 1,4)
  --page-size N            tickets per page of the agents' in-memory ticket system (default 100)
 2. crossing (real service; tickets loaded by real agents)
  --crossings N            tickets, each breaching once (default 20000)
  --window-s S             breaches spread evenly over S seconds (default 30)
  --lead-s S               plan → first breach; the load must end before (default: from the ingest
                           section's rate with a 1.5× margin, else N/400 + 10 s; at least 20 s)
  --background N           other open tickets loaded alongside (default 0)
  --load-agents N          agents loading them (default 4)
  --drain-s S              after the window, wait this long at most for the last events (default 60)
 general
  --seed N                 workload seed (default 1)
  --brokers LIST           Kafka bootstrap (default $KAFKA_BROKERS or 127.0.0.1:9092)
  --pg-host H --pg-port P --pg-user U   PostgreSQL server (default 127.0.0.1 5432 postgres)
  --redis-url URL          (default redis://127.0.0.1:6379)
  --timeout-s S            longest wait for a load (default 600)
  --json FILE              result file (default bench/ticket-sla/results/latest.json)
  --no-wait                measure at once (default: wait until the machine is mostly idle)
  --min-idle PCT           idle share of all cores wanted before a measurement (default 60)
  --max-wait-s S           then measure anyway, flagged as disturbed (default 10)
`;

interface Results {
  recompute?: RecomputeResult;
  ingest?: IngestionResult[];
  crossing?: CrossingResult;
}

const s1 = (ms: number) => fmt(ms / 1000, 1);
const latencyCells = (l: LatencyFigures) => [
  fmt(l.p50Ms),
  fmt(l.p90Ms),
  fmt(l.p99Ms),
  fmt(l.maxMs),
];

function recomputeReport(r: RecomputeResult): string {
  const w = r.workload;
  const states = Object.entries(w.resolutionStates)
    .map(([state, n]) => `${state} ${fmt((100 * n) / r.options.tickets, 1)} %`)
    .join(', ');
  const policies = Object.entries(w.byPolicy)
    .sort((a, b) => b[1] - a[1])
    .map(([policy, n]) => `${policy} ${fmt((100 * n) / r.options.tickets)} %`)
    .join(', ');
  return [
    `1. Recompute: SLA state of ${fmt(r.options.tickets)} open tickets at ${new Date(r.options.now).toISOString()}, one core, in process`,
    table(
      [
        'pass',
        'tickets',
        'time s',
        'tickets/s',
        'CPU µs/ticket',
        'events',
        'RSS peak MiB',
        'heap peak MiB',
        'box busy %',
      ],
      r.passes.map((p) => [
        p.name,
        fmt(p.tickets),
        fmt(p.ms / 1000, 2),
        fmt(p.ticketsPerSec),
        fmt(p.cpuUsPerTicket, 2),
        fmt(p.events),
        fmt(p.rssPeakMiB),
        fmt(p.heapUsedPeakMiB),
        fmt(p.boxBusyPct),
      ]),
    ),
    `Each pass: policy match, replay of the stored transitions (timelineOfStoredTicket), SlaClock.evaluate;`,
    `  clock: + nextCrossingOf; settle: + settleSlaTargets and the sla.events.v1 record (protobuf) of each event it announces.`,
    `  Peaks include garbage not yet collected (heap limit --max-old-space-mib); box busy: all processes, % of all cores.`,
    `Workload: ${fmt(w.transitionsPerTicket, 2)} transitions a ticket, 5 calendars (24x7, Paris, New York, Sydney, Moscow), 7 policies`,
    `  (${policies}); resolution at now: ${states}. Tickets held: ${fmt(w.ticketsHeapMiB)} MiB of heap (generated in ${s1(w.generateMs)} s).`,
    `Timers: ${fmt(r.timers.entries)} next crossings loaded into CrossingTimers in ${fmt(r.timers.loadMs)} ms, ${fmt(r.timers.heapMiB, 1)} MiB of heap ` +
      `(ticket ids shared with the tickets; the service reads its own copies from the database).`,
  ].join('\n');
}

function ingestReport(runs: IngestionResult[]): string {
  return [
    `3. Agent ingestion: real TicketAgentClient(s) → websocket → ticket-sla (one transaction a chunk: result id, tickets, history, SLA, events)`,
    table(
      [
        'agents',
        'tickets',
        'transitions',
        'chunks',
        'ms/chunk/agent',
        'wall s',
        'tickets/s',
        'transitions/s',
        'ack p50 ms',
        'p90',
        'p99',
        'max',
        'service CPU %',
        'pg CPU %',
        'agents CPU %',
        'box busy %',
        'service RSS MiB',
        'rows',
      ],
      runs.map((r) => [
        `${r.agents}`,
        fmt(r.tickets),
        fmt(r.transitions),
        fmt(r.results),
        fmt((r.wallMs * r.agents) / Math.max(1, r.results)),
        s1(r.wallMs),
        fmt(r.ticketsPerSec),
        fmt(r.transitionsPerSec),
        ...latencyCells(r.ackLatency),
        fmt(r.service.cpuPct),
        fmt(r.postgresCpuPct),
        fmt(r.benchCpuPct),
        fmt(r.machineBusyPct),
        fmt(r.service.rssPeakMiB),
        r.complete ? 'ok' : `MISMATCH ${JSON.stringify(r.stored)}`,
      ]),
    ),
    "wall: first task reaches an agent → last chunk acked; ms/chunk/agent: wall ÷ chunks an agent sent (the service stores one agent's",
    '  chunks one after another). ack: chunk put on the socket → result_ack (each agent keeps up to 16 chunks in flight, so a chunk',
    "  waits for those ahead of it). CPU: % of one core over the wall time; pg = backends of the run's database; agents = this",
    "  process (the agents, their fsynced outboxes); box busy: every process, other users' included, % of all cores.",
    '  rows: tickets, transitions and 2 sla_state rows a ticket all stored.',
  ].join('\n');
}

function crossingReport(c: CrossingResult): string {
  const o = c.options;
  const lines = [
    `2. Crossing → Kafka: ${fmt(c.planned)} breaches spread over ${fmt(o.windowMs / 1000)} s, found by the service's crossing timers`,
    table(
      ['delay from occurred_at to', 'events', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms', 'mean ms'],
      [
        [
          'Kafka record timestamp',
          fmt(c.toKafka.count),
          ...latencyCells(c.toKafka),
          fmt(c.toKafka.meanMs, 1),
        ],
        [
          'received by a consumer',
          fmt(c.toConsumer.count),
          ...latencyCells(c.toConsumer),
          fmt(c.toConsumer.meanMs, 1),
        ],
      ],
    ),
    `Missing ${fmt(c.missing)}, redelivered ${fmt(c.duplicates)}, announced twice ${fmt(c.repeatedBreaches)}, occurred_at ≠ planned ${fmt(c.wrongInstant)}, ` +
      `crossed while loading (left out) ${fmt(c.crossedDuringLoad)}; other events ${fmt(c.otherEvents)}.`,
    `Load: ${fmt(c.load.tickets)} tickets by ${o.agents} real agents in ${s1(c.load.ms)} s (${fmt(c.load.ticketsPerSec)}/s), ` +
      `${s1(c.load.endedBeforeFirstCrossingMs)} s before the first breach; policy 24x7, resolution ${c.targetMinutes} min, no at-risk share.`,
    `During the window: service ${fmt(c.service.cpuPct)} % CPU, its PostgreSQL backends ${fmt(c.postgresCpuPct)} %, this process ${fmt(c.benchCpuPct)} %; ` +
      `the whole box ${fmt(c.machineBusyPct)} % of all cores; ` +
      `service RSS peak ${fmt(c.service.rssPeakMiB)} MiB.`,
  ];
  return lines.join('\n');
}

function pgTarget(flags: Flags) {
  return {
    host: String(flags.get('pg-host') ?? '127.0.0.1'),
    port: intFlag(flags, 'pg-port', 5432),
    user: String(flags.get('pg-user') ?? 'postgres'),
  };
}

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2));
  if (flags.has('help')) {
    process.stdout.write(HELP);
    return;
  }
  const only = listFlag(flags, 'only', SECTIONS.join(','));
  for (const x of only) {
    if (!(SECTIONS as readonly string[]).includes(x))
      throw new Error(`--only: unknown section ${x}; known: ${SECTIONS.join(', ')}`);
  }
  const runs = (section: Section) => only.includes(section);
  const seed = intFlag(flags, 'seed', 1);
  const timeoutMs = intFlag(flags, 'timeout-s', 600, 1) * 1000;
  const quietOptions = {
    enabled: !flags.has('no-wait'),
    minIdle: intFlag(flags, 'min-idle', 60) / 100,
    maxWaitMs: intFlag(flags, 'max-wait-s', 10) * 1000,
  };
  const quiet = () => waitForQuiet(quietOptions);
  const ingestAgents = listFlag(flags, 'ingest-agents', '1,4').map((text) => {
    const n = Number(text);
    if (!Number.isInteger(n) || n < 1 || n > 26)
      throw new Error(`--ingest-agents: ${text} is not 1..26`);
    return n;
  });
  const jsonPath = resolve(
    ROOT,
    String(flags.get('json') ?? 'bench/ticket-sla/results/latest.json'),
  );
  const pg = pgTarget(flags);
  const brokers = listFlag(flags, 'brokers', process.env.KAFKA_BROKERS ?? '127.0.0.1:9092');
  const tag = runTag();
  const startedAt = new Date();
  const t0 = performance.now();
  const results: Results = {};

  if (runs('recompute')) {
    await quiet();
    results.recompute = await recomputeInFreshProcess(
      {
        tickets: intFlag(flags, 'tickets', 1_000_000, 1),
        seed,
        // A Monday morning in Paris after the autumn DST change: 30 days of history span it.
        now: Date.UTC(2025, 9, 27, 9, 30),
        staleMinutes: intFlag(flags, 'stale-minutes', 15, 1),
        warmUp: intFlag(flags, 'warmup', 20_000, 1),
        chunk: intFlag(flags, 'chunk', 10_000, 1),
      },
      intFlag(flags, 'max-old-space-mib', 8192, 256),
    );
  }

  let database: string | undefined;
  let postgresVersion = 'unknown';
  let cleanup = '';
  const dir = mkdtempSync(join(tmpdir(), 'bench-ticket-sla-'));
  const stack: BenchStack = {
    brokers,
    pg,
    database: '',
    redisUrl: String(flags.get('redis-url') ?? 'redis://127.0.0.1:6379'),
    topicPrefix: `bench-ticket-sla-${tag}`,
    dir,
  };
  if (runs('ingest') || runs('crossing')) {
    try {
      const created = await createThrowawayDatabase(pg);
      database = created.database;
      postgresVersion = created.version;
      stack.database = database;
      if (runs('ingest')) {
        results.ingest = [];
        for (const agents of ingestAgents) {
          await quiet();
          results.ingest.push(
            await runIngestion(stack, {
              agents,
              tickets: intFlag(flags, 'ingest-tickets', 20_000, 1),
              pageSize: intFlag(flags, 'page-size', 100, 1),
              seed,
              timeoutMs,
            }),
          );
        }
      }
      if (runs('crossing')) {
        const crossings = intFlag(flags, 'crossings', 20_000, 1);
        const background = intFlag(flags, 'background', 0);
        const windowMs = intFlag(flags, 'window-s', 30, 1) * 1000;
        const fastest = Math.max(0, ...(results.ingest ?? []).map((r) => r.ticketsPerSec));
        const rate = fastest > 0 ? fastest / 1.5 : 400;
        const leadMs = flags.has('lead-s')
          ? intFlag(flags, 'lead-s', 20, 1) * 1000
          : Math.max(20_000, Math.ceil(((crossings + background) / rate) * 1000) + 10_000);
        log(
          `crossing: lead ${Math.round(leadMs / 1000)} s, policy target ${crossingTargetMinutes(leadMs, windowMs)} min`,
        );
        await quiet();
        results.crossing = await runCrossingDelay(stack, {
          crossings,
          windowMs,
          leadMs,
          background,
          agents: intFlag(flags, 'load-agents', 4, 1),
          pageSize: intFlag(flags, 'page-size', 100, 1),
          drainMs: intFlag(flags, 'drain-s', 60, 1) * 1000,
          seed,
        });
      }
    } finally {
      cleanup = await deleteRunTopics(brokers, stack.topicPrefix);
      if (database !== undefined) {
        await dropDatabase(pg, database).catch((error: unknown) =>
          log(`could not drop ${database} (${String(error)}); drop it by hand`),
        );
      }
      rmSync(dir, { recursive: true, force: true });
      log(`cleaned up: ${cleanup}${database ? `; database ${database} dropped` : ''}`);
    }
  }

  const machine = machineInfo(postgresVersion);
  const durationSec = Math.round((performance.now() - t0) / 100) / 10;
  const parts: string[] = [];
  if (results.recompute) parts.push(recomputeReport(results.recompute));
  if (results.crossing) parts.push(crossingReport(results.crossing));
  if (results.ingest) parts.push(ingestReport(results.ingest));
  process.stdout.write(
    `\nTicket SLA benchmark — ${startedAt.toISOString()} — ${machine.cpus} × ${machine.cpuModel}, ${machine.memoryGiB} GiB, ` +
      `Node ${machine.node}, PostgreSQL ${machine.postgres}, Kafka ${machine.kafka}; took ${durationSec} s\n\n${parts.join('\n\n')}\n`,
  );
  const warnings = [
    ...(results.ingest ?? []).flatMap((r) => r.service.warnings),
    ...(results.crossing?.service.warnings ?? []),
  ];
  if (warnings.length > 0) {
    process.stdout.write(
      `\nThe service logged ${warnings.length} warning(s); first: ${warnings[0]}\n`,
    );
  }
  const json = {
    startedAt: startedAt.toISOString(),
    durationSec,
    argv: process.argv.slice(2),
    machine,
    workload: {
      generator: 'bench/ticket-sla/open-tickets.ts',
      topicPrefix: stack.topicPrefix,
      database: database ?? null,
      brokers,
    },
    quietChecks: quietLog,
    disturbed: quietLog.some((q) => q.disturbed),
    cleanup,
    results,
  };
  mkdirSync(dirname(jsonPath), { recursive: true });
  writeFileSync(jsonPath, `${JSON.stringify(json, null, 2)}\n`);
  if (json.disturbed) {
    process.stdout.write(
      '\nWARNING: some measurements started on a busy machine (see quietChecks in the JSON)\n',
    );
  }
  process.stdout.write(`\nresults written to ${relative(ROOT, jsonPath)}\n`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(
      `bench:ticket-sla failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  },
);
