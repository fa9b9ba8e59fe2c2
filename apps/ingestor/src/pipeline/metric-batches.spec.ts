import { decode, timestampMs, Topics } from '@telcomesh/contracts';
import type { AlarmRecord, MetricRecord } from '../connectors';
import { acceptedOutboundOf, MetricBatches } from './metric-batches';
import { outboundOf, type OutboundContext } from './outbound-records';
import type { EnrichedAlarm, EnrichedMetric } from './record-pipeline';

const NOW = Date.parse('2024-01-15T10:05:00Z');
const context: OutboundContext = {
  sourceId: 'oss-ericsson-001',
  ceSource: '/telcomesh/ingestor',
  receivedAt: new Date(NOW),
  metricBatchSize: 3,
};

function metric(site: string, cell: number, minutesAgo = 5, tenant = 'tenant-001'): EnrichedMetric {
  const record: MetricRecord = {
    kind: 'metric',
    siteId: site.toUpperCase(),
    managedObject: `MeContext=${site},EUtranCellFDD=${cell}`,
    name: 'throughput',
    value: cell,
    unit: 'Mbps',
    timestamp: new Date(NOW - minutesAgo * 60_000),
    technology: '4G',
    quality: 1,
    labels: { cell_id: String(cell) },
    raw: {},
  };
  return {
    kind: 'metric',
    record,
    tenantId: tenant,
    siteId: site,
    value: cell,
    unit: 'Mbps',
    qualityScore: 0.9,
  };
}

const alarm: EnrichedAlarm = {
  kind: 'alarm',
  record: {
    kind: 'alarm',
    alarmId: 'ALM-1',
    severity: 'MAJOR',
    alarmType: 'EQUIPMENT',
    probableCause: 'Power Problem',
    specificProblem: '',
    managedObject: 'MeContext=site-a',
    title: 'Mains failure',
    description: '',
    siteId: 'SITE-A',
    state: 'raised',
    acknowledged: false,
    eventTime: new Date(NOW - 60_000),
    raisedAt: new Date(NOW - 60_000),
    changedAt: new Date(NOW - 60_000),
    sourceSystem: 'OSS-ericsson',
    labels: {},
    raw: {},
  } satisfies AlarmRecord,
  tenantId: 'tenant-001',
  siteId: 'site-a',
  qualityScore: 1,
};

const batchesOf = (records: { topic: string; value: Uint8Array }[]) =>
  records
    .filter((r) => r.topic === Topics.TelemetryMetricBatches.name)
    .map((r) => decode(Topics.TelemetryMetricBatches, r.value));

describe('metric batches', () => {
  it('groups a sync’s measurements per tenant and site, in source order, split at the batch size', () => {
    const input = [
      metric('site-a', 1),
      metric('site-b', 1),
      metric('site-a', 2),
      metric('site-a', 3),
      metric('site-a', 4),
      metric('site-b', 2),
      metric('site-a', 5, 5, 'tenant-002'),
    ];
    const batches = new MetricBatches(context, 3);
    for (const m of input) batches.add(m);
    const records = batches.finish();
    expect(records.map((r) => [r.topic, r.key, r.headers.ce_tenant])).toEqual([
      [Topics.TelemetryMetricBatches.name, 'site-a', 'tenant-001'],
      [Topics.TelemetryMetricBatches.name, 'site-b', 'tenant-001'],
      [Topics.TelemetryMetricBatches.name, 'site-a', 'tenant-001'],
      [Topics.TelemetryMetricBatches.name, 'site-a', 'tenant-002'],
    ]);
    const decoded = batchesOf(records);
    expect(decoded.map((b) => [b.siteId, b.tenantId, b.metrics.map((m) => m.metricValue)])).toEqual(
      [
        ['site-a', 'tenant-001', [1, 2, 3]],
        ['site-b', 'tenant-001', [1, 2]],
        ['site-a', 'tenant-001', [4]],
        ['site-a', 'tenant-002', [5]],
      ],
    );
    expect(batches.finish()).toEqual([]);
  });

  it('carries each measurement exactly as telemetry.metrics.v1 would', () => {
    const m = metric('site-a', 7);
    const alone = decode(Topics.TelemetryMetrics, outboundOf(m, context).value);
    const batches = new MetricBatches(context, 10);
    batches.add(m);
    const [batch] = batchesOf(batches.finish());
    expect(batch.sourceId).toBe('oss-ericsson-001');
    expect(batch.metrics).toEqual([alone]);
  });

  it('derives the event id from the source and its measurements, and times it by the latest', () => {
    const run = (source: string, ms: EnrichedMetric[]) => {
      const batches = new MetricBatches({ ...context, sourceId: source }, 10);
      for (const m of ms) batches.add(m);
      return batches.finish()[0].headers;
    };
    const a = [metric('site-a', 1, 10), metric('site-a', 2, 3)];
    const first = run('oss-1', a);
    expect(first.ce_id).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect(run('oss-1', a).ce_id).toBe(first.ce_id);
    expect(run('oss-2', a).ce_id).not.toBe(first.ce_id);
    expect(run('oss-1', [a[0]]).ce_id).not.toBe(first.ce_id);
    expect(run('oss-1', [a[1], a[0]]).ce_id).not.toBe(first.ce_id);
    expect(first.ce_type).toBe(Topics.TelemetryMetricBatches.ceType);
    expect(first.ce_time).toBe(new Date(NOW - 3 * 60_000).toISOString());
  });

  it('refuses a batch size that is not a whole number of at least 1', () => {
    expect(() => new MetricBatches(context, 0)).toThrow(
      /maxMetrics must be a whole number ≥ 1, got 0/,
    );
    expect(() => new MetricBatches(context, 2.5)).toThrow(/got 2.5/);
  });

  it('batches only measurements, and only when the context asks for it', () => {
    const input = [metric('site-a', 1), alarm, metric('site-a', 2)];
    const batched = acceptedOutboundOf(input, context);
    expect(batched.records.map((r) => r.topic)).toEqual([
      Topics.TelemetryEvents.name,
      Topics.TelemetryMetricBatches.name,
    ]);
    expect(batched).toMatchObject({ accepted: { metric: 2, alarm: 1 }, acceptedCount: 3 });
    expect(batched.qualitySum).toBeCloseTo(2.8);
    const single = acceptedOutboundOf(input, { ...context, metricBatchSize: undefined });
    expect(single.records.map((r) => r.topic)).toEqual([
      Topics.TelemetryMetrics.name,
      Topics.TelemetryEvents.name,
      Topics.TelemetryMetrics.name,
    ]);
    const [one] = batchesOf(batched.records);
    expect(one.metrics.map((m) => timestampMs(m.timestamp!))).toEqual([
      NOW - 300_000,
      NOW - 300_000,
    ]);
  });

  it('turns a measurement the contract refuses into a reject, and keeps the others', () => {
    const bad = metric('site-a', 2);
    // No site: the Kafka key the contract requires is missing.
    bad.siteId = '';
    for (const metricBatchSize of [undefined, 3]) {
      const out = acceptedOutboundOf([metric('site-a', 1), bad, alarm], {
        ...context,
        metricBatchSize,
      });
      expect(out.acceptedCount).toBe(2);
      expect(out.records).toHaveLength(2);
      expect(out.refused).toHaveLength(1);
      expect(out.refused[0]).toMatchObject({
        reason: 'schema',
        field: 'record',
        record: bad.record,
      });
    }
  });
});
