import { isSecretKey } from '@telcomesh/config';
import { durationMs, timestampDate, type Duration, type Timestamp } from '@telcomesh/contracts';
import { truncate, type Notification } from '@telcomesh/notifier-integrations';

/** What a renderer needs from the record's CloudEvents envelope. */
export interface EventEnvelope {
  /** `ce_id`: stable across redeliveries, so it becomes the notification id (idempotency key). */
  id: string;
  /** `ce_time`: the fallback when the message carries no time of its own. */
  time: Date;
  /** `ce_source`, e.g. `/telcomesh/ingestor`. */
  source: string;
  /** `ce_tenant`: the fallback when the message names no tenant. */
  tenant?: string;
}

export type NotificationField = Notification['fields'][number];

/** A field as the renderers write it: `undefined` or blank values are dropped by `notification`. */
export type DraftField = readonly [name: string, value: string | undefined];

/** Everything a renderer decides; `notification` normalises it into a `Notification`. */
export interface NotificationDraft {
  envelope: EventEnvelope;
  /** Stable id of the condition fired or resolved, so a `resolved` finds its `firing`. */
  condition: string;
  kind: string;
  subject: string;
  title: string;
  summary: string;
  severity: Notification['severity'];
  status: Notification['status'];
  tenant: string | undefined;
  site?: string;
  fields: readonly DraftField[];
  labels?: Readonly<Record<string, string | undefined>>;
  occurredAt: Date;
  url?: string;
}

/** Longest summary and field value kept; integrations cut further to their own limits. */
export const LIMITS = { summary: 1000, field: 1500, metadataValue: 500, metadataFields: 10 };

/** Trimmed text, `''` for a missing value. */
export function text(value: string | undefined | null): string {
  return (value ?? '').trim();
}

/** One line: every run of whitespace (newlines included) becomes one space. */
export function oneLine(value: string | undefined | null): string {
  return text(value).replace(/\s+/g, ' ');
}

/** The first value that is not blank, trimmed; `''` when all are. */
export function firstOf(...values: (string | undefined | null)[]): string {
  for (const value of values) {
    const trimmed = text(value);
    if (trimmed) return trimmed;
  }
  return '';
}

/** Free text as one subject segment: `Equipment Failure` → `equipment_failure`. */
export function slug(value: string | undefined, fallback = 'unknown'): string {
  const out = text(value)
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
  return out || fallback;
}

/**
 * An identifier as one subject segment, case kept (`site-001`, `NOC-1234`). A `.` would split the
 * segment for route globs, and spaces or slashes make patterns unwritable, so they become `_`.
 */
export function segment(value: string | undefined, fallback = 'unknown'): string {
  const out = text(value).replace(/[^A-Za-z0-9_-]+/g, '_');
  return out || fallback;
}

/**
 * The time of the first set timestamp, else `fallback`. A zero timestamp counts as unset: it is
 * what a producer that forgot the field would send, and 1970 helps nobody.
 */
export function firstTime(timestamps: readonly (Timestamp | undefined)[], fallback: Date): Date {
  for (const ts of timestamps) {
    if (ts === undefined || (ts.seconds === 0n && ts.nanos === 0)) continue;
    const date = timestampDate(ts);
    if (!Number.isNaN(date.getTime())) return date;
  }
  return fallback;
}

