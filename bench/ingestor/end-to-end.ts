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
  metricsFormat: string;
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
function sourceOf(record: OutboundRecord): string | undefined {
  if (record.topic === Topics.TelemetryMetrics.name)
    return decode(Topics.TelemetryMetrics, record.value).sourceId;
  if (record.topic === Topics.TelemetryMetricBatches.name) return batchFacts(record.value).sourceId;
  return record.headers[RejectHeaders.sourceId];
}

/**
 * Source and measurement count of a NetworkMetricBatch from its top-level wire fields alone
 * (source_id = 2, metrics = 4), so the probe does not decode every measurement it counts.
 */
function batchFacts(value: Uint8Array): { sourceId: string; metrics: number } {
  let at = 0;
  let sourceId = '';
  let metrics = 0;
  const varint = () => {
    let result = 0;
    for (let shift = 0; ; shift += 7) {
      const byte = value[at++];
      result += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) return result;
    }
  };
  while (at < value.length) {
    const tag = varint();
    if ((tag & 7) !== 2)
      throw new Error(`unexpected wire type in a NetworkMetricBatch: ${tag & 7}`);
    const length = varint();
    if (tag >>> 3 === 2) sourceId = Buffer.from(value.subarray(at, at + length)).toString('utf8');
    if (tag >>> 3 === 4) metrics++;
    at += length;
  }
  return { sourceId, metrics };
}

/** Measurements a published record carries. */
function measurementsIn(record: OutboundRecord): number {
  return record.topic === Topics.TelemetryMetricBatches.name ? batchFacts(record.value).metrics : 1;
}

export async function runEndToEnd(
  bench: BenchIngestor,
  o: EndToEndOptions,
): Promise<EndToEndResult> {
  const counted = new Set<string>([
    Topics.TelemetryMetrics.name,
    Topics.TelemetryMetricBatches.name,
    Topics.IngestRejects.name,
  ]);
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
      if (!counted.has(record.topic)) continue;
      source ??= sourceOf(record);
      const queue = source === undefined ? undefined : inFlight.get(source);
      if (!queue?.length) continue; // not a bench source's record
      let n = measurementsIn(record);
      if (record.topic === Topics.IngestRejects.name) onRejects += n;
      else onMetrics += n;
      // A source's syncs never overlap and are published in order: FIFO per source.
      while (n > 0 && queue.length > 0) {
        const head = queue[0];
        const taken = Math.min(n, head.left);
        head.left -= taken;
        n -= taken;
        if (head.left === 0) {
          latencies.push(at - head.handedAt);
          queue.shift();
        }
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
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), o.timeoutMs);
  });
  const outcome = await Promise.race([finished.then(() => 'done' as const), timeout]);
  // A pending timeout would hold the process open for the rest of --timeout-ms.
  clearTimeout(timer);
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
    metricsFormat: bench.service.runtime.config.INGESTOR_METRICS_FORMAT,
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
