import type { BusinessCalendar } from './business-calendar';
import {
  normaliseTicketValue,
  type SlaPolicy,
  type SlaStatusClass,
  type SlaTargetKind,
} from './sla-policy';
import { SlaInputError } from './sla-errors';
import { checkTimeline, type SlaTicketTimeline } from './sla-ticket-timeline';

/**
 * State of one target at the evaluation instant:
 * - `running`: counting, target not reached;
 * - `paused`: in a pause status, target not reached;
 * - `breached`: the target was reached while the ticket was open (running, paused or stopped
 *   since; only a cancel status overrides it);
 * - `met`: stopped (resolved / responded) before the target was reached;
 * - `cancelled`: closed in a cancel status (no resolution), breached or not.
 */
export type SlaClockState = 'running' | 'paused' | 'met' | 'breached' | 'cancelled';

/** Business time one department (assignment group; null = unassigned) consumed. */
export interface DepartmentTime {
  department: string | null;
  businessMs: number;
}

export interface SlaThresholdCrossing {
  /** Share of the target (1 = breach). */
  share: number;
  /**
   * When elapsed reaches `share` of the target: in the past when crossed, in the future when
   * the clock runs and nothing changes, null when it will not be reached without a change.
   */
  at: number | null;
  crossed: boolean;
}

export interface SlaBreach {
  /** The instant the target was reached (= dueAt). */
  at: number;
  /** Department holding the ticket when the last ms of the budget was used. */
  department: string | null;
  /** Departments ranked by the budget they consumed before the breach (sums to the target). */
  departmentsByTime: DepartmentTime[];
}

export interface SlaTargetStatus {
  kind: SlaTargetKind;
  targetMs: number;
  /** Business ms counted so far (paused, stopped and non-working time excluded). */
  elapsedMs: number;
  remainingMs: number;
  overdueMs: number;
  state: SlaClockState;
  /** Whether the clock counts right now (also when breached and still open). */
  clockRunning: boolean;
  /** When the target is (or was) reached: past when breached, future when running, else null. */
  dueAt: number | null;
  /** Since when the clock is stopped for good, for met / breached-and-stopped / cancelled. */
  stoppedAt: number | null;
  /** At-risk thresholds then the breach, ascending. */
  thresholds: SlaThresholdCrossing[];
  /** Departments ranked by consumed business time (sums to elapsedMs). */
  departments: DepartmentTime[];
  breach: SlaBreach | null;
}

export interface SlaEvaluation {
  ticketKey: string;
  policyId: string;
  /** The evaluation instant (`now`, or the creation when `now` is earlier). */
  at: number;
  response: SlaTargetStatus | null;
  resolution: SlaTargetStatus | null;
}

export interface SlaNextCrossing {
  kind: SlaTargetKind;
  share: number;
  at: number;
}

/**
 * The SLA clock of one ticket under one policy: replays its timeline and reports each target.
 *
 * Resolution counts business time while the status is active (not a pause, stop or cancel
 * status); it is met or breached while the ticket is in a stop status and resumes when the
 * ticket is reopened. Response counts from creation until the status first differs from the
 * initial one (or is a stop/cancel status); department reassignments alone are not a response.
 * Changes later than `now` are ignored, so a clock can be evaluated at any past instant.
 * Pure and synchronous; build one per ticket version and call `evaluate` as often as needed.
 */
export class SlaClock {
  private readonly calendar: BusinessCalendar;
  /** Segment i runs from segmentStart[i] to segmentStart[i + 1] (or on). */
  private readonly segmentStart: number[] = [];
  private readonly segmentClass: SlaStatusClass[] = [];
  private readonly segmentDepartment: (string | null)[] = [];
  private readonly responseEnd: number;
  private readonly responseOutcome: SlaStatusClass;
  private readonly initialClass: SlaStatusClass;

