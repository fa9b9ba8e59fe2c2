import { createHash } from 'node:crypto';
import {
  type DepartmentTime,
  type SlaClockState,
  type SlaEvaluation,
  type SlaPolicy,
  type SlaStatusClass,
  type SlaTargetKind,
  type SlaTargetStatus,
  type SlaTicketTimeline,
} from '../sla';

/** Where a target's clock is, independent of breach: counting, paused, stopped for good, cancelled. */
export type SlaPhase = 'running' | 'paused' | 'stopped' | 'cancelled';

/** The events of sla.events.v1 (SlaEventType without the prefix). */
export type SlaEventKind = 'at_risk' | 'breached' | 'paused' | 'resumed' | 'met' | 'cancelled';

/** The ticket fields events and the BI read model carry. */
export interface SlaTicketInfo {
  id: string;
  tenantId: string;
  system: string;
  key: string;
  title: string;
  priority: string | null;
  category: string | null;
  customer: string | null;
  /** Assignment group holding the ticket now. */
  department: string | null;
  url: string | null;
  createdAt: number;
}

/** What sla_state keeps about one target of one ticket (times are epoch ms). */
export interface SlaTargetRecord {
  target: SlaTargetKind;
  policyId: string;
  policyName: string;
  state: SlaClockState;
  phase: SlaPhase;
  /** Running or paused: the target can still move. */
  isOpen: boolean;
  targetMs: number;
  elapsedMs: number;
  evaluatedAt: number;
  dueAt: number | null;
  nextCrossingAt: number | null;
  nextCrossingShare: number | null;
  /** Highest threshold share crossed (1 = breached), 0 when none. */
  riskShare: number;
  /** Threshold shares already announced (or deliberately not announced): never announced again. */
  emittedShares: number[];
  breachAt: number | null;
  /** Department holding the ticket when the target was reached. */
  breachDepartment: string | null;
  /** Departments ranked by the budget they consumed before the breach. */
  breachDepartments: DepartmentTime[] | null;
  departments: DepartmentTime[];
  ticketCreatedAt: number;
  stoppedAt: number | null;
  /** Since when the clock is paused (phase paused). */
  pausedSince: number | null;
  /** For compliance: met or breached, at the instant that decided it, and the department it counts for. */
  outcome: 'met' | 'breached' | null;
  outcomeAt: number | null;
  outcomeDepartment: string | null;
  lastEventType: SlaEventKind | null;
  lastEventAt: number | null;
}

/** One event to publish, with what it says about the clock then. */
export interface SlaEventDraft {
  eventId: string;
  kind: SlaEventKind;
  target: SlaTargetKind;
  /** The threshold crossed (at_risk, breached). */
  share: number | null;
  occurredAt: number;
  policyId: string;
  policyName: string;
  targetMs: number;
  elapsedMs: number;
  dueAt: number | null;
  breachDepartment: string | null;
  departmentsByTime: DepartmentTime[];
}

export interface SlaSettlement {
  records: SlaTargetRecord[];
  events: SlaEventDraft[];
  /** Earliest next threshold crossing over the targets, for the timers; null when none will come unprompted. */
  nextCrossingAt: number | null;
}

export interface SlaSettleInput {
  ticket: SlaTicketInfo;
  timeline: SlaTicketTimeline;
  policy: SlaPolicy;
  evaluation: SlaEvaluation;
  /** The targets' records from the last settlement (empty for a ticket never evaluated). */
  previous: readonly SlaTargetRecord[];
}

/**
 * From a fresh evaluation and the last stored records to the new records and the events to
 * publish. Idempotent: settling the same evaluation against its own output yields no event.
 *
 * - A threshold (at-risk share or the breach at 1) is announced once per ticket × target ×
 *   share, ever: the shares announced are kept in `emittedShares`. Each is stamped with the
 *   instant it was crossed, however late it is noticed.
 * - A target seen for the first time announces only its present condition: the highest share
 *   crossed if it is still open, nothing if it is already over (an imported backlog must not
 *   replay years of at-risk warnings).
 * - paused / resumed / met follow the phase: running → paused, paused or stopped → running,
 *   open → stopped within the target. A breached target that stops gets no `met`.
 */
