import fc from 'fast-check';
import { DateTime } from 'luxon';
import { BusinessCalendar } from './business-calendar';
import { SlaClock, type SlaTargetStatus } from './sla-clock';
import { normaliseTicketValue, SlaPolicy } from './sla-policy';
import type { SlaTicketChange, SlaTicketTimeline } from './sla-ticket-timeline';

/*
 * Property tests against a brute-force reference: walk every minute, read its wall time in the
 * zone with luxon, and decide from the weekday windows, the holidays and the ticket's status at
 * that minute whether it counts. All generated instants are whole minutes, so counting minutes
 * is exact; the calculator works in ms and must agree to the ms.
 */

const MINUTE = 60_000;
const DAY = 86_400_000;
const SEED = 20_250_330;

/**
 * Zones and the local dates (as UTC midnights) the tests work around: each DST zone's 2024
 * changes (spring forward and fall back), one ordinary date for the zones without DST (Kolkata
 * and Kathmandu have half- and quarter-hour offsets). Few dates keep the luxon reference fast.
 */
const ZONE_ANCHORS: Record<string, number[]> = Object.fromEntries(
  Object.entries({
    'Europe/Paris': ['2024-03-31', '2024-10-27'],
    'America/New_York': ['2024-03-10', '2024-11-03'],
    'Australia/Sydney': ['2024-04-07', '2024-10-06'],
    'Asia/Tokyo': ['2024-03-31'],
    UTC: ['2024-10-27'],
    'Asia/Kolkata': ['2024-03-10'],
    'Asia/Kathmandu': ['2024-11-03'],
  }).map(([zone, dates]) => [zone, dates.map((date) => Date.parse(`${date}T00:00:00Z`))]),
);
const ALL_ANCHORS = Object.values(ZONE_ANCHORS).flat();
const WEEKDAY_NAMES = [
  'monday',
  'tuesday',
  'wednesday',
  'thursday',
  'friday',
  'saturday',
  'sunday',
];
// ---------------------------------------------------------------- the reference

interface ReferenceCalendar {
  zone: string;
  alwaysOpen: boolean;
  /** Per ISO weekday 1..7: `[start, end)` minutes of the day. */
  week: [number, number][][];
  /** Local date (days since 1970-01-01) → closed `[start, end)` minutes (whole day = [0, 1440)). */
  holidays: Map<number, [number, number][]>;
}

interface WallMinute {
  /** The local date as days since 1970-01-01. */
  day: number;
  weekday: number;
  minuteOfDay: number;
}

/**
 * luxon is slow per call and the same minutes are read by many runs, so its answers are kept,
 * one number per minute of the test's range, per zone.
 */
const FIRST_MINUTE = (Math.min(...ALL_ANCHORS) - 30 * DAY) / MINUTE;
const MINUTE_COUNT = (Math.max(...ALL_ANCHORS) + 30 * DAY) / MINUTE - FIRST_MINUTE;
const wallMinutes = new Map<string, Int32Array>();

function wallMinuteOf(zone: string, instant: number): WallMinute {
  let byZone = wallMinutes.get(zone);
  if (!byZone) {
    byZone = new Int32Array(MINUTE_COUNT);
    wallMinutes.set(zone, byZone);
  }
  const index = instant / MINUTE - FIRST_MINUTE;
  let packed = byZone[index];
  if (packed === 0) {
    const local = DateTime.fromMillis(instant, { zone });
    const day = Date.parse(`${local.toISODate()}T00:00:00Z`) / DAY;
    packed = (day * 8 + local.weekday) * 1440 + local.hour * 60 + local.minute;
    byZone[index] = packed;
  }
  const minuteOfDay = packed % 1440;
  const dayAndWeekday = (packed - minuteOfDay) / 1440;
  const weekday = dayAndWeekday % 8;
  return { day: (dayAndWeekday - weekday) / 8, weekday, minuteOfDay };
}

function referenceIsWorking(calendar: ReferenceCalendar, minuteStart: number): boolean {
  const wall = wallMinuteOf(calendar.zone, minuteStart);
  const inside = ([start, end]: [number, number]) =>
    start <= wall.minuteOfDay && wall.minuteOfDay < end;
  const open = calendar.alwaysOpen || calendar.week[wall.weekday].some(inside);
  return open && !(calendar.holidays.get(wall.day) ?? []).some(inside);
}

