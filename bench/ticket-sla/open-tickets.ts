/**
 * The benchmark's workload: an SLA catalogue shaped like a real NOC's (24x7 and office-hours
 * calendars in five zones with holidays, policies matched by priority, category and customer)
 * and synthetic open tickets with realistic histories — a response, reassignments between
 * departments, pauses for the customer or a vendor, the odd resolve-and-reopen. Deterministic
 * for a seed, so every run measures the same tickets.
 */
import type { AgentTicket, TicketTransition } from '@telcomesh/ticket-agent-protocol';
import type { StoredTransition } from '../../apps/ticket-sla/src/tickets/stored-timeline';
import type { StoredTicket } from '../../apps/ticket-sla/src/tickets/ticket-store';

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

const WEEKDAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday'] as const;
const window = (start: string, end: string) => ({ start, end });
const everyWeekday = (windows: { start: string; end: string }[]) =>
  Object.fromEntries(WEEKDAYS.map((day) => [day, windows]));

/**
 * Calendars of the catalogue, as the policy file and the API take them. Holidays cover the
 * autumns of 2025 (the fixed evaluation instant of the recompute section) and 2026.
 */
export const BENCH_CALENDARS = [
  { id: 'noc-24x7', timeZone: 'UTC', alwaysOpen: true },
  {
    id: 'paris-office',
    timeZone: 'Europe/Paris',
    weeklyHours: everyWeekday([window('09:00', '13:00'), window('14:00', '18:00')]),
    holidays: [
      { date: '2025-11-01' },
      { date: '2025-11-11' },
      { date: '2025-12-24', start: '14:00', end: '18:00' },
      { date: '2025-12-25' },
      { date: '2026-01-01' },
      { date: '2026-11-11' },
      { date: '2026-12-24', start: '14:00', end: '18:00' },
      { date: '2026-12-25' },
    ],
  },
  {
    id: 'new-york-extended',
    timeZone: 'America/New_York',
    weeklyHours: {
      ...everyWeekday([window('08:00', '20:00')]),
      saturday: [window('09:00', '13:00')],
    },
    holidays: [
      { date: '2025-10-13' },
      { date: '2025-11-11' },
      { date: '2025-11-27' },
      { date: '2025-12-25' },
      { date: '2026-01-01' },
      { date: '2026-10-12' },
      { date: '2026-11-11' },
      { date: '2026-11-26' },
      { date: '2026-12-25' },
    ],
  },
  {
    id: 'sydney-business',
    timeZone: 'Australia/Sydney',
    weeklyHours: everyWeekday([window('08:30', '17:30')]),
    holidays: [
      { date: '2025-10-06' },
      { date: '2025-12-25' },
      { date: '2025-12-26' },
      { date: '2026-10-05' },
      { date: '2026-12-25' },
      { date: '2026-12-28' },
    ],
  },
  {
    // Two shifts, the night one split at midnight as the calendar requires.
    id: 'moscow-shifts',
    timeZone: 'Europe/Moscow',
    weeklyHours: {
      ...everyWeekday([window('00:00', '02:00'), window('08:00', '24:00')]),
      saturday: [window('00:00', '02:00'), window('10:00', '18:00')],
    },
    holidays: [
      { date: '2025-11-04' },
      { date: '2025-12-31' },
      { date: '2026-01-01' },
      { date: '2026-11-04' },
      { date: '2026-12-31' },
    ],
  },
];

/** Pause, stop and cancel statuses shared by every policy of the catalogue. */
export const PAUSE_STATUSES = ['Pending customer', 'On hold', 'Awaiting vendor'];
const STATUS_CLASSES = {
  pauseStatuses: PAUSE_STATUSES,
  stopStatuses: ['Resolved', 'Closed'],
  cancelStatuses: ['Cancelled'],
};

