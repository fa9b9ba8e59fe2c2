import 'reflect-metadata';
import { plainToInstance, type ClassConstructor } from 'class-transformer';
import { validateSync, ValidateBy, type ValidationError } from 'class-validator';
import picomatch from 'picomatch';
import {
  classifyResponse,
  type DeliveryOutcome,
  type HttpResponse,
  type HttpSend,
  type OutboundRequest,
} from '../integration';
import type { Notification } from '../notification';

/*
 * Helpers shared by every product integration (Slack, Discord, Teams, webhook, Splunk, New Relic,
 * PagerDuty): config parsing that names every bad field without echoing secrets, webhook-URL
 * redaction, dotted-subject glob matching, and one-at-a-time delivery.
 */

function problems(
  errors: ValidationError[],
  secretFields: readonly string[],
  prefix = '',
): string[] {
  const out: string[] = [];
  for (const error of errors) {
    const path = `${prefix}${error.property}`;
    const messages = Object.values(error.constraints ?? {});
    if (messages.length > 0) {
      const secret = secretFields.includes(path.split('.')[0]);
      // class-validator's default messages name the property, never the value; keep it that way.
      out.push(`${path}: ${messages.join('; ')}${secret ? ' (value redacted)' : ''}`);
    }
    if (error.children?.length) out.push(...problems(error.children, secretFields, `${path}.`));
  }
  return out;
}

/**
 * Validates a plain config object (from JSON, YAML, a database row...) against a class-validator
 * class. Throws one Error naming every bad or unknown field; secret fields' values are never shown.
 */
export function parseIntegrationConfig<T extends object>(
  product: string,
  configClass: ClassConstructor<T>,
  plain: unknown,
  secretFields: readonly string[],
): T {
  if (typeof plain !== 'object' || plain === null || Array.isArray(plain))
    throw new Error(`invalid ${product} config: expected an object`);
  const instance = plainToInstance(configClass, plain, { exposeDefaultValues: true });
  const errors = validateSync(instance, {
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
  });
  if (errors.length > 0) {
    const list = problems(errors, secretFields).sort();
    throw new Error(`invalid ${product} config: ${list.join(', ')}`);
  }
  return instance;
}

/**
 * Validates a plain config object for the ticketing and CI integrations (Zendesk, Jira,
 * ServiceNow, GitHub, GitLab, Jenkins): throws `Invalid <product> config: a; b` naming every bad
 * or unknown field in validation order (messages name properties, never values). `check` adds
 * product-specific problems and may normalise the config; `raw` is the object as given.
 */
export function parseCheckedConfig<T extends object>(
  product: string,
  configClass: ClassConstructor<T>,
  plain: unknown,
  check: (config: T, problems: string[], raw: Record<string, unknown>) => void = () => undefined,
): T {
  if (typeof plain !== 'object' || plain === null || Array.isArray(plain)) {
    throw new Error(`Invalid ${product} config: expected an object`);
  }
  const config = plainToInstance(configClass, plain, { exposeDefaultValues: true });
  const problems = describeValidationErrors(
    validateSync(config, { whitelist: true, forbidNonWhitelisted: true }),
  );
  check(config, problems, plain as Record<string, unknown>);
  if (problems.length > 0) throw new Error(`Invalid ${product} config: ${problems.join('; ')}`);
  return config;
}

/** True when `value` is an http(s) URL (loopback and single-label hosts allowed). */
export function isHttpUrl(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  try {
    const url = new URL(value);
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.hostname !== '';
  } catch {
    return false;
  }
}

/** Validates an http(s) URL (class-validator's IsUrl refuses loopback hosts without a TLD). */
export function IsHttpUrl(example?: string): PropertyDecorator {
  return ValidateBy({
    name: 'isHttpUrl',
    validator: {
      validate: (value: unknown) => isHttpUrl(value),
      defaultMessage: (args) =>
        `${args?.property} must be an http(s) URL${example ? ` (${example})` : ''}`,
    },
  });
}

/** Validates a `{ name: url }` map, e.g. Discord's per-channel webhooks. */
export function IsUrlMap(): PropertyDecorator {
  return ValidateBy({
    name: 'isUrlMap',
    validator: {
      validate: (value: unknown) =>
        typeof value === 'object' &&
        value !== null &&
        !Array.isArray(value) &&
        Object.entries(value).every(([key, url]) => key.length > 0 && isHttpUrl(url)),
      defaultMessage: (args) => `${args?.property} must map names to http(s) URLs`,
    },
  });
}

