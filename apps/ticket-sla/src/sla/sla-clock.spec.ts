import { BusinessCalendar } from './business-calendar';
import { nextCrossingOf, SlaClock } from './sla-clock';
import { SlaPolicy } from './sla-policy';
import type { SlaTicketChange, SlaTicketTimeline } from './sla-ticket-timeline';

const HOUR = 3_600_000;
const MINUTE = 60_000;
const at = (iso: string) => Date.parse(iso);

const parisOffice = BusinessCalendar.fromDefinition({
  id: 'paris-office',
  timeZone: 'Europe/Paris',
  weeklyHours: Object.fromEntries(
    ['monday', 'tuesday', 'wednesday', 'thursday', 'friday'].map((day) => [
      day,
      [{ start: '09:00', end: '18:00' }],
    ]),
  ),
});
const parisNoc = BusinessCalendar.fromDefinition({
  id: 'paris-noc',
  timeZone: 'Europe/Paris',
  alwaysOpen: true,
});
const utcNoc = BusinessCalendar.fromDefinition({
  id: 'utc-noc',
  timeZone: 'UTC',
  alwaysOpen: true,
});
const calendars = new Map([parisOffice, parisNoc, utcNoc].map((c) => [c.id, c]));

function policy(overrides: Record<string, unknown> = {}): SlaPolicy {
  return SlaPolicy.fromDefinition(
    {
      id: 'p2',
      name: 'P2',
      calendarId: 'utc-noc',
      targets: { responseMinutes: 30, resolutionMinutes: 4 * 60 },
      atRiskThresholds: [0.5],
      pauseStatuses: ['Pending customer', 'On hold'],
      stopStatuses: ['Resolved', 'Closed'],
      cancelStatuses: ['Cancelled'],
      ...overrides,
    },
    calendars,
  );
}

function ticket(
  createdAt: string,
  changes: [string, 'status' | 'group', string | null][],
  initial: { status?: string; department?: string | null } = {},
): SlaTicketTimeline {
  return {
    key: 'NOC-1',
    createdAt: at(createdAt),
    initialStatus: initial.status ?? 'New',
    initialDepartment: initial.department === undefined ? 'NOC' : initial.department,
    changes: changes.map(([when, field, to]): SlaTicketChange => ({
      at: at(when),
      field: field === 'group' ? 'assignment_group' : 'status',
      to,
    })),
  };
}