export function settleSlaTargets(input: SlaSettleInput): SlaSettlement {
  const { ticket, timeline, policy, evaluation, previous } = input;
  const records: SlaTargetRecord[] = [];
  const events: SlaEventDraft[] = [];
  let nextCrossingAt: number | null = null;
  for (const status of [evaluation.response, evaluation.resolution]) {
    if (status === null) continue;
    const before = previous.find((p) => p.target === status.kind);
    const record = recordOf(ticket, timeline, policy, evaluation.at, status, before);
    const drafts = eventsOf(ticket, timeline, policy, status, before, record);
    const last = drafts[drafts.length - 1];
    if (last !== undefined) {
      record.lastEventType = last.kind;
      record.lastEventAt = last.occurredAt;
    }
    records.push(record);
    events.push(...drafts);
    if (
      record.nextCrossingAt !== null &&
      (nextCrossingAt === null || record.nextCrossingAt < nextCrossingAt)
    ) {
      nextCrossingAt = record.nextCrossingAt;
    }
  }
  events.sort((a, b) => a.occurredAt - b.occurredAt || kindOrder(a.kind) - kindOrder(b.kind));
  return { records, events, nextCrossingAt };
}

function phaseOf(status: SlaTargetStatus): SlaPhase {
  if (status.clockRunning) return 'running';
  if (status.stoppedAt !== null) return status.state === 'cancelled' ? 'cancelled' : 'stopped';
  return 'paused';
}

function recordOf(
  ticket: SlaTicketInfo,
  timeline: SlaTicketTimeline,
  policy: SlaPolicy,
  at: number,
  status: SlaTargetStatus,
  before: SlaTargetRecord | undefined,
): SlaTargetRecord {
  const phase = phaseOf(status);
  const crossed = status.thresholds.filter((t) => t.crossed).map((t) => t.share);
  const upcoming = status.thresholds.find((t) => !t.crossed && t.at !== null && t.at > at);
  const emitted = new Set(before?.emittedShares ?? []);
  for (const share of crossed) emitted.add(share);
  const breach = status.breach;
  let outcome: SlaTargetRecord['outcome'] = null;
  let outcomeAt: number | null = null;
  let outcomeDepartment: string | null = null;
  if (status.state === 'breached' && breach !== null) {
    outcome = 'breached';
    outcomeAt = breach.at;
    outcomeDepartment = breach.department;
  } else if (status.state === 'met') {
    outcome = 'met';
    outcomeAt = status.stoppedAt;
    outcomeDepartment = ticket.department;
  }
  return {
    target: status.kind,
    policyId: policy.id,
    policyName: policy.name,
    state: status.state,
    phase,
    isOpen: phase === 'running' || phase === 'paused',
    targetMs: status.targetMs,
    elapsedMs: status.elapsedMs,
    evaluatedAt: at,
    dueAt: status.dueAt,
    nextCrossingAt: upcoming?.at ?? null,
    nextCrossingShare: upcoming?.share ?? null,
    riskShare: crossed.length > 0 ? Math.max(...crossed) : 0,
    emittedShares: [...emitted].sort((a, b) => a - b),
    breachAt: breach?.at ?? null,
    breachDepartment: breach?.department ?? null,
    breachDepartments: breach?.departmentsByTime ?? null,
    departments: status.departments,
    ticketCreatedAt: ticket.createdAt,
    stoppedAt: status.stoppedAt,
    pausedSince:
      phase === 'paused'
        ? status.kind === 'response'
          ? timeline.createdAt
          : currentRunStart(timeline, policy, at, 'paused')
        : null,
    outcome,
    outcomeAt,
    outcomeDepartment,
    lastEventType: before?.lastEventType ?? null,
    lastEventAt: before?.lastEventAt ?? null,
  };
}

