import {
  ceSourceOf,
  create,
  durationFromMs,
  encode,
  SlaEventType,
  timestampFromMs,
  Topics,
  type SlaEvent,
} from '@telcomesh/contracts';
import { envelopeHeaders, type OutboundRecord } from '@telcomesh/messaging';
import type { DepartmentTime } from '../sla';
import type { SlaEventDraft, SlaEventKind, SlaTicketInfo } from './sla-outcome';

const TYPES: Record<SlaEventKind, SlaEventType> = {
  at_risk: SlaEventType.AT_RISK,
  breached: SlaEventType.BREACHED,
  paused: SlaEventType.PAUSED,
  resumed: SlaEventType.RESUMED,
  met: SlaEventType.MET,
  cancelled: SlaEventType.CANCELLED,
};

/** Departments kept in an event's metadata. */
const DEPARTMENTS_IN_EVENT = 5;

/** `NOC=4200000;Field=1800000`: departments and the business ms they consumed, most first. */
export function departmentsText(departments: readonly DepartmentTime[]): string {
  return departments
    .slice(0, DEPARTMENTS_IN_EVENT)
    .map((d) => `${(d.department ?? '(unassigned)').replace(/[=;]/g, '_')}=${d.businessMs}`)
    .join(';');
}

/** The sla.events.v1 message of one event. */
export function slaEventOf(ticket: SlaTicketInfo, draft: SlaEventDraft): SlaEvent {
  const metadata: Record<string, string> = {
    target: draft.target,
    policy_id: draft.policyId,
  };
  if (draft.share !== null) metadata.threshold = String(draft.share);
  if (ticket.customer !== null) metadata.customer = ticket.customer;
  if (ticket.category !== null) metadata.category = ticket.category;
  if (draft.departmentsByTime.length > 0) {
    metadata.departments_by_time = departmentsText(draft.departmentsByTime);
  }
  // The proto's breach_department is the department that held the ticket longest (the ranking's
  // first); the one holding it when the target was reached goes beside it.
  const longest = draft.departmentsByTime[0]?.department ?? null;
  if (draft.kind === 'breached') metadata.holding_department = draft.breachDepartment ?? '';
  return create(Topics.SlaEvents, {
    eventId: draft.eventId,
    ticketId: ticket.id,
    tenantId: ticket.tenantId,
    ticketKey: ticket.key,
    ticketSystem: ticket.system,
    title: ticket.title,
    priority: ticket.priority ?? '',
    department: ticket.department ?? '',
    url: ticket.url ?? '',
    type: TYPES[draft.kind],
    slaName: draft.policyName,
    target: durationFromMs(draft.targetMs),
    elapsed: durationFromMs(draft.elapsedMs),
    ...(draft.dueAt === null ? {} : { dueAt: timestampFromMs(draft.dueAt) }),
    breachDepartment: draft.kind === 'breached' ? (longest ?? draft.breachDepartment ?? '') : '',
    occurredAt: timestampFromMs(draft.occurredAt),
    metadata,
  });
}

/** The outbox record: keyed by ticket, with the event's own id as `ce_id` (consumers dedupe on it). */
export function slaEventRecord(ticket: SlaTicketInfo, draft: SlaEventDraft): OutboundRecord {
  const event = slaEventOf(ticket, draft);
  return {
    topic: Topics.SlaEvents.name,
    key: ticket.id,
    value: encode(Topics.SlaEvents, event),
    headers: envelopeHeaders(Topics.SlaEvents, {
      source: ceSourceOf('ticket-sla'),
      tenant: ticket.tenantId || undefined,
      id: draft.eventId,
      time: new Date(draft.occurredAt),
    }),
  };
}
