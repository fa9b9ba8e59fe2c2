import { BusinessCalendar, SlaClock, SlaPolicyCatalog, type SlaPolicy } from '../sla';
import type { SlaTicketTimeline } from '../sla';
import { ManualClock } from '../time/manual-clock';
import { CrossingTimers } from './crossing-timers';
import { MinHeap } from './min-heap';
import {
  settleSlaTargets,
  type SlaEventDraft,
  type SlaTargetRecord,
  type SlaTicketInfo,
} from './sla-outcome';

const HOUR = 3_600_000;
const T0 = Date.parse('2025-03-03T08:00:00Z'); // a Monday

function policyOf(
  definition: Record<string, unknown>,
  calendar: Record<string, unknown>,
): SlaPolicy {
  const catalog = SlaPolicyCatalog.fromDefinitions(
    [definition],
    [BusinessCalendar.fromDefinition(calendar)],
  );
  return catalog.policies[0];
}

const alwaysOpen = { id: '24x7', timeZone: 'UTC', alwaysOpen: true };
const officeHours = {
  id: 'office',
  timeZone: 'UTC',
  weeklyHours: Object.fromEntries(
    ['monday', 'tuesday', 'wednesday', 'thursday', 'friday'].map((d) => [
      d,
      [{ start: '09:00', end: '18:00' }],
    ]),
  ),
};

const ticket: SlaTicketInfo = {
  id: 't-1',
  tenantId: '',
  system: 'jira',
  key: 'NOC-1',
  title: 'BTS down',
  priority: 'P1',
  category: null,
  customer: null,
  department: 'NOC',
  url: null,
  createdAt: T0,
};

/**
 * The runtime in miniature: timers call back at crossings, the ticket is re-evaluated at that
 * instant and settled against its stored records. No I/O.
 */
function harness(policy: SlaPolicy, timeline: SlaTicketTimeline, clock: ManualClock) {
  let stored: SlaTargetRecord[] = [];
  const events: (SlaEventDraft & { noticedAt: number })[] = [];
  const firedAt: number[] = [];
  const recompute = () => {
    const evaluation = new SlaClock(policy, timeline).evaluate(clock.now());
    const settled = settleSlaTargets({ ticket, timeline, policy, evaluation, previous: stored });
    stored = settled.records;
    events.push(...settled.events.map((e) => ({ ...e, noticedAt: clock.now() })));
    return settled.nextCrossingAt;
  };
  const timers = new CrossingTimers(
    clock,
    async (ids) => {
      firedAt.push(clock.now());
      for (const id of ids) timers.set(id, recompute());
    },
    (error) => {
      throw error;
    },
  );
  return { timers, events, firedAt, recompute, stored: () => stored };
}

/** Lets the promise chains of a fired batch settle. */
async function flush(): Promise<void> {
  for (let i = 0; i < 5; i += 1) await Promise.resolve();
}

