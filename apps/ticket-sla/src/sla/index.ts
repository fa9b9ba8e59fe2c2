export { BusinessCalendar } from './business-calendar';
export {
  BusinessCalendarDefinition,
  HolidayDefinition,
  WeeklyHoursDefinition,
  WorkingWindowDefinition,
} from './business-calendar.definition';
export {
  nextCrossingOf,
  SlaClock,
  type DepartmentTime,
  type SlaBreach,
  type SlaClockState,
  type SlaEvaluation,
  type SlaNextCrossing,
  type SlaTargetStatus,
  type SlaThresholdCrossing,
} from './sla-clock';
export { measureSlaClockThroughput, syntheticTimelines } from './sla-clock-throughput';
export { SlaDefinitionError, SlaInputError } from './sla-errors';
export {
  DEFAULT_AT_RISK_THRESHOLDS,
  normaliseTicketValue,
  SlaPolicy,
  SlaPolicyCatalog,
  type SlaPolicySubject,
  type SlaStatusClass,
  type SlaTargetKind,
} from './sla-policy';
export {
  SlaPolicyDefinition,
  SlaPolicyMatchDefinition,
  SlaTargetsDefinition,
} from './sla-policy.definition';
export {
  checkTimeline,
  timelineFromAgentTicket,
  type SlaTicketChange,
  type SlaTicketTimeline,
} from './sla-ticket-timeline';