/** Validates a `{ name: string }` map, e.g. extra headers or custom attributes. */
export function IsStringMap(): PropertyDecorator {
  return ValidateBy({
    name: 'isStringMap',
    validator: {
      validate: (value: unknown) =>
        typeof value === 'object' &&
        value !== null &&
        !Array.isArray(value) &&
        Object.entries(value).every(([key, v]) => key.length > 0 && typeof v === 'string'),
      defaultMessage: (args) => `${args?.property} must map names to strings`,
    },
  });
}

/**
 * A webhook URL whose path is its credential (Slack, Discord, Teams): keep scheme and host only,
 * so a reason or log line can say where it went without handing out the key.
 */
export function redactWebhookUrl(raw: string): string {
  try {
    const url = new URL(raw);
    return `${url.protocol}//${url.host}/***`;
  } catch {
    return '***';
  }
}

/**
 * class-validator errors as `path: message; message` lines (nested properties as `a.b`), appended
 * to `out`. Messages name properties, never values, so secrets cannot leak through them.
 */
export function describeValidationErrors(
  errors: readonly ValidationError[],
  prefix = '',
  out: string[] = [],
): string[] {
  for (const error of errors) {
    const path = `${prefix}${error.property}`;
    const messages = Object.values(error.constraints ?? {});
    if (messages.length > 0) out.push(`${path}: ${messages.join('; ')}`);
    describeValidationErrors(error.children ?? [], `${path}.`, out);
  }
  return out;
}

/** The entries of a plain object; none for anything else (null, arrays, scalars). */
export function objectEntries(value: unknown): [string, unknown][] {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? Object.entries(value)
    : [];
}

/** The parsed JSON body, or undefined when it does not parse. */
export function parseJsonBody(body: string): unknown {
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * Values for `{placeholders}`: `extra` first, then labels over fields (by name or snake_case
 * name, so `{old_value}` finds the field "Old Value") over the notification's own properties.
 * `tenant`, `site` and `url` are present only when set.
 */
export function placeholderValues(
  notification: Notification,
  extra: Readonly<Record<string, string>> = {},
): Map<string, string> {
  const values = new Map<string, string>([
    ['id', notification.id],
    ['kind', notification.kind],
    ['subject', notification.subject],
    ['title', notification.title],
    ['summary', notification.summary],
    ['severity', notification.severity],
    ['status', notification.status],
    ...Object.entries(extra),
    ['occurred_at', notification.occurredAt.toISOString()],
  ]);
  if (notification.tenant) values.set('tenant', notification.tenant);
  if (notification.site) values.set('site', notification.site);
  if (notification.url) values.set('url', notification.url);
  for (const field of notification.fields) {
    values.set(field.name, field.value);
    values.set(
      field.name
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, '_')
        .replace(/^_|_$/g, ''),
      field.value,
    );
  }
  for (const [key, value] of Object.entries(notification.labels)) values.set(key, value);
  return values;
}

/** Replaces each `{name}` in `template` with its value, or with `missing(placeholder)` when unknown. */
export function renderPlaceholders(
  template: string,
  values: ReadonlyMap<string, string>,
  missing: (placeholder: string) => string,
): string {
  return template.replace(
    /\{([A-Za-z0-9_. -]+)\}/g,
    (whole, name: string) => values.get(name) ?? missing(whole),
  );
}

/** The value of the first field named any of `names` (case-insensitive). */
export function fieldValue(notification: Notification, ...names: string[]): string | undefined {
  const wanted = names.map((n) => n.toLowerCase());
  return notification.fields.find((f) => wanted.includes(f.name.toLowerCase()))?.value;
}

/**
 * CI variables describing a config change (`CONFIG_KEY`, `CONFIG_VALUE`, `USER_ID`) from labels,
 * then fields, for pipelines and jobs triggered by a notification.
 */
export function configChangeVariables(notification: Notification): {
  CONFIG_KEY: string;
  CONFIG_VALUE: string;
  USER_ID: string;
} {
  const labels = notification.labels;
  return {
    CONFIG_KEY:
      labels.config_key ?? fieldValue(notification, 'Key', 'Config Key') ?? notification.subject,
    CONFIG_VALUE:
      labels.config_value ??
      labels.new_value ??
      fieldValue(notification, 'New Value', 'Value') ??
      '',
    USER_ID:
      labels.user_id ?? labels.changed_by ?? fieldValue(notification, 'Changed By', 'User') ?? '',
  };
}

