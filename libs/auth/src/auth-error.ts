/** Why authentication or authorisation failed; stable strings an app may log or count. */
export type AuthFailureReason =
  | 'credentials_missing'
  | 'token_malformed'
  | 'token_expired'
  | 'token_not_yet_valid'
  | 'token_signature_invalid'
  | 'token_algorithm_not_allowed'
  | 'token_claim_missing'
  | 'token_claim_invalid'
  | 'token_revoked'
  | 'api_key_invalid'
  | 'forbidden';

/** The two codes an app maps to HTTP; the strings match `ErrorCode` of `@telcomesh/platform`. */
export type AuthErrorCode = 'UNAUTHORIZED' | 'FORBIDDEN';

/**
 * Thrown by this library when a request cannot be authenticated (401) or is not allowed (403).
 * Messages say what failed, never the token or key that was presented. A util lib cannot import
 * the platform's DomainError; the app maps `code` (or `status`) to its own error type.
 */
export class AuthError extends Error {
  readonly code: AuthErrorCode;
  readonly status: 401 | 403;
  /** The JWT claim that was missing or invalid, when there is one. */
  readonly claim?: string;

  constructor(
    readonly reason: AuthFailureReason,
    message: string,
    options?: { claim?: string; cause?: unknown },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AuthError';
    this.code = reason === 'forbidden' ? 'FORBIDDEN' : 'UNAUTHORIZED';
    this.status = reason === 'forbidden' ? 403 : 401;
    this.claim = options?.claim;
  }
}
