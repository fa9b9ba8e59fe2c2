import { CallAlertSeverity, CallAlertState, type CallAlert } from '@telcomesh/contracts';
import type { Notification, NotificationSeverity } from '@telcomesh/notifier-integrations';
import {
  byEnum,
  firstOf,
  firstTime,
  formatAmount,
  humanize,
  metadataFields,
  notification,
  segment,
  slug,
  tenantOf,
  text,
  type DraftField,
  type EventEnvelope,
} from './render-support';

/** A crossed queue threshold without a severity is still worth a look: a warning. */
const SEVERITY: Record<CallAlertSeverity, NotificationSeverity> = {
  [CallAlertSeverity.UNSPECIFIED]: 'warning',
  [CallAlertSeverity.CRITICAL]: 'critical',
  [CallAlertSeverity.MAJOR]: 'major',
  [CallAlertSeverity.MINOR]: 'minor',
  [CallAlertSeverity.WARNING]: 'warning',
};

/**
 * `calls.alerts.v1` → one `call_alert` notification: a contact-centre queue metric past its
 * threshold (FIRING), then back (RESOLVED). Subject `calls.<queue>.<rule>` lets routes pick a
 * queue or a rule (`calls.*.abandonment_rate`).
 */
export function renderCallAlert(alert: CallAlert, envelope: EventEnvelope): Notification {
  const resolved = alert.state === CallAlertState.RESOLVED;
  const queue = firstOf(alert.queueName, alert.queueId, 'unknown queue');
  const rule = humanize(alert.rule) || 'Queue alert';
  const observed = formatAmount(alert.observedValue, alert.unit);
  const threshold = formatAmount(alert.threshold, alert.unit);
  const queueField =
    text(alert.queueName) && text(alert.queueId) && text(alert.queueName) !== text(alert.queueId)
      ? `${text(alert.queueName)} (${text(alert.queueId)})`
      : queue;
  const fields: DraftField[] = [
    ['Queue', queueField],
    ['Rule', alert.rule],
    ['Observed', observed],
    ['Threshold', threshold],
    ['Call Source', alert.sourceId],
  ];
  return notification({
    envelope,
    // Without an alert id, one rule on one queue is the condition.
    condition: `call:${firstOf(alert.alertId, text(alert.queueId) && `${text(alert.queueId)}:${text(alert.rule)}`, envelope.id)}`,
    kind: 'call_alert',
    subject: `calls.${segment(alert.queueId)}.${slug(alert.rule)}`,
    title: `${resolved ? 'Resolved: ' : ''}${rule} on queue ${queue}`,
    summary: resolved
      ? `${rule} on queue ${queue} is back within its threshold (${observed}, threshold ${threshold}).`
      : firstOf(
          alert.summary,
          `${rule} on queue ${queue} is ${observed} (threshold ${threshold}).`,
        ),
    severity: byEnum(SEVERITY, alert.severity, 'warning'),
    status: resolved ? 'resolved' : 'firing',
    tenant: tenantOf(alert.tenantId, envelope),
    fields: [...fields, ...metadataFields(alert.metadata, fields)],
    labels: {
      alert_id: alert.alertId,
      queue_id: alert.queueId,
      rule: alert.rule,
      source_id: alert.sourceId,
    },
    occurredAt: firstTime([alert.observedAt], envelope.time),
  });
}
