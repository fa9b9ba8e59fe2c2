import type { AlarmRecord, MetricRecord, TicketRecord } from '../connectors';
import { compileMappingRules, validateMappingRules } from './mapping-rules';
import {
  RecordPipeline,
  type EnrichedAlarm,
  type EnrichedMetric,
  type EnrichedTicket,
  type PipelineSettings,
  type Rejection,
} from './record-pipeline';

const NOW = Date.parse('2024-01-15T10:05:00Z');
const MINUTE = 60_000;
const SETTINGS: PipelineSettings = {
  maxClockSkewMs: 5 * MINUTE,
  maxRecordAgeMs: 24 * 60 * MINUTE,
  pollingIntervalMs: 5 * MINUTE,
};

function metric(overrides: Partial<MetricRecord> = {}): MetricRecord {
  return {
    kind: 'metric',
    siteId: 'SITE001',
    managedObject: 'SubNetwork=North,MeContext=SITE001,ManagedElement=SITE001',
    name: 'throughput',
    value: 150.5,
    unit: 'Mbps',
    timestamp: new Date(NOW - 5 * MINUTE),
    technology: '5G',
    quality: 1,
    labels: { cell_id: 'CELL-001' },
    raw: { siteId: 'SITE001', measurementType: 'throughput', value: 150.5 },
    ...overrides,
  };
}

function alarm(overrides: Partial<AlarmRecord> = {}): AlarmRecord {
  const raised = new Date(NOW - 30 * MINUTE);
  return {
    kind: 'alarm',
    alarmId: 'ALM-001',
    severity: 'CRITICAL',
    alarmType: 'EQUIPMENT',
    probableCause: 'Equipment Failure',
    specificProblem: 'Cell Unavailable',
    managedObject: 'CELL-001',
    title: 'Cell Down',
    description: 'Cell site SITE-001 is down',
    siteId: 'SITE001',
    state: 'raised',
    acknowledged: false,
    eventTime: raised,
    raisedAt: raised,
    changedAt: raised,
    sourceSystem: 'OSS-ericsson',
    labels: {},
    raw: { siteId: 'SITE001' },
    ...overrides,
  };
}

function ticket(overrides: Partial<TicketRecord> = {}): TicketRecord {
  return {
    kind: 'ticket',
    ticketId: 'abc123def456',
    number: 'INC0012345',
    table: 'incident',
    title: 'Network Outage - Site 001',
    description: 'Complete network outage at site 001',
    status: 'In Progress',
    severity: 'CRITICAL',
    priority: '1',
    assignedTo: 'John Doe',
    openedAt: new Date(NOW - 65 * MINUTE),
    updatedAt: new Date(NOW - 2 * MINUTE),
    labels: {},
    raw: { sys_id: 'abc123def456', cmdb_ci: { value: 'x1', display_value: 'SITE002' } },
    ...overrides,
  };
}

function pipelineWith(rules: unknown = {}, settings = SETTINGS): RecordPipeline {
  return new RecordPipeline(compileMappingRules(validateMappingRules(rules), 'default'), settings);
}

function rejection(outcome: unknown): Rejection {
  if (typeof outcome !== 'object' || outcome === null || !('reason' in outcome)) {
    throw new Error(`expected a rejection, got ${JSON.stringify(outcome)}`);
  }
  return outcome as Rejection;
}

function accepted<T>(outcome: unknown): T {
  if (typeof outcome === 'object' && outcome !== null && 'reason' in outcome) {
    throw new Error(`expected an accepted record, got ${JSON.stringify(outcome)}`);
  }
  return outcome as T;
}