  constructor(
    readonly policy: SlaPolicy,
    private readonly timeline: SlaTicketTimeline,
  ) {
    checkTimeline(timeline);
    this.calendar = policy.calendar;
    const createdAt = timeline.createdAt;
    const initialStatus = normaliseTicketValue(timeline.initialStatus);
    this.initialClass = policy.statusClassOf(timeline.initialStatus);
    let statusClass = this.initialClass;
    let department = timeline.initialDepartment;
    let responseEnd = Infinity;
    let responseOutcome: SlaStatusClass = this.initialClass;
    if (this.initialClass === 'stopped' || this.initialClass === 'cancelled')
      responseEnd = createdAt;
    this.pushSegment(createdAt, statusClass, department);
    for (const change of timeline.changes) {
      // A change stamped before the creation (clock skew between systems) applies from it.
      const at = Math.max(change.at, createdAt);
      if (change.field === 'status') {
        const status = change.to as string;
        statusClass = this.policy.statusClassOf(status);
        if (
          responseEnd === Infinity &&
          (normaliseTicketValue(status) !== initialStatus ||
            statusClass === 'stopped' ||
            statusClass === 'cancelled')
        ) {
          responseEnd = at;
          responseOutcome = statusClass;
        }
      } else {
        department = change.to;
      }
      this.pushSegment(at, statusClass, department);
    }
    this.responseEnd = responseEnd;
    this.responseOutcome = responseOutcome;
  }

  /** Both targets of the policy (null where the policy has none) at `now`. */
  evaluate(now: number): SlaEvaluation {
    if (!Number.isFinite(now)) {
      throw new SlaInputError(
        `ticket ${this.timeline.key}: evaluation instant is not a finite epoch ms`,
      );
    }
    const at = Math.max(now, this.timeline.createdAt);
    return {
      ticketKey: this.timeline.key,
      policyId: this.policy.id,
      at,
      response: this.evaluateTarget('response', at),
      resolution: this.evaluateTarget('resolution', at),
    };
  }

  /** The first threshold crossing after `now` if nothing changes, for the server's timers. */
  nextCrossing(now: number): SlaNextCrossing | null {
    return nextCrossingOf(this.evaluate(now));
  }

  private pushSegment(at: number, statusClass: SlaStatusClass, department: string | null): void {
    const last = this.segmentStart.length - 1;
    if (last >= 0 && this.segmentStart[last] === at) {
      // Several changes at one instant: only the outcome matters.
      this.segmentClass[last] = statusClass;
      this.segmentDepartment[last] = department;
      return;
    }
    this.segmentStart.push(at);
    this.segmentClass.push(statusClass);
    this.segmentDepartment.push(department);
  }