function referenceBusinessMillis(calendar: ReferenceCalendar, from: number, to: number): number {
  let total = 0;
  for (let m = from; m < to; m += MINUTE) if (referenceIsWorking(calendar, m)) total += MINUTE;
  return total;
}

/** What the reference expects of one target, in the shape compared with the calculator's. */
interface TargetView {
  elapsedMs: number;
  state: string;
  clockRunning: boolean;
  /** Crossing instant per threshold; "beyond horizon" when projected past the reference's walk. */
  thresholds: { share: number; at: number | null | 'beyond horizon'; crossed: boolean }[];
  dueAt: number | null | 'beyond horizon';
  departments: [string | null, number][];
  breach: { at: number; department: string | null; budgetConsumed: number } | null;
}

interface ReferencePolicy {
  pause: string[];
  stop: string[];
  cancel: string[];
}

function referenceClass(policy: ReferencePolicy, status: string): string {
  const key = normaliseTicketValue(status);
  const has = (list: string[]) => list.some((s) => normaliseTicketValue(s) === key);
  if (has(policy.cancel)) return 'cancelled';
  if (has(policy.stop)) return 'stopped';
  if (has(policy.pause)) return 'paused';
  return 'active';
}

/** Status and department holding the ticket during the minute starting at `m`. */
function referenceStateAt(
  timeline: SlaTicketTimeline,
  m: number,
): { status: string; department: string | null } {
  let status = timeline.initialStatus;
  let department = timeline.initialDepartment;
  for (const change of timeline.changes) {
    if (Math.max(change.at, timeline.createdAt) > m) break;
    if (change.field === 'status') status = change.to as string;
    else department = change.to;
  }
  return { status, department };
}

/**
 * Minute walk of one target. `counts(m)` says whether the clock counts the minute starting at
 * `m` (before `countedUntil`); after it, the ticket keeps its state and the walk goes on to
 * `horizon` while `running`, to find projected crossings.
 */
function referenceTarget(
  calendar: ReferenceCalendar,
  timeline: SlaTicketTimeline,
  shares: readonly number[],
  targetMs: number,
  countedUntil: number,
  horizon: number,
  running: boolean,
  counts: (m: number) => boolean,
  finalState: (breached: boolean) => string,
): TargetView {
  const budgets = shares.map((share) => Math.ceil(share * targetMs));
  const departments = new Map<string | null, number>();
  const crossings: (number | undefined)[] = budgets.map(() => undefined);
  let elapsed = 0;
  let breachDepartment: string | null = null;
  const end = running ? horizon : countedUntil;
  for (let m = timeline.createdAt; m < end; m += MINUTE) {
    if (!referenceIsWorking(calendar, m) || (m < countedUntil && !counts(m))) continue;
    budgets.forEach((budget, j) => {
      if (elapsed < budget && elapsed + MINUTE >= budget) crossings[j] = m + (budget - elapsed);
    });
    if (m < countedUntil) {
      const department = referenceStateAt(timeline, m).department;
      if (crossings[budgets.length - 1] !== undefined && elapsed < budgets[budgets.length - 1]) {
        breachDepartment = department;
      }
      departments.set(department, (departments.get(department) ?? 0) + MINUTE);
    }
    elapsed += MINUTE;
    if (m >= countedUntil && elapsed >= budgets[budgets.length - 1]) break;
  }
  const counted = [...departments.values()].reduce((sum, ms) => sum + ms, 0);
  const at = (j: number) => {
    const crossing = crossings[j];
    if (crossing !== undefined) return crossing;
    return running ? ('beyond horizon' as const) : null;
  };
  const breachAt = crossings[budgets.length - 1];
  const breached = breachAt !== undefined && breachAt <= countedUntil;
  return {
    elapsedMs: counted,
    state: finalState(breached),
    clockRunning: running,
    thresholds: shares.map((share, j) => ({
      share,
      at: at(j),
      crossed: crossings[j] !== undefined && crossings[j] <= countedUntil,
    })),
    dueAt: at(budgets.length - 1),
    departments: sortedDepartments(departments),
    breach: breached
      ? { at: breachAt, department: breachDepartment, budgetConsumed: targetMs }
      : null,
  };
}

