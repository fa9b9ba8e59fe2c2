import { BusinessCalendar, SlaClock, SlaPolicyCatalog, type SlaTicketTimeline } from '../sla';
import {
  settleSlaTargets,
  slaEventId,
  type SlaTargetRecord,
  type SlaTicketInfo,
} from './sla-outcome';

const MIN = 60_000;
const T0 = Date.parse('2025-03-03T08:00:00Z');

const policy = SlaPolicyCatalog.fromDefinitions(
  [
    {
      id: 'p1',
      name: 'P1',
      calendarId: '24x7',
      targets: { responseMinutes: 10, resolutionMinutes: 100 },
      atRiskThresholds: [0.75, 0.9],
      pauseStatuses: ['On hold'],
      stopStatuses: ['Resolved'],
      cancelStatuses: ['Cancelled'],
    },
  ],
  [BusinessCalendar.fromDefinition({ id: '24x7', timeZone: 'UTC', alwaysOpen: true })],
).policies[0];

const ticket: SlaTicketInfo = {
  id: 'ticket-1',
  tenantId: 'acme',
  system: 'jira',
  key: 'NOC-7',
  title: 'Fibre cut',
  priority: 'P1',
  category: null,
  customer: null,
  department: 'Field',
  url: null,
  createdAt: T0,
};

type Change = [minutes: number, field: 'status' | 'assignment_group', to: string];

function timelineOf(changes: Change[]): SlaTicketTimeline {
  return {
    key: ticket.key,
    createdAt: T0,
    initialStatus: 'Open',
    initialDepartment: 'NOC',
    changes: changes.map(([m, field, to]) => ({ at: T0 + m * MIN, field, to })),
  };
}

function settle(changes: Change[], atMinutes: number, previous: SlaTargetRecord[] = []) {
  const timeline = timelineOf(changes);
  const evaluation = new SlaClock(policy, timeline).evaluate(T0 + atMinutes * MIN);
  return settleSlaTargets({ ticket, timeline, policy, evaluation, previous });
}

const kinds = (s: ReturnType<typeof settle>) =>
  s.events.map(
    (e) =>
      `${e.target}:${e.kind}${e.share === null ? '' : `@${e.share}`}+${(e.occurredAt - T0) / MIN}`,
  );

describe('settleSlaTargets', () => {
  it('announces each threshold once per ticket × target × share, at the instant it was crossed', () => {
    const responded: Change[] = [[1, 'status', 'In progress']];
    const first = settle(responded, 5);
    expect(kinds(first)).toEqual([]);
    // Evaluated late: 75 % and 90 % both passed since; each is announced with its own instant.
    const late = settle(responded, 95, first.records);
    expect(kinds(late)).toEqual(['resolution:at_risk@0.75+75', 'resolution:at_risk@0.9+90']);
    // The same evaluation again, and later ones before the breach: nothing new.
    expect(kinds(settle(responded, 95, late.records))).toEqual([]);
    expect(kinds(settle(responded, 99, late.records))).toEqual([]);
    const breached = settle(responded, 130, late.records);
    expect(kinds(breached)).toEqual(['resolution:breached@1+100']);
    expect(breached.events[0]).toMatchObject({ breachDepartment: 'NOC', elapsedMs: 100 * MIN });
    expect(kinds(settle(responded, 200, breached.records))).toEqual([]);
  });

  it('names the department holding the ticket at the breach and ranks who used the budget', () => {
    const changes: Change[] = [
      [1, 'status', 'In progress'],
      [70, 'assignment_group', 'Field'],
    ];
    const first = settle(changes, 60);
    const breached = settle(changes, 120, first.records);
    const event = breached.events.find((e) => e.kind === 'breached');
    expect(event?.breachDepartment).toBe('Field');
    expect(event?.departmentsByTime).toEqual([
      { department: 'NOC', businessMs: 70 * MIN },
      { department: 'Field', businessMs: 30 * MIN },
    ]);
    const record = breached.records.find((r) => r.target === 'resolution');
    expect(record).toMatchObject({
      outcome: 'breached',
      outcomeAt: T0 + 100 * MIN,
      outcomeDepartment: 'Field',
      riskShare: 1,
    });
  });

  it('on first sight announces only the present condition of an open target', () => {
    const open = settle([[1, 'status', 'In progress']], 150);
    expect(kinds(open)).toEqual(['resolution:breached@1+100']);
    // Everything crossed counts as announced.
    expect(open.records.find((r) => r.target === 'resolution')?.emittedShares).toEqual([
      0.75, 0.9, 1,
    ]);
    // A target already over when first seen is history: no event at all.
    const closed = settle(
      [
        [1, 'status', 'In progress'],
        [20, 'status', 'Resolved'],
      ],
      150,
    );
    expect(kinds(closed)).toEqual([]);
    expect(closed.records.map((r) => r.outcome)).toEqual(['met', 'met']);
  });

  it('reports paused, resumed and met with the instants of the status changes', () => {
    const steps: Change[] = [
      [2, 'status', 'In progress'],
      [10, 'status', 'On hold'],
      [40, 'status', 'In progress'],
      [50, 'status', 'Resolved'],
    ];
    const at5 = settle(steps, 5);
    expect(kinds(at5)).toEqual([]);
    const at15 = settle(steps, 15, at5.records);
    expect(kinds(at15)).toEqual(['resolution:paused+10']);
    expect(at15.records.find((r) => r.target === 'resolution')).toMatchObject({
      phase: 'paused',
      pausedSince: T0 + 10 * MIN,
      nextCrossingAt: null,
    });
    const at45 = settle(steps, 45, at15.records);
    expect(kinds(at45)).toEqual(['resolution:resumed+40']);
    const at60 = settle(steps, 60, at45.records);
    expect(kinds(at60)).toEqual(['resolution:met+50']);
    expect(kinds(settle(steps, 61, at60.records))).toEqual([]);
  });

  it('gives a breached target that is then resolved no met event', () => {
    const steps: Change[] = [
      [1, 'status', 'In progress'],
      [120, 'status', 'Resolved'],
    ];
    const open = settle(steps, 110);
    const closed = settle(steps, 130, open.records);
    expect(kinds(closed)).toEqual([]);
    expect(closed.records.find((r) => r.target === 'resolution')).toMatchObject({
      state: 'breached',
      phase: 'stopped',
      isOpen: false,
    });
  });

  it('reports a cancelled ticket once, at the instant it was cancelled', () => {
    const steps: Change[] = [
      [2, 'status', 'In progress'],
      [30, 'status', 'Cancelled'],
    ];
    const open = settle(steps, 20);
    const cancelled = settle(steps, 35, open.records);
    expect(kinds(cancelled)).toEqual(['resolution:cancelled+30']);
    expect(kinds(settle(steps, 40, cancelled.records))).toEqual([]);
  });

  it('derives stable, distinct UUID-shaped event ids', () => {
    const a = slaEventId('t', 'resolution', 'breached', 1, 5);
    expect(a).toBe(slaEventId('t', 'resolution', 'breached', 1, 5));
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(a).not.toBe(slaEventId('t', 'response', 'breached', 1, 5));
    expect(a).not.toBe(slaEventId('t', 'resolution', 'breached', 1, 6));
  });

  it('plans the next crossing for the timers', () => {
    const s = settle([[1, 'status', 'In progress']], 10);
    expect(s.nextCrossingAt).toBe(T0 + 75 * MIN);
    const none = settle([[1, 'status', 'On hold']], 10);
    expect(none.nextCrossingAt).toBeNull();
  });
});