/** `2025-01-01 14:30:00 UTC`, the e-mail template's format; `''` when unset. */
export function formatTime(ts: Timestamp | undefined): string {
  const date = firstTime([ts], new Date(Number.NaN));
  return Number.isNaN(date.getTime())
    ? ''
    : `${date.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

const DURATION_UNITS: readonly [string, number][] = [
  ['d', 86_400_000],
  ['h', 3_600_000],
  ['m', 60_000],
  ['s', 1000],
];

/** Human duration with its two largest units: `1d 2h`, `4h`, `3h 20m`, `45s`; `''` when unset. */
export function formatDuration(duration: Duration | undefined): string {
  if (duration === undefined) return '';
  const ms = Math.max(0, durationMs(duration));
  if (ms < 1000) return ms === 0 ? '0s' : `${ms}ms`;
  const first = DURATION_UNITS.findIndex(([, size]) => ms >= size);
  const parts: string[] = [];
  let rest = ms;
  for (const [unit, size] of DURATION_UNITS.slice(first, first + 2)) {
    const amount = Math.floor(rest / size);
    rest -= amount * size;
    if (amount > 0) parts.push(`${amount}${unit}`);
  }
  return parts.join(' ');
}

/** `1234.567` → `1,234.57`: at most two decimals, for people. */
export function formatNumber(value: number): string {
  return Number.isFinite(value)
    ? value.toLocaleString('en-US', { maximumFractionDigits: 2 })
    : String(value);
}

/** A value with its unit: `42 Mbps`, `12.5%`, `7 calls`. */
export function formatAmount(value: number, unit: string): string {
  const u = text(unit);
  if (!u) return formatNumber(value);
  return u === '%' ? `${formatNumber(value)}%` : `${formatNumber(value)} ${u}`;
}

/** `QUALITY_OF_SERVICE` or `battery_voltage` → `Quality of service` / `Battery voltage`. */
export function humanize(name: string): string {
  const words = text(name).toLowerCase().replace(/[_-]+/g, ' ').replace(/\s+/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** The entry of an enum value, or `fallback` for a value this build does not know (newer producer). */
export function byEnum<V>(
  map: Readonly<Record<number, V>>,
  value: number,
  fallback: NoInfer<V>,
): V {
  return Object.hasOwn(map, value) ? map[value] : fallback;
}

/** Name of a generated enum value for people (`Equipment`); `''` for UNSPECIFIED and unknown values. */
export function enumLabel(values: { readonly [value: number]: string }, value: number): string {
  const name = values[value];
  return name === undefined || name === 'UNSPECIFIED' ? '' : humanize(name);
}

/** Last `max` characters: the end of a log is where the error is. */
export function tail(value: string, max: number): string {
  const trimmed = text(value);
  return trimmed.length <= max ? trimmed : `…${trimmed.slice(trimmed.length - max + 1)}`;
}

const REDACTED = '[REDACTED]';

/**
 * Producers redact their values, but free text (errors, stderr, task output) is echoed from other
 * systems: strip URL credentials, `password=...`-style pairs and bearer tokens once more, since a
 * notification leaves the platform for chat rooms and mailboxes.
 */
export function withoutSecrets(value: string): string {
  return value
    .replace(/\b([a-z][a-z0-9+.-]*:\/\/)[^\s/@]+@/gi, `$1${REDACTED}@`)
    .replace(/\bBearer\s+[A-Za-z0-9._~+/=-]+/g, `Bearer ${REDACTED}`)
    .replace(
      /\b(pass(?:word|wd)?|secret|token|api[-_]?key|private[-_]?key|client[-_]?secret)(["']?\s*[:=]\s*["']?)(?!\[REDACTED\])[^\s"'&,;]+/gi,
      `$1$2${REDACTED}`,
    );
}

/** `cell_id` → `Cell ID`: a metadata key as a field name. */
function fieldName(key: string): string {
  return text(key)
    .split(/[_\-\s]+/)
    .filter(Boolean)
    .map((w) => (w.toLowerCase() === 'id' ? 'ID' : w.charAt(0).toUpperCase() + w.slice(1)))
    .join(' ');
}

/**
 * A message's free-form `metadata` as extra fields, sorted by key so output is stable: at most
 * `LIMITS.metadataFields`, never a secret-looking key (an SNMP community is a password), never
 * one that repeats a standard field.
 */
export function metadataFields(
  metadata: Readonly<Record<string, string>>,
  standard: readonly DraftField[],
): DraftField[] {
  const taken = new Set(standard.map(([name]) => name.toLowerCase()));
  return Object.keys(metadata)
    .sort()
    .filter((key) => !isSecretKey(key) && !/community/i.test(key))
    .map((key): DraftField => [
      fieldName(key),
      truncate(oneLine(metadata[key]), LIMITS.metadataValue),
    ])
    .filter(([name, value]) => name && value && !taken.has(name.toLowerCase()))
    .slice(0, LIMITS.metadataFields);
}

/** Only http(s) links: a notification link is clicked by people. */
export function httpUrl(value: string | undefined): string | undefined {
  const candidate = text(value);
  if (!candidate) return undefined;
  try {
    const url = new URL(candidate);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.href : undefined;
  } catch {
    return undefined;
  }
}

/** The tenant named by the message, else the envelope's; undefined when neither names one. */
export function tenantOf(messageTenant: string, envelope: EventEnvelope): string | undefined {
  return firstOf(messageTenant, envelope.tenant) || undefined;
}

/**
 * The notification for a draft: id from the envelope, `labels.condition` and `labels.dedup_key`
 * from the condition (PagerDuty and ServiceNow key their incidents on `dedup_key`, so firing and
 * resolved land on the same one), blank fields, labels, tenant and site left out, text trimmed.
 */
export function notification(draft: NotificationDraft): Notification {
  const labels: Record<string, string> = {};
  for (const [key, value] of Object.entries(draft.labels ?? {})) {
    const trimmed = text(value);
    if (trimmed) labels[key] = trimmed;
  }
  labels.condition = draft.condition;
  labels.dedup_key = draft.condition;
  const fields: NotificationField[] = [];
  for (const [name, value] of draft.fields) {
    const trimmed = text(value);
    if (trimmed) fields.push({ name, value: truncate(withoutSecrets(trimmed), LIMITS.field) });
  }
  const tenant = text(draft.tenant);
  const site = text(draft.site);
  const url = httpUrl(draft.url);
  return {
    id: draft.envelope.id,
    kind: draft.kind,
    subject: draft.subject,
    title: oneLine(draft.title),
    summary: truncate(withoutSecrets(oneLine(draft.summary)), LIMITS.summary),
    severity: draft.severity,
    status: draft.status,
    ...(tenant ? { tenant } : {}),
    ...(site ? { site } : {}),
    fields,
    labels,
    occurredAt: draft.occurredAt,
    ...(url ? { url } : {}),
    count: 1,
  };
}
