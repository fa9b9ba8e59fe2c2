import type { AgentTicket } from '@telcomesh/ticket-agent-protocol';

/** What a task asks a ticket system for: a saved filter, a native query (JQL, encoded query), or both. */
export interface TicketQuery {
  filterId?: string;
  query?: string;
  updatedSince?: string;
}

/**
 * One ticket system the agent can read (Jira, ServiceNow, a generic REST API). Implementations
 * live in `./adapters`; the runtime only sees this interface.
 */
export interface TicketSystemAdapter {
  readonly system: string;
  /** Pages of matching tickets; stops early when `signal` aborts. */
  search(query: TicketQuery, signal: AbortSignal): AsyncIterable<AgentTicket[]>;
  fetch(keys: string[], signal: AbortSignal): Promise<AgentTicket[]>;
  /** Throws when the ticket system is unreachable or refuses the credentials. */
  check(): Promise<void>;
}