describe('SlaClock resolution', () => {
  it('does not count a pause across a weekend, on office hours and 24x7 alike', () => {
    const history = ticket('2025-06-13T16:00:00+02:00', [
      ['2025-06-13T16:10:00+02:00', 'status', 'In progress'],
      ['2025-06-13T17:00:00+02:00', 'status', 'Pending customer'],
      ['2025-06-16T10:00:00+02:00', 'status', 'In progress'],
    ]);
    const now = at('2025-06-16T12:00:00+02:00');
    for (const calendarId of ['paris-office', 'paris-noc']) {
      const resolution = new SlaClock(policy({ calendarId }), history).evaluate(now).resolution;
      // Friday 16:00–17:00 and Monday 10:00–12:00.
      expect(resolution?.elapsedMs).toBe(3 * HOUR);
      expect(resolution?.state).toBe('running');
      expect(resolution?.dueAt).toBe(at('2025-06-16T13:00:00+02:00'));
    }
    // While paused the clock stands and has no due instant.
    const paused = new SlaClock(policy({ calendarId: 'paris-noc' }), history).evaluate(
      at('2025-06-15T12:00:00+02:00'),
    ).resolution;
    expect(paused).toMatchObject({
      state: 'paused',
      clockRunning: false,
      elapsedMs: HOUR,
      dueAt: null,
    });
    expect(paused?.thresholds).toEqual([
      { share: 0.5, at: null, crossed: false },
      { share: 1, at: null, crossed: false },
    ]);
  });

  it('attributes time to departments and names the one holding the ticket at the breach', () => {
    const history = ticket('2025-05-05T00:00:00Z', [
      ['2025-05-05T00:05:00Z', 'status', 'In progress'],
      ['2025-05-05T01:00:00Z', 'group', 'Transport'],
      ['2025-05-05T02:30:00Z', 'status', 'On hold'],
      ['2025-05-05T03:00:00Z', 'status', 'In progress'],
      ['2025-05-05T03:30:00Z', 'group', 'NOC'],
    ]);
    const resolution = new SlaClock(policy(), history).evaluate(
      at('2025-05-05T06:00:00Z'),
    ).resolution;
    // NOC 00:00–01:00 and 03:30–06:00; Transport 01:00–02:30 and 03:00–03:30.
    expect(resolution?.elapsedMs).toBe(5.5 * HOUR);
    expect(resolution?.departments).toEqual([
      { department: 'NOC', businessMs: 3.5 * HOUR },
      { department: 'Transport', businessMs: 2 * HOUR },
    ]);
    expect(resolution?.state).toBe('breached');
    expect(resolution?.overdueMs).toBe(1.5 * HOUR);
    // 4 h of budget: NOC 1 h, Transport 2 h, then NOC's last hour until 04:30.
    expect(resolution?.breach).toEqual({
      at: at('2025-05-05T04:30:00Z'),
      department: 'NOC',
      departmentsByTime: [
        { department: 'NOC', businessMs: 2 * HOUR },
        { department: 'Transport', businessMs: 2 * HOUR },
      ],
    });
    expect(resolution?.dueAt).toBe(at('2025-05-05T04:30:00Z'));
    expect(resolution?.thresholds).toEqual([
      { share: 0.5, at: at('2025-05-05T02:00:00Z'), crossed: true },
      { share: 1, at: at('2025-05-05T04:30:00Z'), crossed: true },
    ]);
  });

  it('is met when resolved before the due instant and breached when resolved at it', () => {
    const resolvedAt = (when: string) =>
      new SlaClock(
        policy(),
        ticket('2025-05-05T00:00:00Z', [[when, 'status', 'Resolved']]),
      ).evaluate(at('2025-05-06T00:00:00Z')).resolution;
    const early = resolvedAt('2025-05-05T03:59:00Z');
    expect(early).toMatchObject({
      state: 'met',
      elapsedMs: 239 * MINUTE,
      dueAt: null,
      breach: null,
    });
    expect(early?.stoppedAt).toBe(at('2025-05-05T03:59:00Z'));
    const onTheDot = resolvedAt('2025-05-05T04:00:00Z');
    expect(onTheDot).toMatchObject({ state: 'breached', elapsedMs: 4 * HOUR, clockRunning: false });
    expect(onTheDot?.breach?.at).toBe(at('2025-05-05T04:00:00Z'));
  });

  it('resumes when a resolved ticket is reopened and stops at the first of Resolved → Closed', () => {
    const history = ticket('2025-05-05T00:00:00Z', [
      ['2025-05-05T01:00:00Z', 'status', 'Resolved'],
      ['2025-05-05T02:00:00Z', 'status', 'In progress'],
      ['2025-05-05T02:30:00Z', 'status', 'Resolved'],
      ['2025-05-05T05:00:00Z', 'status', 'Closed'],
    ]);
    const clock = new SlaClock(policy(), history);
    expect(clock.evaluate(at('2025-05-05T01:30:00Z')).resolution).toMatchObject({
      state: 'met',
      elapsedMs: HOUR,
      stoppedAt: at('2025-05-05T01:00:00Z'),
    });
    expect(clock.evaluate(at('2025-05-05T02:15:00Z')).resolution).toMatchObject({
      state: 'running',
      elapsedMs: 75 * MINUTE,
      // 165 min left from 02:15.
      dueAt: at('2025-05-05T05:00:00Z'),
    });
    expect(clock.evaluate(at('2025-05-06T00:00:00Z')).resolution).toMatchObject({
      state: 'met',
      elapsedMs: 90 * MINUTE,
      stoppedAt: at('2025-05-05T02:30:00Z'),
    });
  });

  it('reports a ticket closed without resolution as cancelled, even after a breach', () => {
    const history = ticket('2025-05-05T00:00:00Z', [
      ['2025-05-05T05:00:00Z', 'status', 'Cancelled'],
    ]);
    const resolution = new SlaClock(policy(), history).evaluate(
      at('2025-05-05T06:00:00Z'),
    ).resolution;
    expect(resolution).toMatchObject({ state: 'cancelled', stoppedAt: at('2025-05-05T05:00:00Z') });
    expect(resolution?.breach?.at).toBe(at('2025-05-05T04:00:00Z'));
  });

  it('ignores changes after the evaluation instant and a now before the creation', () => {
    const history = ticket('2025-05-05T00:00:00Z', [['2025-05-05T02:00:00Z', 'status', 'On hold']]);
    const clock = new SlaClock(policy(), history);
    expect(clock.evaluate(at('2025-05-05T01:00:00Z')).resolution).toMatchObject({
      state: 'running',
      elapsedMs: HOUR,
    });
    const early = clock.evaluate(at('2025-05-04T00:00:00Z'));
    expect(early.at).toBe(at('2025-05-05T00:00:00Z'));
    expect(early.resolution?.elapsedMs).toBe(0);
    expect(() => clock.evaluate(Number.NaN)).toThrow(/NOC-1: evaluation instant/);
  });
});

