/** Where a connection attempt failed, in the order a request goes through them. */
export type ConnectionStage = 'dns' | 'connect' | 'tls' | 'auth' | 'request' | 'parse';

export type SourceErrorKind =
  | 'dns'
  | 'connect'
  | 'tls'
  | 'timeout'
  | 'auth'
  | 'http'
  | 'rate_limited'
  | 'quota_exceeded'
  | 'parse'
  | 'aborted';

const STAGE_OF: Record<SourceErrorKind, ConnectionStage> = {
  dns: 'dns',
  connect: 'connect',
  tls: 'tls',
  auth: 'auth',
  timeout: 'request',
  http: 'request',
  rate_limited: 'request',
  quota_exceeded: 'request',
  aborted: 'request',
  parse: 'parse',
};

/**
 * A failure talking to a data source. Messages are redacted before they get here, so they can be
 * logged and stored as `last_error` as they are.
 */
export class SourceError extends Error {
  override readonly name = 'SourceError';
  readonly stage: ConnectionStage;
  /** HTTP status when the source answered. */
  readonly status?: number;
  /** When the source (Retry-After) or the request budget allows the next attempt, ms since epoch. */
  readonly retryAtMs?: number;

  constructor(
    readonly kind: SourceErrorKind,
    message: string,
    options: { status?: number; retryAtMs?: number } = {},
  ) {
    super(message);
    this.stage = STAGE_OF[kind];
    this.status = options.status;
    this.retryAtMs = options.retryAtMs;
  }
}

const DNS_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NONAME', 'EAI_NODATA']);
const CONNECT_CODES = new Set([
  'ECONNREFUSED',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EHOSTDOWN',
  'EADDRNOTAVAIL',
  'UND_ERR_CONNECT_TIMEOUT',
]);
const TLS_CODES = new Set([
  'EPROTO',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'HOSTNAME_MISMATCH',
]);

/** The first `code` found on the error, its causes, or the errors of an AggregateError cause. */
function errorCode(error: unknown, depth = 0): string | undefined {
  if (depth > 5 || typeof error !== 'object' || error === null) return undefined;
  const { code, cause, errors } = error as { code?: unknown; cause?: unknown; errors?: unknown };
  if (typeof code === 'string') return code;
  if (Array.isArray(errors)) {
    for (const inner of errors) {
      const found = errorCode(inner, depth + 1);
      if (found) return found;
    }
  }
  return errorCode(cause, depth + 1);
}

/** Turns what `fetch` threw into a SourceError that names the stage (DNS, connect, TLS...). */
export function classifyNetworkError(
  error: unknown,
  target: string,
  timeoutMs: number,
): SourceError {
  if (error instanceof SourceError) return error;
  const name = error instanceof Error ? error.name : '';
  if (name === 'TimeoutError') {
    return new SourceError('timeout', `${target}: no response within ${timeoutMs} ms`);
  }
  if (name === 'AbortError') return new SourceError('aborted', `${target}: aborted`);
  const code = errorCode(error);
  if (code && DNS_CODES.has(code)) {
    return new SourceError('dns', `${target}: host name does not resolve (${code})`);
  }
  if (code && CONNECT_CODES.has(code)) {
    return new SourceError('connect', `${target}: cannot connect (${code})`);
  }
  if (code && (TLS_CODES.has(code) || code.startsWith('ERR_TLS_') || code.startsWith('ERR_SSL_'))) {
    return new SourceError('tls', `${target}: TLS handshake failed (${code})`);
  }
  const detail = code ?? (error instanceof Error ? error.message : String(error));
  // A connection the source dropped mid-answer: the request reached it, so this is not `connect`.
  return new SourceError('http', `${target}: connection failed (${detail})`);
}
