export interface ReconnectBackoff {
  /** Cap of the first attempt's delay window. */
  initialDelayMs: number;
  /** Largest delay window; the window doubles per failed attempt up to it. */
  maxDelayMs: number;
  /** Least wait after the server refused the credentials, so a wrong KEY does not hammer it. */
  authFailureDelayMs: number;
}

export const DEFAULT_RECONNECT_BACKOFF: ReconnectBackoff = {
  initialDelayMs: 500,
  maxDelayMs: 60_000,
  authFailureDelayMs: 60_000,
};

/**
 * "Full jitter": a uniform draw in [0, min(max, initial × 2^(attempt-1))). Spreads the reconnects
 * of many agents after a server restart instead of having them arrive in waves.
 */
export function fullJitterDelay(
  attempt: number,
  backoff: Pick<ReconnectBackoff, 'initialDelayMs' | 'maxDelayMs'>,
  random: () => number = Math.random,
): number {
  const exponent = Math.min(Math.max(0, attempt - 1), 30);
  const window = Math.min(backoff.maxDelayMs, backoff.initialDelayMs * 2 ** exponent);
  return Math.floor(random() * window);
}

/** Delay before the next attempt: the jittered backoff, never below the auth floor after a refusal. */
export function reconnectDelay(
  attempt: number,
  backoff: ReconnectBackoff,
  refusal: { retryAfterMs?: number } | undefined,
  random: () => number = Math.random,
): number {
  const jittered = fullJitterDelay(attempt, backoff, random);
  if (!refusal) return jittered;
  return Math.max(jittered, backoff.authFailureDelayMs, refusal.retryAfterMs ?? 0);
}
