import type { Notification } from './notification';

/** An HTTP request an integration wants sent. Built without I/O so it can be checked in tests. */
export interface OutboundRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH';
  url: string;
  headers: Record<string, string>;
  /** Serialized body (JSON, form, NDJSON...). */
  body?: string;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Sends requests; the delivery layer gives each integration one with timeouts and tracing. */
export type HttpSend = (request: OutboundRequest) => Promise<HttpResponse>;

/** Outcome of one delivery attempt, which the delivery queue acts on. */
export type DeliveryOutcome =
  | { result: 'delivered'; status: number; reference?: string }
  /** Try again later; `retryAfterMs` from Retry-After when the product sent one. */
  | { result: 'retry'; status?: number; reason: string; retryAfterMs?: number }
  /** Retrying cannot help (400, 401, 403, 404...): dead-letter it. */
  | { result: 'failed'; status?: number; reason: string };

export interface IntegrationHealth {
  healthy: boolean;
  detail: string;
  latencyMs: number;
}

/**
 * One enterprise tool the notifier can tell. An implementation speaks the product's documented
 * API: it builds the payload (respecting the product's size limits), sends it with the given
 * `http`, and classifies the answer. Adding an integration is one class plus its config DTO,
 * registered by `type` in the integration registry.
 */
export interface Integration {
  /** Registry name, e.g. `slack`, `pagerduty`, `webhook`. */
  readonly type: string;
  /** Notifications this integration prefers to receive together (Splunk HEC, New Relic); 1 otherwise. */
  readonly maxBatchSize: number;
  /**
   * For batching integrations: how long a partial batch may wait for more notifications before it
   * is sent anyway (Splunk HEC `flush_interval`). Unset: send whatever is due at once.
   */
  readonly flushIntervalMs?: number;
  /** Whether this integration wants the notification at all (Jenkins `trigger_patterns`); default yes. */
  accepts?(notification: Notification): boolean;
  deliver(notifications: Notification[], http: HttpSend): Promise<DeliveryOutcome>;
  /** A cheap authenticated call proving the configuration works (no message sent when avoidable). */
  checkHealth(http: HttpSend): Promise<IntegrationHealth>;
}

/** Maps an HTTP answer to an outcome the way most products document it. */
export function classifyResponse(
  response: HttpResponse,
  now: () => number = Date.now,
): DeliveryOutcome {
  const { status } = response;
  if (status >= 200 && status < 300) return { result: 'delivered', status };
  const reason = `HTTP ${status}${response.body ? `: ${response.body.slice(0, 300)}` : ''}`;
  if (status === 408 || status === 425 || status === 429 || status >= 500) {
    return {
      result: 'retry',
      status,
      reason,
      retryAfterMs: retryAfterMs(response.headers['retry-after'], now),
    };
  }
  return { result: 'failed', status, reason };
}

/** Retry-After as delay-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function retryAfterMs(
  value: string | undefined,
  now: () => number = Date.now,
): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now());
}

/** Cuts text to `max` characters (not splitting a surrogate pair), marking the cut with an ellipsis. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = Math.max(0, max - 1);
  const code = text.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end--;
  return `${text.slice(0, end)}…`;
}
