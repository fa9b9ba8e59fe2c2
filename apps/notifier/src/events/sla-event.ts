import { SlaEventType, type SlaEvent } from '@telcomesh/contracts';
import type { Notification, NotificationSeverity } from '@telcomesh/notifier-integrations';
import {
  firstOf,
  firstTime,
  formatDuration,
  formatTime,
  metadataFields,
  notification,
  oneLine,
  segment,
  slug,
  tenantOf,
  text,
  type DraftField,
  type EventEnvelope,
} from './render-support';

interface Verdict {
  headline: string;
  severity: NotificationSeverity;
  status: Notification['status'];
  /** True for the pause lifecycle (PAUSED fires it, RESUMED resolves it). */
  pause: boolean;
}

/**
 * What each SLA event means for people. AT_RISK and BREACHED fire the ticket's SLA condition and
 * MET resolves it; a pause is a condition of its own, fired by PAUSED and resolved by RESUMED, so
 * resuming the clock never looks like the breach went away.
 */
function verdictOf(type: SlaEventType): Verdict {
  switch (type) {
    case SlaEventType.BREACHED:
      return { headline: 'SLA breached', severity: 'critical', status: 'firing', pause: false };
    case SlaEventType.AT_RISK:
      return { headline: 'SLA at risk', severity: 'warning', status: 'firing', pause: false };
    case SlaEventType.PAUSED:
      return { headline: 'SLA clock paused', severity: 'info', status: 'firing', pause: true };
    case SlaEventType.RESUMED:
      return { headline: 'SLA clock resumed', severity: 'info', status: 'resolved', pause: true };
    case SlaEventType.MET:
      return { headline: 'SLA met', severity: 'info', status: 'resolved', pause: false };
    case SlaEventType.CANCELLED:
      return { headline: 'SLA cancelled', severity: 'info', status: 'resolved', pause: false };
    case SlaEventType.UNSPECIFIED:
    default:
      return { headline: 'SLA event', severity: 'info', status: 'firing', pause: false };
  }
}

/** `3h 20m of 4h`, or as much of it as the event carries. */
function progressOf(elapsed: string, target: string): string {
  if (elapsed && target) return `${elapsed} of ${target}`;
  return elapsed || (target && `a target of ${target}`);
}

function describe(event: SlaEvent, key: string): string {
  const ticket = key || 'the ticket';
  const ticketFirst = key || 'The ticket';
  const sla = text(event.slaName);
  const policy = sla ? ` (${sla})` : '';
  const elapsed = formatDuration(event.elapsed);
  const target = formatDuration(event.target);
  const progress = progressOf(elapsed, target);
  const due = formatTime(event.dueAt);
  const dueNote = due ? `, due ${due}` : '';
  const breachDepartment = text(event.breachDepartment);
  switch (event.type) {
    case SlaEventType.BREACHED: {
      const overrun =
        elapsed && target ? `${elapsed} elapsed against a ${target} target` : progress;
      const blame = breachDepartment ? ` Most of the time went to ${breachDepartment}.` : '';
      return `${ticketFirst} breached its SLA${policy}${overrun ? `: ${overrun}` : ''}.${blame}`;
    }
    case SlaEventType.AT_RISK:
      return `${ticketFirst} is at risk of breaching its SLA${policy}${progress ? `: ${progress} used` : ''}${dueNote}.`;
    case SlaEventType.PAUSED:
      return `The SLA clock of ${ticket}${policy} stopped${progress ? ` at ${progress}` : ''}.`;
    case SlaEventType.RESUMED:
      return `The SLA clock of ${ticket}${policy} is running again${progress ? ` at ${progress}` : ''}${dueNote}.`;
    case SlaEventType.MET:
      return `${ticketFirst} was resolved within its SLA${policy}${progress ? `: ${progress}` : ''}.`;
    case SlaEventType.CANCELLED:
      return `${ticketFirst} was cancelled; its SLA clock${policy} no longer counts${progress ? ` (${progress} used)` : ''}.`;
    case SlaEventType.UNSPECIFIED:
    default:
      return `SLA event on ${ticket}${policy}.`;
  }
}

/**
 * `sla.events.v1` → one `sla_event` notification for a ticket's SLA clock. The subject carries the
 * department holding the ticket (`sla.noc.NOC-1234`) so routes can send each department its own.
 */
export function renderSlaEvent(event: SlaEvent, envelope: EventEnvelope): Notification {
  const verdict = verdictOf(event.type);
  const key = firstOf(event.ticketKey, event.ticketId);
  const title = oneLine(event.title);
  const sla = text(event.slaName);
  // A ticket without any id is unmatchable anyway: keep it from colliding with other such events.
  const condition = `sla:${firstOf(event.ticketId, key, envelope.id)}:${sla}`;
  const fields: DraftField[] = [
    ['Ticket', title ? `${key || 'unknown'}: ${title}` : key],
    ['Priority', event.priority],
    ['Department', event.department],
    ['SLA', sla],
    ['Elapsed', formatDuration(event.elapsed)],
    ['Target', formatDuration(event.target)],
    ['Breach Department', event.breachDepartment],
    ['Due', event.type === SlaEventType.MET ? undefined : formatTime(event.dueAt)],
    ['Ticket System', event.ticketSystem],
  ];
  return notification({
    envelope,
    condition: verdict.pause ? `${condition}:paused` : condition,
    kind: 'sla_event',
    subject: `sla.${slug(event.department, 'unassigned')}.${segment(key)}`,
    title: `${verdict.headline}: ${key || 'unknown ticket'}${title ? ` (${title})` : ''}`,
    summary: describe(event, key),
    severity: verdict.severity,
    status: verdict.status,
    tenant: tenantOf(event.tenantId, envelope),
    // Producers put the ticket's site in metadata; it makes the notification routable by site.
    site: event.metadata.site,
    fields: [...fields, ...metadataFields(event.metadata, [...fields, ['Site', '']])],
    labels: {
      ticket_id: event.ticketId,
      ticket_key: event.ticketKey,
      ticket_system: event.ticketSystem,
      sla_name: sla,
      department: event.department,
    },
    occurredAt: firstTime([event.occurredAt], envelope.time),
    url: event.url,
  });
}
