/**
 * Messaging benchmark: KafkaTransport produce → consume, OutboxRelay, EmbeddedBus, and Kafka's own
 * ProducerPerformance as the ceiling. Run with `npm run bench:messaging -- [flags]` (see --help).
 * Prints a table to stdout, progress to stderr, and writes the figures to a JSON file.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { type EmbeddedScenarioResult, runEmbeddedScenario } from './embedded';
import { ROOT, TopicJanitor, machineInfo, quietLog, runTag, waitForQuiet } from './environment';
import {
  type KafkaScenarioResult,
  type ThroughputResult,
  kafkaThroughput,
  runKafkaScenario,
} from './kafka';
import { type OutboxScenarioResult, runOutboxScenario } from './outbox';
import { type ReferenceResult, runBrokerReference } from './reference';
import { type MemoryPeak, fmt, round, table } from './stats';
import { KafkaTransport } from '@telcomesh/messaging';
import { type Flags, intFlag, listFlag, parseFlags } from './flags';

const SCENARIOS = ['reference', 'kafka', 'outbox', 'embedded', 'sweep'] as const;
type Scenario = (typeof SCENARIOS)[number];
const DEFAULT_SCENARIOS: Scenario[] = ['reference', 'kafka', 'outbox', 'embedded'];

const TARGET_KAFKA_EVENTS_PER_SEC = 50_000;
const TARGET_RELAY_ROWS_PER_SEC = 10_000;

const HELP = `usage: npm run bench:messaging -- [flags]

  --only LIST              scenarios, comma-separated: ${SCENARIOS.join(',')} (default ${DEFAULT_SCENARIOS.join(',')};
                           'sweep' = produce-only batch/in-flight grid, not in the default run)
  --brokers LIST           Kafka bootstrap (default $KAFKA_BROKERS or 127.0.0.1:9092)
  --messages N             Kafka produce→consume records (default 200000)
  --size BYTES             value size (default 1024)    --keys N  distinct keys (default 1000)
  --partitions N           partitions of each fresh topic (default 6)
  --headers MODE           envelope (default: 7 CloudEvents envelope headers per record) or none
                           (diagnostic: shows what header encoding costs)
  --batch N                records per publish() call (default 2000)
  --inflight N             concurrent publish() calls on one transport (default 1; see docs/benchmarks.md)
  --rate N --rate-seconds S  latency run (default 5000 ev/s for 10 s)
  --no-consume-only        skip the consumer-only drain of the throughput topic
  --outbox-rows N          rows per relay run (default 100000)   --outbox-tx N  rows per insert tx (default 500)
  --outbox-writers N       concurrent inserting transactions (default 2)
  --outbox-batches LIST    relay batchSize values (default 1000,5000)
  --outbox-concurrent N    rows for the insert-while-relaying run, 0 = skip (default 50000)
  --embedded-messages N    EmbeddedBus records (default 200000)
  --reference-messages N   ProducerPerformance records (default = --messages)
  --reference-props LIST   extra producer properties for it, e.g. "batch.size=524288,linger.ms=10"
  --sweep-messages N       records per sweep cell (default 100000)
  --sweep-batches LIST     (default 500,1000,2000,5000)   --sweep-inflight LIST (default 1)
  --pg-host H --pg-port P --pg-user U   PostgreSQL server (default 127.0.0.1 5432 postgres)
  --timeout-ms N           how long to wait for a consumer to catch up (default 180000)
  --json FILE              result file (default bench/messaging/results/latest.json)
  --no-wait                start each measurement at once (default: wait until no bench/kafka-clients
                           process runs, the broker answers and the machine is idle)
  --min-idle PCT           idle share of all cores required before a measurement (default 80)
  --max-wait-s S           give up waiting after S s and flag the figure as disturbed (default 600)
`;

function intListFlag(flags: Flags, name: string, fallback: string): number[] {
  return listFlag(flags, name, fallback).map((s) => {
    const value = Number(s);
    if (!Number.isInteger(value) || value <= 0)
      throw new Error(`--${name}: ${s} is not a positive integer`);
    return value;
  });
}

interface SweepCell {
  batch: number;
  inflight: number;
  produceEventsPerSec: number;
  endToEndEventsPerSec: number;
  missing: number;
  duplicates: number;
}

interface Results {
  reference?: ReferenceResult;
  kafka?: KafkaScenarioResult;
  outbox?: OutboxScenarioResult;
  embedded?: EmbeddedScenarioResult;
  sweep?: SweepCell[];
}

function pct(part: number | undefined, whole: number | undefined): string {
  if (
    part === undefined ||
    whole === undefined ||
    !Number.isFinite(part) ||
    !Number.isFinite(whole) ||
    whole === 0
  )
    return '-';
  return `${fmt((100 * part) / whole, 1)} %`;
}

function verdict(value: number | undefined, target: number): string {
  if (value === undefined || !Number.isFinite(value)) return 'not measured';
  return value >= target
    ? `MET (${fmt(value)} ≥ ${fmt(target)})`
    : `NOT MET (${fmt(value)} < ${fmt(target)}, ${pct(value, target)} of target)`;
}

function report(results: Results, valueBytes: number): string {
  const out: string[] = [];
  const rows: string[][] = [];
  const { reference: ref, kafka, outbox, embedded } = results;
  if (ref) {
    rows.push([
      'Kafka ProducerPerformance (Java, reference)',
      'produce',
      fmt(ref.recordsPerSec),
      fmt(ref.mibPerSec, 1),
      fmt(ref.p50Ms, 0),
      fmt(ref.p95Ms, 0),
      fmt(ref.p99Ms, 0),
      fmt(ref.maxLatencyMs, 0),
      `saturated; ${ref.extraProps.length ? ref.extraProps.join(' ') : 'producer defaults'}`,
    ]);
  }
  if (kafka) {
    const t = kafka.throughput;
    rows.push([
      `KafkaTransport publish (batch ${t.batch}, ${t.inflight} in flight)`,
      'produce',
      fmt(t.produceEventsPerSec),
      fmt(t.produceMiBPerSec, 1),
      '',
      '',
      '',
      '',
      `${pct(t.produceEventsPerSec, ref?.recordsPerSec)} of reference`,
    ]);
    rows.push([
      'KafkaTransport produce → consume',
      'end to end',
      fmt(t.endToEndEventsPerSec),
      fmt((t.endToEndEventsPerSec * valueBytes) / 1024 ** 2, 1),
      '',
      '',
      '',
      '',
      `missing ${t.missing}, dup ${t.duplicates}`,
    ]);
    if (kafka.consumeOnly) {
      const c = kafka.consumeOnly;
      rows.push([
        'KafkaTransport consume only (backlog drain)',
        'consume',
        fmt(c.eventsPerSec),
        fmt((c.eventsPerSec * valueBytes) / 1024 ** 2, 1),
        '',
        '',
        '',
        '',
        `missing ${c.missing}, dup ${c.duplicates}`,
      ]);
    }
    const r = kafka.rate;
    rows.push([
      `KafkaTransport latency @ ${fmt(r.targetRate)} ev/s × ${r.seconds} s`,
      'end to end',
      fmt(r.achievedRate),
      fmt((r.achievedRate * valueBytes) / 1024 ** 2, 1),
      fmt(r.latency.p50Ms, 1),
      fmt(r.latency.p95Ms, 1),
      fmt(r.latency.p99Ms, 1),
      fmt(r.latency.maxMs, 1),
      `missing ${r.missing}, dup ${r.duplicates}`,
    ]);
  }
  if (outbox) {
    for (const r of outbox.relay) {
      rows.push([
        `Outbox insert (${fmt(r.rows)} rows)`,
        'insert',
        fmt(r.insertRowsPerSec),
        fmt((r.insertRowsPerSec * valueBytes) / 1024 ** 2, 1),
        '',
        '',
        '',
        '',
        '',
      ]);
      rows.push([
        `OutboxRelay.drain() batchSize ${r.batchSize}`,
        'relay',
        fmt(r.relayRowsPerSec),
        fmt((r.relayRowsPerSec * valueBytes) / 1024 ** 2, 1),
        '',
        '',
        '',
        '',
        r.error
          ? `FAILED after ${fmt(r.published)} rows: ${r.error.slice(0, 120)}`
          : `${r.relayPublishSharePct} % of time in publish; backlog ${r.backlogAfter}, missing ${r.missing}, dup ${r.duplicates}`,
      ]);
      rows.push([
        `  relay start → last consumed`,
        'end to end',
        fmt(r.endToEndRowsPerSec),
        '',
        '',
        '',
        '',
        '',
        '',
      ]);
    }
    const c = outbox.concurrent;
    if (c) {
      rows.push([
        `Outbox insert + relay concurrently (batchSize ${c.batchSize})`,
        'end to end',
        fmt(c.endToEndRowsPerSec),
        fmt((c.endToEndRowsPerSec * valueBytes) / 1024 ** 2, 1),
        '',
        '',
        '',
        '',
        `insert ${fmt(c.insertRowsPerSec)}/s, max backlog ${fmt(c.maxBacklog)}, missing ${c.missing}, dup ${c.duplicates}`,
      ]);
    }
  }
  if (embedded) {
    const t = embedded.throughput;
    rows.push([
      `EmbeddedBus publish (batch ${t.batch})`,
      'produce',
      fmt(t.produceEventsPerSec),
      '',
      '',
      '',
      '',
      '',
      '',
    ]);
    rows.push([
      'EmbeddedBus produce → consume',
      'end to end',
      fmt(t.endToEndEventsPerSec),
      '',
      '',
      '',
      '',
      '',
      `missing ${t.missing}, dup ${t.duplicates}`,
    ]);
    const r = embedded.rate;
    rows.push([
      `EmbeddedBus latency @ ${fmt(r.targetRate)} ev/s × ${r.seconds} s`,
      'end to end',
      fmt(r.achievedRate),
      '',
      fmt(r.latency.p50Ms, 3),
      fmt(r.latency.p95Ms, 3),
      fmt(r.latency.p99Ms, 3),
      fmt(r.latency.maxMs, 3),
      `missing ${r.missing}, dup ${r.duplicates}`,
    ]);
  }
  out.push(
    table(
      ['scenario', 'what', 'events/s', 'MiB/s', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms', 'notes'],
      rows,
    ),
  );

  const res: [string, MemoryPeak][] = [];
  if (kafka)
    res.push(
      ['kafka throughput', kafka.throughput.memory],
      ['kafka latency run', kafka.rate.memory],
    );
  for (const r of outbox?.relay ?? []) res.push([`outbox batchSize ${r.batchSize}`, r.memory]);
  if (outbox?.concurrent) res.push(['outbox insert+relay', outbox.concurrent.memory]);
  if (embedded)
    res.push(
      ['embedded throughput', embedded.throughput.memory],
      ['embedded latency run', embedded.rate.memory],
    );
  if (res.length) {
    out.push(
      '',
      'Resources during each run (benchmark process; machine = all processes incl. broker and Postgres):',
      table(
        [
          'run',
          'process CPU % of 1 core',
          'machine busy %',
          'RSS peak MiB',
          'heap used peak MiB',
          'external+buffers MiB',
        ],
        res.map(([name, m]) => [
          name,
          fmt(m.processCpuPct),
          fmt(m.machineBusyPct),
          fmt(m.rssPeakMiB),
          fmt(m.heapUsedPeakMiB),
          fmt(m.externalPeakMiB),
        ]),
      ),
    );
  }

  if (results.sweep?.length) {
    out.push(
      '',
      'Produce sweep (KafkaTransport):',
      table(
        ['batch', 'in flight', 'produce ev/s', 'e2e ev/s', 'missing', 'dup'],
        results.sweep.map((c) => [
          String(c.batch),
          String(c.inflight),
          fmt(c.produceEventsPerSec),
          fmt(c.endToEndEventsPerSec),
          fmt(c.missing),
          fmt(c.duplicates),
        ]),
      ),
    );
  }

  out.push('', 'Targets:');
  if (kafka) {
    out.push(
      `  Kafka ≥ ${fmt(TARGET_KAFKA_EVENTS_PER_SEC)} events/s, produce → consume end to end: ${verdict(kafka.throughput.endToEndEventsPerSec, TARGET_KAFKA_EVENTS_PER_SEC)}`,
    );
    out.push(
      `  Kafka ≥ ${fmt(TARGET_KAFKA_EVENTS_PER_SEC)} events/s, publish only:              ${verdict(kafka.throughput.produceEventsPerSec, TARGET_KAFKA_EVENTS_PER_SEC)}`,
    );
  }
  for (const r of outbox?.relay ?? []) {
    out.push(
      `  Outbox relay ≥ ${fmt(TARGET_RELAY_ROWS_PER_SEC)} events/s, batchSize ${r.batchSize}:        ${r.error ? `FAILED (${r.error.slice(0, 100)})` : verdict(r.relayRowsPerSec, TARGET_RELAY_ROWS_PER_SEC)}`,
    );
  }
  return out.join('\n');
}

async function sweep(
  brokers: string[],
  flags: Flags,
  base: {
    shape: { valueBytes: number; keys: number };
    partitions: number;
    tag: string;
    janitor: TopicJanitor;
    quiet: () => Promise<void>;
    timeoutMs: number;
  },
): Promise<SweepCell[]> {
  const messages = intFlag(flags, 'sweep-messages', 100_000);
  const cells: SweepCell[] = [];
  const transport = await new KafkaTransport({
    brokers,
    clientId: `bench-messaging-sweep-${base.tag}`,
  }).connect();
  try {
    for (const inflight of intListFlag(flags, 'sweep-inflight', '1')) {
      for (const batch of intListFlag(flags, 'sweep-batches', '500,1000,2000,5000')) {
        const { result } = await kafkaThroughput(
          transport,
          base,
          messages,
          batch,
          inflight,
          'sweep',
        );
        cells.push(cellOf(result));
      }
    }
  } finally {
    await transport.close();
  }
  return cells;
}

function cellOf(r: ThroughputResult): SweepCell {
  return {
    batch: r.batch,
    inflight: r.inflight,
    produceEventsPerSec: r.produceEventsPerSec,
    endToEndEventsPerSec: r.endToEndEventsPerSec,
    missing: r.missing,
    duplicates: r.duplicates,
  };
}

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2));
  if (flags.has('help')) {
    process.stdout.write(HELP);
    return;
  }
  const only = listFlag(flags, 'only', DEFAULT_SCENARIOS.join(','));
  for (const s of only)
    if (!(SCENARIOS as readonly string[]).includes(s))
      throw new Error(`unknown scenario ${s}; known: ${SCENARIOS.join(', ')}`);
  const selected = (s: Scenario) => only.includes(s);
  const brokers = listFlag(flags, 'brokers', process.env.KAFKA_BROKERS ?? '127.0.0.1:9092');
  const headersFlag = String(flags.get('headers') ?? 'envelope');
  if (headersFlag !== 'envelope' && headersFlag !== 'none')
    throw new Error('--headers is envelope or none');
  const shape = {
    valueBytes: intFlag(flags, 'size', 1024),
    keys: intFlag(flags, 'keys', 1000),
    headers: headersFlag,
  } as const;
  const partitions = intFlag(flags, 'partitions', 6);
  const messages = intFlag(flags, 'messages', 200_000);
  const timeoutMs = intFlag(flags, 'timeout-ms', 180_000);
  const quietOptions = {
    enabled: !flags.has('no-wait'),
    minIdle: intFlag(flags, 'min-idle', 80) / 100,
    maxWaitMs: intFlag(flags, 'max-wait-s', 600) * 1000,
  };
  const quiet = () => waitForQuiet(quietOptions);
  const pg = {
    host: String(flags.get('pg-host') ?? '127.0.0.1'),
    port: intFlag(flags, 'pg-port', 5432),
    user: String(flags.get('pg-user') ?? 'postgres'),
  };
  const jsonPath = resolve(
    ROOT,
    String(flags.get('json') ?? 'bench/messaging/results/latest.json'),
  );
  const tag = runTag();
  const janitor = new TopicJanitor(brokers);
  const startedAt = new Date();
  const t0 = performance.now();

  await quiet();
  const results: Results = {};
  try {
    if (selected('reference')) {
      results.reference = await runBrokerReference({
        brokers,
        messages: intFlag(flags, 'reference-messages', messages),
        valueBytes: shape.valueBytes,
        partitions,
        extraProps:
          typeof flags.get('reference-props') === 'string'
            ? String(flags.get('reference-props'))
                .split(/[\s,]+/)
                .filter(Boolean)
            : [],
        tag,
        janitor,
        quiet,
      });
    }
    if (selected('kafka')) {
      results.kafka = await runKafkaScenario({
        brokers,
        shape,
        partitions,
        messages,
        batch: intFlag(flags, 'batch', 2000),
        inflight: intFlag(flags, 'inflight', 1),
        rate: intFlag(flags, 'rate', 5000),
        rateSeconds: intFlag(flags, 'rate-seconds', 10),
        consumeOnly: !flags.has('no-consume-only'),
        tag,
        janitor,
        quiet,
        timeoutMs,
      });
    }
    if (selected('sweep'))
      results.sweep = await sweep(brokers, flags, {
        shape,
        partitions,
        tag,
        janitor,
        quiet,
        timeoutMs,
      });
    if (selected('outbox')) {
      results.outbox = await runOutboxScenario({
        brokers,
        pg,
        shape,
        partitions,
        rows: intFlag(flags, 'outbox-rows', 100_000),
        txRows: intFlag(flags, 'outbox-tx', 500),
        writers: intFlag(flags, 'outbox-writers', 2),
        relayBatches: intListFlag(flags, 'outbox-batches', '1000,5000'),
        concurrentRows: intFlag(flags, 'outbox-concurrent', 50_000),
        tag,
        janitor,
        quiet,
        timeoutMs,
      });
    }
    if (selected('embedded')) {
      results.embedded = await runEmbeddedScenario({
        shape,
        partitions,
        messages: intFlag(flags, 'embedded-messages', 200_000),
        batch: intFlag(flags, 'batch', 2000),
        rate: intFlag(flags, 'rate', 5000),
        rateSeconds: intFlag(flags, 'rate-seconds', 10),
        timeoutMs,
      });
    }
  } finally {
    await janitor.cleanup();
  }

  const machine = machineInfo(results.outbox?.postgresVersion ?? 'not used');
  const durationSec = round((performance.now() - t0) / 1000, 1);
  const text = report(results, shape.valueBytes);
  process.stdout.write(
    `\nMessaging benchmark — ${startedAt.toISOString()} — ${machine.cpus} × ${machine.cpuModel}, ${machine.memoryGiB} GiB, Node ${machine.node}, Kafka ${machine.kafka}, ${machine.kafkaClient}\n` +
      `${fmt(shape.valueBytes)} B values, ${fmt(shape.keys)} keys, ${shape.headers === 'none' ? 'no headers' : '7 envelope headers'}, ${partitions} partitions, acks=all idempotent producer; took ${durationSec} s\n\n${text}\n`,
  );
  const json = {
    startedAt: startedAt.toISOString(),
    durationSec,
    argv: process.argv.slice(2),
    machine,
    workload: { ...shape, partitions, brokers },
    targets: {
      kafkaEventsPerSec: TARGET_KAFKA_EVENTS_PER_SEC,
      kafkaEndToEndMet: results.kafka
        ? results.kafka.throughput.endToEndEventsPerSec >= TARGET_KAFKA_EVENTS_PER_SEC
        : null,
      kafkaProduceMet: results.kafka
        ? results.kafka.throughput.produceEventsPerSec >= TARGET_KAFKA_EVENTS_PER_SEC
        : null,
      relayRowsPerSec: TARGET_RELAY_ROWS_PER_SEC,
      relayMet: results.outbox
        ? Object.fromEntries(
            results.outbox.relay.map((r) => [
              `batch${r.batchSize}`,
              r.relayRowsPerSec >= TARGET_RELAY_ROWS_PER_SEC,
            ]),
          )
        : null,
    },
    quietChecks: quietLog,
    disturbed: quietLog.some((q) => q.disturbed),
    produceVsReferencePct:
      results.kafka && results.reference
        ? round(
            (100 * results.kafka.throughput.produceEventsPerSec) / results.reference.recordsPerSec,
            1,
          )
        : null,
    results,
  };
  mkdirSync(dirname(jsonPath), { recursive: true });
  writeFileSync(jsonPath, `${JSON.stringify(json, null, 2)}\n`);
  if (quietLog.some((q) => q.disturbed)) {
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
      `bench:messaging failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  },
);
