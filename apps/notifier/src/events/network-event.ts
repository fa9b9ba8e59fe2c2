import {
  AlarmState,
  AlarmType,
  NetworkEventType,
  PerceivedSeverity,
  type NetworkEvent,
} from '@telcomesh/contracts';
import type { Notification, NotificationSeverity } from '@telcomesh/notifier-integrations';
import {
  byEnum,
  enumLabel,
  firstOf,
  firstTime,
  metadataFields,
  notification,
  segment,
  slug,
  tenantOf,
  text,
  type DraftField,
  type EventEnvelope,
} from './render-support';

/**
 * X.733 perceived severity on the notification scale. INDETERMINATE is still a fault someone
 * should look at, so it is a warning; CLEARED carries no severity of its own, so it is info.
 */
const SEVERITY: Record<PerceivedSeverity, NotificationSeverity> = {
  [PerceivedSeverity.UNSPECIFIED]: 'warning',
  [PerceivedSeverity.CRITICAL]: 'critical',
  [PerceivedSeverity.MAJOR]: 'major',
  [PerceivedSeverity.MINOR]: 'minor',
  [PerceivedSeverity.WARNING]: 'warning',
  [PerceivedSeverity.INDETERMINATE]: 'warning',
  [PerceivedSeverity.CLEARED]: 'info',
};

function severityOf(event: NetworkEvent, isAlarm: boolean): NotificationSeverity {
  // A plain notification or state change with no severity is informational, not a fault.
  if (event.severity === PerceivedSeverity.UNSPECIFIED && !isAlarm) return 'info';
  return byEnum(SEVERITY, event.severity, 'warning');
}

/**
 * The condition an event fires or clears. Alarms are keyed like the platform keys alarm state,
 * (source, alarm id); without an alarm id, X.733 identifies an alarm by its managed object and
 * probable cause. An ITSM incident with its alarm id (`incident:<ticket id>`) has the same
 * raise/clear lifecycle, so its resolution resolves it. Other events have no lifecycle: each one
 * is its own condition.
 */
function conditionOf(event: NetworkEvent, isAlarm: boolean, cause: string, id: string): string {
  const source = text(event.sourceId);
  const alarmId = text(event.alarmId);
  if (event.eventType === NetworkEventType.INCIDENT && alarmId) return `alarm:${source}:${alarmId}`;
  if (!isAlarm) return `event:${source}:${firstOf(event.eventId, id)}`;
  if (alarmId) return `alarm:${source}:${alarmId}`;
  return `alarm:${source}:${firstOf(event.managedObject, event.siteId)}:${slug(cause)}`;
}

/**
 * `telemetry.events.v1` → one `alarm` notification (X.733 raised/changed/cleared; cleared is
 * `resolved`), or a `network_event` one for threshold crossings, state changes and notifications.
 */
export function renderNetworkEvent(event: NetworkEvent, envelope: EventEnvelope): Notification {
  const isAlarm = event.eventType === NetworkEventType.ALARM;
  const kind = isAlarm ? 'alarm' : 'network_event';
  const cleared =
    event.severity === PerceivedSeverity.CLEARED || event.state === AlarmState.CLEARED;
  const site = text(event.siteId);
  const cause = firstOf(event.probableCause, event.specificProblem, event.title);
  const name = firstOf(
    event.title,
    cause,
    isAlarm ? 'Network alarm' : enumLabel(NetworkEventType, event.eventType),
    'Network event',
  );
  const alarmId = text(event.alarmId);
  const managedObject = text(event.managedObject);
  const where = `${managedObject ? ` on ${managedObject}` : ''}${site ? ` at ${site}` : ''}`;
  const sourceName = firstOf(event.sourceSystem, event.sourceId);
  const clearedWhat = alarmId ? `Alarm ${alarmId} (${name})` : name;
  const summary = cleared
    ? `${clearedWhat}${where} has cleared.`
    : firstOf(
        event.description,
        `${name}${where}${sourceName ? `, reported by ${sourceName}` : ''}.`,
      );
  const source =
    text(event.sourceSystem) && text(event.sourceId) && event.sourceSystem !== event.sourceId
      ? `${text(event.sourceSystem)} (${text(event.sourceId)})`
      : sourceName;
  const fields: DraftField[] = [
    ['Site', site],
    ['Managed Object', managedObject],
    ['Alarm ID', alarmId],
    ['Probable Cause', event.probableCause],
    ['Specific Problem', event.specificProblem],
    ['Alarm Type', enumLabel(AlarmType, event.alarmType)],
    [
      isAlarm ? 'State' : 'Event Type',
      isAlarm ? enumLabel(AlarmState, event.state) : enumLabel(NetworkEventType, event.eventType),
    ],
    ['Acknowledged', event.acknowledged ? 'Yes' : undefined],
    ['Source', source],
  ];
  return notification({
    envelope,
    condition: conditionOf(event, isAlarm, cause, envelope.id),
    kind,
    subject: `${kind}.${segment(site)}.${slug(cause)}`,
    title: `${cleared ? 'Cleared: ' : ''}${name}${site ? ` at ${site}` : ''}`,
    summary,
    severity: severityOf(event, isAlarm),
    status: cleared ? 'resolved' : 'firing',
    tenant: tenantOf(event.tenantId, envelope),
    site,
    fields: [...fields, ...metadataFields(event.metadata, fields)],
    // Only what stays the same from raise to clear: a label that changed would stop the clear
    // from matching its alarm wherever notifications are told apart by their labels.
    labels: {
      source_id: event.sourceId,
      source_system: event.sourceSystem,
      alarm_id: alarmId,
    },
    occurredAt: firstTime([event.eventTime], envelope.time),
  });
}
