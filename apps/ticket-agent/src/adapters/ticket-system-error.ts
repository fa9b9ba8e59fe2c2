/** Why a ticket-system call failed; callers branch on it (retry later, fix config, alert). */
export type TicketSystemErrorCode =
  /** Credentials refused (401 after any refresh), or the token endpoint refused them. */
  | 'auth'
  /** Authenticated but not allowed (403). */
  | 'forbidden'
  /** Rate limited beyond what the retry policy waits for. */
  | 'rate-limited'
  /** Any other non-2xx answer (bad query, unknown filter...), or 5xx after the last attempt. */
  | 'http'
  /** A body that is not the JSON (or the shape) the API documents. */
  | 'malformed'
  /** No answer within the timeout, after the last attempt. */
  | 'timeout'
  /** Connection refused, reset, DNS... after the last attempt. */
  | 'network'
  /** The adapter's settings or the query it was given cannot work. */
  | 'config';

/**
 * A failure talking to a ticket system. The message says what and where (system, method, path,
 * status, the product's own words) and never carries credentials: every message passes through
 * the adapter's redaction of its secrets.
 */
export class TicketSystemError extends Error {
  constructor(
    readonly system: string,
    readonly code: TicketSystemErrorCode,
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'TicketSystemError';
  }
}

/** A ticket the ticket system returned but that cannot become an AgentTicket (one bad record). */
export class TicketRecordError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TicketRecordError';
  }
}

/** `text` with every secret (of at least 4 characters) replaced by `***`. */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length < 4) continue;
    out = out.split(secret).join('***');
  }
  return out;
}

/** The reason to rethrow when `signal` aborted: its own reason when that is an Error. */
export function abortReason(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  return reason instanceof Error
    ? reason
    : new DOMException('The operation was aborted', 'AbortError');
}
