import type { MessageInitShape } from '@bufbuild/protobuf';
import { create, durationFromMs, SlaEventType, Topics } from '@telcomesh/contracts';
import { at, envelope } from './events.fixture';
import { renderSlaEvent } from './sla-event';

const HOUR = 3_600_000;
const MINUTE = 60_000;

/** A P1 fibre cut whose 4h resolution SLA is running out. */
function fibreCut(overrides: MessageInitShape<typeof Topics.SlaEvents.schema> = {}) {
  return create(Topics.SlaEvents, {
    eventId: 'sla-evt-1',
    ticketId: 'tk-981',
    tenantId: 'acme-mobile',
    ticketKey: 'NOC-1234',
    ticketSystem: 'jira',
    title: 'Fibre cut north ring',
    priority: 'P1',
    department: 'Field Operations',
    url: 'https://acme.atlassian.net/browse/NOC-1234',
    type: SlaEventType.BREACHED,
    slaName: 'P1 resolution 4h',
    target: durationFromMs(4 * HOUR),
    elapsed: durationFromMs(5 * HOUR + 10 * MINUTE + 12_000),
    dueAt: at('2025-01-01T13:00:00Z'),
    breachDepartment: 'NOC',
    occurredAt: at('2025-01-01T14:10:12Z'),
    metadata: { site: 'site-001', region: 'north' },
    ...overrides,
  });
}

describe('renderSlaEvent', () => {
  it('renders a breach as critical firing, with the department the time went to', () => {
    expect(renderSlaEvent(fibreCut(), envelope())).toStrictEqual({
      id: 'evt-7f3a',
      kind: 'sla_event',
      subject: 'sla.field_operations.NOC-1234',
      title: 'SLA breached: NOC-1234 (Fibre cut north ring)',
      summary:
        'NOC-1234 breached its SLA (P1 resolution 4h): 5h 10m elapsed against a 4h target. Most of the time went to NOC.',
      severity: 'critical',
      status: 'firing',
      tenant: 'acme-mobile',
      site: 'site-001',
      fields: [
        { name: 'Ticket', value: 'NOC-1234: Fibre cut north ring' },
        { name: 'Priority', value: 'P1' },
        { name: 'Department', value: 'Field Operations' },
        { name: 'SLA', value: 'P1 resolution 4h' },
        { name: 'Elapsed', value: '5h 10m' },
        { name: 'Target', value: '4h' },
        { name: 'Breach Department', value: 'NOC' },
        { name: 'Due', value: '2025-01-01 13:00:00 UTC' },
        { name: 'Ticket System', value: 'jira' },
        { name: 'Region', value: 'north' },
      ],
      labels: {
        condition: 'sla:tk-981:P1 resolution 4h',
        dedup_key: 'sla:tk-981:P1 resolution 4h',
        ticket_id: 'tk-981',
        ticket_key: 'NOC-1234',
        ticket_system: 'jira',
        sla_name: 'P1 resolution 4h',
        department: 'Field Operations',
      },
      occurredAt: new Date('2025-01-01T14:10:12.000Z'),
      url: 'https://acme.atlassian.net/browse/NOC-1234',
      count: 1,
    });
  });

  it('renders at-risk as a warning with the time left', () => {
    const n = renderSlaEvent(
      fibreCut({
        type: SlaEventType.AT_RISK,
        elapsed: durationFromMs(3 * HOUR + 20 * MINUTE),
        dueAt: at('2025-01-01T17:30:00Z'),
        breachDepartment: '',
      }),
      envelope(),
    );
    expect([n.title, n.summary, n.severity, n.status]).toEqual([
      'SLA at risk: NOC-1234 (Fibre cut north ring)',
      'NOC-1234 is at risk of breaching its SLA (P1 resolution 4h): 3h 20m of 4h used, due 2025-01-01 17:30:00 UTC.',
      'warning',
      'firing',
    ]);
    expect(n.fields.map((f) => f.name)).not.toContain('Breach Department');
  });

  it('resolves the SLA condition when the SLA is met', () => {
    const breach = renderSlaEvent(fibreCut(), envelope());
    const met = renderSlaEvent(
      fibreCut({ type: SlaEventType.MET, elapsed: durationFromMs(3 * HOUR + 5 * MINUTE) }),
      envelope({ id: 'evt-5e6f' }),
    );
    expect([met.title, met.summary, met.severity, met.status]).toEqual([
      'SLA met: NOC-1234 (Fibre cut north ring)',
      'NOC-1234 was resolved within its SLA (P1 resolution 4h): 3h 5m of 4h.',
      'info',
      'resolved',
    ]);
    expect(met.labels).toStrictEqual(breach.labels);
    expect(met.subject).toBe(breach.subject);
    expect(met.fields.map((f) => f.name)).not.toContain('Due');
  });

  it('gives a pause its own condition, fired by PAUSED and resolved by RESUMED', () => {
    const breach = renderSlaEvent(fibreCut(), envelope());
    const paused = renderSlaEvent(
      fibreCut({ type: SlaEventType.PAUSED, elapsed: durationFromMs(HOUR + 5 * MINUTE) }),
      envelope(),
    );
    const resumed = renderSlaEvent(
      fibreCut({
        type: SlaEventType.RESUMED,
        elapsed: durationFromMs(HOUR + 5 * MINUTE),
        dueAt: at('2025-01-02T09:00:00Z'),
      }),
      envelope(),
    );
    expect([paused.title, paused.summary, paused.severity, paused.status]).toEqual([
      'SLA clock paused: NOC-1234 (Fibre cut north ring)',
      'The SLA clock of NOC-1234 (P1 resolution 4h) stopped at 1h 5m of 4h.',
      'info',
      'firing',
    ]);
    expect([resumed.title, resumed.summary, resumed.severity, resumed.status]).toEqual([
      'SLA clock resumed: NOC-1234 (Fibre cut north ring)',
      'The SLA clock of NOC-1234 (P1 resolution 4h) is running again at 1h 5m of 4h, due 2025-01-02 09:00:00 UTC.',
      'info',
      'resolved',
    ]);
    expect(paused.labels.condition).toBe('sla:tk-981:P1 resolution 4h:paused');
    expect(resumed.labels).toStrictEqual(paused.labels);
    expect(paused.labels.condition).not.toBe(breach.labels.condition);
  });

  it('renders an event with only its ticket id without throwing', () => {
    expect(
      renderSlaEvent(create(Topics.SlaEvents, { ticketId: 'tk-1' }), envelope()),
    ).toStrictEqual({
      id: 'evt-7f3a',
      kind: 'sla_event',
      subject: 'sla.unassigned.tk-1',
      title: 'SLA event: tk-1',
      summary: 'SLA event on tk-1.',
      severity: 'info',
      status: 'firing',
      fields: [{ name: 'Ticket', value: 'tk-1' }],
      labels: { condition: 'sla:tk-1:', dedup_key: 'sla:tk-1:', ticket_id: 'tk-1' },
      occurredAt: new Date('2025-01-01T15:00:00.000Z'),
      count: 1,
    });
  });

  it('speaks of "the ticket" when the event names none, and links only over http(s)', () => {
    const n = renderSlaEvent(
      create(Topics.SlaEvents, {
        type: SlaEventType.BREACHED,
        url: 'javascript:alert(1)',
      }),
      envelope(),
    );
    expect(n.summary).toBe('The ticket breached its SLA.');
    expect(n.title).toBe('SLA breached: unknown ticket');
    expect(n.labels.condition).toBe('sla:evt-7f3a:');
    expect(n.url).toBeUndefined();
  });
});
