import type { MessageInitShape } from '@bufbuild/protobuf';
import {
  AlarmState,
  AlarmType,
  create,
  NetworkEventType,
  PerceivedSeverity,
  Topics,
} from '@telcomesh/contracts';
import { at, envelope } from './events.fixture';
import { renderNetworkEvent } from './network-event';

/** The seed's alarm: "Cell Down" at site-001, raised by the Ericsson OSS. */
function cellDown(overrides: MessageInitShape<typeof Topics.TelemetryEvents.schema> = {}) {
  return create(Topics.TelemetryEvents, {
    eventId: 'a1b2',
    tenantId: 'acme-mobile',
    sourceId: 'oss-ericsson-01',
    sourceSystem: 'OSS-ericsson',
    eventType: NetworkEventType.ALARM,
    severity: PerceivedSeverity.CRITICAL,
    title: 'Cell Down',
    description: 'Cell site SITE-001 is down',
    siteId: 'site-001',
    alarmId: 'ALM-001',
    state: AlarmState.RAISED,
    alarmType: AlarmType.EQUIPMENT,
    probableCause: 'Equipment Failure',
    specificProblem: 'Radio unit not responding',
    managedObject: 'CELL-001',
    eventTime: at('2025-01-01T14:30:00Z'),
    receivedAt: at('2025-01-01T14:30:05Z'),
    metadata: { cell_id: 'C-17', vendor_alarm_code: '9175', snmp_community: 'public' },
    ...overrides,
  });
}

