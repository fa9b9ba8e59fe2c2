export interface RetryPolicy {
  /** Attempts per request, the first included; 1 disables retries. */
  maxAttempts: number;
  /** Backoff before the first retry; doubles per retry. */
  baseDelayMs: number;
  /** Ceiling of the exponential backoff. */
  maxDelayMs: number;
  /**
   * The longest Retry-After the client waits inside one sync; a longer one ends the request as
   * `rate_limited` with the time to come back, so a sync never sleeps for minutes.
   */
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 4,
  baseDelayMs: 500,
  maxDelayMs: 30_000,
  maxRetryAfterMs: 120_000,
};

/**
 * Delay before retry number `retry` (1 for the first): the exponential ceiling
 * `min(max, base × 2^(retry-1))`, of which the upper half is drawn at random ("equal jitter"), so
 * many connectors failing together spread out but none retries at once.
 */
export function backoffDelayMs(
  retry: number,
  policy: Pick<RetryPolicy, 'baseDelayMs' | 'maxDelayMs'>,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, retry - 1));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

/**
 * Milliseconds to wait according to a Retry-After header (RFC 9110: delay-seconds or an
 * HTTP-date), or undefined when it is absent or unreadable. A date in the past means now (0).
 */
export function parseRetryAfterMs(
  value: string | null | undefined,
  nowMs: number,
): number | undefined {
  if (value === null || value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  // Dates only in the IMF-fixdate / obsolete forms HTTP allows; a bare number was handled above.
  if (!/[a-z]/i.test(text)) return undefined;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - nowMs);
}

/** Statuses worth another attempt: the source is busy or failed transiently. */
export function isRetryableStatus(status: number): boolean {
  return (
    status === 408 ||
    status === 429 ||
    status === 500 ||
    status === 502 ||
    status === 503 ||
    status === 504
  );
}
