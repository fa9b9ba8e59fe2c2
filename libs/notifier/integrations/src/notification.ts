/** How bad it is, on one scale for every source (X.733 severities, SLA, calls, provisioning). */
export type NotificationSeverity = 'critical' | 'major' | 'minor' | 'warning' | 'info';

/**
 * One thing worth telling, rendered once from a platform event and handed to every integration
 * a route selects. Integrations turn it into their product's payload; they never see raw events.
 */
export interface Notification {
  /** Stable across retries and restarts: event id + route + integration. Sent as the idempotency key. */
  id: string;
  /** What happened, for routing and templates: `alarm`, `aiops_alert`, `connector_health`,
   *  `sla_event`, `provisioning_failure`, `call_alert`, `config_change`. */
  kind: string;
  /** Dotted subject matched by route patterns, e.g. `alarm.site-001.cell_down` or `app.database.host`. */
  subject: string;
  title: string;
  /** One or two sentences of plain text. */
  summary: string;
  severity: NotificationSeverity;
  /** `resolved` when the condition cleared (alarm cleared, SLA met...). */
  status: 'firing' | 'resolved';
  tenant?: string;
  site?: string;
  /** Ordered details shown as fields/facts/table rows (e.g. Key, Old Value, New Value, Changed By). */
  fields: { name: string; value: string }[];
  /** Free labels for grouping and templates (`config_key`, `alarm_id`, `department`...). */
  labels: Record<string, string>;
  occurredAt: Date;
  /** Link back to the platform, when there is one. */
  url?: string;
  /** How many notifications this one stands for (grouping); 1 when not grouped. */
  count: number;
}
