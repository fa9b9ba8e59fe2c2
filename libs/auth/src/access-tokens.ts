import { randomUUID } from 'node:crypto';
import { jwtVerify, SignJWT, type JWTPayload } from 'jose';
import { AuthError } from './auth-error';
import type { JwtKeys } from './jwt-keys';
import { JOB_PERMISSIONS, permissionsFor } from './permissions';
import { PRINCIPAL_KINDS, type JobScope, type Principal, type PrincipalKind } from './principal';

export const DEFAULT_CLOCK_TOLERANCE_SECONDS = 5;
export const MAX_CLOCK_TOLERANCE_SECONDS = 120;
export const DEFAULT_MAX_TTL_SECONDS = 24 * 60 * 60;
/** Longer strings are rejected before any parsing. */
const MAX_TOKEN_LENGTH = 8192;
const MAX_ID_LENGTH = 256;

export interface AccessTokensOptions {
  readonly keys: JwtKeys;
  /** Required `iss` on verification, set on issued tokens. */
  readonly issuer?: string;
  /** Required `aud` on verification, set on issued tokens. */
  readonly audience?: string;
  /** Leeway for `exp`/`nbf`, in seconds (default 5, at most 120). */
  readonly clockToleranceSeconds?: number;
  /** Upper bound for `issue`'s ttl (default 24 h). */
  readonly maxTtlSeconds?: number;
  /** Optional deny-list (e.g. jobs that ended); when set, tokens without `jti` are rejected. */
  readonly isRevoked?: (tokenId: string) => boolean | Promise<boolean>;
  /** Clock, for tests. */
  readonly now?: () => Date;
}

/** What `issue` puts in a token: the principal's fields; permissions are explicit grants only. */
export interface TokenClaimsInput {
  readonly subject: string;
  readonly kind: PrincipalKind;
  readonly roles?: readonly string[];
  readonly permissions?: Iterable<string>;
  readonly customerId?: string | number;
  readonly scope?: { readonly provisionId: string | number; readonly customerId: string | number };
}

export interface JobTokenInput {
  readonly provisionId: string | number;
  readonly customerId: string | number;
  /** Should cover the job's longest possible run (its timeout plus a margin). */
  readonly ttlSeconds: number;
  /** Defaults to `JOB_PERMISSIONS`. */
  readonly permissions?: Iterable<string>;
}

/**
 * The token of an `Authorization: Bearer <token>` header, or `undefined` when the header is absent
 * or uses another scheme. The scheme is case-insensitive (RFC 7235).
 */
export function bearerToken(
  authorization: string | readonly string[] | undefined | null,
): string | undefined {
  if (typeof authorization !== 'string') return undefined;
  const match = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i.exec(authorization);
  return match?.[1];
}

function invalidClaim(claim: string, what: string): AuthError {
  return new AuthError('token_claim_invalid', `token claim "${claim}" ${what}`, { claim });
}

function missingClaim(claim: string): AuthError {
  return new AuthError('token_claim_missing', `token has no "${claim}" claim`, { claim });
}

function idClaim(value: unknown, claim: string): string {
  if (typeof value === 'string' && value !== '' && value.length <= MAX_ID_LENGTH) return value;
  if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
  throw invalidClaim(claim, 'must be a non-empty string or an integer');
}

function stringList(value: unknown, claim: string): string[] {
  if (value === undefined) return [];
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return [...value];
  throw invalidClaim(claim, 'must be an array of strings');
}

