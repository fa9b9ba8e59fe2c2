import { performance } from 'node:perf_hooks';
import type { MetricRecord } from '../connectors';
import { compileMappingRules } from './mapping-rules';
import { outboundOf, type OutboundContext } from './outbound-records';
import { RecordPipeline } from './record-pipeline';

/** What one benchmark run measured. */
export interface PipelineBenchmarkResult {
  records: number;
  rounds: number;
  /** Best round: validation and enrichment only. */
  recordsPerSecond: number;
  /** Best round of validation, enrichment and building the outbox rows (Protobuf + envelope). */
  recordsPerSecondWithEncoding: number;
  accepted: number;
  rejected: number;
}

const KPIS = [
  { name: 'availability', unit: '%', min: 97, max: 100 },
  { name: 'throughput', unit: 'Mbps', min: 20, max: 450 },
  { name: 'latency', unit: 'ms', min: 8, max: 45 },
  { name: 'prb_utilization', unit: '%', min: 10, max: 95 },
  { name: 'rrc_success_rate', unit: '%', min: 92, max: 99.9 },
] as const;

/**
 * ENM-shaped metric records (raw item kept, as the connector hands them on) over `sites` sites,
 * every `badEvery`-th one out of range, so rejects are part of the measured path.
 */
export function syntheticMetrics(
  count: number,
  now: number,
  { sites = 500, badEvery = 100 }: { sites?: number; badEvery?: number } = {},
): MetricRecord[] {
  const records: MetricRecord[] = [];
  for (let i = 0; i < count; i++) {
    const kpi = KPIS[i % KPIS.length];
    const site = `SITE${String(i % sites).padStart(4, '0')}`;
    const cell = `${site}-4G-${(i % 3) + 1}`;
    const value =
      i % badEvery === badEvery - 1 && kpi.unit === '%'
        ? 150
        : kpi.min + ((i * 7919) % 1000) * ((kpi.max - kpi.min) / 1000);
    const timestamp = new Date(now - ((i % 8) + 1) * 15 * 60_000);
    const moid = `SubNetwork=North,MeContext=${site},ManagedElement=${site},ENodeBFunction=1,EUtranCellFDD=${cell}`;
    records.push({
      kind: 'metric',
      siteId: site,
      managedObject: moid,
      name: kpi.name,
      value,
      unit: kpi.unit,
      timestamp,
      technology: '4G',
      quality: i % 50 === 0 ? 0.5 : 1,
      labels: { cell_id: cell, granularity_seconds: '900', region: 'North' },
      raw: {
        siteId: site,
        moid,
        measurementType: kpi.name,
        value,
        unit: kpi.unit,
        timestamp: timestamp.toISOString(),
        region: 'North',
      },
    });
  }
  return records;
}

/**
 * Measures the record pipeline on synthetic ENM metrics with a seed-style mapping (tenant, site
 * map for a third of the sites). Returns the best of `rounds` after one warm-up round. For
 * bench/ingestor; the target is 100,000 records/s through validation and enrichment.
 */
export function benchmarkPipeline({
  records = 200_000,
  rounds = 5,
}: { records?: number; rounds?: number } = {}): PipelineBenchmarkResult {
  const now = Date.parse('2024-01-15T10:05:00Z');
  const input = syntheticMetrics(records, now);
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
    sourceId: 'bench-source',
    ceSource: '/telcomesh/ingestor',
    receivedAt: new Date(now),
  };
  let best = Number.POSITIVE_INFINITY;
  let bestEncoded = Number.POSITIVE_INFINITY;
  let accepted = 0;
  let rejected = 0;
  for (let round = 0; round <= rounds; round++) {
    const started = performance.now();
    const result = pipeline.process(input, now);
    const validated = performance.now();
    for (const enriched of result.accepted) outboundOf(enriched, context);
    const encoded = performance.now();
    if (round === 0) continue; // warm-up: JIT and caches
    best = Math.min(best, validated - started);
    bestEncoded = Math.min(bestEncoded, encoded - started);
    accepted = result.accepted.length;
    rejected = result.rejected.length;
  }
  return {
    records,
    rounds,
    recordsPerSecond: Math.round(records / (best / 1000)),
    recordsPerSecondWithEncoding: Math.round(records / (bestEncoded / 1000)),
    accepted,
    rejected,
  };
}