function sortedDepartments(
  departments: Iterable<[string | null, number]>,
): [string | null, number][] {
  return [...departments].sort((a, b) => String(a[0]).localeCompare(String(b[0])));
}

/** The calculator's answer in the reference's shape. */
function viewOf(actual: SlaTargetStatus, horizon: number): TargetView {
  const at = (instant: number | null) =>
    instant !== null && instant > horizon ? ('beyond horizon' as const) : instant;
  return {
    elapsedMs: actual.elapsedMs,
    state: actual.state,
    clockRunning: actual.clockRunning,
    thresholds: actual.thresholds.map((t) => ({
      share: t.share,
      at: at(t.at),
      crossed: t.crossed,
    })),
    dueAt: at(actual.dueAt),
    departments: sortedDepartments(actual.departments.map((d) => [d.department, d.businessMs])),
    breach: actual.breach && {
      at: actual.breach.at,
      department: actual.breach.department,
      budgetConsumed: actual.breach.departmentsByTime.reduce((sum, d) => sum + d.businessMs, 0),
    },
  };
}

// ---------------------------------------------------------------- generators

interface GeneratedCalendar {
  definition: Record<string, unknown>;
  reference: ReferenceCalendar;
  anchors: number[];
}

const windowsArbitrary = fc
  .uniqueArray(fc.integer({ min: 0, max: 1440 }), { maxLength: 6 })
  .map((points) => {
    const sorted = [...points].sort((a, b) => a - b);
    const windows: [number, number][] = [];
    for (let k = 0; k + 1 < sorted.length; k += 2) windows.push([sorted[k], sorted[k + 1]]);
    return windows;
  });

