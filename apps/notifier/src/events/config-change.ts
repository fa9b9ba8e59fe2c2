import { ConfigChangeAction, type ConfigChange } from '@telcomesh/contracts';
import { truncate, type Notification } from '@telcomesh/notifier-integrations';
import {
  firstOf,
  firstTime,
  notification,
  oneLine,
  segment,
  tenantOf,
  text,
  type EventEnvelope,
} from './render-support';

/** Shown for a value that does not exist (old value of a created key, new value of a deleted one). */
export const NOT_SET = '(not set)';
/** Shown for every value of a change whose producer masked a secret. */
export const REDACTED_VALUE = '[redacted]';

/** Key segments whose changes deserve a second look (the seed routes `*.database.*` and the like). */
const SENSITIVE_SEGMENTS = new Set(['security', 'database', 'payment']);

/**
 * True when the key has `security`, `database` or `payment` as an inner segment: what the globs
 * `*.security.*`, `*.database.*`, `*.payment.*` match, and also deeper keys such as
 * `services.payment.gateway.url`, which are no less sensitive.
 */
export function isSensitiveConfigKey(key: string): boolean {
  const segments = text(key).toLowerCase().split('.');
  return segments.slice(1, -1).some((s) => SENSITIVE_SEGMENTS.has(s));
}

/** The value as shown: `[redacted]` when the producer masked a secret, whichever side it was in. */
function shown(value: string | undefined, redacted: boolean): string {
  if (value === undefined) return NOT_SET;
  return redacted ? REDACTED_VALUE : value.trim();
}

function quoted(value: string): string {
  return `"${truncate(oneLine(value), 100)}"`;
}

function describeChange(change: ConfigChange, key: string, by: string): string {
  const old = change.oldValue;
  const next = change.newValue;
  const values = !change.redacted;
  if (change.action === ConfigChangeAction.CREATED) {
    return `${key} was created${values && next !== undefined ? ` with ${quoted(next)}` : ''}${by}.`;
  }
  if (change.action === ConfigChangeAction.DELETED) {
    return `${key} was deleted${by}${values && old !== undefined ? ` (was ${quoted(old)})` : ''}.`;
  }
  // Updated, or an action this version does not know: report it as a change.
  return values && old !== undefined && next !== undefined
    ? `${key} changed from ${quoted(old)} to ${quoted(next)}${by}.`
    : `${key} changed${by}${change.redacted ? ' (values redacted)' : ''}.`;
}

/** Title word and `action` label of each kind of change. */
function actionOf(action: ConfigChangeAction): { title: string; label: string } {
  if (action === ConfigChangeAction.CREATED)
    return { title: 'Configuration Created', label: 'created' };
  if (action === ConfigChangeAction.DELETED)
    return { title: 'Configuration Deleted', label: 'deleted' };
  return { title: 'Configuration Changed', label: 'updated' };
}

/**
 * `config.changes.v1` → the seed's "Configuration Changed" `config_change` notification. The
 * subject is the key itself so route globs like `*.database.*` select changes by key; the fields
 * carry the names the e-mail template, Zendesk/Jira/New Relic and the CI variables read.
 */
export function renderConfigChange(change: ConfigChange, envelope: EventEnvelope): Notification {
  const key = text(change.key);
  const service = text(change.service);
  const actor = text(change.actor);
  const reason = oneLine(change.reason);
  const action = actionOf(change.action);
  const about = key || 'A configuration key';
  return notification({
    envelope,
    condition: `config:${firstOf(change.changeId, envelope.id)}`,
    kind: 'config_change',
    subject: key || `config.${segment(service)}.unknown`,
    title: `${action.title}: ${key || service || 'unknown key'}`,
    summary: `${describeChange(change, about, actor ? ` by ${actor}` : '')}${reason ? ` Reason: ${reason}` : ''}`,
    severity: isSensitiveConfigKey(key) ? 'warning' : 'info',
    status: 'firing',
    tenant: tenantOf(change.tenantId, envelope),
    // Always all six, in the seed's order: templates address them by name.
    fields: [
      ['Key', key || NOT_SET],
      ['Old Value', shown(change.oldValue, change.redacted) || '(empty)'],
      ['New Value', shown(change.newValue, change.redacted) || '(empty)'],
      ['Changed By', actor || '(unknown)'],
      ['Reason', reason || '(none given)'],
      ['Service', service || '(unknown)'],
    ],
    labels: {
      config_key: key,
      service,
      change_id: change.changeId,
      action: action.label,
    },
    occurredAt: firstTime([change.changedAt], envelope.time),
  });
}