describe('SlaClock response', () => {
  it('ends at the first status change, not at a reassignment', () => {
    const history = ticket('2025-05-05T00:00:00Z', [
      ['2025-05-05T00:10:00Z', 'group', 'Transport'],
      ['2025-05-05T00:20:00Z', 'status', 'In progress'],
    ]);
    const response = new SlaClock(policy(), history).evaluate(at('2025-05-05T01:00:00Z')).response;
    expect(response).toMatchObject({
      state: 'met',
      elapsedMs: 20 * MINUTE,
      stoppedAt: at('2025-05-05T00:20:00Z'),
      clockRunning: false,
    });
    expect(response?.departments).toEqual([
      { department: 'NOC', businessMs: 10 * MINUTE },
      { department: 'Transport', businessMs: 10 * MINUTE },
    ]);
  });

  it('is breached when nobody reacts in time and cancelled when cancelled first', () => {
    const silent = ticket('2025-05-05T00:00:00Z', [['2025-05-05T00:20:00Z', 'group', 'Radio']]);
    expect(
      new SlaClock(policy(), silent).evaluate(at('2025-05-05T01:00:00Z')).response,
    ).toMatchObject({
      state: 'breached',
      clockRunning: true,
      dueAt: at('2025-05-05T00:30:00Z'),
      breach: { at: at('2025-05-05T00:30:00Z'), department: 'Radio' },
    });
    const cancelled = ticket('2025-05-05T00:00:00Z', [
      ['2025-05-05T00:05:00Z', 'status', 'cancelled'],
    ]);
    expect(
      new SlaClock(policy(), cancelled).evaluate(at('2025-05-05T01:00:00Z')).response?.state,
    ).toBe('cancelled');
  });

  it('is absent when the policy has no response target', () => {
    const clock = new SlaClock(
      policy({ targets: { resolutionMinutes: 60 } }),
      ticket('2025-05-05T00:00:00Z', []),
    );
    expect(clock.evaluate(at('2025-05-05T00:10:00Z')).response).toBeNull();
  });
});

describe('SlaClock next crossing', () => {
  const history = ticket('2025-05-05T00:00:00Z', [
    ['2025-05-05T00:20:00Z', 'status', 'In progress'],
  ]);
  const clock = new SlaClock(policy(), history);

  it('is the earliest future threshold of either target', () => {
    // Response: 50 % at 00:15, due 00:30, answered at 00:20. Resolution: 50 % at 02:00.
    expect(clock.nextCrossing(at('2025-05-05T00:10:00Z'))).toEqual({
      kind: 'response',
      share: 0.5,
      at: at('2025-05-05T00:15:00Z'),
    });
    // At 00:15 the answer of 00:20 has not happened yet: the response is due at 00:30.
    expect(clock.nextCrossing(at('2025-05-05T00:15:00Z'))).toEqual({
      kind: 'response',
      share: 1,
      at: at('2025-05-05T00:30:00Z'),
    });
    expect(clock.nextCrossing(at('2025-05-05T00:20:00Z'))).toEqual({
      kind: 'resolution',
      share: 0.5,
      at: at('2025-05-05T02:00:00Z'),
    });
    expect(clock.nextCrossing(at('2025-05-05T02:00:00Z'))).toEqual({
      kind: 'resolution',
      share: 1,
      at: at('2025-05-05T04:00:00Z'),
    });
    expect(clock.nextCrossing(at('2025-05-05T04:00:00Z'))).toBeNull();
  });

  it('follows office hours: the next crossing of a ticket opened on Friday evening is on Monday', () => {
    const office = new SlaClock(
      policy({ calendarId: 'paris-office' }),
      ticket('2025-06-13T17:00:00+02:00', [['2025-06-13T17:05:00+02:00', 'status', 'In progress']]),
    );
    const evaluation = office.evaluate(at('2025-06-13T19:00:00+02:00'));
    // 1 h on Friday, the other hour of 50 % by Monday 10:00.
    expect(nextCrossingOf(evaluation)).toEqual({
      kind: 'resolution',
      share: 0.5,
      at: at('2025-06-16T10:00:00+02:00'),
    });
    expect(evaluation.resolution?.dueAt).toBe(at('2025-06-16T12:00:00+02:00'));
  });

  it('is null while paused', () => {
    const paused = new SlaClock(
      policy(),
      ticket('2025-05-05T00:00:00Z', [['2025-05-05T00:20:00Z', 'status', 'On hold']]),
    );
    expect(paused.nextCrossing(at('2025-05-05T01:00:00Z'))).toBeNull();
  });
});

describe('SlaClock input', () => {
  it('refuses a history that goes back in time, naming the entry', () => {
    const history = ticket('2025-05-05T00:00:00Z', [
      ['2025-05-05T02:00:00Z', 'status', 'In progress'],
      ['2025-05-05T01:00:00Z', 'group', 'Radio'],
    ]);
    expect(() => new SlaClock(policy(), history)).toThrow(
      /ticket NOC-1: history\[1\]\.at \(2025-05-05T01:00:00\.000Z\) is before the previous change/,
    );
  });

  it('applies a change stamped before the creation from the creation', () => {
    const history = ticket('2025-05-05T00:00:00Z', [['2025-05-04T23:59:00Z', 'group', 'Radio']]);
    const resolution = new SlaClock(policy(), history).evaluate(
      at('2025-05-05T01:00:00Z'),
    ).resolution;
    expect(resolution?.departments).toEqual([{ department: 'Radio', businessMs: HOUR }]);
  });
});
