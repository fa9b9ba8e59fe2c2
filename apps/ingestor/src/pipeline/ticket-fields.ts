import { TicketPriority, TicketSeverity, TicketStatus, TicketType } from '@telcomesh/contracts';

/** Source wording → normalised status; ServiceNow incident states by number and by label. */
const STATUS: Record<string, TicketStatus> = {
  '1': TicketStatus.NEW,
  new: TicketStatus.NEW,
  open: TicketStatus.NEW,
  '2': TicketStatus.IN_PROGRESS,
  'in progress': TicketStatus.IN_PROGRESS,
  in_progress: TicketStatus.IN_PROGRESS,
  active: TicketStatus.IN_PROGRESS,
  'work in progress': TicketStatus.IN_PROGRESS,
  assigned: TicketStatus.IN_PROGRESS,
  '3': TicketStatus.ON_HOLD,
  'on hold': TicketStatus.ON_HOLD,
  on_hold: TicketStatus.ON_HOLD,
  pending: TicketStatus.ON_HOLD,
  'awaiting vendor': TicketStatus.ON_HOLD,
  'awaiting customer': TicketStatus.ON_HOLD,
  '6': TicketStatus.RESOLVED,
  resolved: TicketStatus.RESOLVED,
  '7': TicketStatus.CLOSED,
  closed: TicketStatus.CLOSED,
  'closed complete': TicketStatus.CLOSED,
  '8': TicketStatus.CANCELED,
  canceled: TicketStatus.CANCELED,
  cancelled: TicketStatus.CANCELED,
  'closed incomplete': TicketStatus.CANCELED,
};

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

export function ticketStatusOf(status: string): TicketStatus {
  return STATUS[status.trim().toLowerCase()] ?? TicketStatus.UNSPECIFIED;
}

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
