import type { NotificationLike } from './notification-like';

let sequence = 0;

/** A notification with sensible defaults, for the specs of this library. */
export function notification(overrides: Partial<NotificationLike> = {}): NotificationLike {
  sequence++;
  return {
    id: `n-${sequence}`,
    kind: 'alarm',
    subject: 'alarm.site-001.cell_down',
    title: `Cell down ${sequence}`,
    summary: 'Cell is not carrying traffic',
    severity: 'major',
    status: 'firing',
    tenant: 'acme',
    site: 'site-001',
    fields: [],
    labels: {},
    occurredAt: new Date(0),
    count: 1,
    ...overrides,
  };
}
