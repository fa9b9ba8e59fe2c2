import { AlertSeverity, AlertState, type AiopsAlert } from '@telcomesh/contracts';
import type { Notification, NotificationSeverity } from '@telcomesh/notifier-integrations';
import {
  byEnum,
  firstOf,
  firstTime,
  formatAmount,
  formatDuration,
  formatNumber,
  formatTime,
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

/** An alert without a severity still departs from its baseline: a warning. */
const SEVERITY: Record<AlertSeverity, NotificationSeverity> = {
  [AlertSeverity.UNSPECIFIED]: 'warning',
  [AlertSeverity.CRITICAL]: 'critical',
  [AlertSeverity.MAJOR]: 'major',
  [AlertSeverity.MINOR]: 'minor',
  [AlertSeverity.WARNING]: 'warning',
};

/**
 * `aiops.alerts.v1` → one `aiops_alert` notification: a site KPI away from its learned baseline
 * (FIRING), then back within it (RESOLVED). The evidence (observed, expected, normal band) is in
 * the fields so an operator can judge the anomaly without opening a dashboard.
 */
export function renderAiopsAlert(alert: AiopsAlert, envelope: EventEnvelope): Notification {
  const resolved = alert.state === AlertState.RESOLVED;
  const site = text(alert.siteId);
  const kpi = humanize(alert.kpi) || 'KPI';
  const at = site ? ` at ${site}` : '';
  const observed = formatAmount(alert.observedValue, alert.unit);
  const expected = formatAmount(alert.expectedValue, alert.unit);
  // A band of zero width means the detector gave none.
  const band =
    alert.baselineLower !== alert.baselineUpper
      ? `${formatNumber(alert.baselineLower)} – ${formatAmount(alert.baselineUpper, alert.unit)}`
      : '';
  const summary = resolved
    ? `${kpi} is back within its baseline${at}.`
    : firstOf(
        alert.summary,
        `${kpi}${at} is ${observed} against an expected ${expected}${band ? ` (normal ${band})` : ''}.`,
      );
  const fields: DraftField[] = [
    ['Site', site],
    ['KPI', alert.kpi],
    ['Observed', observed],
    ['Expected', expected],
    ['Normal Range', band],
    ['Anomaly Score', formatNumber(alert.score)],
    ['Detector', alert.detector],
    ['Window', formatDuration(alert.window)],
    ['Started', formatTime(alert.startedAt)],
    ['Resolved', resolved ? formatTime(alert.resolvedAt) : undefined],
  ];
  return notification({
    envelope,
    // Without an alert id, one detector watches one KPI of one site: that is the anomaly.
    condition: `aiops:${firstOf(alert.alertId, site && `${site}:${text(alert.kpi)}:${text(alert.detector)}`, envelope.id)}`,
    kind: 'aiops_alert',
    subject: `aiops.${segment(site)}.${slug(alert.kpi)}`,
    title: `${resolved ? 'Resolved: ' : ''}${kpi} anomaly${at}`,
    summary,
    severity: byEnum(SEVERITY, alert.severity, 'warning'),
    status: resolved ? 'resolved' : 'firing',
    tenant: tenantOf(alert.tenantId, envelope),
    site,
    fields: [...fields, ...metadataFields(alert.metadata, fields)],
    labels: { alert_id: alert.alertId, kpi: alert.kpi, detector: alert.detector },
    occurredAt: resolved
      ? firstTime([alert.resolvedAt, alert.observedAt], envelope.time)
      : firstTime([alert.observedAt, alert.startedAt], envelope.time),
  });
}