/** Builds the principal from verified claims; every claim is type-checked, deny by default. */
function principalFromClaims(payload: JWTPayload): Principal {
  const { sub, kind, roles: rawRoles, permissions: rawPermissions } = payload;
  if (sub === undefined) throw missingClaim('sub');
  if (typeof sub !== 'string' || sub === '' || sub.length > MAX_ID_LENGTH) {
    throw invalidClaim('sub', 'must be a non-empty string');
  }
  if (kind === undefined) throw missingClaim('kind');
  if (typeof kind !== 'string' || !(PRINCIPAL_KINDS as readonly string[]).includes(kind)) {
    throw invalidClaim('kind', `must be one of ${PRINCIPAL_KINDS.join(', ')}`);
  }
  const roles = stringList(rawRoles, 'roles');
  const explicit = stringList(rawPermissions, 'permissions');
  const customerId =
    payload.customer_id === undefined ? undefined : idClaim(payload.customer_id, 'customer_id');

  let scope: JobScope | undefined;
  if (payload.scope !== undefined) {
    const raw = payload.scope;
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
      throw invalidClaim('scope', 'must be an object { provision_id, customer_id }');
    }
    const record = raw as Record<string, unknown>;
    scope = {
      provisionId: idClaim(record.provision_id, 'scope.provision_id'),
      customerId: idClaim(record.customer_id, 'scope.customer_id'),
    };
  }

  if (kind === 'job') {
    if (scope === undefined) throw missingClaim('scope');
    if (roles.length > 0) throw invalidClaim('roles', 'must be empty for a job token');
    if (customerId !== undefined && customerId !== scope.customerId) {
      throw invalidClaim('customer_id', 'must equal scope.customer_id');
    }
  } else if (scope !== undefined) {
    throw invalidClaim('scope', 'is only allowed on job tokens');
  }
  if (kind === 'customer' && customerId === undefined) throw missingClaim('customer_id');

  const boundCustomer = scope?.customerId ?? customerId;
  return {
    subject: sub,
    kind: kind as PrincipalKind,
    roles,
    permissions: permissionsFor(roles, explicit),
    ...(boundCustomer === undefined ? {} : { customerId: boundCustomer }),
    ...(scope === undefined ? {} : { scope }),
    ...(typeof payload.jti === 'string' ? { tokenId: payload.jti } : {}),
    ...(typeof payload.exp === 'number' ? { expiresAt: new Date(payload.exp * 1000) } : {}),
  };
}

/** jose's errors → AuthError with a reason; nothing from the token is echoed. */
function toAuthError(error: unknown): AuthError {
  const { code, claim, reason } = (error ?? {}) as {
    code?: unknown;
    claim?: unknown;
    reason?: unknown;
  };
  const claimName = typeof claim === 'string' ? claim : 'unknown';
  switch (code) {
    case 'ERR_JWT_EXPIRED':
      return new AuthError('token_expired', 'token has expired', { claim: 'exp', cause: error });
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED':
      if (claimName === 'nbf' && reason === 'check_failed') {
        return new AuthError('token_not_yet_valid', 'token is not valid yet', { claim: 'nbf' });
      }
      if (reason === 'missing') return missingClaim(claimName);
      return invalidClaim(
        claimName,
        reason === 'check_failed' ? 'has an unexpected value' : 'is invalid',
      );
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
      return new AuthError('token_algorithm_not_allowed', 'token algorithm is not allowed');
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
      return new AuthError('token_signature_invalid', 'token signature is invalid');
    default:
      // ERR_JWS_INVALID, ERR_JWT_INVALID, ERR_JOSE_NOT_SUPPORTED, or anything unexpected: fail closed.
      return new AuthError('token_malformed', 'token is malformed', { cause: error });
  }
}

/**
 * Verifies and mints access tokens with the configured key. Verification allows exactly one
 * algorithm (the key's), so `alg: none` and RS/HS confusion are rejected before any signature
 * check; `exp` and `sub` are required, `iss`/`aud` when configured.
 */
export class AccessTokens {
  private readonly clockTolerance: number;
  private readonly maxTtl: number;
  private readonly now: () => Date;

  constructor(private readonly options: AccessTokensOptions) {
    this.clockTolerance = options.clockToleranceSeconds ?? DEFAULT_CLOCK_TOLERANCE_SECONDS;
    if (
      !Number.isInteger(this.clockTolerance) ||
      this.clockTolerance < 0 ||
      this.clockTolerance > MAX_CLOCK_TOLERANCE_SECONDS
    ) {
      throw new RangeError(`clockToleranceSeconds must be 0-${MAX_CLOCK_TOLERANCE_SECONDS}`);
    }
    this.maxTtl = options.maxTtlSeconds ?? DEFAULT_MAX_TTL_SECONDS;
    if (!Number.isInteger(this.maxTtl) || this.maxTtl < 1) {
      throw new RangeError('maxTtlSeconds must be a positive integer');
    }
    this.now = options.now ?? (() => new Date());
  }

  get algorithm(): JwtKeys['algorithm'] {
    return this.options.keys.algorithm;
  }

