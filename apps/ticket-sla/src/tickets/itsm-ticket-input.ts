import {
  TicketPriority,
  TicketStatus,
  timestampMs,
  type ItsmTicket,
  type Timestamp,
} from '@telcomesh/contracts';
import type { TicketInput } from './ticket-input';

/** A ticket from itsm.tickets.v1 that cannot be stored; the message says which and why. */
export class ItsmTicketError extends Error {
  override name = 'ItsmTicketError';
}

const STATUS_NAMES: Record<TicketStatus, string | null> = {
  [TicketStatus.UNSPECIFIED]: null,
  [TicketStatus.NEW]: 'New',
  [TicketStatus.IN_PROGRESS]: 'In Progress',
  [TicketStatus.ON_HOLD]: 'On Hold',
  [TicketStatus.RESOLVED]: 'Resolved',
  [TicketStatus.CLOSED]: 'Closed',
  [TicketStatus.CANCELED]: 'Canceled',
};

/** ITIL priorities as SLA policies name them ("P1"...); the proto's enum keeps the meaning. */
const PRIORITY_NAMES: Record<TicketPriority, string | null> = {
  [TicketPriority.UNSPECIFIED]: null,
  [TicketPriority.P1_CRITICAL]: 'P1',
  [TicketPriority.P2_HIGH]: 'P2',
  [TicketPriority.P3_MODERATE]: 'P3',
  [TicketPriority.P4_LOW]: 'P4',
  [TicketPriority.P5_PLANNING]: 'P5',
};

const text = (value: string): string | null => (value.trim() === '' ? null : value);
const millis = (value: Timestamp | undefined): number | null =>
  value === undefined ? null : timestampMs(value);

/**
 * An ItsmTicket (full current state from the ingestor) as a store input. It has no history: the
 * store records a status or group change when the value differs from the stored one, at
 * `updated_at`. The status is the source's own wording (`source_status`) when there is one, so
 * policies list the statuses people see; priorities become "P1".."P5"; the customer and the link
 * come from `metadata.customer` / `metadata.company` and `metadata.url` when the connector fills them.
 */
export function ticketInputOfItsm(
  ticket: ItsmTicket,
  system: string,
  defaultTenant: string,
): TicketInput {
  const key = text(ticket.number) ?? text(ticket.sysId);
  if (key === null) throw new ItsmTicketError('itsm ticket: both number and sys_id are empty');
  const where = `itsm ticket ${key} (sys_id ${ticket.sysId || '-'})`;
  const createdAt = millis(ticket.openedAt);
  if (createdAt === null) throw new ItsmTicketError(`${where}: opened_at is missing`);
  const status = text(ticket.sourceStatus) ?? STATUS_NAMES[ticket.status];
  if (status === null)
    throw new ItsmTicketError(`${where}: neither source_status nor status is set`);
  const updatedAt = millis(ticket.updatedAt) ?? createdAt;
  return {
    tenantId: text(ticket.tenantId) ?? defaultTenant,
    system,
    key,
    externalId: text(ticket.sysId),
    title: ticket.title,
    status,
    priority: PRIORITY_NAMES[ticket.priority] ?? null,
    category: text(ticket.category),
    customer: text(ticket.metadata.customer ?? '') ?? text(ticket.metadata.company ?? ''),
    assignmentGroup: text(ticket.assignmentGroup),
    assignee: text(ticket.assignedTo),
    url: text(ticket.metadata.url ?? ''),
    createdAt,
    updatedAt,
    resolvedAt: millis(ticket.resolvedAt) ?? millis(ticket.closedAt),
    source: 'itsm',
    history: null,
  };
}
