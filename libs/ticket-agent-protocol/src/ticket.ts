/**
 * A trouble ticket as a ticket-system adapter reads it and as the agent sends it to
 * ticket-sla: the ticket's current fields plus the full history of the two things the SLA
 * engine needs to replay, status and assignment group (the seed's "work of each department").
 * Times are ISO-8601 strings with an offset (JSON on the wire).
 */
export interface TicketTransition {
  /** When the change happened in the ticket system. */
  at: string;
  field: 'status' | 'assignment_group';
  from: string | null;
  to: string | null;
}

export interface AgentTicket {
  /** Key shown to people in the ticket system: "NOC-1234", "INC0010001". */
  key: string;
  /** Adapter that read it: "jira", "servicenow", "rest". */
  system: string;
  /** Stable id in the ticket system (Jira issue id, ServiceNow sys_id). */
  externalId: string;
  title: string;
  status: string;
  priority: string | null;
  category: string | null;
  customer: string | null;
  /** Department / assignment group holding the ticket now. */
  assignmentGroup: string | null;
  assignee: string | null;
  createdAt: string;
  updatedAt: string;
  resolvedAt: string | null;
  url: string | null;
  /** Every status and assignment-group change, oldest first. */
  history: TicketTransition[];
}
