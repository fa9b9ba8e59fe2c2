import type { SlaTicketChange, SlaTicketTimeline } from '../sla';

/** One stored status or assignment-group change; `at` is epoch ms. */
export interface StoredTransition {
  at: number;
  field: 'status' | 'assignment_group';
  from: string | null;
  to: string | null;
}

/** What the timeline needs of a stored ticket. */
export interface StoredTicketHead {
  key: string;
  createdAt: number;
  status: string;
  assignmentGroup: string | null;
}

/**
 * The SLA timeline of a stored ticket, by the rule the calculator applies to agent tickets: the
 * initial status and department are the `from` of the first change of each field (its `to` when
 * a first status change comes from null: it records the creation), the current value when the
 * field never changed. `transitions` must be oldest first (the store reads them so).
 */
export function timelineOfStoredTicket(
  ticket: StoredTicketHead,
  transitions: readonly StoredTransition[],
): SlaTicketTimeline {
  let initialStatus: string | undefined;
  let initialDepartment: string | null | undefined;
  const changes: SlaTicketChange[] = [];
  for (const transition of transitions) {
    if (transition.field === 'status') {
      // Refused at ingestion; a stored one would only come from a manual edit.
      if (transition.to === null) continue;
      initialStatus ??= transition.from ?? transition.to;
    } else if (initialDepartment === undefined) {
      initialDepartment = transition.from;
    }
    changes.push({ at: transition.at, field: transition.field, to: transition.to });
  }
  return {
    key: ticket.key,
    createdAt: ticket.createdAt,
    initialStatus: initialStatus ?? ticket.status,
    initialDepartment: initialDepartment === undefined ? ticket.assignmentGroup : initialDepartment,
    changes,
  };
}