  /** True when a signing key is configured (HS256 secret or RS/ES private key). */
  get canIssue(): boolean {
    return this.options.keys.signKey !== undefined;
  }

  /** The principal of a valid token; throws `AuthError` (401) saying what failed otherwise. */
  async verify(token: string | undefined | null): Promise<Principal> {
    if (typeof token !== 'string' || token === '') {
      throw new AuthError('credentials_missing', 'no access token');
    }
    if (token.length > MAX_TOKEN_LENGTH || token.split('.').length !== 3) {
      throw new AuthError('token_malformed', 'token is malformed');
    }
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.options.keys.verifyKey, {
        algorithms: [this.options.keys.algorithm],
        requiredClaims: ['exp', 'sub'],
        clockTolerance: this.clockTolerance,
        currentDate: this.now(),
        ...(this.options.issuer === undefined ? {} : { issuer: this.options.issuer }),
        ...(this.options.audience === undefined ? {} : { audience: this.options.audience }),
      }));
    } catch (error) {
      throw toAuthError(error);
    }
    const principal = principalFromClaims(payload);
    if (this.options.isRevoked !== undefined) {
      if (principal.tokenId === undefined) throw missingClaim('jti');
      if (await this.options.isRevoked(principal.tokenId)) {
        throw new AuthError('token_revoked', 'token has been revoked');
      }
    }
    return principal;
  }

  /**
   * Mints a token for these claims, valid `ttlSeconds` (1 … maxTtlSeconds) with a fresh `jti`.
   * Throws if no signing key is configured or the claims would not pass `verify`.
   */
  async issue(claims: TokenClaimsInput, ttlSeconds: number): Promise<string> {
    const signKey = this.options.keys.signKey;
    if (signKey === undefined) {
      throw new Error(
        'cannot issue tokens: no signing key (AUTH_JWT_SECRET or AUTH_JWT_PRIVATE_KEY)',
      );
    }
    if (!Number.isInteger(ttlSeconds) || ttlSeconds < 1 || ttlSeconds > this.maxTtl) {
      throw new RangeError(`ttlSeconds must be an integer in 1-${this.maxTtl}`);
    }
    const payload: JWTPayload = {
      kind: claims.kind,
      roles: [...(claims.roles ?? [])],
      permissions: [...new Set(claims.permissions ?? [])],
      ...(claims.customerId === undefined ? {} : { customer_id: String(claims.customerId) }),
      ...(claims.scope === undefined
        ? {}
        : {
            scope: {
              provision_id: String(claims.scope.provisionId),
              customer_id: String(claims.scope.customerId),
            },
          }),
    };
    const issuedAt = Math.floor(this.now().getTime() / 1000);
    const jti = randomUUID();
    try {
      // The same checks `verify` applies, so a token this class mints always verifies.
      principalFromClaims({ ...payload, sub: claims.subject, jti });
    } catch (error) {
      throw new TypeError(`cannot issue token: ${(error as Error).message}`);
    }
    const jwt = new SignJWT(payload)
      .setProtectedHeader({ alg: this.options.keys.algorithm, typ: 'JWT' })
      .setSubject(claims.subject)
      .setIssuedAt(issuedAt)
      .setExpirationTime(issuedAt + ttlSeconds)
      .setJti(jti);
    if (this.options.issuer !== undefined) jwt.setIssuer(this.options.issuer);
    if (this.options.audience !== undefined) jwt.setAudience(this.options.audience);
    return jwt.sign(signKey);
  }

  /**
   * A token for one provisioning job's playbook: kind `job`, subject `job:<provisionId>`, no
   * roles, `JOB_PERMISSIONS`, `scope: { provision_id, customer_id }`. `canActOnCustomer` limits it
   * to that customer; revoke its `jti` (see `isRevoked`) when the job ends if it may outlive it.
   */
  async issueJobToken(input: JobTokenInput): Promise<string> {
    return this.issue(
      {
        subject: `job:${input.provisionId}`,
        kind: 'job',
        roles: [],
        permissions: input.permissions ?? JOB_PERMISSIONS,
        customerId: input.customerId,
        scope: { provisionId: input.provisionId, customerId: input.customerId },
      },
      input.ttlSeconds,
    );
  }
}