describe('renderNetworkEvent', () => {
  it('renders a raised alarm as a firing alarm notification', () => {
    expect(renderNetworkEvent(cellDown(), envelope())).toStrictEqual({
      id: 'evt-7f3a',
      kind: 'alarm',
      subject: 'alarm.site-001.equipment_failure',
      title: 'Cell Down at site-001',
      summary: 'Cell site SITE-001 is down',
      severity: 'critical',
      status: 'firing',
      tenant: 'acme-mobile',
      site: 'site-001',
      fields: [
        { name: 'Site', value: 'site-001' },
        { name: 'Managed Object', value: 'CELL-001' },
        { name: 'Alarm ID', value: 'ALM-001' },
        { name: 'Probable Cause', value: 'Equipment Failure' },
        { name: 'Specific Problem', value: 'Radio unit not responding' },
        { name: 'Alarm Type', value: 'Equipment' },
        { name: 'State', value: 'Raised' },
        { name: 'Source', value: 'OSS-ericsson (oss-ericsson-01)' },
        // metadata, sorted by key; the SNMP community (a password) is left out
        { name: 'Cell ID', value: 'C-17' },
        { name: 'Vendor Alarm Code', value: '9175' },
      ],
      labels: {
        condition: 'alarm:oss-ericsson-01:ALM-001',
        dedup_key: 'alarm:oss-ericsson-01:ALM-001',
        source_id: 'oss-ericsson-01',
        source_system: 'OSS-ericsson',
        alarm_id: 'ALM-001',
      },
      occurredAt: new Date('2025-01-01T14:30:00.000Z'),
      count: 1,
    });
  });

  it('renders the clear as resolved, with the labels and subject of the raise', () => {
    const raised = renderNetworkEvent(cellDown(), envelope());
    const cleared = renderNetworkEvent(
      cellDown({
        severity: PerceivedSeverity.CLEARED,
        state: AlarmState.CLEARED,
        eventTime: at('2025-01-01T15:10:00Z'),
        metadata: {},
      }),
      envelope({ id: 'evt-9c01' }),
    );
    expect(cleared).toStrictEqual({
      id: 'evt-9c01',
      kind: 'alarm',
      subject: 'alarm.site-001.equipment_failure',
      title: 'Cleared: Cell Down at site-001',
      summary: 'Alarm ALM-001 (Cell Down) on CELL-001 at site-001 has cleared.',
      severity: 'info',
      status: 'resolved',
      tenant: 'acme-mobile',
      site: 'site-001',
      fields: [
        { name: 'Site', value: 'site-001' },
        { name: 'Managed Object', value: 'CELL-001' },
        { name: 'Alarm ID', value: 'ALM-001' },
        { name: 'Probable Cause', value: 'Equipment Failure' },
        { name: 'Specific Problem', value: 'Radio unit not responding' },
        { name: 'Alarm Type', value: 'Equipment' },
        { name: 'State', value: 'Cleared' },
        { name: 'Source', value: 'OSS-ericsson (oss-ericsson-01)' },
      ],
      labels: raised.labels,
      occurredAt: new Date('2025-01-01T15:10:00.000Z'),
      count: 1,
    });
  });

  it('treats either CLEARED signal as a clear, keeping a severity the source still sent', () => {
    const byState = renderNetworkEvent(
      cellDown({ state: AlarmState.CLEARED, severity: PerceivedSeverity.MAJOR }),
      envelope(),
    );
    expect([byState.status, byState.severity]).toEqual(['resolved', 'major']);
    const bySeverity = renderNetworkEvent(
      cellDown({ state: AlarmState.UNSPECIFIED, severity: PerceivedSeverity.CLEARED }),
      envelope(),
    );
    expect([bySeverity.status, bySeverity.severity]).toEqual(['resolved', 'info']);
  });

  it('maps every X.733 severity', () => {
    const severityOf = (severity: PerceivedSeverity) =>
      renderNetworkEvent(cellDown({ severity }), envelope()).severity;
    expect(
      [
        PerceivedSeverity.CRITICAL,
        PerceivedSeverity.MAJOR,
        PerceivedSeverity.MINOR,
        PerceivedSeverity.WARNING,
        PerceivedSeverity.INDETERMINATE,
        PerceivedSeverity.UNSPECIFIED,
        99 as PerceivedSeverity, // from a newer producer
      ].map(severityOf),
    ).toEqual(['critical', 'major', 'minor', 'warning', 'warning', 'warning', 'warning']);
  });

  it('keys an alarm without an alarm id on its managed object and probable cause', () => {
    const n = renderNetworkEvent(
      cellDown({ alarmId: '', probableCause: '', specificProblem: 'Mains Failure' }),
      envelope(),
    );
    expect(n.subject).toBe('alarm.site-001.mains_failure');
    expect(n.labels).toStrictEqual({
      condition: 'alarm:oss-ericsson-01:CELL-001:mains_failure',
      dedup_key: 'alarm:oss-ericsson-01:CELL-001:mains_failure',
      source_id: 'oss-ericsson-01',
      source_system: 'OSS-ericsson',
    });
  });

  it('renders other event types as network_event, informational without a severity', () => {
    const n = renderNetworkEvent(
      create(Topics.TelemetryEvents, {
        eventId: 'e-55',
        sourceId: 'snmp-01',
        eventType: NetworkEventType.STATE_CHANGE,
        title: '  Cell locked  ',
        siteId: 'site.002',
        managedObject: 'CELL-009',
      }),
      envelope({ tenant: 'towerco' }),
    );
    expect(n).toStrictEqual({
      id: 'evt-7f3a',
      kind: 'network_event',
      subject: 'network_event.site_002.cell_locked',
      title: 'Cell locked at site.002',
      summary: 'Cell locked on CELL-009 at site.002, reported by snmp-01.',
      severity: 'info',
      status: 'firing',
      tenant: 'towerco',
      site: 'site.002',
      fields: [
        { name: 'Site', value: 'site.002' },
        { name: 'Managed Object', value: 'CELL-009' },
        { name: 'Event Type', value: 'State change' },
        { name: 'Source', value: 'snmp-01' },
      ],
      labels: {
        condition: 'event:snmp-01:e-55',
        dedup_key: 'event:snmp-01:e-55',
        source_id: 'snmp-01',
      },
      occurredAt: new Date('2025-01-01T15:00:00.000Z'),
      count: 1,
    });
  });

  it('gives an ITSM incident the raise/clear lifecycle of its alarm id', () => {
    const incident = (eventId: string, state: AlarmState, severity: PerceivedSeverity) =>
      renderNetworkEvent(
        create(Topics.TelemetryEvents, {
          eventId,
          sourceId: 'servicenow-prod',
          sourceSystem: 'ServiceNow',
          eventType: NetworkEventType.INCIDENT,
          severity,
          title: 'Tower mains power lost',
          siteId: 'site-001',
          alarmId: 'incident:9d385017c611228701d22104cc95c371',
          state,
        }),
        envelope(),
      );
    const opened = incident('e-1', AlarmState.RAISED, PerceivedSeverity.MAJOR);
    const resolved = incident('e-2', AlarmState.CLEARED, PerceivedSeverity.CLEARED);
    expect(opened).toMatchObject({ kind: 'network_event', status: 'firing', severity: 'major' });
    expect(opened.fields).toContainEqual({ name: 'Event Type', value: 'Incident' });
    expect(resolved.status).toBe('resolved');
    expect(resolved.labels.condition).toBe(opened.labels.condition);
    expect(opened.labels.condition).toBe(
      'alarm:servicenow-prod:incident:9d385017c611228701d22104cc95c371',
    );
  });

  it('renders an event with nothing but defaults without throwing', () => {
    expect(renderNetworkEvent(create(Topics.TelemetryEvents), envelope())).toStrictEqual({
      id: 'evt-7f3a',
      kind: 'network_event',
      subject: 'network_event.unknown.unknown',
      title: 'Network event',
      summary: 'Network event.',
      severity: 'info',
      status: 'firing',
      fields: [],
      labels: { condition: 'event::evt-7f3a', dedup_key: 'event::evt-7f3a' },
      occurredAt: new Date('2025-01-01T15:00:00.000Z'),
      count: 1,
    });
  });
});
