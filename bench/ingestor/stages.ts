/**
 * Section 1: the pipeline's stages one after the other on the same records, in process, so the
 * reader sees where the time goes: validation + enrichment, building the outbox rows (event id
 * digest, Protobuf, envelope), the outbox INSERT in the sync's transaction, and the relay moving
 * the rows onto Kafka. Kafka publish without the outbox is measured too, as the floor.
 */
import { performance } from 'node:perf_hooks';
import { OutboxRelay, type OutboundRecord } from '@telcomesh/messaging';
import { compileMappingRules } from '../../apps/ingestor/src/pipeline/mapping-rules';
import {
  outboundOf,
  rejectOutboundOf,
  type OutboundContext,
} from '../../apps/ingestor/src/pipeline/outbound-records';
import { syntheticMetrics } from '../../apps/ingestor/src/pipeline/pipeline-benchmark';
import { RecordPipeline } from '../../apps/ingestor/src/pipeline/record-pipeline';
import { log, perSecond, round } from '../messaging/stats';
import type { BenchIngestor } from './service';

export interface StageFigure {
  stage: string;
  records: number;
  /** Best round (in-process stages) or the single run (database and Kafka stages). */
  ms: number;
  recordsPerSec: number;
  /** Microseconds per record of this stage alone. */
  usPerRecord: number;
  /** Records/s of every stage up to and including this one, one after the other. */
  cumulativePerSec: number;
}

export interface StagesResult {
  records: number;
  accepted: number;
  rejected: number;
  rounds: number;
  /** Bytes of one metric's Protobuf value and of its JSON envelope headers. */
  valueBytes: number;
  headerBytes: number;
  stages: StageFigure[];
  /** KafkaTransport.publish of the same rows straight from memory, 1,000 per call (no outbox). */
  kafkaDirect: { ms: number; recordsPerSec: number };
}

export interface StagesOptions {
  records: number;
  rounds: number;
  /** Rows per outbox INSERT (INGESTOR_PUBLISH_BATCH_SIZE). */
  insertBatch: number;
  /** Records per sync transaction. */
  syncSize: number;
}

function best(rounds: number, run: () => void): number {
  let fastest = Number.POSITIVE_INFINITY;
  for (let round = 0; round <= rounds; round++) {
    const started = performance.now();
    run();
    const took = performance.now() - started;
    if (round > 0) fastest = Math.min(fastest, took); // round 0 warms the JIT
  }
  return fastest;
}

export async function runStages(bench: BenchIngestor, o: StagesOptions): Promise<StagesResult> {
  const now = Date.now();
  const input = syntheticMetrics(o.records, now);
  const map: Record<string, string> = {};
  for (let i = 0; i < 500; i += 3) map[`SITE${String(i).padStart(4, '0')}`] = `site-${i}`;
  const pipeline = new RecordPipeline(
    compileMappingRules(
      { tenant_mapping: 'tenant-001', site_mapping: { field: 'siteId', map } },
      'default',
    ),
    { maxClockSkewMs: 300_000, maxRecordAgeMs: 7 * 86_400_000, pollingIntervalMs: 300_000 },
  );
  const context: OutboundContext = {
    sourceId: 'bench-stages',
    ceSource: '/telcomesh/ingestor',
    receivedAt: new Date(now),
  };

  log(`stages: validation + enrichment of ${o.records} records, best of ${o.rounds}`);
  let processed = pipeline.process(input, now);
  const validateMs = best(o.rounds, () => {
    processed = pipeline.process(input, now);
  });
  log('stages: outbox rows (event id, Protobuf, envelope)');
  let rows: OutboundRecord[] = [];
  const encodeMs = best(o.rounds, () => {
    rows = processed.accepted.map((enriched) => outboundOf(enriched, context));
    for (const rejected of processed.rejected)
      rows.push(rejectOutboundOf(rejected, 'tenant-001', context));
  });

  // The service's relay would race the measured one: pause it while the rows pile up.
  const { runtime } = bench.service;
  await runtime.relay.stop();
  log(`stages: outbox INSERT, ${o.syncSize} rows per transaction, ${o.insertBatch} per statement`);
  const insertStarted = performance.now();
  for (let i = 0; i < rows.length; i += o.syncSize) {
    const sync = rows.slice(i, i + o.syncSize);
    await runtime.dataSource.transaction(async (manager) => {
      for (let j = 0; j < sync.length; j += o.insertBatch)
        await runtime.outbox.enqueue(manager, sync.slice(j, j + o.insertBatch));
    });
  }
  const insertMs = performance.now() - insertStarted;

  log('stages: relay drain to Kafka (batches of 1,000, the service default)');
  const relay = new OutboxRelay(runtime.outbox, runtime.transport, { sharedServer: false });
  const relayStarted = performance.now();
  const relayed = await relay.drain();
  const relayMs = performance.now() - relayStarted;
  if (relayed !== rows.length) throw new Error(`relay published ${relayed} of ${rows.length} rows`);
  runtime.relay.start();

  log('stages: Kafka publish straight from memory (no outbox), 1,000 per call');
  const directStarted = performance.now();
  for (let i = 0; i < rows.length; i += 1000)
    await runtime.transport.publish(rows.slice(i, i + 1000));
  const directMs = performance.now() - directStarted;

  const n = o.records;
  const steps: [string, number][] = [
    ['validation + enrichment', validateMs],
    ['+ outbox rows (id, Protobuf, envelope)', encodeMs],
    ['+ outbox INSERT (Postgres)', insertMs],
    ['+ relay → Kafka', relayMs],
  ];
  let total = 0;
  const stages = steps.map(([stage, ms]) => {
    total += ms;
    return {
      stage,
      records: n,
      ms: round(ms, 1),
      recordsPerSec: perSecond(n, ms),
      usPerRecord: round((ms * 1000) / n, 2),
      cumulativePerSec: perSecond(n, total),
    };
  });
  const sample = rows[0];
  return {
    records: n,
    accepted: processed.accepted.length,
    rejected: processed.rejected.length,
    rounds: o.rounds,
    valueBytes: sample?.value.length ?? 0,
    headerBytes: sample ? JSON.stringify(sample.headers).length : 0,
    stages,
    kafkaDirect: { ms: round(directMs, 1), recordsPerSec: perSecond(rows.length, directMs) },
  };
}
