/**
 * Section 2: bench_metrics sources (in-process, large batches) polled by the service's scheduler
 * through SourceSync (claim → fetch → pipeline → Kafka publish → cursor commit) and real Kafka, until
 * every record is acknowledged by the broker (on telemetry.metrics.v1 or, rejected, ingest.rejects.v1).
 * Batch latency: the connector handing a batch over → the broker acknowledging its last record.
 */
import { performance } from 'node:perf_hooks';
import { decode, Topics } from '@telcomesh/contracts';
import type { OutboundRecord } from '@telcomesh/messaging';
import { RejectHeaders } from '../../apps/ingestor/src/pipeline/outbound-records';
import {
  type LatencySummary,
  type MemoryPeak,
  MemorySampler,
  log,
  perSecond,
  round,
  sleep,
  summarizeLatencies,
} from '../messaging/stats';
import { BENCH_SOURCE_TYPE } from './metric-source';
import type { BenchIngestor } from './service';

export interface EndToEndOptions {
  sources: number;
  recordsPerSource: number;
  batchSize: number;
  timeoutMs: number;
}

export interface EndToEndResult {
  sources: number;
  recordsPerSource: number;
  batchSize: number;
  maxConcurrentPolls: number;
  records: number;
  published: number;
  onMetricsTopic: number;
  onRejects: number;
  /** First batch handed over → last record acknowledged. */
  ms: number;
  recordsPerSec: number;
  batches: number;
  batchLatency: LatencySummary;
  memory: MemoryPeak;
}

/** Which source a published record came from: in the metric's Protobuf, or the reject's header. */
function sourceOf(record: OutboundRecord, metricsTopic: string): string | undefined {
  if (record.topic === metricsTopic) return decode(Topics.TelemetryMetrics, record.value).sourceId;
  return record.headers[RejectHeaders.sourceId];
}

export async function runEndToEnd(
  bench: BenchIngestor,
  o: EndToEndOptions,
): Promise<EndToEndResult> {
  const metricsTopic = Topics.TelemetryMetrics.name;
  const rejectsTopic = Topics.IngestRejects.name;
  const total = o.sources * o.recordsPerSource;
  /** Per source, the batches handed over and not yet fully on Kafka, oldest first. */
  const inFlight = new Map<string, { left: number; handedAt: number }[]>();
  const latencies: number[] = [];
  let first: number | undefined;
  let last = 0;
  let onMetrics = 0;
  let onRejects = 0;
  let done: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => (done = resolve));

  bench.onBatch = (batch) => {
    first ??= performance.now();
    const queue = inFlight.get(batch.sourceId) ?? [];
    queue.push({ left: batch.records, handedAt: performance.now() });
    inFlight.set(batch.sourceId, queue);
  };
  bench.onPublished = (records) => {
    const at = performance.now();
    // SourceSync publishes one source's records per call: decode one to know which (decoding
    // every metric here cost the run ~5 % of its CPU).
    let source: string | undefined;
    for (const record of records) {
      if (record.topic !== metricsTopic && record.topic !== rejectsTopic) continue;
      source ??= sourceOf(record, metricsTopic);
      const head = source === undefined ? undefined : inFlight.get(source)?.[0];
      if (!head || source === undefined) continue; // not a bench source's record
      if (record.topic === metricsTopic) onMetrics++;
      else onRejects++;
      // A source's syncs never overlap and are published in order: FIFO per source.
      if (--head.left === 0) {
        latencies.push(at - head.handedAt);
        inFlight.get(source)?.shift();
      }
    }
    last = at;
    if (onMetrics + onRejects >= total) done();
  };

  const sampler = MemorySampler.begin();
  log(
    `end to end: ${o.sources} sources × ${o.recordsPerSource} records, batches of ${o.batchSize}`,
  );
  const ids: string[] = [];
  for (let i = 0; i < o.sources; i++) {
    const id = `bench-e2e-${i}`;
    ids.push(id);
    await bench.core.catalog.create(
      {
        source_id: id,
        source_type: BENCH_SOURCE_TYPE,
        connection_config: { records_total: o.recordsPerSource, batch_size: o.batchSize },
        mapping_rules: { tenant_mapping: 'tenant-001' },
        polling_interval: 3600,
        enabled: true,
      },
      'bench',
      'end-to-end run',
    );
  }
  const timeout = sleep(o.timeoutMs).then(() => 'timeout' as const);
  const outcome = await Promise.race([finished.then(() => 'done' as const), timeout]);
  const memory = sampler.stop();
  bench.onBatch = undefined;
  bench.onPublished = undefined;
  const published = onMetrics + onRejects;
  if (outcome === 'timeout')
    log(`end to end: timed out with ${published} of ${total} records on Kafka`);
  for (const id of ids) await bench.core.catalog.delete(id, 'bench', 'end-to-end run over');
  const ms = first === undefined ? Number.NaN : last - first;
  return {
    sources: o.sources,
    recordsPerSource: o.recordsPerSource,
    batchSize: o.batchSize,
    maxConcurrentPolls: bench.service.runtime.config.INGESTOR_MAX_CONCURRENT_POLLS,
    records: total,
    published,
    onMetricsTopic: onMetrics,
    onRejects,
    ms: round(ms, 1),
    recordsPerSec: perSecond(published, ms),
    batches: latencies.length,
    batchLatency: summarizeLatencies(Float64Array.from(latencies)),
    memory,
  };
}
