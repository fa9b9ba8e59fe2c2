import { SYSTEM_PATTERN } from './messages';
import { FieldProblem, Fields, checkString } from './shape';
import type { AgentTicket, TicketTransition } from './ticket';
import { ProtocolError } from './protocol-error';

/** Caps that keep one runaway ticket from filling a message; generous for real ticket systems. */
export const TICKET_LIMITS = {
  keyChars: 256,
  textChars: 512,
  titleChars: 10_000,
  urlChars: 2048,
  historyEntries: 10_000,
} as const;

const TRANSITION_FIELDS = ['status', 'assignment_group'] as const;

function readTransition(value: unknown, path: string): TicketTransition {
  const fields = new Fields(value, path);
  const transition: TicketTransition = {
    at: fields.time('at'),
    field: fields.oneOf('field', TRANSITION_FIELDS),
    from: fields.nullableString('from', { max: TICKET_LIMITS.textChars }),
    to: fields.nullableString('to', { max: TICKET_LIMITS.textChars }),
  };
  fields.done();
  return transition;
}

/** Reads one `AgentTicket` strictly (unknown fields refused); throws `FieldProblem` naming the field. */
export function readAgentTicket(value: unknown, path: string): AgentTicket {
  const fields = new Fields(value, path);
  const text = { max: TICKET_LIMITS.textChars };
  const ticket: AgentTicket = {
    key: fields.string('key', { max: TICKET_LIMITS.keyChars }),
    system: fields.string('system', {
      max: 64,
      pattern: SYSTEM_PATTERN,
      patternHint: 'a lower-case system name such as "jira"',
    }),
    externalId: fields.string('externalId', { max: TICKET_LIMITS.keyChars }),
    title: fields.string('title', { max: TICKET_LIMITS.titleChars, min: 0 }),
    status: fields.string('status', text),
    priority: fields.nullableString('priority', text),
    category: fields.nullableString('category', text),
    customer: fields.nullableString('customer', text),
    assignmentGroup: fields.nullableString('assignmentGroup', text),
    assignee: fields.nullableString('assignee', text),
    createdAt: fields.time('createdAt'),
    updatedAt: fields.time('updatedAt'),
    resolvedAt: fields.nullableTime('resolvedAt'),
    url: fields.nullableString('url', { max: TICKET_LIMITS.urlChars }),
    history: fields.array('history', { max: TICKET_LIMITS.historyEntries }, readTransition),
  };
  fields.done();
  return ticket;
}

/**
 * Checks a ticket an adapter produced before it goes on the wire, so one bad ticket is skipped
 * with a reason instead of getting the whole chunk refused by the server.
 */
export function checkAgentTicket(value: unknown): AgentTicket | ProtocolError {
  try {
    return readAgentTicket(value, 'ticket');
  } catch (error) {
    if (error instanceof FieldProblem) {
      return new ProtocolError(error.message, { field: error.field });
    }
    throw error;
  }
}

/** The key of something that may be a ticket, for a `skipped` entry. */
export function ticketKeyOf(value: unknown): string | null {
  if (value === null || typeof value !== 'object') return null;
  const key = (value as Record<string, unknown>).key;
  try {
    return checkString(key, 'key', { max: TICKET_LIMITS.keyChars });
  } catch {
    return null;
  }
}