describe('RecordPipeline validation', () => {
  const pipeline = pipelineWith();

  it.each([
    ['a value that is not a number', { value: Number.NaN }, 'schema', 'metric_value'],
    ['an infinite value', { value: Number.POSITIVE_INFINITY }, 'schema', 'metric_value'],
    ['a value given as text', { value: '12' as unknown as number }, 'schema', 'metric_value'],
    ['no metric name', { name: '' }, 'schema', 'metric_name'],
    ['an invalid timestamp', { timestamp: new Date('nope') }, 'schema', 'timestamp'],
    ['a quality outside 0-1', { quality: 1.5 }, 'schema', 'quality'],
    ['an unknown unit', { unit: 'furlongs' }, 'unit', 'unit'],
    ['a unit of the wrong dimension', { name: 'latency', unit: '%', value: 5 }, 'unit', 'unit'],
    [
      'a percentage above 100',
      { name: 'availability', unit: '%', value: 150 },
      'range',
      'metric_value',
    ],
    ['a negative latency', { name: 'latency', unit: 'ms', value: -3 }, 'range', 'metric_value'],
    [
      'a timestamp beyond the clock-skew bound',
      { timestamp: new Date(NOW + 6 * MINUTE) },
      'timestamp_future',
      'timestamp',
    ],
    [
      'a measurement older than the maximum age',
      { timestamp: new Date(NOW - 25 * 60 * MINUTE) },
      'timestamp_stale',
      'timestamp',
    ],
  ] as const)('rejects a metric with %s', (_, overrides, reason, field) => {
    expect(rejection(pipeline.one(metric(overrides), NOW))).toMatchObject({ reason, field });
  });

  it('says what was wrong, with the offending value', () => {
    expect(
      rejection(pipeline.one(metric({ name: 'availability', unit: '%', value: 150 }), NOW)).detail,
    ).toBe('availability 150 % is outside 0..100');
    expect(rejection(pipeline.one(metric({ unit: 'furlongs' }), NOW)).detail).toBe(
      'unit "furlongs" is not a known unit',
    );
  });

  it('accepts a timestamp within the clock-skew bound and at the maximum age', () => {
    expect(
      accepted<EnrichedMetric>(pipeline.one(metric({ timestamp: new Date(NOW + 4 * MINUTE) }), NOW))
        .kind,
    ).toBe('metric');
    expect(
      accepted<EnrichedMetric>(
        pipeline.one(metric({ timestamp: new Date(NOW - 24 * 60 * MINUTE) }), NOW),
      ).kind,
    ).toBe('metric');
  });

  it('converts values to the canonical unit of their dimension', () => {
    expect(
      accepted<EnrichedMetric>(pipeline.one(metric({ value: 1.5, unit: 'Gbps' }), NOW)),
    ).toMatchObject({
      value: 1500,
      unit: 'Mbps',
    });
    expect(
      accepted<EnrichedMetric>(
        pipeline.one(metric({ name: 'latency', value: 0.25, unit: 's' }), NOW),
      ),
    ).toMatchObject({ value: 250, unit: 'ms' });
    expect(
      accepted<EnrichedMetric>(
        pipeline.one(metric({ name: 'temperature', value: 212, unit: '°F' }), NOW),
      ).value,
    ).toBeCloseTo(100, 10);
    // Range checks apply in the canonical unit: 0.2 s is a fine latency, -1 K is not a temperature.
    expect(
      rejection(pipeline.one(metric({ name: 'temperature', value: -1, unit: 'K' }), NOW)).reason,
    ).toBe('range');
  });

  it('rejects alarms and tickets with a broken schema or a future time, but not for being old', () => {
    expect(rejection(pipeline.one(alarm({ severity: 'LOUD' as 'CRITICAL' }), NOW))).toMatchObject({
      reason: 'schema',
      field: 'severity',
    });
    expect(rejection(pipeline.one(alarm({ alarmId: '' }), NOW)).field).toBe('alarm_id');
    expect(
      rejection(pipeline.one(alarm({ changedAt: new Date(NOW + 10 * MINUTE) }), NOW)),
    ).toMatchObject({ reason: 'timestamp_future', field: 'changed_at' });
    // An alarm raised a month ago and still standing is news, not stale data.
    const old = new Date(NOW - 30 * 24 * 60 * MINUTE);
    expect(
      accepted<EnrichedAlarm>(
        pipeline.one(alarm({ eventTime: old, raisedAt: old, changedAt: old }), NOW),
      ).kind,
    ).toBe('alarm');
    expect(rejection(pipeline.one(ticket({ updatedAt: new Date('x') }), NOW)).field).toBe(
      'updated_at',
    );
    expect(
      rejection(pipeline.one(ticket({ openedAt: new Date(NOW + 60 * MINUTE) }), NOW)).reason,
    ).toBe('timestamp_future');
  });

  it('rejects a record of no known kind, and one whose checks throw, as schema problems', () => {
    const odd = { kind: 'gauge' } as unknown as MetricRecord;
    expect(rejection(pipeline.one(odd, NOW))).toMatchObject({ reason: 'schema', field: 'kind' });
    const throwing = metric();
    Object.defineProperty(throwing, 'name', {
      get() {
        throw new Error('getter exploded');
      },
    });
    const result = pipeline.process([throwing, metric()], NOW);
    expect(result.rejected).toHaveLength(1);
    expect(result.rejected[0]).toMatchObject({ reason: 'schema', detail: 'getter exploded' });
    expect(result.accepted).toHaveLength(1);
  });

  it('keeps going after bad records and adds up quality of the accepted ones', () => {
    const batch = [
      metric(),
      metric({ value: Number.NaN }),
      metric({ unit: 'x' }),
      alarm(),
      ticket(),
    ];
    const result = pipeline.process(batch, NOW);
    expect(result.accepted.map((r) => r.kind)).toEqual(['metric', 'alarm', 'ticket']);
    expect(result.rejected.map((r) => r.reason)).toEqual(['schema', 'unit']);
    expect(result.rejected[0].record).toBe(batch[1]);
    expect(result.qualitySum).toBeCloseTo(
      result.accepted.reduce((sum, r) => sum + r.qualityScore, 0),
      10,
    );
  });
});

