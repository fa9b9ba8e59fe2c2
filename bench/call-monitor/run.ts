/**
 * Call monitor benchmark (issue 7): (1) AMI events a second one source pipeline sustains —
 * parse, state, publish — with and without Kafka; (2) the live feed's fan-out latency to
 * hundreds of websocket subscribers at a fixed rate of changes. Build with
 * `node scripts/build.mjs`, run with `node dist/bench/call-monitor/run.js [flags]` (see --help).
 * Prints a table to stdout, progress to stderr, and writes the figures to a JSON file.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { ROOT, brokerStatus, machineInfo, runTag } from '../messaging/environment';
import { intFlag, listFlag, parseFlags } from '../messaging/flags';
import { fmt, log, round, table } from '../messaging/stats';
import { type FanOutResult } from './fan-out-latency';
import { type QuietCheck } from './monitor-parts';
import {
  PIPELINE_VARIANTS,
  type PipelineResult,
  type PipelineVariant,
  VARIANT_LABEL,
} from './pipeline-throughput';
import { runInFreshProcess } from './scenario-process';

const HELP = `usage: node dist/bench/call-monitor/run.js [flags]   (after node scripts/build.mjs)

  --only LIST              pipeline,fanout (default both)
 pipeline throughput
  --events N               AMI events flooded per variant (default 200000)
  --warmup-events N        events flooded first, unmeasured (default 20000)
  --variants LIST          ${PIPELINE_VARIANTS.join(',')} (default all): parse+state only,
                           + publisher to nothing, + publisher on Kafka
  --agents N               agents of the simulated centre, ≈ calls in progress (default 1000)
 fan-out latency
  --calls N                calls in progress in the view (default 1000; as many agents)
  --subscribers N          websocket subscribers of the live feed (default 500)
  --rate LIST              live changes per second, one run each (default 100,2000: below and
                           far above what one monitor core can fan out to 500 subscribers)
  --seconds LIST           length of each run, one for all or one per rate (default 10,3: an
                           overloaded run's backlog grows with its length, and so does its drain)
  --feed-buffer-bytes N    LiveFeed maxBufferedBytes (default 1048576, the service default)
  --connect-concurrency N  subscribers connecting at a time (default 20)
  --stall-ms N             once the monitor has sent every change, stop waiting for deliveries
                           after N ms without one (default 15000)
 general
  --seed S                 simulator seed (default bench)
  --brokers LIST           Kafka bootstrap (default $KAFKA_BROKERS or 127.0.0.1:9092)
  --json FILE              result file (default bench/call-monitor/results/latest.json)
  --no-wait                measure at once (default: wait until the machine is mostly idle)
  --min-idle PCT           idle share of all cores wanted before a measurement (default 70)
  --max-wait-s S           then measure anyway, flagged as disturbed (default 10)
`;

interface Settings {
  only: string[];
  events: number;
  warmUpEvents: number;
  variants: PipelineVariant[];
  agents: number;
  calls: number;
  subscribers: number;
  rates: number[];
  /** Length of the run at each rate. */
  seconds: number[];
  feedBufferBytes: number;
  connectConcurrency: number;
  stallMs: number;
  seed: string;
  brokers: string[];
}