  private evaluateTarget(kind: SlaTargetKind, now: number): SlaTargetStatus | null {
    const targetMs = this.policy.targetMs(kind);
    const budgets = this.policy.budgetsOf(kind);
    if (targetMs === null || budgets === null) return null;
    const calendar = this.calendar;
    const thresholds = this.policy.thresholds;
    const isResponse = kind === 'response';
    const end = isResponse ? Math.min(now, this.responseEnd) : now;
    const crossingAt: (number | null)[] = new Array<number | null>(budgets.length).fill(null);
    // A ticket passes few departments: parallel arrays beat a Map here and allocate less.
    const departmentNames: (string | null)[] = [];
    const departmentTimes: number[] = [];
    let next = 0;
    let elapsed = 0;
    let breach: SlaBreach | null = null;
    const starts = this.segmentStart;
    const count = starts.length;
    // Cumulative business time at `cumulativeAt`, reused when the next segment starts there.
    let cumulativeAt = NaN;
    let cumulative = 0;
    let lastClass = this.segmentClass[0];
    for (let i = 0; i < count && starts[i] <= end; i += 1) {
      lastClass = this.segmentClass[i];
      const from = starts[i];
      const to = i + 1 < count && starts[i + 1] < end ? starts[i + 1] : end;
      const counting = isResponse ? this.initialClass === 'active' : lastClass === 'active';
      if (!counting || to <= from) continue;
      const cumulativeFrom =
        cumulativeAt === from ? cumulative : calendar.cumulativeBusinessMillis(from);
      cumulative = calendar.cumulativeBusinessMillis(to);
      cumulativeAt = to;
      const consumed = cumulative - cumulativeFrom;
      if (consumed === 0) continue;
      const department = this.segmentDepartment[i];
      while (next < budgets.length && elapsed + consumed >= budgets[next]) {
        crossingAt[next] = calendar.instantAtCumulative(
          cumulativeFrom + budgets[next] - elapsed,
          from,
        );
        if (next === budgets.length - 1) {
          breach = {
            at: crossingAt[next] as number,
            department,
            departmentsByTime: rank(
              departmentNames,
              departmentTimes,
              department,
              budgets[next] - elapsed,
            ),
          };
        }
        next += 1;
      }
      elapsed += consumed;
      const index = departmentNames.indexOf(department);
      if (index >= 0) departmentTimes[index] += consumed;
      else {
        departmentNames.push(department);
        departmentTimes.push(consumed);
      }
    }

    let currentClass: SlaStatusClass;
    let stoppedAt: number | null = null;
    if (isResponse) {
      const responded = this.responseEnd <= now;
      currentClass = responded ? this.responseOutcome : this.initialClass;
      // Any status change is the response; only a cancel status makes it "no response".
      if (responded && currentClass !== 'cancelled') currentClass = 'stopped';
      if (responded) stoppedAt = this.responseEnd;
    } else {
      currentClass = lastClass;
      if (currentClass === 'stopped' || currentClass === 'cancelled')
        stoppedAt = this.stopRunStart(now);
    }
    const clockRunning = currentClass === 'active';
    if (clockRunning && next < budgets.length) {
      const cumulativeNow =
        cumulativeAt === now ? cumulative : calendar.cumulativeBusinessMillis(now);
      for (let j = next; j < budgets.length; j += 1) {
        crossingAt[j] = calendar.instantAtCumulative(cumulativeNow + budgets[j] - elapsed, now);
      }
    }
    const breached = breach !== null;
    let state: SlaClockState;
    switch (currentClass) {
      case 'cancelled':
        state = 'cancelled';
        break;
      case 'stopped':
        state = breached ? 'breached' : 'met';
        break;
      case 'paused':
        state = breached ? 'breached' : 'paused';
        break;
      case 'active':
        state = breached ? 'breached' : 'running';
        break;
    }
    return {
      kind,
      targetMs,
      elapsedMs: elapsed,
      remainingMs: Math.max(0, targetMs - elapsed),
      overdueMs: Math.max(0, elapsed - targetMs),
      state,
      clockRunning,
      dueAt: crossingAt[crossingAt.length - 1],
      stoppedAt,
      thresholds: thresholds.map((share, j) => {
        const at = crossingAt[j];
        return { share, at, crossed: at !== null && at <= now };
      }),
      departments: rank(departmentNames, departmentTimes, null, 0),
      breach,
    };
  }

  /** Start of the run of stop/cancel segments the ticket is in at `now` (Resolved then Closed). */
  private stopRunStart(now: number): number {
    let i = this.segmentStart.length - 1;
    while (i > 0 && this.segmentStart[i] > now) i -= 1;
    while (i > 0 && this.segmentClass[i - 1] !== 'active' && this.segmentClass[i - 1] !== 'paused')
      i -= 1;
    return this.segmentStart[i];
  }
}

/** The first threshold crossing after the evaluation instant, from an evaluation already made. */
export function nextCrossingOf(evaluation: SlaEvaluation): SlaNextCrossing | null {
  let next: SlaNextCrossing | null = null;
  for (const status of [evaluation.response, evaluation.resolution]) {
    if (status === null) continue;
    for (const threshold of status.thresholds) {
      const at = threshold.at;
      if (at !== null && at > evaluation.at && (next === null || at < next.at)) {
        next = { kind: status.kind, share: threshold.share, at };
      }
    }
  }
  return next;
}

/** Departments by consumed time, most first (ties by name); `extra` ms added to `extraTo`. */
function rank(
  names: readonly (string | null)[],
  times: readonly number[],
  extraTo: string | null,
  extra: number,
): DepartmentTime[] {
  const out: DepartmentTime[] = [];
  let added = extra === 0;
  for (let k = 0; k < names.length; k += 1) {
    const department = names[k];
    const onTop = !added && department === extraTo ? extra : 0;
    if (onTop !== 0) added = true;
    out.push({ department, businessMs: times[k] + onTop });
  }
  if (!added) out.push({ department: extraTo, businessMs: extra });
  return out.sort(
    (a, b) => b.businessMs - a.businessMs || compareDepartments(a.department, b.department),
  );
}

/** By name, unassigned last. */
function compareDepartments(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  return a < b ? -1 : 1;
}