describe('CrossingTimers with the SLA clock (fake time, nobody polls)', () => {
  it('fires at_risk at 75 % and breached at 100 % at the crossing instants', async () => {
    const policy = policyOf(
      {
        id: 'p1',
        name: 'P1 4h',
        calendarId: '24x7',
        targets: { resolutionMinutes: 240 },
        atRiskThresholds: [0.75],
        stopStatuses: ['Resolved'],
      },
      alwaysOpen,
    );
    const timeline: SlaTicketTimeline = {
      key: 'NOC-1',
      createdAt: T0,
      initialStatus: 'Open',
      initialDepartment: 'NOC',
      changes: [],
    };
    const clock = new ManualClock(T0);
    const h = harness(policy, timeline, clock);
    h.timers.start();
    h.timers.set(ticket.id, h.recompute());
    expect(h.events).toEqual([]);
    expect(h.timers.dueAt(ticket.id)).toBe(T0 + 3 * HOUR);

    // Nobody polls: time just passes, well beyond both crossings.
    await clock.runUntil(T0 + 6 * HOUR, flush);

    expect(h.firedAt).toEqual([T0 + 3 * HOUR, T0 + 4 * HOUR]);
    expect(h.events.map((e) => [e.kind, e.share, e.occurredAt, e.noticedAt])).toEqual([
      ['at_risk', 0.75, T0 + 3 * HOUR, T0 + 3 * HOUR],
      ['breached', 1, T0 + 4 * HOUR, T0 + 4 * HOUR],
    ]);
    expect(h.events[1]).toMatchObject({ breachDepartment: 'NOC', elapsedMs: 4 * HOUR });
    expect(h.timers.size).toBe(0);
  });

  it('counts business time only: a crossing after hours fires when the office has reopened', async () => {
    const policy = policyOf(
      {
        id: 'p3',
        name: 'P3 12 business hours',
        calendarId: 'office',
        targets: { resolutionMinutes: 720 },
        atRiskThresholds: [0.5],
        stopStatuses: ['Resolved'],
      },
      officeHours,
    );
    // Opened Monday 09:00: half the 12 business hours by 15:00; the office closes at 18:00 with
    // 9 used, so the breach comes at 12:00 on Tuesday, not overnight.
    const created = Date.parse('2025-03-03T09:00:00Z');
    const timeline: SlaTicketTimeline = {
      key: 'NOC-2',
      createdAt: created,
      initialStatus: 'Open',
      initialDepartment: 'Field',
      changes: [],
    };
    const clock = new ManualClock(created);
    const h = harness(policy, timeline, clock);
    h.timers.start();
    h.timers.set(ticket.id, h.recompute());
    await clock.runUntil(created + 48 * HOUR, flush);
    expect(h.events.map((e) => [e.kind, new Date(e.occurredAt).toISOString()])).toEqual([
      ['at_risk', '2025-03-03T15:00:00.000Z'],
      ['breached', '2025-03-04T12:00:00.000Z'],
    ]);
    expect(h.firedAt.map((t) => new Date(t).toISOString())).toEqual([
      '2025-03-03T15:00:00.000Z',
      '2025-03-04T12:00:00.000Z',
    ]);
  });

  it('a replaced crossing fires once, at its new instant; a removed one never', async () => {
    const clock = new ManualClock(0);
    const fired: [string, number][] = [];
    const timers = new CrossingTimers(
      clock,
      async (ids) => {
        for (const id of ids) fired.push([id, clock.now()]);
      },
      () => undefined,
    );
    timers.start();
    timers.set('a', 100);
    timers.set('b', 50);
    timers.set('a', 30); // moved earlier
    timers.set('c', 70);
    timers.set('c', null); // removed
    await clock.runUntil(1000, flush);
    expect(fired).toEqual([
      ['a', 30],
      ['b', 50],
    ]);
  });

  it('retries a batch whose handler failed instead of dropping the crossing', async () => {
    const clock = new ManualClock(0);
    let failures = 0;
    const seen: number[] = [];
    const timers = new CrossingTimers(
      clock,
      async () => {
        seen.push(clock.now());
        if (seen.length === 1) throw new Error('database unavailable');
      },
      () => (failures += 1),
      { maxBatch: 10, retryDelayMs: 500 },
    );
    timers.start();
    timers.set('t', 100);
    await clock.runUntil(2000, flush);
    expect(failures).toBe(1);
    expect(seen).toEqual([100, 600]);
  });
});

describe('MinHeap', () => {
  it('pops in ascending order', () => {
    const heap = new MinHeap<{ at: number }>();
    const values = [5, 3, 9, 1, 1, 8, 2, 7, 6, 4, 0];
    for (const at of values) heap.push({ at });
    const out: number[] = [];
    for (let item = heap.pop(); item !== undefined; item = heap.pop()) out.push(item.at);
    expect(out).toEqual([...values].sort((a, b) => a - b));
  });
});