function settingsOf(
  argv: string[],
): Settings & { json: string; quiet: { enabled: boolean; minIdle: number; maxWaitMs: number } } {
  const flags = parseFlags(argv);
  const only = listFlag(flags, 'only', 'pipeline,fanout');
  for (const s of only) {
    if (s !== 'pipeline' && s !== 'fanout') throw new Error(`--only: unknown scenario ${s}`);
  }
  const variants = listFlag(flags, 'variants', PIPELINE_VARIANTS.join(','));
  for (const v of variants) {
    if (!(PIPELINE_VARIANTS as readonly string[]).includes(v)) {
      throw new Error(`--variants: unknown variant ${v}; known: ${PIPELINE_VARIANTS.join(', ')}`);
    }
  }
  const wholeNumbers = (name: string, fallback: string) =>
    listFlag(flags, name, fallback).map((text) => {
      const value = Number(text);
      if (!Number.isInteger(value) || value < 1) {
        throw new Error(`--${name}: ${text} is not a whole number ≥ 1`);
      }
      return value;
    });
  const rates = wholeNumbers('rate', '100,2000');
  const seconds = wholeNumbers('seconds', flags.has('rate') ? '10' : '10,3');
  if (seconds.length !== 1 && seconds.length !== rates.length) {
    throw new Error(`--seconds: give one length for all rates or one per rate (${rates.length})`);
  }
  return {
    only,
    events: intFlag(flags, 'events', 200_000, 1),
    warmUpEvents: intFlag(flags, 'warmup-events', 20_000, 1),
    variants: variants as PipelineVariant[],
    agents: intFlag(flags, 'agents', 1000, 20),
    calls: intFlag(flags, 'calls', 1000, 20),
    subscribers: intFlag(flags, 'subscribers', 500, 1),
    rates,
    seconds: rates.map((_, i) => seconds[seconds.length === 1 ? 0 : i]),
    feedBufferBytes: intFlag(flags, 'feed-buffer-bytes', 1024 * 1024, 1),
    connectConcurrency: intFlag(flags, 'connect-concurrency', 20, 1),
    stallMs: intFlag(flags, 'stall-ms', 15_000, 1),
    seed: String(flags.get('seed') ?? 'bench'),
    brokers: listFlag(flags, 'brokers', process.env.KAFKA_BROKERS ?? '127.0.0.1:9092'),
    json: resolve(ROOT, String(flags.get('json') ?? 'bench/call-monitor/results/latest.json')),
    quiet: {
      enabled: !flags.has('no-wait'),
      minIdle: intFlag(flags, 'min-idle', 70) / 100,
      maxWaitMs: intFlag(flags, 'max-wait-s', 10) * 1000,
    },
  };
}

function pipelineReport(results: PipelineResult[]): string {
  const rows = results.map((r) => [
    VARIANT_LABEL[r.variant],
    fmt(r.events),
    fmt(r.eventsPerSec),
    fmt(r.eventsPerSecToFlush),
    fmt(r.changesPerSec),
    r.variant === 'state' ? '-' : fmt(r.publishedPerSec),
    fmt(r.cpuUsPerEvent, 1),
    fmt((r.cpuMs / r.flushedMs) * 100),
    fmt(r.memory.rssPeakMiB),
    fmt(r.memory.heapUsedPeakMiB),
    fmt(r.generator.writeMs / 1000, 2),
    fmt(r.flushedMs / 1000, 2),
  ]);
  return [
    'Pipeline throughput: AMI events flooded over loopback TCP into one AmiCallSource → LiveView → LiveEventPublisher',
    table(
      [
        'variant',
        'events',
        'events/s',
        'events/s to flush',
        'changes/s',
        'published/s',
        'CPU µs/event',
        'CPU %',
        'RSS peak MiB',
        'heap peak MiB',
        'PBX wrote (s)',
        'flushed (s)',
      ],
      rows,
    ),
    'events/s: first change → end marker applied (every event parsed and applied); to flush: → publisher flush resolved.',
    'changes/s: live changes before the publisher keeps the latest per entity per 50 ms; published/s: records handed to the transport.',
    'CPU: the monitor process only (one core = 100 %); PBX wrote: when the load generator had written the last event (its own process).',
    ...results.map(
      (r) =>
        `  ${r.variant}: ${fmt(r.callsAtStart)} calls in the view at start; ${fmt(r.changes)} changes, ` +
        `${fmt(r.published)} records (${fmt(r.publishedMiB, 1)} MiB) in ${fmt(r.publishCalls)} publish calls, ` +
        `${fmt(r.publishFailed)} failed; RSS ${fmt(r.memory.rssStartMiB)} → ${fmt(r.memory.rssPeakMiB)} MiB, ` +
        `heap after GC ${fmt(r.retained.heapUsedMiB)} MiB; ` +
        `machine busy ${fmt(r.memory.machineBusyPct)} %; load generator CPU ${fmt(r.generator.cpuMs)} ms`,
    ),
  ].join('\n');
}

