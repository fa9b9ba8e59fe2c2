/**
 * The shape of a notification this library works on. It mirrors `Notification` from
 * `@telcomesh/notifier-integrations` field for field, so the two are interchangeable (TypeScript
 * types are structural); it is declared here because a `type:util` library may not depend on a
 * `type:data-access` one.
 */
export type Severity = 'critical' | 'major' | 'minor' | 'warning' | 'info';

export const SEVERITIES: readonly Severity[] = ['critical', 'major', 'minor', 'warning', 'info'];

export interface NotificationLike {
  id: string;
  kind: string;
  subject: string;
  title: string;
  summary: string;
  severity: Severity;
  status: 'firing' | 'resolved';
  tenant?: string;
  site?: string;
  fields: { name: string; value: string }[];
  labels: Record<string, string>;
  occurredAt: Date;
  url?: string;
  count: number;
}

/** Higher is worse: critical 4 … info 0. */
export function severityRank(severity: Severity): number {
  return SEVERITIES.length - 1 - SEVERITIES.indexOf(severity);
}

/**
 * The label set matchers and `group_by` see: the notification's free labels plus its built-in
 * attributes `kind`, `subject`, `severity`, `tenant` and `site` (built-ins win over a free label
 * of the same name, so a label cannot disguise where a notification comes from).
 */
export function notificationLabels(n: NotificationLike): Record<string, string> {
  const labels: Record<string, string> = { ...n.labels };
  labels.kind = n.kind;
  labels.subject = n.subject;
  labels.severity = n.severity;
  if (n.tenant !== undefined) labels.tenant = n.tenant;
  if (n.site !== undefined) labels.site = n.site;
  return labels;
}
