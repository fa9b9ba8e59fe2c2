/**
 * Section 1: the pipeline's stages one after the other on the same records, in process, so the
 * reader sees where the time goes: validation + enrichment, building the outbound records (event
 * id digest, Protobuf, envelope), and publishing them to Kafka in the sync's chunks, as SourceSync
 * does (ADR 0008). The outbox path that ADR replaced (INSERT in the sync's transaction, relay) is
 * measured on the same records for comparison.
 */
import { performance } from 'node:perf_hooks';
import { OutboxRelay, type OutboundRecord } from '@telcomesh/messaging';
import { compileMappingRules } from '../../apps/ingestor/src/pipeline/mapping-rules';
import { acceptedOutboundOf } from '../../apps/ingestor/src/pipeline/metric-batches';
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
  /** INGESTOR_METRICS_FORMAT=batch: the accepted records as NetworkMetricBatch records instead. */
  batchFormat: {
    batchSize: number;
    kafkaRecords: number;
    ms: number;
    usPerRecord: number;
    recordsPerSec: number;
  };
  /** The same records through the outbox instead (before ADR 0008): INSERT, then the relay. */
  outboxPath: { insertMs: number; relayMs: number; recordsPerSec: number };
}

export interface StagesOptions {
  records: number;
  rounds: number;
  /** Records per publish call and per outbox INSERT (INGESTOR_PUBLISH_BATCH_SIZE). */
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
  log('stages: outbound records (event id, Protobuf, envelope)');
  let rows: OutboundRecord[] = [];
  const encodeMs = best(o.rounds, () => {
    rows = processed.accepted.map((enriched) => outboundOf(enriched, context));
    for (const rejected of processed.rejected)
      rows.push(rejectOutboundOf(rejected, 'tenant-001', context));
  });

  log(`stages: Kafka publish, ${o.insertBatch} records per call (as a sync publishes)`);
  const batchSize = bench.service.runtime.config.INGESTOR_METRIC_BATCH_SIZE;
  log(`stages: batch format, up to ${batchSize} measurements per site record`);
  let batched: OutboundRecord[] = [];
  const batchMs = best(o.rounds, () => {
    batched = acceptedOutboundOf(processed.accepted, {
      ...context,
      metricBatchSize: batchSize,
    }).records;
  });

  const { runtime } = bench.service;
  const publishStarted = performance.now();
  for (let i = 0; i < rows.length; i += o.insertBatch)
    await runtime.transport.publish(rows.slice(i, i + o.insertBatch));
  const publishMs = performance.now() - publishStarted;

  // The service's relay would race the measured one: pause it while the rows pile up.
  await runtime.relay.stop();
  log(`for comparison, the outbox path: INSERT (${o.syncSize} rows per transaction), then relay`);
  const insertStarted = performance.now();
  for (let i = 0; i < rows.length; i += o.syncSize) {
    const sync = rows.slice(i, i + o.syncSize);
    await runtime.dataSource.transaction(async (manager) => {
      for (let j = 0; j < sync.length; j += o.insertBatch)
        await runtime.outbox.enqueue(manager, sync.slice(j, j + o.insertBatch));
    });
  }
  const insertMs = performance.now() - insertStarted;
  const relay = new OutboxRelay(runtime.outbox, runtime.transport, { sharedServer: false });
  const relayStarted = performance.now();
  const relayed = await relay.drain();
  const relayMs = performance.now() - relayStarted;
  if (relayed !== rows.length) throw new Error(`relay published ${relayed} of ${rows.length} rows`);
  runtime.relay.start();

  const n = o.records;
  const steps: [string, number][] = [
    ['validation + enrichment', validateMs],
    ['+ outbound records (id, Protobuf, envelope)', encodeMs],
    ['+ Kafka publish (acks=all)', publishMs],
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
    batchFormat: {
      batchSize,
      kafkaRecords: batched.length,
      ms: round(batchMs, 1),
      usPerRecord: round((batchMs * 1000) / processed.accepted.length, 2),
      recordsPerSec: perSecond(processed.accepted.length, batchMs),
    },
    outboxPath: {
      insertMs: round(insertMs, 1),
      relayMs: round(relayMs, 1),
      recordsPerSec: perSecond(rows.length, insertMs + relayMs),
    },
  };
}