function fanOutReport(results: FanOutResult[]): string {
  const rows = results.map((r) => {
    const s = r.stream;
    return [
      `${fmt(r.changesPerSecond)}/s × ${fmt(r.plan.plannedSeconds, 1)} s`,
      fmt(s.subscribers),
      fmt(r.callsInView),
      fmt(s.latency.p50Ms, 1),
      fmt(s.latency.p90Ms, 1),
      fmt(s.latency.p99Ms, 1),
      fmt(s.latency.maxMs, 1),
      `${fmt(s.deltas)}/${fmt(s.expectedDeltas)}`,
      fmt(s.resyncSnapshots),
      fmt(s.disconnected),
      fmt(r.mibPerSec, 1),
      fmt(r.messagesPerSec),
      fmt(r.memoryWithSubscribers.rssMiB),
      fmt(r.memoryWithSubscribers.heapUsedMiB),
      fmt(r.memoryDuringStream.rssPeakMiB),
      fmt(r.memoryDuringStream.heapUsedPeakMiB),
      fmt((r.cpuMs / s.deliveryWindowMs) * 100),
    ];
  });
  const out = [
    'Fan-out latency: AMI frame handed to the PBX socket → delta received by a websocket subscriber, per delivery',
    table(
      [
        'changes',
        'subscribers',
        'calls',
        'p50 ms',
        'p90 ms',
        'p99 ms',
        'max ms',
        'deltas received/expected',
        'resyncs',
        'dropped',
        'WS MiB/s',
        'WS msgs/s',
        'RSS w/ subs MiB',
        'heap w/ subs MiB',
        'RSS peak MiB',
        'heap peak MiB',
        'CPU %',
      ],
      rows,
    ),
    'Subscribers: real `ws` clients in the load-generator process (with the simulated PBX: one clock for send and receive,',
    'and not the monitor’s event loop). w/ subs: the monitor with the subscribers connected, after GC; peak: during the stream.',
    'resyncs: snapshots sent instead of deltas to subscribers past maxBufferedBytes; dropped: subscribers the feed closed',
    '(its 30 s heartbeat ends one whose pong is late, i.e. one more than 30 s behind). WS: bytes and messages received,',
    'frame headers included; CPU: the monitor process (one core = 100 %).',
  ];
  for (const r of results) {
    const s = r.stream;
    out.push(
      '',
      `At ${fmt(r.changesPerSecond)} changes/s:`,
      table(
        ['figure', 'value'],
        [
          [
            'stream',
            `${fmt(s.frames)} AMI frames → ${fmt(s.expectedChanges)} changes; sent in ${fmt(s.sendWindowMs / 1000, 2)} s (${fmt(s.achievedChangesPerSec)} changes/s); delivered within ${fmt(s.deliveryWindowMs / 1000, 2)} s`,
          ],
          [
            'view',
            `${fmt(r.callsInView)} calls, ${fmt(r.agentsInView)} agents (PBX: ${fmt(r.plan.callsInProgress)} calls in progress)`,
          ],
          [
            'subscribers connected',
            `${fmt(r.subscribe.connected)} in ${fmt(r.subscribe.ms / 1000, 1)} s; snapshot ${fmt(r.subscribe.snapshotBytesEach / 1024)} KiB each`,
          ],
          [
            'monitor memory before / with subscribers (RSS, heap MiB)',
            `${fmt(r.memoryBeforeSubscribers.rssMiB)}, ${fmt(r.memoryBeforeSubscribers.heapUsedMiB)} / ${fmt(r.memoryWithSubscribers.rssMiB)}, ${fmt(r.memoryWithSubscribers.heapUsedMiB)}`,
          ],
          [
            'latency, first-connected subscriber (p50 / p99 ms)',
            `${fmt(s.firstSubscriberLatency.p50Ms, 1)} / ${fmt(s.firstSubscriberLatency.p99Ms, 1)}`,
          ],
          [
            'latency, last-connected subscriber (p50 / p99 ms)',
            `${fmt(s.lastSubscriberLatency.p50Ms, 1)} / ${fmt(s.lastSubscriberLatency.p99Ms, 1)}`,
          ],
          [
            'one change through LiveFeed.broadcast (p50 / p99 / max ms)',
            `${fmt(r.broadcast.p50Ms, 2)} / ${fmt(r.broadcast.p99Ms, 2)} / ${fmt(r.broadcast.maxMs, 1)} (${fmt(r.changesSeen)} changes)`,
          ],
          [
            'monitor event-loop delay (p50 / p99 / max ms)',
            `${fmt(r.eventLoopDelay.p50Ms, 1)} / ${fmt(r.eventLoopDelay.p99Ms, 1)} / ${fmt(r.eventLoopDelay.maxMs, 1)}`,
          ],
          [
            'PBX send lateness vs timetable (p50 / p99 ms)',
            `${fmt(s.sendLateness.p50Ms, 1)} / ${fmt(s.sendLateness.p99Ms, 1)}`,
          ],
          [
            'CPU: monitor / load generator (ms)',
            `${fmt(r.cpuMs)} / ${fmt(s.cpuMs)}; machine busy ${fmt(r.memoryDuringStream.machineBusyPct)} %`,
          ],
          [
            'deliveries left out',
            `${fmt(s.disconnected)} subscribers dropped by the feed; ${fmt(s.behindAtEnd)} connected ones short of the last change${s.complete ? '' : ' (stopped after a stall)'}; ${fmt(s.unattributed)} unattributed deltas`,
          ],
        ],
      ),
    );
  }
  return out.join('\n');
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv.includes('--help')) {
    process.stdout.write(HELP);
    return;
  }
  const o = settingsOf(argv);
  const command = ['node', relative(ROOT, process.argv[1]), ...argv].join(' ');
  const tag = runTag();
  const startedAt = new Date();
  const t0 = performance.now();
  const quietChecks: QuietCheck[] = [];
  const notes: string[] = [];
  const pipeline: PipelineResult[] = [];
  const fanOut: FanOutResult[] = [];
  if (o.only.includes('pipeline')) {
    for (const variant of o.variants) {
      if (variant === 'kafka' && !brokerStatus().up) {
        notes.push(`kafka variant skipped: the broker at ${o.brokers.join(',')} is not answering`);
        log(notes[notes.length - 1]);
        continue;
      }
      const done = await runInFreshProcess({
        scenario: 'pipeline',
        quiet: o.quiet,
        variant,
        events: o.events,
        warmUpEvents: o.warmUpEvents,
        agents: o.agents,
        seed: o.seed,
        brokers: o.brokers,
        tag,
      });
      quietChecks.push(...done.quietChecks);
      if (done.scenario === 'pipeline') pipeline.push(done.result);
    }
  }
  if (o.only.includes('fanout')) {
    for (const [i, rate] of o.rates.entries()) {
      const done = await runInFreshProcess({
        scenario: 'fanout',
        quiet: o.quiet,
        calls: o.calls,
        subscribers: o.subscribers,
        changesPerSecond: rate,
        seconds: o.seconds[i],
        seed: o.seed,
        maxBufferedBytes: o.feedBufferBytes,
        connectConcurrency: o.connectConcurrency,
        stallMs: o.stallMs,
      });
      quietChecks.push(...done.quietChecks);
      if (done.scenario === 'fanout') fanOut.push(done.result);
    }
  }

  const machine = machineInfo('not used');
  const durationSec = round((performance.now() - t0) / 1000, 1);
  const disturbed = quietChecks.some((q) => q.disturbed);
  const sections = [
    `Call monitor benchmark — ${startedAt.toISOString()} — ${machine.cpus} × ${machine.cpuModel}, ${machine.memoryGiB} GiB, ` +
      `Node ${machine.node}, ${machine.platform}, Kafka ${machine.kafka} (${machine.kafkaClient}); took ${durationSec} s`,
    `command: ${command}`,
  ];
  if (pipeline.length) sections.push(pipelineReport(pipeline));
  if (fanOut.length) sections.push(fanOutReport(fanOut));
  if (notes.length) sections.push(notes.join('\n'));
  if (disturbed) {
    sections.push(
      'WARNING: some measurements started on a busy machine (see quietChecks in the JSON)',
    );
  }
  process.stdout.write(`\n${sections.join('\n\n')}\n`);

  const { json, quiet: quietOptions, ...settings } = o;
  mkdirSync(dirname(json), { recursive: true });
  writeFileSync(
    json,
    `${JSON.stringify(
      {
        startedAt: startedAt.toISOString(),
        durationSec,
        command,
        machine,
        settings: { ...settings, quiet: quietOptions },
        quietChecks,
        disturbed,
        notes,
        pipeline,
        fanOut,
      },
      null,
      2,
    )}\n`,
  );
  process.stdout.write(`\nresults written to ${relative(ROOT, json)}\n`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(
      `bench:call-monitor failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  },
);
