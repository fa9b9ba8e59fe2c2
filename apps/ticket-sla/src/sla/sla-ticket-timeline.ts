import type { AgentTicket } from '@telcomesh/ticket-agent-protocol';
import { parseCalendarDate } from './business-calendar.definition';
import { SlaInputError } from './sla-errors';

/** One change of the ticket the SLA clock replays; `at` is epoch ms. */
export interface SlaTicketChange {
  at: number;
  field: 'status' | 'assignment_group';
  /** New status (never null for `status`) or new department (null: unassigned). */
  to: string | null;
}

/**
 * What the SLA clock needs of a ticket: how it started and every status and department change,
 * oldest first. Epoch ms, so replaying does not parse dates.
 */
export interface SlaTicketTimeline {
  /** Ticket key, used in error messages only. */
  key: string;
  createdAt: number;
  initialStatus: string;
  initialDepartment: string | null;
  changes: readonly SlaTicketChange[];
}

/** ISO-8601 instant with an explicit offset; one without is ambiguous (whose local time?). */
const INSTANT_PATTERN =
  /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})$/i;

function parseInstant(text: unknown, where: string): number {
  if (typeof text !== 'string' || !INSTANT_PATTERN.test(text)) {
    throw new SlaInputError(
      `${where}: ${JSON.stringify(text)} is not an ISO-8601 instant with an offset`,
    );
  }
  const ms = Date.parse(text);
  // Date.parse rolls 2025-02-30 over to March instead of refusing it.
  if (Number.isNaN(ms) || parseCalendarDate(text.slice(0, 10)) === null) {
    throw new SlaInputError(`${where}: ${JSON.stringify(text)} is not a real date`);
  }
  return ms;
}

/**
 * The timeline of a ticket as the agent sends it. The initial status and department are the
 * `from` of the first change of each field (the current value when the field never changed; the
 * target when the first status change comes from null, i.e. records the creation).
 * Throws SlaInputError naming the ticket and the history entry when a time is unreadable, a
 * status change has no target or the history goes back in time.
 */
export function timelineFromAgentTicket(ticket: AgentTicket): SlaTicketTimeline {
  const where = `ticket ${ticket.key}`;
  const createdAt = parseInstant(ticket.createdAt, `${where}: createdAt`);
  const changes: SlaTicketChange[] = [];
  let initialStatus: string | undefined;
  let initialDepartment: string | null | undefined;
  ticket.history.forEach((transition, index) => {
    const at = parseInstant(transition.at, `${where}: history[${index}].at`);
    if (transition.field === 'status') {
      if (transition.to === null) {
        throw new SlaInputError(
          `${where}: history[${index}].to: a status change needs a new status`,
        );
      }
      // A first change from null is the creation itself: its target is the initial status.
      if (initialStatus === undefined) initialStatus = transition.from ?? transition.to;
    } else if (transition.field === 'assignment_group') {
      if (initialDepartment === undefined) initialDepartment = transition.from;
    } else {
      throw new SlaInputError(
        `${where}: history[${index}].field: ${JSON.stringify(transition.field)} is neither status nor assignment_group`,
      );
    }
    changes.push({ at, field: transition.field, to: transition.to });
  });
  const timeline: SlaTicketTimeline = {
    key: ticket.key,
    createdAt,
    initialStatus: initialStatus ?? ticket.status,
    initialDepartment: initialDepartment === undefined ? ticket.assignmentGroup : initialDepartment,
    changes,
  };
  checkTimeline(timeline);
  return timeline;
}

/** Throws SlaInputError when times are not finite or the changes go back in time. */
export function checkTimeline(timeline: SlaTicketTimeline): void {
  const where = `ticket ${timeline.key}`;
  if (!Number.isFinite(timeline.createdAt)) {
    throw new SlaInputError(`${where}: createdAt is not a finite epoch ms`);
  }
  let previous = -Infinity;
  timeline.changes.forEach((change, index) => {
    if (!Number.isFinite(change.at)) {
      throw new SlaInputError(`${where}: history[${index}].at is not a finite epoch ms`);
    }
    if (change.at < previous) {
      throw new SlaInputError(
        `${where}: history[${index}].at (${new Date(change.at).toISOString()}) is before the previous change ` +
          `(${new Date(previous).toISOString()}); history must be oldest first`,
      );
    }
    if (change.field === 'status' && change.to === null) {
      throw new SlaInputError(`${where}: history[${index}].to: a status change needs a new status`);
    }
    previous = change.at;
  });
}