/** Policies in matching order; the most specific accepting one wins (see apps/ticket-sla). */
export const BENCH_POLICIES = [
  {
    id: 'acme-paris',
    name: 'Acme Telecom, Paris office hours',
    calendarId: 'paris-office',
    match: { customers: ['Acme Telecom'] },
    targets: { responseMinutes: 60, resolutionMinutes: 960 },
    atRiskThresholds: [0.5, 0.75, 0.9],
    ...STATUS_CLASSES,
  },
  {
    id: 'volga-moscow',
    name: 'Volga Mobile, Moscow shifts',
    calendarId: 'moscow-shifts',
    match: { customers: ['Volga Mobile'], priorities: ['P1', 'P2', 'P3'] },
    targets: { responseMinutes: 30, resolutionMinutes: 720 },
    ...STATUS_CLASSES,
  },
  {
    id: 'fiber-new-york',
    name: 'Fiber, New York extended hours',
    calendarId: 'new-york-extended',
    match: { categories: ['Fiber'] },
    targets: { responseMinutes: 120, resolutionMinutes: 1440 },
    ...STATUS_CLASSES,
  },
  {
    id: 'p1-24x7',
    name: 'P1 24x7',
    calendarId: 'noc-24x7',
    match: { priorities: ['P1'] },
    targets: { responseMinutes: 15, resolutionMinutes: 240 },
    atRiskThresholds: [0.5, 0.75, 0.9],
    ...STATUS_CLASSES,
  },
  {
    id: 'p2-24x7',
    name: 'P2 24x7',
    calendarId: 'noc-24x7',
    match: { priorities: ['P2'] },
    targets: { responseMinutes: 30, resolutionMinutes: 480 },
    ...STATUS_CLASSES,
  },
  {
    id: 'p3-paris',
    name: 'P3 Paris office hours',
    calendarId: 'paris-office',
    match: { priorities: ['P3'] },
    targets: { responseMinutes: 240, resolutionMinutes: 2400 },
    ...STATUS_CLASSES,
  },
  {
    id: 'default-sydney',
    name: 'Everything else, Sydney business hours',
    calendarId: 'sydney-business',
    targets: { responseMinutes: 480, resolutionMinutes: 4800 },
    ...STATUS_CLASSES,
  },
];

export const DEPARTMENTS = [
  'NOC L1',
  'NOC L2',
  'Transport',
  'Radio',
  'Core network',
  'Field ops',
  'Power',
  'Vendor management',
];
const PRIORITIES: [string, number][] = [
  ['P1', 0.05],
  ['P2', 0.15],
  ['P3', 0.4],
  ['P4', 0.4],
];
const CATEGORIES: [string | null, number][] = [
  ['Fiber', 0.2],
  ['Radio', 0.3],
  ['Transport', 0.2],
  ['Power', 0.1],
  [null, 0.2],
];
const OTHER_CUSTOMERS = [
  'Nordic Towers',
  'Baltic Fibre',
  'Metro Transit',
  'City Hospital',
  'Harbour Logistics',
  'Sunrise Retail',
];
const TITLES = [
  'Site down',
  'Fibre cut between two PoPs',
  'High packet loss on backhaul',
  'Rectifier alarm',
  'Cell degraded after upgrade',
  'Customer VPN flapping',
  'Microwave link fading',
  'Battery on discharge',
];
const ACTIVE_STATUSES = ['In progress', 'Diagnosing', 'Waiting for field team'];

/** Deterministic PRNG (mulberry32): the same seed gives the same tickets on every machine. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function weighted<T>(random: () => number, table: readonly [T, number][]): T {
  let left = random();
  for (const [value, weight] of table) {
    left -= weight;
    if (left < 0) return value;
  }
  return table[table.length - 1][0];
}

const pick = <T>(random: () => number, values: readonly T[]): T =>
  values[Math.floor(random() * values.length)];

/** Exponentially distributed duration with the given mean, at least one minute. */
const exponentialMs = (random: () => number, meanMs: number) =>
  Math.max(MINUTE_MS, Math.round(-Math.log(1 - random()) * meanMs));

/** A ticket as ticket-sla stores it: its row and its transitions, oldest first. */
export interface BenchTicket {
  ticket: StoredTicket;
  transitions: StoredTransition[];
}

export interface OpenTicketOptions {
  /** The evaluation instant: every ticket is open then and has no change after it. */
  now: number;
  seed: number;
  /** Ticket system and key prefix (agents each serve their own system). */
  system: string;
  keyPrefix: string;
  tenantId: string;
  /** Oldest ticket age; ages are exponential (mean 4 days) and capped here. */
  maxAgeDays?: number;
}

