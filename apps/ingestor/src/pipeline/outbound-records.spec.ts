import {
  AlarmState,
  decode,
  NetworkEventType,
  PerceivedSeverity,
  TicketPriority,
  TicketStatus,
  TicketType,
  timestampMs,
  Topics,
} from '@telcomesh/contracts';
import type { AlarmRecord, MetricRecord, TicketRecord } from '../connectors';
import {
  connectorRejectOutboundOf,
  outboundOf,
  outboundRecordsOf,
  recordEventId,
  rejectOutboundOf,
  RejectHeaders,
  type OutboundContext,
} from './outbound-records';
import type { EnrichedAlarm, EnrichedMetric, EnrichedTicket } from './record-pipeline';

const NOW = Date.parse('2024-01-15T10:05:00Z');
const context: OutboundContext = {
  sourceId: 'oss-ericsson-001',
  ceSource: '/telcomesh/ingestor',
  receivedAt: new Date(NOW),
};

const metricRecord: MetricRecord = {
  kind: 'metric',
  siteId: 'SITE001',
  managedObject: 'MeContext=SITE001',
  name: 'throughput',
  value: 1.5,
  unit: 'Gbps',
  timestamp: new Date(NOW - 300_000),
  technology: '5G',
  quality: 1,
  labels: { cell_id: 'CELL-001', slice_id: 'eMBB' },
  raw: { siteId: 'SITE001', value: 1.5, secret_looking: 'x' },
};

const alarmRecord: AlarmRecord = {
  kind: 'alarm',
  alarmId: 'ALM-001',
  severity: 'CLEARED',
  alarmType: 'EQUIPMENT',
  probableCause: 'Equipment Failure',
  specificProblem: 'Cell Unavailable',
  managedObject: 'CELL-001',
  title: 'Cell Down',
  description: 'down',
  siteId: 'SITE001',
  state: 'cleared',
  acknowledged: true,
  eventTime: new Date(NOW - 60_000),
  raisedAt: new Date(NOW - 600_000),
  clearedAt: new Date(NOW - 60_000),
  changedAt: new Date(NOW - 60_000),
  sourceSystem: 'OSS-ericsson',
  labels: { region: 'North' },
  raw: {},
};

