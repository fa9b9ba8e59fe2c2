import { TicketPriority, TicketSeverity, TicketStatus, TicketType } from '@telcomesh/contracts';

/** Source wording → normalised status: ServiceNow state labels of every table, and common words. */
const STATUS_LABEL: Record<string, TicketStatus> = {
  new: TicketStatus.NEW,
  open: TicketStatus.NEW,
  'in progress': TicketStatus.IN_PROGRESS,
  in_progress: TicketStatus.IN_PROGRESS,
  active: TicketStatus.IN_PROGRESS,
  'work in progress': TicketStatus.IN_PROGRESS,
  assigned: TicketStatus.IN_PROGRESS,
  // change_request
  assess: TicketStatus.IN_PROGRESS,
  authorize: TicketStatus.IN_PROGRESS,
  scheduled: TicketStatus.IN_PROGRESS,
  implement: TicketStatus.IN_PROGRESS,
  review: TicketStatus.RESOLVED,
  // problem
  'root cause analysis': TicketStatus.IN_PROGRESS,
  'fix in progress': TicketStatus.IN_PROGRESS,
  'known error': TicketStatus.IN_PROGRESS,
  'pending change': TicketStatus.IN_PROGRESS,
  'closed/resolved': TicketStatus.CLOSED,
  'on hold': TicketStatus.ON_HOLD,
  on_hold: TicketStatus.ON_HOLD,
  pending: TicketStatus.ON_HOLD,
  'awaiting vendor': TicketStatus.ON_HOLD,
  'awaiting customer': TicketStatus.ON_HOLD,
  resolved: TicketStatus.RESOLVED,
  closed: TicketStatus.CLOSED,
  'closed complete': TicketStatus.CLOSED,
  canceled: TicketStatus.CANCELED,
  cancelled: TicketStatus.CANCELED,
  'closed incomplete': TicketStatus.CANCELED,
  'closed skipped': TicketStatus.CANCELED,
};

const INCIDENT_STATES: Record<string, TicketStatus> = {
  '1': TicketStatus.NEW,
  '2': TicketStatus.IN_PROGRESS,
  '3': TicketStatus.ON_HOLD,
  '6': TicketStatus.RESOLVED,
  '7': TicketStatus.CLOSED,
  '8': TicketStatus.CANCELED,
};
const REQUEST_STATES: Record<string, TicketStatus> = {
  '-5': TicketStatus.ON_HOLD,
  '1': TicketStatus.NEW,
  '2': TicketStatus.IN_PROGRESS,
  '3': TicketStatus.CLOSED,
  '4': TicketStatus.CANCELED,
  '7': TicketStatus.CANCELED,
};

/**
 * ServiceNow state numbers by table: the same number means different things per table (3 is On
 * Hold for an incident, Closed for a change, Closed Complete for a request). Tables not listed
 * (generic REST tickets) read the incident numbers.
 */
const STATE_NUMBERS: Record<string, Record<string, TicketStatus>> = {
  incident: INCIDENT_STATES,
  change_request: {
    '-5': TicketStatus.NEW,
    '-4': TicketStatus.IN_PROGRESS,
    '-3': TicketStatus.IN_PROGRESS,
    '-2': TicketStatus.IN_PROGRESS,
    '-1': TicketStatus.IN_PROGRESS,
    '0': TicketStatus.RESOLVED,
    '3': TicketStatus.CLOSED,
    '4': TicketStatus.CANCELED,
  },
  problem: {
    '101': TicketStatus.NEW,
    '102': TicketStatus.IN_PROGRESS,
    '103': TicketStatus.IN_PROGRESS,
    '104': TicketStatus.IN_PROGRESS,
    '106': TicketStatus.RESOLVED,
    '107': TicketStatus.CLOSED,
    // Before the Madrid release: Open, Known Error, Pending Change, Closed/Resolved.
    '1': TicketStatus.NEW,
    '2': TicketStatus.IN_PROGRESS,
    '3': TicketStatus.IN_PROGRESS,
    '4': TicketStatus.CLOSED,
  },
  sc_request: REQUEST_STATES,
  sc_req_item: REQUEST_STATES,
};

/** A ticket's status from its state label or, failing that, its state number on its table. */
export function ticketStatusOf(status: string, table = 'incident'): TicketStatus {
  const key = status.trim().toLowerCase();
  const numbers = STATE_NUMBERS[table.trim().toLowerCase()] ?? INCIDENT_STATES;
  return STATUS_LABEL[key] ?? numbers[key] ?? TicketStatus.UNSPECIFIED;
}

const SEVERITY: Record<string, TicketSeverity> = {
  '1': TicketSeverity.CRITICAL,
  critical: TicketSeverity.CRITICAL,
  '1 - critical': TicketSeverity.CRITICAL,
  '2': TicketSeverity.HIGH,
  high: TicketSeverity.HIGH,
  major: TicketSeverity.HIGH,
  '1 - high': TicketSeverity.HIGH,
  '2 - high': TicketSeverity.HIGH,
  '3': TicketSeverity.MEDIUM,
  medium: TicketSeverity.MEDIUM,
  moderate: TicketSeverity.MEDIUM,
  minor: TicketSeverity.MEDIUM,
  '2 - medium': TicketSeverity.MEDIUM,
  '3 - moderate': TicketSeverity.MEDIUM,
  '4': TicketSeverity.LOW,
  low: TicketSeverity.LOW,
  warning: TicketSeverity.LOW,
  '3 - low': TicketSeverity.LOW,
  '4 - low': TicketSeverity.LOW,
};

const TYPE: Record<string, TicketType> = {
  incident: TicketType.INCIDENT,
  sc_request: TicketType.REQUEST,
  sc_req_item: TicketType.REQUEST,
  request: TicketType.REQUEST,
  change_request: TicketType.CHANGE,
  change: TicketType.CHANGE,
  problem: TicketType.PROBLEM,
};

export function ticketSeverityOf(severity: string): TicketSeverity {
  return SEVERITY[severity.trim().toLowerCase()] ?? TicketSeverity.UNSPECIFIED;
}

export function ticketTypeOf(table: string): TicketType {
  return TYPE[table.trim().toLowerCase()] ?? TicketType.UNSPECIFIED;
}

const PRIORITY: Record<string, TicketPriority> = {
  '1': TicketPriority.P1_CRITICAL,
  '2': TicketPriority.P2_HIGH,
  '3': TicketPriority.P3_MODERATE,
  '4': TicketPriority.P4_LOW,
  '5': TicketPriority.P5_PLANNING,
};

/** ITIL priority from `1`..`5`, `P2` or ServiceNow's `1 - Critical` labels. */
export function ticketPriorityOf(priority: string | undefined): TicketPriority {
  const digit = /^\s*P?([1-5])\b/i.exec(priority ?? '')?.[1];
  return (digit && PRIORITY[digit]) || TicketPriority.UNSPECIFIED;
}