/**
 * `count` open tickets created before `opts.now`: 92 % answered (New → an active status),
 * then reassignments (40 %), pauses that later resume (35 %), other active statuses (15 %)
 * and resolve-then-reopen (10 %) until 1–10 changes are made or `now` is reached. Each ends
 * open — running or paused — and no change is later than `now`.
 */
export function openTickets(count: number, opts: OpenTicketOptions): BenchTicket[] {
  const random = seededRandom(opts.seed);
  const maxAgeMs = (opts.maxAgeDays ?? 30) * DAY_MS;
  const out: BenchTicket[] = [];
  for (let k = 0; k < count; k += 1) {
    const ageMs = Math.min(maxAgeMs, exponentialMs(random, 4 * DAY_MS));
    const createdAt = opts.now - ageMs + Math.floor(random() * 1000);
    const key = `${opts.keyPrefix}-${k}`;
    const initialDepartment = pick(random, DEPARTMENTS.slice(0, 2));
    let status = 'New';
    let department: string | null = initialDepartment;
    let at = createdAt;
    const transitions: StoredTransition[] = [];
    const changeStatus = (to: string) => {
      transitions.push({ at, field: 'status', from: status, to });
      status = to;
    };
    // Gaps scale with the age, so old tickets do not all end with a burst of recent changes.
    const steps = 1 + Math.floor(random() * 10);
    const meanGapMs = Math.max(10 * MINUTE_MS, ageMs / (steps + 1));
    const advance = (meanMs: number) => {
      at += exponentialMs(random, meanMs);
      return at < opts.now;
    };
    if (random() < 0.92 && advance(40 * MINUTE_MS)) changeStatus('In progress');
    for (let step = 1; step < steps && status !== 'New'; step += 1) {
      if (!advance(meanGapMs)) break;
      const paused = PAUSE_STATUSES.includes(status);
      const roll = random();
      if (paused) changeStatus('In progress');
      else if (roll < 0.4) {
        const to: string = pick(
          random,
          DEPARTMENTS.filter((d) => d !== department),
        );
        transitions.push({ at, field: 'assignment_group', from: department, to });
        department = to;
      } else if (roll < 0.75) changeStatus(pick(random, PAUSE_STATUSES));
      else if (roll < 0.9)
        changeStatus(
          pick(
            random,
            ACTIVE_STATUSES.filter((s) => s !== status),
          ),
        );
      else {
        // Reopened: the customer says it is not fixed. Half an hour later at most, and before now.
        const reopenAt = at + Math.min(30 * MINUTE_MS, Math.floor((opts.now - at) / 2));
        if (reopenAt <= at) break;
        changeStatus('Resolved');
        at = reopenAt;
        changeStatus('In progress');
      }
    }
    const customer = weighted<string | null>(random, [
      ['Acme Telecom', 0.1],
      ['Volga Mobile', 0.05],
      [pick(random, OTHER_CUSTOMERS), 0.65],
      [null, 0.2],
    ]);
    const last = transitions[transitions.length - 1];
    out.push({
      ticket: {
        id: uuidOf(opts.seed, k),
        tenantId: opts.tenantId,
        system: opts.system,
        key,
        title: pick(random, TITLES),
        status,
        priority: weighted(random, PRIORITIES),
        category: weighted(random, CATEGORIES),
        customer,
        assignmentGroup: department,
        url: null,
        createdAt,
        updatedAt: last?.at ?? createdAt,
        resolvedAt: null,
        policyId: null,
        isOpen: true,
      },
      transitions,
    });
  }
  return out;
}