/** True when `subject` matches any of the dotted-subject globs (see `subjectMatcher`). */
export function subjectMatches(patterns: readonly string[], subject: string): boolean {
  return subjectMatcher(patterns)(subject);
}

/**
 * Glob over dotted subjects, `.` separating segments the way `/` separates path segments:
 * `*.database.*` matches `app.database.host` but not `a.b.database.host`; `**` spans segments.
 */
export function subjectMatcher(patterns: readonly string[]): (subject: string) => boolean {
  if (patterns.length === 0) return () => false;
  const toPath = (dotted: string) => dotted.split('.').join('/');
  const match = picomatch(patterns.map(toPath), { dot: true });
  return (subject) => match(toPath(subject));
}

/**
 * Products taking one message per request: send them in order, stopping at the first that is not
 * delivered (the delivery queue sends batches of `maxBatchSize` = 1, so this is the rare case).
 */
export async function deliverEach(
  notifications: readonly Notification[],
  http: HttpSend,
  deliverOne: (notification: Notification, http: HttpSend) => Promise<DeliveryOutcome>,
): Promise<DeliveryOutcome> {
  if (notifications.length === 0) return { result: 'delivered', status: 204 };
  let last: DeliveryOutcome = { result: 'delivered', status: 204 };
  for (const notification of notifications) {
    last = await deliverOne(notification, http);
    if (last.result !== 'delivered') return last;
  }
  return last;
}

/**
 * Why a send threw (network error, timeout), with every secret (webhook URL, token, key) masked:
 * the delivery queue stores this reason.
 */
export function describeError(error: unknown, secrets: readonly (string | undefined)[]): string {
  return maskSecrets(
    error instanceof Error ? `${error.name}: ${error.message}` : String(error),
    secrets,
  );
}

/** `text` with every occurrence of each (non-empty) secret replaced by `mask`. */
export function maskSecrets(
  text: string,
  secrets: readonly (string | undefined)[],
  mask = '***',
): string {
  let out = text;
  for (const secret of secrets) if (secret) out = out.split(secret).join(mask);
  return out;
}

/** `classifyResponse`, with `redact` applied to the reason of anything not delivered. */
export function classifyRedacted(
  response: HttpResponse,
  redact: (text: string) => string,
  now: () => number = Date.now,
): DeliveryOutcome {
  const outcome = classifyResponse(response, now);
  return outcome.result === 'delivered' ? outcome : { ...outcome, reason: redact(outcome.reason) };
}

/**
 * Delivers one at a time, stopping at the first that is not delivered; when all are, the last
 * status and every reference (ticket, issue, build...) joined with commas.
 */
export async function deliverEachWithReferences(
  notifications: readonly Notification[],
  http: HttpSend,
  deliverOne: (notification: Notification, http: HttpSend) => Promise<DeliveryOutcome>,
): Promise<DeliveryOutcome> {
  const references: string[] = [];
  let status = 200;
  for (const notification of notifications) {
    const outcome = await deliverOne(notification, http);
    if (outcome.result !== 'delivered') return outcome;
    status = outcome.status;
    if (outcome.reference) references.push(outcome.reference);
  }
  return { result: 'delivered', status, reference: references.join(',') || undefined };
}

/** Sends, turning a throw into a retry whose reason carries no secret. */
export async function sendSafely(
  http: HttpSend,
  request: OutboundRequest,
  secrets: readonly (string | undefined)[],
): Promise<HttpResponse | { error: string }> {
  try {
    return await http(request);
  } catch (error) {
    return { error: describeError(error, secrets) };
  }
}

/** `Basic` authorization for `user:password`. */
export function basicAuthorization(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

/** Request headers for a product's JSON API: its credentials, JSON accepted, our user agent. */
export function jsonApiHeaders(
  credentials: Readonly<Record<string, string>>,
): Record<string, string> {
  return { ...credentials, accept: 'application/json', 'user-agent': 'TelcoMesh-Notifier' };
}

/** Milliseconds since `started`, for health latency. */
export function since(started: number): number {
  return Math.max(0, Date.now() - started);
}