describe('outbound records', () => {
  it('publishes a metric as NetworkMetric keyed by the mapped site, with the envelope', () => {
    const enriched: EnrichedMetric = {
      kind: 'metric',
      record: metricRecord,
      tenantId: 'tenant-001',
      siteId: 'site-001',
      value: 1500,
      unit: 'Mbps',
      qualityScore: 0.95,
    };
    const out = outboundOf(enriched, context);
    expect(out.topic).toBe(Topics.TelemetryMetrics.name);
    expect(out.key).toBe('site-001');
    const message = decode(Topics.TelemetryMetrics, out.value);
    expect(message).toMatchObject({
      tenantId: 'tenant-001',
      sourceId: 'oss-ericsson-001',
      dataType: 'network_metric',
      technology: '5G',
      metricName: 'throughput',
      metricValue: 1500,
      unit: 'Mbps',
      siteId: 'site-001',
      qualityScore: 0.95,
      metadata: { cell_id: 'CELL-001', slice_id: 'eMBB', managed_object: 'MeContext=SITE001' },
    });
    expect(timestampMs(message.timestamp!)).toBe(NOW - 300_000);
    expect(out.headers).toMatchObject({
      ce_id: recordEventId('oss-ericsson-001', metricRecord),
      ce_type: Topics.TelemetryMetrics.ceType,
      ce_source: '/telcomesh/ingestor',
      ce_tenant: 'tenant-001',
      ce_time: new Date(NOW - 300_000).toISOString(),
      'content-type': 'application/protobuf',
    });
  });

  it('gives the same record the same event id and different records different ones', () => {
    const id = recordEventId('s', metricRecord);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(recordEventId('s', { ...metricRecord, raw: { other: true } })).toBe(id);
    expect(recordEventId('s', { ...metricRecord, timestamp: new Date(NOW) })).not.toBe(id);
    expect(recordEventId('other-source', metricRecord)).not.toBe(id);
  });

  it('publishes an alarm as NetworkEvent whose event_id is its ce_id', () => {
    const enriched: EnrichedAlarm = {
      kind: 'alarm',
      record: alarmRecord,
      tenantId: 'tenant-001',
      siteId: 'site-001',
      qualityScore: 1,
    };
    const out = outboundOf(enriched, context);
    expect(out.topic).toBe(Topics.TelemetryEvents.name);
    const event = decode(Topics.TelemetryEvents, out.value);
    expect(event).toMatchObject({
      eventId: out.headers.ce_id,
      eventType: NetworkEventType.ALARM,
      severity: PerceivedSeverity.CLEARED,
      state: AlarmState.CLEARED,
      alarmId: 'ALM-001',
      acknowledged: true,
      siteId: 'site-001',
      metadata: { region: 'North', source_site_id: 'SITE001', quality_score: '1' },
    });
    expect(timestampMs(event.receivedAt!)).toBe(NOW);
  });

  it('publishes a ticket as ItsmTicket with normalised enums and the source wording kept', () => {
    const record: TicketRecord = {
      kind: 'ticket',
      ticketId: 'abc123',
      number: 'INC0012345',
      table: 'incident',
      title: 'Network Outage',
      description: '',
      status: 'In Progress',
      severity: 'CRITICAL',
      priority: '2 - High',
      openedAt: new Date(NOW - 3_600_000),
      updatedAt: new Date(NOW - 60_000),
      labels: { category: 'Network', assignment_group: 'Network Operations', u_region: 'N' },
      raw: {},
    };
    const enriched: EnrichedTicket = {
      kind: 'ticket',
      record,
      tenantId: 't',
      siteCode: 'site-001',
      qualityScore: 0.8,
    };
    const out = outboundOf(enriched, context);
    expect(out.key).toBe('abc123');
    expect(decode(Topics.ItsmTickets, out.value)).toMatchObject({
      sysId: 'abc123',
      eventType: TicketType.INCIDENT,
      status: TicketStatus.IN_PROGRESS,
      sourceStatus: 'In Progress',
      priority: TicketPriority.P2_HIGH,
      category: 'Network',
      assignmentGroup: 'Network Operations',
      siteCode: 'site-001',
      metadata: { u_region: 'N', quality_score: '0.8' },
    });
  });

  it('reads a change’s state on its own table, from the stored number when the label is unknown', () => {
    const change = (status: string, stateValue?: string): TicketRecord => ({
      kind: 'ticket',
      ticketId: 'chg1',
      number: 'CHG0030001',
      table: 'change_request',
      title: 'Swap rectifier',
      description: '',
      status,
      severity: '3',
      priority: '3',
      openedAt: new Date(NOW - 3_600_000),
      updatedAt: new Date(NOW - 60_000),
      labels: stateValue === undefined ? {} : { state_value: stateValue },
      raw: {},
    });
    const statusOf = (record: TicketRecord) =>
      decode(
        Topics.ItsmTickets,
        outboundOf(
          { kind: 'ticket', record, tenantId: 't', siteCode: '', qualityScore: 1 },
          context,
        ).value,
      ).status;
    expect(statusOf(change('Implement'))).toBe(TicketStatus.IN_PROGRESS);
    // A label this ingestor does not know, and the number: 3 is Closed on change_request.
    expect(statusOf(change('Done by vendor', '3'))).toBe(TicketStatus.CLOSED);
    expect(statusOf(change('3'))).toBe(TicketStatus.CLOSED);
  });

  it('sends a reject to ingest.rejects.v1 with the reason, the target topic and the raw input', () => {
    const out = rejectOutboundOf(
      {
        record: metricRecord,
        reason: 'range',
        field: 'metric_value',
        detail: 'availability 150 % is outside 0..100',
      },
      'tenant-001',
      context,
    );
    expect(out.topic).toBe('ingest.rejects.v1');
    expect(out.key).toBe('oss-ericsson-001');
    const reject = decode(Topics.IngestRejects, out.value);
    expect(reject).toMatchObject({
      tenantId: 'tenant-001',
      sourceId: 'oss-ericsson-001',
      targetTopic: 'telemetry.metrics.v1',
      reasonCode: 'range',
      reason: 'availability 150 % is outside 0..100',
      field: 'metric_value',
      recordKind: 'metric',
      rawContentType: 'application/json',
    });
    expect(JSON.parse(Buffer.from(reject.rawInput).toString('utf8'))).toEqual(metricRecord.raw);
    expect(timestampMs(reject.rejectedAt!)).toBe(NOW);
    expect(out.headers).toMatchObject({
      [RejectHeaders.reason]: 'range',
      [RejectHeaders.field]: 'metric_value',
      [RejectHeaders.sourceId]: 'oss-ericsson-001',
      ce_type: 'telcomesh.ingest.reject.v1',
      ce_id: reject.rejectId,
      ce_tenant: 'tenant-001',
    });
  });

  it('gives the same input refused for the same reason the same reject id', () => {
    const rejected = { record: metricRecord, reason: 'range' as const, field: 'x', detail: 'd' };
    const a = decode(Topics.IngestRejects, rejectOutboundOf(rejected, 't', context).value);
    const b = decode(Topics.IngestRejects, rejectOutboundOf(rejected, 't', context).value);
    const other = decode(
      Topics.IngestRejects,
      rejectOutboundOf({ ...rejected, reason: 'unit' }, 't', context).value,
    );
    expect(a.rejectId).toBe(b.rejectId);
    expect(a.rejectId).not.toBe(other.rejectId);
  });

  it('keeps the normalised record as the raw input when the connector kept no raw item', () => {
    const out = rejectOutboundOf(
      {
        record: { ...alarmRecord, raw: undefined },
        reason: 'schema',
        field: 'severity',
        detail: 'x',
      },
      't',
      context,
    );
    const reject = decode(Topics.IngestRejects, out.value);
    expect(reject.targetTopic).toBe('telemetry.events.v1');
    expect(reject.recordKind).toBe('alarm');
    expect(JSON.parse(Buffer.from(reject.rawInput).toString('utf8'))).toMatchObject({
      alarmId: 'ALM-001',
    });
  });

  it("sends the connector's own rejects with their stream and reason", () => {
    const first = connectorRejectOutboundOf(
      { stream: 'metrics', reason: 'value is missing' },
      0,
      't',
      context,
    );
    const second = connectorRejectOutboundOf(
      { stream: 'metrics', reason: 'value is missing' },
      1,
      't',
      context,
    );
    expect(first.topic).toBe('ingest.rejects.v1');
    expect(first.headers[RejectHeaders.reason]).toBe('connector_rejected');
    expect(decode(Topics.IngestRejects, first.value)).toMatchObject({
      reasonCode: 'connector_rejected',
      reason: 'value is missing',
      targetTopic: 'telemetry.metrics.v1',
    });
    expect(first.headers.ce_id).not.toBe(second.headers.ce_id);
  });

  describe('incident tickets on telemetry.events.v1', () => {
    const incident = (overrides: Partial<TicketRecord> = {}): EnrichedTicket => ({
      kind: 'ticket',
      record: {
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
        openedAt: new Date(NOW - 3_600_000),
        updatedAt: new Date(NOW - 60_000),
        labels: { category: 'Network', assignment_group: 'Network Operations', state_value: '2' },
        raw: {},
        ...overrides,
      },
      tenantId: 'tenant-001',
      siteCode: 'SITE-001',
      qualityScore: 0.9,
    });
    const eventOf = (enriched: EnrichedTicket) => {
      const rows = outboundRecordsOf(enriched, context);
      expect(rows.map((row) => row.topic)).toEqual(['itsm.tickets.v1', 'telemetry.events.v1']);
      return { row: rows[1], event: decode(Topics.TelemetryEvents, rows[1].value) };
    };

    it('publishes an open incident as a raised event with its severity, site and ticket facts', () => {
      const { row, event } = eventOf(incident());
      expect(row.key).toBe('SITE-001');
      expect(event).toMatchObject({
        tenantId: 'tenant-001',
        sourceId: 'oss-ericsson-001',
        sourceSystem: 'ServiceNow',
        eventType: NetworkEventType.INCIDENT,
        severity: PerceivedSeverity.CRITICAL,
        state: AlarmState.RAISED,
        alarmId: 'incident:abc123def456',
        siteId: 'SITE-001',
        title: 'Network Outage - Site 001',
        description: 'Complete network outage at site 001',
        metadata: expect.objectContaining({
          event_type: 'INCIDENT',
          data_type: 'event',
          servicenow_sys_id: 'abc123def456',
          number: 'INC0012345',
          category: 'Network',
          assigned_to: 'John Doe',
        }) as unknown,
      });
      expect(timestampMs(event.eventTime!)).toBe(NOW - 60_000);
      expect(row.headers.ce_id).toBe(event.eventId);
    });

    it('maps ticket severities to perceived ones', () => {
      const severities = ['2 - High', 'moderate', 'low', 'whatever'].map(
        (severity) => eventOf(incident({ severity })).event.severity,
      );
      expect(severities).toEqual([
        PerceivedSeverity.MAJOR,
        PerceivedSeverity.MINOR,
        PerceivedSeverity.WARNING,
        PerceivedSeverity.INDETERMINATE,
      ]);
    });

    it('clears the event under the same alarm id when the incident is resolved, by label or number', () => {
      const open = eventOf(incident()).event;
      const resolved = eventOf(incident({ status: 'Resolved', updatedAt: new Date(NOW) })).event;
      const byNumber = eventOf(
        incident({ status: 'Résolu', labels: { state_value: '7' }, updatedAt: new Date(NOW) }),
      ).event;
      for (const cleared of [resolved, byNumber]) {
        expect(cleared).toMatchObject({
          alarmId: open.alarmId,
          state: AlarmState.CLEARED,
          severity: PerceivedSeverity.CLEARED,
        });
      }
    });

    it('gives the same update the same event id, distinct from the ticket id and other updates', () => {
      const [ticket, first] = outboundRecordsOf(incident(), context);
      const [, again] = outboundRecordsOf(incident(), context);
      const [, later] = outboundRecordsOf(incident({ updatedAt: new Date(NOW) }), context);
      expect(again.headers.ce_id).toBe(first.headers.ce_id);
      expect(first.headers.ce_id).not.toBe(ticket.headers.ce_id);
      expect(later.headers.ce_id).not.toBe(first.headers.ce_id);
    });

    it('publishes only the ticket for other tables and for incidents without a site', () => {
      for (const enriched of [
        incident({ table: 'change_request' }),
        { ...incident(), siteCode: '' },
      ]) {
        const rows = outboundRecordsOf(enriched, context);
        expect(rows).toHaveLength(1);
        expect(rows[0]).toEqual(outboundOf(enriched, context));
      }
    });
  });
});