/** A UUID-shaped id unique per seed and index, without the cost of a random UUID per ticket. */
function uuidOf(seed: number, index: number): string {
  const hex = (value: number, width: number) => value.toString(16).padStart(width, '0');
  return `${hex(seed >>> 0, 8)}-0000-4000-8000-${hex(index, 12)}`;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** The ticket as an agent sends it (ISO times, full history), for the agent hub. */
export function agentTicketOf(bench: BenchTicket): AgentTicket {
  const { ticket, transitions } = bench;
  return {
    key: ticket.key,
    system: ticket.system,
    externalId: ticket.id,
    title: ticket.title,
    status: ticket.status,
    priority: ticket.priority,
    category: ticket.category,
    customer: ticket.customer,
    assignmentGroup: ticket.assignmentGroup,
    assignee: null,
    createdAt: iso(ticket.createdAt),
    updatedAt: iso(ticket.updatedAt),
    resolvedAt: null,
    url: null,
    history: transitions.map((t): TicketTransition => ({
      at: iso(t.at),
      field: t.field,
      from: t.from,
      to: t.to,
    })),
  };
}

/** Customer of the crossing run's tickets; its policy (`crossingPolicy`) matches only them. */
export const CROSSING_CUSTOMER = 'Crossing Bench Co';

/**
 * The crossing run's policy: 24x7, resolution only, no at-risk threshold, so each of its
 * tickets crosses exactly once (the breach) at an instant the benchmark chooses.
 */
export function crossingPolicy(resolutionMinutes: number) {
  return {
    id: 'bench-crossing',
    name: `Crossing bench ${resolutionMinutes} min 24x7`,
    calendarId: 'noc-24x7',
    match: { customers: [CROSSING_CUSTOMER] },
    targets: { resolutionMinutes },
    atRiskThresholds: [],
    ...STATUS_CLASSES,
  };
}

/** Offsets (ms after creation) of a crossing ticket's history; its 2-minute pause moves the breach. */
export const CROSSING_HISTORY = {
  responseMs: 1 * MINUTE_MS,
  reassignMs: 3 * MINUTE_MS,
  pauseFromMs: 4 * MINUTE_MS,
  pauseToMs: 6 * MINUTE_MS,
} as const;

/**
 * A ticket that breaches `crossingPolicy(resolutionMinutes)` at `breachAt` if nothing changes:
 * created, answered, reassigned, paused two minutes, resumed — the breach is creation + target
 * + the pause. Its last change is 6 minutes after creation.
 */
export function crossingTicket(
  system: string,
  key: string,
  breachAt: number,
  resolutionMinutes: number,
): AgentTicket {
  const h = CROSSING_HISTORY;
  const createdAt = breachAt - resolutionMinutes * MINUTE_MS - (h.pauseToMs - h.pauseFromMs);
  return {
    key,
    system,
    externalId: key,
    title: 'Crossing bench ticket',
    status: 'In progress',
    priority: 'P2',
    category: null,
    customer: CROSSING_CUSTOMER,
    assignmentGroup: 'NOC L2',
    assignee: null,
    createdAt: iso(createdAt),
    updatedAt: iso(createdAt + h.pauseToMs),
    resolvedAt: null,
    url: null,
    history: [
      { at: iso(createdAt + h.responseMs), field: 'status', from: 'New', to: 'In progress' },
      {
        at: iso(createdAt + h.reassignMs),
        field: 'assignment_group',
        from: 'NOC L1',
        to: 'NOC L2',
      },
      { at: iso(createdAt + h.pauseFromMs), field: 'status', from: 'In progress', to: 'On hold' },
      { at: iso(createdAt + h.pauseToMs), field: 'status', from: 'On hold', to: 'In progress' },
    ],
  };
}

/**
 * The crossing policy's target for a plan whose first breach is `leadMs` away and whose last is
 * `leadMs + windowMs` away: long enough that each ticket's last change (creation + 6 min) is
 * already past when it is loaded, so the ticket is loaded as it is, not with a future history.
 */
export function crossingTargetMinutes(leadMs: number, windowMs: number): number {
  return Math.max(10, Math.ceil((leadMs + windowMs) / MINUTE_MS) + 5);
}

/**
 * When the `index`-th of `count` crossings falls: evenly spread over `[start, start + windowMs)`,
 * each in the middle of its slot, on whole milliseconds (event times are whole ms).
 */
export function crossingInstant(
  start: number,
  windowMs: number,
  index: number,
  count: number,
): number {
  return start + Math.floor(((index + 0.5) * windowMs) / count);
}
