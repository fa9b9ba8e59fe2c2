import { SourceCondition, type ConnectorHealth } from '@telcomesh/contracts';
import type { Notification } from '@telcomesh/notifier-integrations';
import {
  firstTime,
  formatNumber,
  formatTime,
  notification,
  oneLine,
  segment,
  tenantOf,
  text,
  type EventEnvelope,
} from './render-support';

/** The seed's connectivity alerts by condition; OK and unspecified (older producers) say nothing. */
const CONDITION_LABEL: Partial<Record<SourceCondition, string>> = {
  [SourceCondition.CONNECTION_LOST]: 'connection lost',
  [SourceCondition.AUTH_FAILED]: 'authentication failed',
  [SourceCondition.CORRUPT_DATA]: 'corrupt data',
  [SourceCondition.QUOTA_EXCEEDED]: 'quota exceeded',
  [SourceCondition.MISCONFIGURED]: 'misconfigured',
};

function plural(count: number, word: string): string {
  return `${formatNumber(count)} ${word}${count === 1 ? '' : 's'}`;
}

/**
 * `ingest.health.v1` → one `connector_health` notification: a data source the ingestor cannot
 * read (firing, major: its sites go dark in the platform) or that recovered (resolved). Both keep
 * severity major so the recovery lands wherever the failure did.
 */
export function renderConnectorHealth(
  health: ConnectorHealth,
  envelope: EventEnvelope,
): Notification {
  const source = text(health.sourceId) || 'unknown';
  const lastError = oneLine(health.lastError);
  const lastSync = formatTime(health.lastSync);
  const failures = health.errorCount;
  const condition = health.healthy ? undefined : CONDITION_LABEL[health.condition];
  const summary = health.healthy
    ? `The connector is syncing again${
        health.recordsCollected > 0
          ? `: ${plural(health.recordsCollected, 'record')} collected`
          : ''
      }${health.responseTimeMs > 0 ? ` in ${formatNumber(health.responseTimeMs)} ms` : ''}.`
    : `${
        failures > 0
          ? `${plural(failures, 'consecutive sync attempt')} failed`
          : 'The connector cannot reach or read its source'
      }${lastError ? `: ${lastError}` : ''}. Last successful sync: ${lastSync || 'never'}.`;
  return notification({
    envelope,
    condition: `health:${text(health.sourceId) || envelope.id}`,
    kind: 'connector_health',
    subject: `ingest.${segment(health.sourceId)}.health`,
    title: health.healthy
      ? `Data source ${source} is healthy again`
      : condition
        ? `Data source ${source}: ${condition}`
        : `Data source ${source} is unhealthy`,
    summary,
    severity: 'major',
    status: health.healthy ? 'resolved' : 'firing',
    tenant: tenantOf(health.tenantId, envelope),
    fields: [
      ['Data Source', health.sourceId],
      ['Condition', condition],
      ['Consecutive Failures', !health.healthy && failures > 0 ? String(failures) : undefined],
      ['Last Error', lastError],
      // "never" only matters while failing: a healthy report without it just did not say.
      ['Last Successful Sync', lastSync || (health.healthy ? undefined : 'never')],
      [
        'Records Collected',
        health.recordsCollected > 0 ? formatNumber(health.recordsCollected) : undefined,
      ],
      [
        'Response Time',
        health.responseTimeMs > 0 ? `${formatNumber(health.responseTimeMs)} ms` : undefined,
      ],
    ],
    labels: { source_id: health.sourceId },
    occurredAt: firstTime([health.checkedAt], envelope.time),
  });
}
