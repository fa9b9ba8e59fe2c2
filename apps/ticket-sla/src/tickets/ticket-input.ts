import { createHash } from 'node:crypto';
import type { AgentTicket } from '@telcomesh/ticket-agent-protocol';
import { timelineFromAgentTicket } from '../sla';
import type { StoredTransition } from './stored-timeline';

/** Where a ticket version came from. */
export type TicketSource = 'agent' | 'itsm';

/** A ticket version to store: current fields, and its history when the source has one. */
export interface TicketInput {
  tenantId: string;
  system: string;
  key: string;
  externalId: string | null;
  title: string;
  status: string;
  priority: string | null;
  category: string | null;
  customer: string | null;
  assignmentGroup: string | null;
  assignee: string | null;
  url: string | null;
  createdAt: number;
  updatedAt: number;
  resolvedAt: number | null;
  source: TicketSource;
  /**
   * Every status and group change, oldest first (agents send it). Null when the source only knows
   * the current state (itsm.tickets.v1): a change is then recorded when the stored value differs.
   */
  history: StoredTransition[] | null;
}

/** A ticket refused at intake, and why (kept with the agent result). */
export interface RejectedTicket {
  key: string;
  reason: string;
}

/**
 * An agent's ticket as a store input, or the reason it is refused: a ticket of another system
 * than the agent serves, or one whose history the SLA clock cannot replay (unreadable time, a
 * status change to nothing, changes out of order). The reason names the ticket and the entry.
 */
export function ticketInputOfAgent(
  ticket: AgentTicket,
  agentSystem: string,
  tenantId: string,
): TicketInput | RejectedTicket {
  if (ticket.system !== agentSystem) {
    return {
      key: ticket.key,
      reason: `ticket ${ticket.key}: system "${ticket.system}" is not the agent's system "${agentSystem}"`,
    };
  }
  let createdAt: number;
  let history: StoredTransition[];
  try {
    const timeline = timelineFromAgentTicket(ticket);
    createdAt = timeline.createdAt;
    history = ticket.history.map((h, index) => ({
      at: timeline.changes[index].at,
      field: h.field,
      from: h.from,
      to: h.to,
    }));
  } catch (error) {
    return { key: ticket.key, reason: error instanceof Error ? error.message : String(error) };
  }
  const updatedAt = Date.parse(ticket.updatedAt);
  const resolvedAt = ticket.resolvedAt === null ? null : Date.parse(ticket.resolvedAt);
  if (Number.isNaN(updatedAt) || (resolvedAt !== null && Number.isNaN(resolvedAt))) {
    return {
      key: ticket.key,
      reason: `ticket ${ticket.key}: updatedAt or resolvedAt is not a readable time`,
    };
  }
  return {
    tenantId,
    system: ticket.system,
    key: ticket.key,
    externalId: ticket.externalId,
    title: ticket.title,
    status: ticket.status,
    priority: ticket.priority,
    category: ticket.category,
    customer: ticket.customer,
    assignmentGroup: ticket.assignmentGroup,
    assignee: ticket.assignee,
    url: ticket.url,
    createdAt,
    updatedAt,
    resolvedAt,
    source: 'agent',
    history,
  };
}

/** Transitions of a ticket that only reports its current state: what differs from the stored one. */
export function transitionsBetween(
  stored: { status: string; assignmentGroup: string | null; updatedAt: number },
  next: TicketInput,
): StoredTransition[] {
  if (next.updatedAt < stored.updatedAt) return [];
  const out: StoredTransition[] = [];
  if (next.assignmentGroup !== stored.assignmentGroup) {
    out.push({
      at: next.updatedAt,
      field: 'assignment_group',
      from: stored.assignmentGroup,
      to: next.assignmentGroup,
    });
  }
  if (next.status !== stored.status) {
    out.push({ at: next.updatedAt, field: 'status', from: stored.status, to: next.status });
  }
  return out;
}

/**
 * Identity of one transition within its ticket: the same change reported again (the next poll,
 * a resent result) maps to the same key and is stored once.
 */
export function transitionKeyOf(transition: StoredTransition): string {
  const nul = '\u0000';
  return createHash('sha256')
    .update(
      [transition.field, String(transition.at), transition.from ?? nul, transition.to ?? nul].join(
        '\u0001',
      ),
    )
    .digest('hex')
    .slice(0, 32);
}
