import 'reflect-metadata';
import { plainToInstance, type ClassConstructor } from 'class-transformer';
import { validateSync, ValidateBy, type ValidationError } from 'class-validator';
import picomatch from 'picomatch';
import type { DeliveryOutcome, HttpResponse, HttpSend, OutboundRequest } from '../integration';
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
  let message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  for (const secret of secrets) if (secret) message = message.split(secret).join('***');
  return message;
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

/** Milliseconds since `started`, for health latency. */
export function since(started: number): number {
  return Math.max(0, Date.now() - started);
}