const hhmm = (minutes: number) =>
  `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;

const holidayArbitrary = (anchors: number[]) =>
  fc.record({
    anchor: fc.constantFrom(...anchors),
    dayOffset: fc.integer({ min: -4, max: 8 }),
    partial: fc.option(
      windowsArbitrary.filter((w) => w.length > 0).map((w) => w[0]),
      { freq: 3 },
    ),
  });

const calendarArbitrary: fc.Arbitrary<GeneratedCalendar> = fc
  .constantFrom(...Object.keys(ZONE_ANCHORS))
  .chain((zone) =>
    fc.record({
      zone: fc.constant(zone),
      week: fc.array(windowsArbitrary, { minLength: 7, maxLength: 7 }),
      holidays: fc.array(holidayArbitrary(ZONE_ANCHORS[zone]), { maxLength: 4 }),
      alwaysOpenChance: fc.integer({ min: 0, max: 9 }),
    }),
  )
  .map(({ zone, week, holidays, alwaysOpenChance }) => {
    const alwaysOpen = alwaysOpenChance === 0;
    if (week.every((day) => day.length === 0)) week[0] = [[540, 1080]];
    const reference: ReferenceCalendar = {
      zone,
      alwaysOpen,
      week: [[], ...week],
      holidays: new Map(),
    };
    const holidayDefinitions = holidays.map(({ anchor, dayOffset, partial }) => {
      const date = new Date(anchor + dayOffset * DAY).toISOString().slice(0, 10);
      const closed: [number, number] = partial ?? [0, 1440];
      const day = (anchor + dayOffset * DAY) / DAY;
      reference.holidays.set(day, [...(reference.holidays.get(day) ?? []), closed]);
      return partial ? { date, start: hhmm(partial[0]), end: hhmm(partial[1]) } : { date };
    });
    const definition: Record<string, unknown> = {
      id: 'generated',
      timeZone: zone,
      holidays: holidayDefinitions,
    };
    if (alwaysOpen) definition.alwaysOpen = true;
    else {
      definition.weeklyHours = Object.fromEntries(
        WEEKDAY_NAMES.map((name, k) => [
          name,
          week[k].map(([s, e]) => ({ start: hhmm(s), end: hhmm(e) })),
        ]),
      );
    }
    return { definition, reference, anchors: ZONE_ANCHORS[zone] };
  });

/** A whole minute within two days of one of `anchors`. */
const instantNear = (anchors: number[]) =>
  fc
    .record({
      anchor: fc.constantFrom(...anchors),
      minutes: fc.integer({ min: -2 * 1440, max: 2 * 1440 }),
    })
    .map(({ anchor, minutes }) => anchor + minutes * MINUTE);

const STATUSES = [
  'New',
  'In progress',
  'pending customer',
  'On hold',
  'Resolved',
  'Closed',
  'Cancelled',
];
const DEPARTMENTS = ['NOC', 'Transport', 'Radio', null];

const changeArbitrary = fc.record({
  gapMinutes: fc.integer({ min: -30, max: 2 * 1440 }),
  isStatus: fc.boolean(),
  status: fc.constantFrom(...STATUSES),
  department: fc.constantFrom(...DEPARTMENTS),
});

const ticketNear = (anchors: number[]) =>
  fc
    .record({
      createdAt: instantNear(anchors),
      initialStatus: fc.constantFrom('New', 'New', 'New', 'In progress', 'On hold'),
      initialDepartment: fc.constantFrom(...DEPARTMENTS),
      changes: fc.array(changeArbitrary, { maxLength: 8 }),
      nowAfterMinutes: fc.integer({ min: 0, max: 4 * 1440 }),
    })
    .map(({ createdAt, initialStatus, initialDepartment, changes, nowAfterMinutes }) => {
      // Gaps may be negative at first: a change stamped before creation (clock skew).
      let at = createdAt;
      const list: SlaTicketChange[] = changes.map((change, k) => {
        at =
          k === 0 ? at + change.gapMinutes * MINUTE : at + Math.max(0, change.gapMinutes) * MINUTE;
        return change.isStatus
          ? { at, field: 'status', to: change.status }
          : { at, field: 'assignment_group', to: change.department };
      });
      const timeline: SlaTicketTimeline = {
        key: 'PROP-1',
        createdAt,
        initialStatus,
        initialDepartment,
        changes: list,
      };
      return { timeline, now: createdAt + nowAfterMinutes * MINUTE };
    });

const policyArbitrary = fc.record({
  pause: fc.subarray(['Pending customer', 'On hold']),
  cancel: fc.subarray(['Cancelled']),
  responseMinutes: fc.option(fc.integer({ min: 1, max: 600 }), { freq: 4 }),
  resolutionMinutes: fc.integer({ min: 1, max: 3000 }),
  atRisk: fc.subarray([0.25, 0.5, 0.75, 0.9, 0.333]),
});

// ---------------------------------------------------------------- properties

describe('BusinessCalendar against the minute-by-minute reference', () => {
  it('counts the same business time between two instants', () => {
    fc.assert(
      fc.property(
        calendarArbitrary.chain((calendar) =>
          fc.tuple(fc.constant(calendar), instantNear(calendar.anchors)),
        ),
        fc.integer({ min: 0, max: 5 * 1440 }),
        fc.integer({ min: -200, max: 200 }),
        ([calendar, from], minutes, warmUpDays) => {
          const to = from + minutes * MINUTE;
          const subject = BusinessCalendar.fromDefinition(calendar.definition);
          // A first query elsewhere makes the checked one grow the cached table either way.
          subject.businessMillisBetween(from + warmUpDays * DAY, from + warmUpDays * DAY + 1);
          expect(subject.businessMillisBetween(from, to)).toBe(
            referenceBusinessMillis(calendar.reference, from, to),
          );
          expect(
            subject.businessMillisBetween(to, from) + subject.businessMillisBetween(from, to),
          ).toBe(0);
        },
      ),
      { seed: SEED, numRuns: 600 },
    );
  });

  it('finds the due instant of a budget (the inverse of businessMillisBetween)', () => {
    fc.assert(
      fc.property(
        calendarArbitrary.chain((calendar) =>
          fc.tuple(fc.constant(calendar), instantNear(calendar.anchors)),
        ),
        fc.double({ min: 0, max: 1, noNaN: true }),
        ([calendar, from], share) => {
          const week = referenceBusinessMillis(calendar.reference, from, from + 7 * DAY) / MINUTE;
          fc.pre(week > 0);
          const budgetMinutes = Math.max(1, Math.ceil(share * week));
          let counted = 0;
          let due = from;
          while (counted < budgetMinutes) {
            if (referenceIsWorking(calendar.reference, due)) counted += 1;
            due += MINUTE;
          }
          // The budget runs out at the end of its last working minute.
          const subject = BusinessCalendar.fromDefinition(calendar.definition);
          const computed = subject.addBusinessMillis(from, budgetMinutes * MINUTE);
          expect(computed).toBe(due);
          expect(subject.businessMillisBetween(from, computed)).toBe(budgetMinutes * MINUTE);
          expect(subject.addBusinessMillis(from, 0)).toBe(from);
        },
      ),
      { seed: SEED, numRuns: 400 },
    );
  });
});

describe('SlaClock against the minute-by-minute reference', () => {
  it('agrees on elapsed time, states, crossings, due instants and departments', () => {
    fc.assert(
      fc.property(
        calendarArbitrary.chain((calendar) =>
          fc.tuple(fc.constant(calendar), ticketNear(calendar.anchors)),
        ),
        policyArbitrary,
        ([calendar, ticket], policyShape) => {
          const businessCalendar = BusinessCalendar.fromDefinition(calendar.definition);
          const policy = SlaPolicy.fromDefinition(
            {
              id: 'prop',
              name: 'property policy',
              calendarId: 'generated',
              targets: {
                ...(policyShape.responseMinutes === null
                  ? {}
                  : { responseMinutes: policyShape.responseMinutes }),
                resolutionMinutes: policyShape.resolutionMinutes,
              },
              atRiskThresholds: policyShape.atRisk,
              pauseStatuses: policyShape.pause,
              stopStatuses: ['Resolved', 'Closed'],
              cancelStatuses: policyShape.cancel,
            },
            new Map([['generated', businessCalendar]]),
          );
          const referencePolicy: ReferencePolicy = {
            pause: policyShape.pause,
            stop: ['Resolved', 'Closed'],
            cancel: policyShape.cancel,
          };
          const { timeline, now } = ticket;
          const evaluation = new SlaClock(policy, timeline).evaluate(now);
          const horizon = now + 4 * DAY;
          const classAt = (m: number) =>
            referenceClass(referencePolicy, referenceStateAt(timeline, m).status);

          // Resolution: counts in active statuses; its outcome follows the status at `now`.
          const current = classAt(now);
          const resolution = referenceTarget(
            calendar.reference,
            timeline,
            policy.thresholds,
            policyShape.resolutionMinutes * MINUTE,
            now,
            horizon,
            current === 'active',
            (m) => classAt(m) === 'active',
            (breached) => {
              if (current === 'cancelled') return 'cancelled';
              if (current === 'stopped') return breached ? 'breached' : 'met';
              if (breached) return 'breached';
              return current === 'paused' ? 'paused' : 'running';
            },
          );
          expect(evaluation.resolution && viewOf(evaluation.resolution, horizon)).toEqual(
            resolution,
          );

          // Response: counts from creation until the status first changes (or stops/cancels).
          const initialClass = referenceClass(referencePolicy, timeline.initialStatus);
          let responseEnd =
            initialClass === 'stopped' || initialClass === 'cancelled'
              ? timeline.createdAt
              : Infinity;
          let responseOutcome = initialClass;
          for (const change of timeline.changes) {
            if (responseEnd !== Infinity || change.field !== 'status') continue;
            const cls = referenceClass(referencePolicy, change.to as string);
            if (
              normaliseTicketValue(change.to as string) !==
                normaliseTicketValue(timeline.initialStatus) ||
              cls === 'stopped' ||
              cls === 'cancelled'
            ) {
              responseEnd = Math.max(change.at, timeline.createdAt);
              responseOutcome = cls;
            }
          }
          if (policyShape.responseMinutes === null) {
            expect(evaluation.response).toBeNull();
            return;
          }
          const responded = responseEnd <= now;
          const response = referenceTarget(
            calendar.reference,
            timeline,
            policy.thresholds,
            policyShape.responseMinutes * MINUTE,
            Math.min(now, responseEnd),
            horizon,
            !responded && initialClass === 'active',
            () => initialClass === 'active',
            (breached) => {
              if (responded && responseOutcome === 'cancelled') return 'cancelled';
              if (breached) return 'breached';
              if (responded) return 'met';
              return initialClass === 'paused' ? 'paused' : 'running';
            },
          );
          expect(evaluation.response && viewOf(evaluation.response, horizon)).toEqual(response);
        },
      ),
      { seed: SEED, numRuns: 1500 },
    );
  });
});
