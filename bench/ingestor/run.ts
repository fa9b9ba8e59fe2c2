/**
 * Ingestor pipeline benchmark (issue 3): stages in process, end to end through the service onto
 * real Kafka, and memory per 1,000 sources. Build with `npx node scripts/build.mjs`, run with
 * `npx node dist/bench/ingestor/run.js [flags]` (see --help). Tables go to stdout, progress to
 * stderr, figures to bench/ingestor/results/latest.json. The SNMP benchmark is snmp-main.js.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import {
  ROOT,
  createThrowawayDatabase,
  dropDatabase,
  machineInfo,
  runTag,
} from '../messaging/environment';
import { intFlag, listFlag, parseFlags } from '../messaging/flags';
import { fmt, log, table } from '../messaging/stats';
import { type EndToEndResult, runEndToEnd } from './end-to-end';
import { type BenchIngestor, deletePrefixedTopics, startIngestor } from './service';
import { type SourceMemoryResult, runSourceMemory } from './source-memory';
import { type StagesResult, runStages } from './stages';

const HELP = `usage: npx node dist/bench/ingestor/run.js [flags]   (after npx node scripts/build.mjs)

  --only LIST            stages,e2e,memory (default all three)
  --stage-records N      stages: records (default 200000)
  --rounds N             stages: measured rounds of the in-process stages (default 5)
  --sources N            e2e: bench_metrics sources (default 8)
  --records N            e2e: records per source (default 50000)
  --batch N              e2e: records per fetch (default 10000)
  --polls N              INGESTOR_MAX_CONCURRENT_POLLS (default 8, the service default)
  --metrics-format F     INGESTOR_METRICS_FORMAT: record (default) or batch
  --metric-batch N       INGESTOR_METRIC_BATCH_SIZE (default 500, the service default)
  --memory-sources LIST  memory: held-source counts to step through (default 1000,5000,10000)
  --brokers LIST         Kafka bootstrap (default $KAFKA_BROKERS or 127.0.0.1:9092)
  --redis URL            (default redis://127.0.0.1:6379)
  --pg-host H --pg-port P --pg-user U   PostgreSQL server (default 127.0.0.1 5432 postgres)
  --timeout-ms N         per section (default 180000)
  --json FILE            result file (default bench/ingestor/results/latest.json)
`;

const AIM = 100_000;

interface Results {
  stages?: StagesResult;
  endToEnd?: EndToEndResult;
  memory?: SourceMemoryResult;
}

function report(r: Results): string {
  const out: string[] = [];
  if (r.stages) {
    const s = r.stages;
    out.push(
      `Stages in process: ${fmt(s.records)} ENM-shaped metrics (${fmt(s.rejected)} rejected by range), ` +
        `value ${s.valueBytes} B + headers ${s.headerBytes} B JSON`,
      table(
        ['stage', 'ms', 'records/s (stage)', 'µs/record', 'records/s (cumulative)'],
        s.stages.map((x) => [
          x.stage,
          fmt(x.ms, 1),
          fmt(x.recordsPerSec),
          fmt(x.usPerRecord, 2),
          fmt(x.cumulativePerSec),
        ]),
      ),
      `Batch format instead of the outbound records: ${fmt(s.batchFormat.kafkaRecords)} site records of up to ${s.batchFormat.batchSize} built in ${fmt(s.batchFormat.ms, 1)} ms, ${fmt(s.batchFormat.usPerRecord, 2)} µs per measurement (${fmt(s.batchFormat.recordsPerSec)}/s)`,
      `For comparison, the outbox path ADR 0008 replaced (INSERT ${fmt(s.outboxPath.insertMs, 1)} ms + relay ${fmt(s.outboxPath.relayMs, 1)} ms): ${fmt(s.outboxPath.recordsPerSec)} records/s after the outbound records`,
      '',
    );
  }
  if (r.endToEnd) {
    const e = r.endToEnd;
    const l = e.batchLatency;
    out.push(
      `End to end (in-process bench_metrics connector → scheduler → SourceSync → Kafka): ` +
        `${e.sources} sources × ${fmt(e.recordsPerSource)}, batches of ${fmt(e.batchSize)}, ${e.maxConcurrentPolls} concurrent polls, metrics format ${e.metricsFormat}`,
      table(
        [
          'records on Kafka',
          'seconds',
          'records/s',
          'vs aim',
          'CPU %',
          'RSS peak MiB',
          'batch p50 ms',
          'batch p99 ms',
        ],
        [
          [
            `${fmt(e.published)} / ${fmt(e.records)}`,
            fmt(e.ms / 1000, 2),
            fmt(e.recordsPerSec),
            `${fmt((100 * e.recordsPerSec) / AIM)} %`,
            fmt(e.memory.processCpuPct),
            fmt(e.memory.rssPeakMiB, 1),
            fmt(l.p50Ms),
            fmt(l.p99Ms),
          ],
        ],
      ),
      '',
    );
  }
  if (r.memory) {
    const m = r.memory;
    out.push(
      'Memory of one service instance by held sources (idle, after GC)',
      table(
        ['sources', 'RSS MiB', 'heap MiB', 'registered/s', 'settle s'],
        m.steps.map((x) => [
          fmt(x.sources),
          fmt(x.rssMiB, 1),
          fmt(x.heapUsedMiB, 1),
          fmt(x.registerPerSec),
          fmt(x.settleMs / 1000, 1),
        ]),
      ),
      `per 1,000 sources (from the first step with sources to the last): RSS +${fmt(m.rssMiBPer1000, 1)} MiB, heap +${fmt(m.heapMiBPer1000, 1)} MiB`,
      '',
    );
  }
  return out.join('\n');
}

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2));
  if (flags.has('help')) {
    process.stdout.write(HELP);
    return;
  }
  const only = new Set(listFlag(flags, 'only', 'stages,e2e,memory'));
  for (const name of only)
    if (!['stages', 'e2e', 'memory'].includes(name))
      throw new Error(`--only: unknown section ${name} (stages, e2e, memory)`);
  const brokersFlag = flags.get('brokers');
  const brokers = (
    typeof brokersFlag === 'string' ? brokersFlag : (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092')
  ).split(',');
  const redisFlag = flags.get('redis');
  const redisUrl = typeof redisFlag === 'string' ? redisFlag : 'redis://127.0.0.1:6379';
  const hostFlag = flags.get('pg-host');
  const userFlag = flags.get('pg-user');
  const pg = {
    host: typeof hostFlag === 'string' ? hostFlag : '127.0.0.1',
    port: intFlag(flags, 'pg-port', 5432, 1),
    user: typeof userFlag === 'string' ? userFlag : 'postgres',
  };
  const timeoutMs = intFlag(flags, 'timeout-ms', 180_000, 1000);
  const jsonFlag = flags.get('json');
  const jsonPath =
    typeof jsonFlag === 'string' ? jsonFlag : join(ROOT, 'bench/ingestor/results/latest.json');
  const memoryCounts = listFlag(flags, 'memory-sources', '1000,5000,10000').map((v) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new Error(`--memory-sources: ${v} is not a count ≥ 1`);
    return n;
  });
  const stageOptions = {
    records: intFlag(flags, 'stage-records', 200_000, 1),
    rounds: intFlag(flags, 'rounds', 5, 1),
    insertBatch: 2000,
    syncSize: 10_000,
  };
  const e2eOptions = {
    sources: intFlag(flags, 'sources', 8, 1),
    recordsPerSource: intFlag(flags, 'records', 50_000, 1),
    batchSize: intFlag(flags, 'batch', 10_000, 1),
    timeoutMs,
  };

  const metricsFormat = listFlag(flags, 'metrics-format', 'record')[0];
  if (metricsFormat !== 'record' && metricsFormat !== 'batch')
    throw new Error(`--metrics-format: record or batch, not ${metricsFormat}`);

  const startedAt = new Date();
  const tag = runTag();
  const topicPrefix = `bench-ing-${tag}`;
  const { database, version } = await createThrowawayDatabase(pg);
  log(`database ${database}, topic prefix ${topicPrefix}`);
  const results: Results = {};
  let bench: BenchIngestor | undefined;
  try {
    bench = await startIngestor({
      brokers,
      redisUrl,
      pg,
      database,
      topicPrefix,
      maxConcurrentPolls: intFlag(flags, 'polls', 8, 1),
      metricsFormat,
      metricBatchSize: intFlag(flags, 'metric-batch', 500, 1),
    });
    if (only.has('stages')) results.stages = await runStages(bench, stageOptions);
    if (only.has('e2e')) results.endToEnd = await runEndToEnd(bench, e2eOptions);
    if (only.has('memory')) results.memory = await runSourceMemory(bench, memoryCounts, timeoutMs);
  } finally {
    await bench?.close();
    await dropDatabase(pg, database);
    await deletePrefixedTopics(brokers, topicPrefix);
  }

  const text = report(results);
  process.stdout.write(`${text}\n`);
  mkdirSync(dirname(jsonPath), { recursive: true });
  writeFileSync(
    jsonPath,
    `${JSON.stringify(
      {
        startedAt: startedAt.toISOString(),
        durationSec: Math.round((Date.now() - startedAt.getTime()) / 1000),
        argv: process.argv.slice(2),
        machine: machineInfo(`PostgreSQL ${version}`),
        aimRecordsPerSec: AIM,
        results,
      },
      (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value),
      2,
    )}\n`,
  );
  log(`figures written to ${relative(ROOT, jsonPath)}`);
}

main().catch((error: unknown) => {
  process.stderr.write(
    `${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exitCode = 1;
});