describe('RecordPipeline enrichment (mapping rules)', () => {
  it('applies tenant_mapping, or the default tenant when none is given', () => {
    expect(
      accepted<EnrichedMetric>(pipelineWith({ tenant_mapping: 'tenant-001' }).one(metric(), NOW))
        .tenantId,
    ).toBe('tenant-001');
    expect(accepted<EnrichedMetric>(pipelineWith({}).one(metric(), NOW)).tenantId).toBe('default');
  });

  it("maps site codes with the seed's site_mapping (field + mapping) and keeps unknown ones", () => {
    const pipeline = pipelineWith({
      tenant_mapping: 'tenant-001',
      site_mapping: { field: 'siteId', mapping: { SITE001: 'site-001', SITE002: 'site-002' } },
    });
    expect(accepted<EnrichedMetric>(pipeline.one(metric(), NOW)).siteId).toBe('site-001');
    const unknown = accepted<EnrichedMetric>(
      pipeline.one(metric({ siteId: 'SITE009', raw: { siteId: 'SITE009' } }), NOW),
    );
    expect(unknown.siteId).toBe('SITE009');
    // Kept, but the record scores lower than a mapped one.
    expect(unknown.qualityScore).toBeLessThan(
      accepted<EnrichedMetric>(pipeline.one(metric(), NOW)).qualityScore,
    );
  });

  it('reads the site from the raw item first, then from the normalised record', () => {
    const fromRaw = pipelineWith({ site_mapping: { field: 'nodeName' } });
    expect(
      accepted<EnrichedAlarm>(fromRaw.one(alarm({ raw: { nodeName: 'NODE-7' } }), NOW)).siteId,
    ).toBe('NODE-7');
    const fromLabels = pipelineWith({ site_mapping: { field: 'labels.site_code' } });
    expect(
      accepted<EnrichedMetric>(fromLabels.one(metric({ labels: { site_code: 'S-42' } }), NOW))
        .siteId,
    ).toBe('S-42');
    // Nothing at the field: the connector's own site id stands.
    expect(accepted<EnrichedMetric>(fromRaw.one(metric(), NOW)).siteId).toBe('SITE001');
  });

  it('rejects unmapped sites when told to, and records that name no usable site', () => {
    const strict = pipelineWith({
      site_mapping: { field: 'siteId', map: { SITE001: 'site-001' }, unmapped: 'reject' },
    });
    expect(rejection(strict.one(metric({ siteId: 'SITE002', raw: {} }), NOW))).toMatchObject({
      reason: 'site_unmapped',
      field: 'site_id',
    });
    const plain = pipelineWith();
    expect(rejection(plain.one(metric({ siteId: '', raw: {} }), NOW)).reason).toBe('site_unmapped');
    expect(rejection(plain.one(metric({ siteId: 'site 1', raw: {} }), NOW)).reason).toBe(
      'site_unmapped',
    );
  });

  it('maps a ticket site with site_field_mapping (cmdb_ci.name style), and lets tickets have none', () => {
    const pipeline = pipelineWith({
      site_field_mapping: 'cmdb_ci',
      site_mapping: { map: { SITE002: 'site-002' } },
    });
    expect(accepted<EnrichedTicket>(pipeline.one(ticket(), NOW)).siteCode).toBe('site-002');
    const byName = pipelineWith({ site_field_mapping: 'cmdb_ci.name' });
    expect(
      accepted<EnrichedTicket>(byName.one(ticket({ raw: { cmdb_ci: { name: 'SITE-001' } } }), NOW))
        .siteCode,
    ).toBe('SITE-001');
    expect(
      accepted<EnrichedTicket>(byName.one(ticket({ raw: {}, siteCode: undefined }), NOW)).siteCode,
    ).toBe('');
  });
});

describe('RecordPipeline quality_score', () => {
  const pipeline = pipelineWith();
  const score = (record: MetricRecord) =>
    accepted<EnrichedMetric>(pipeline.one(record, NOW)).qualityScore;

  it('is 1 for a complete, fresh, valid value', () => {
    expect(score(metric())).toBe(1);
  });

  it('is lower for a value the source marks suspect, whatever else', () => {
    expect(score(metric({ quality: 0.5 }))).toBe(0.5);
  });

  it('is lower for an incomplete record', () => {
    expect(score(metric({ technology: '', labels: {} }))).toBe(0.875);
  });

  it('falls with age past the fresh window, down to the validity floor', () => {
    const ages = [10, 60, 6 * 60, 23 * 60].map((m) =>
      score(metric({ timestamp: new Date(NOW - m * MINUTE) })),
    );
    expect(ages[0]).toBe(1);
    for (let i = 1; i < ages.length; i++) expect(ages[i]).toBeLessThan(ages[i - 1]);
    expect(ages[3]).toBeGreaterThanOrEqual(0.75);
  });
});
