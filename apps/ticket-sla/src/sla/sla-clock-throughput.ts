import { BusinessCalendar } from './business-calendar';
import { nextCrossingOf, SlaClock } from './sla-clock';
import { SlaPolicy } from './sla-policy';
import type { SlaTicketChange, SlaTicketTimeline } from './sla-ticket-timeline';

const MINUTE_MS = 60_000;
const STATUSES = [
  'In progress',
  'Pending customer',
  'In progress',
  'On hold',
  'In progress',
  'Resolved',
];
const DEPARTMENTS = ['NOC L1', 'NOC L2', 'Transport', 'Radio', 'Field ops', 'Vendor'];

/** Deterministic PRNG (mulberry32), so every run measures the same tickets. */
function randomSource(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** `n` open or recently closed tickets of the 30 days before `now`, 2–8 changes each. */
export function syntheticTimelines(n: number, now: number, seed = 1): SlaTicketTimeline[] {
  const random = randomSource(seed);
  const timelines: SlaTicketTimeline[] = [];
  for (let k = 0; k < n; k += 1) {
    const createdAt = now - Math.floor(random() * 30 * 24 * 60) * MINUTE_MS;
    const changes: SlaTicketChange[] = [];
    let at = createdAt;
    const changeCount = 2 + Math.floor(random() * 7);
    for (let c = 0; c < changeCount; c += 1) {
      at += Math.floor(random() * 12 * 60) * MINUTE_MS;
      if (at > now) break;
      changes.push(
        random() < 0.5
          ? { at, field: 'status', to: STATUSES[Math.floor(random() * STATUSES.length)] }
          : {
              at,
              field: 'assignment_group',
              to: DEPARTMENTS[Math.floor(random() * DEPARTMENTS.length)],
            },
      );
    }
    timelines.push({
      key: `NOC-${k}`,
      createdAt,
      initialStatus: 'New',
      initialDepartment: DEPARTMENTS[0],
      changes,
    });
  }
  return timelines;
}

/**
 * Tickets per second of building an SlaClock, evaluating it and taking its next crossing, for
 * `n` synthetic tickets on a Paris office calendar (09–13, 14–18 on weekdays, holidays) with a
 * response and a resolution target. The calendar's table is warmed first: the server keeps
 * its calendars for its lifetime, so the steady state is what matters.
 */
export function measureSlaClockThroughput(n: number): number {
  const now = Date.UTC(2025, 2, 31, 10, 30);
  const calendar = BusinessCalendar.fromDefinition({
    id: 'paris-office',
    timeZone: 'Europe/Paris',
    weeklyHours: Object.fromEntries(
      ['monday', 'tuesday', 'wednesday', 'thursday', 'friday'].map((day) => [
        day,
        [
          { start: '09:00', end: '13:00' },
          { start: '14:00', end: '18:00' },
        ],
      ]),
    ),
    holidays: [
      { date: '2025-01-01' },
      { date: '2025-04-21' },
      { date: '2025-03-14', start: '14:00', end: '18:00' },
    ],
  });
  const policy = SlaPolicy.fromDefinition(
    {
      id: 'p2',
      name: 'P2 business hours',
      calendarId: calendar.id,
      targets: { responseMinutes: 30, resolutionMinutes: 16 * 60 },
      atRiskThresholds: [0.75, 0.9],
      pauseStatuses: ['Pending customer', 'On hold'],
      stopStatuses: ['Resolved', 'Closed'],
      cancelStatuses: ['Cancelled'],
    },
    new Map([[calendar.id, calendar]]),
  );
  const timelines = syntheticTimelines(n, now);
  // Warm-up lets the JIT settle before timing; small runs would otherwise measure the compiler.
  for (const timeline of syntheticTimelines(20_000, now, 2)) {
    nextCrossingOf(new SlaClock(policy, timeline).evaluate(now));
  }
  let sink = 0;
  const started = performance.now();
  for (const timeline of timelines) {
    const evaluation = new SlaClock(policy, timeline).evaluate(now);
    sink += (evaluation.resolution?.elapsedMs ?? 0) + (nextCrossingOf(evaluation)?.at ?? 0);
  }
  const seconds = (performance.now() - started) / 1000;
  // Using the results keeps the work from being optimised away.
  if (Number.isNaN(sink)) throw new Error('SLA throughput run produced NaN');
  return n / seconds;
}