function eventsOf(
  ticket: SlaTicketInfo,
  timeline: SlaTicketTimeline,
  policy: SlaPolicy,
  status: SlaTargetStatus,
  before: SlaTargetRecord | undefined,
  record: SlaTargetRecord,
): SlaEventDraft[] {
  const drafts: SlaEventDraft[] = [];
  const draft = (kind: SlaEventKind, share: number | null, occurredAt: number, elapsedMs: number) =>
    drafts.push({
      eventId: slaEventId(ticket.id, status.kind, kind, share, occurredAt),
      kind,
      target: status.kind,
      share,
      occurredAt,
      policyId: policy.id,
      policyName: policy.name,
      targetMs: status.targetMs,
      elapsedMs,
      dueAt: status.dueAt,
      breachDepartment: kind === 'breached' ? (status.breach?.department ?? null) : null,
      departmentsByTime:
        kind === 'breached' ? (status.breach?.departmentsByTime ?? []) : status.departments,
    });
  const crossed = status.thresholds.filter((t) => t.crossed && t.at !== null);
  const budgetOf = (share: number) => Math.ceil(share * status.targetMs);
  if (before === undefined) {
    // First sight: only the present condition of a target that is still open.
    const highest = crossed[crossed.length - 1];
    if (record.isOpen && highest !== undefined) {
      draft(
        highest.share >= 1 ? 'breached' : 'at_risk',
        highest.share,
        highest.at as number,
        budgetOf(highest.share),
      );
    }
    return drafts;
  }
  const announced = new Set(before.emittedShares);
  for (const threshold of crossed) {
    if (announced.has(threshold.share)) continue;
    draft(
      threshold.share >= 1 ? 'breached' : 'at_risk',
      threshold.share,
      threshold.at as number,
      budgetOf(threshold.share),
    );
  }
  const from = before.phase;
  const to = record.phase;
  if (to === 'paused' && (from !== 'paused' || before.pausedSince !== record.pausedSince)) {
    draft('paused', null, record.pausedSince ?? record.evaluatedAt, status.elapsedMs);
  } else if (to === 'running' && from !== 'running') {
    const since =
      status.kind === 'resolution'
        ? currentRunStart(timeline, policy, record.evaluatedAt, 'active')
        : record.evaluatedAt;
    draft('resumed', null, since, status.elapsedMs);
  } else if (to === 'stopped' && from !== 'stopped' && status.state === 'met') {
    draft('met', null, status.stoppedAt ?? record.evaluatedAt, status.elapsedMs);
  } else if (to === 'cancelled' && from !== 'cancelled') {
    draft('cancelled', null, status.stoppedAt ?? record.evaluatedAt, status.elapsedMs);
  }
  return drafts;
}

/**
 * Start of the run of statuses of class `cls` the ticket is in at `at` (On hold → Awaiting
 * vendor is one pause), or `at` itself when the ticket is not in that class.
 */
export function currentRunStart(
  timeline: SlaTicketTimeline,
  policy: SlaPolicy,
  at: number,
  cls: SlaStatusClass,
): number {
  let current = policy.statusClassOf(timeline.initialStatus);
  let runStart = timeline.createdAt;
  for (const change of timeline.changes) {
    if (change.at > at) break;
    if (change.field !== 'status' || change.to === null) continue;
    const next = policy.statusClassOf(change.to);
    if (next !== current) {
      current = next;
      runStart = Math.max(change.at, timeline.createdAt);
    }
  }
  return current === cls ? runStart : at;
}

function kindOrder(kind: SlaEventKind): number {
  return ['resumed', 'at_risk', 'breached', 'paused', 'met', 'cancelled'].indexOf(kind);
}

/**
 * A stable event id (UUID layout) for one event of one ticket: re-deriving the same event after
 * a crash gives the same id, so consumers' inboxes drop the duplicate.
 */
export function slaEventId(
  ticketId: string,
  target: SlaTargetKind,
  kind: SlaEventKind,
  share: number | null,
  occurredAt: number,
): string {
  const hex = createHash('sha256')
    .update(`${ticketId}|${target}|${kind}|${share ?? ''}|${occurredAt}`)
    .digest('hex');
  // Version 5 and RFC 4122 variant bits, as a name-based UUID would carry.
  const variant = ((parseInt(hex[16], 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** Whether a ticket counts as open for this policy: its current status neither stops nor cancels. */
export function isOpenStatus(policy: SlaPolicy, status: string): boolean {
  const cls = policy.statusClassOf(status);
  return cls === 'active' || cls === 'paused';
}
