import { AccessTokens, bearerToken, type AccessTokensOptions } from './access-tokens';
import { ApiKeyRing } from './api-keys';
import { AuthError } from './auth-error';
import { clientIp, IpAllowList } from './ip';
import { permissionsFor, Role } from './permissions';
import type { Principal } from './principal';
import type { AuthSettings } from './settings';

/** The parts of an HTTP request authentication looks at (header values as Node gives them). */
export interface AuthRequest {
  readonly authorization?: string | readonly string[];
  readonly apiKey?: string | readonly string[];
  /** The socket's peer address. */
  readonly remoteAddress?: string;
  readonly forwardedFor?: string | readonly string[];
}

export interface AuthenticatorParts {
  readonly tokens: AccessTokens;
  readonly apiKeys: ApiKeyRing;
  readonly ipAllowList: IpAllowList;
  readonly trustedProxies: IpAllowList;
  /** Roles of a caller admitted by IP (seed: it acts as the first admin user). */
  readonly ipRoles?: readonly string[];
}

/**
 * The seed's three methods, in its order: `Authorization: Bearer` JWT, then `X-API-KEY`, then the
 * IP allow-list. A credential that is presented and wrong fails the request; it never falls
 * through to the next method.
 */
export class Authenticator {
  readonly tokens: AccessTokens;
  readonly apiKeys: ApiKeyRing;
  readonly ipAllowList: IpAllowList;
  readonly trustedProxies: IpAllowList;
  private readonly ipRoles: readonly string[];

  constructor(parts: AuthenticatorParts) {
    this.tokens = parts.tokens;
    this.apiKeys = parts.apiKeys;
    this.ipAllowList = parts.ipAllowList;
    this.trustedProxies = parts.trustedProxies;
    this.ipRoles = parts.ipRoles ?? [Role.Admin];
  }

  static fromSettings(
    settings: AuthSettings,
    options: Omit<AccessTokensOptions, 'keys' | 'issuer' | 'audience' | 'clockToleranceSeconds'> & {
      ipRoles?: readonly string[];
    } = {},
  ): Authenticator {
    const { ipRoles, ...tokenOptions } = options;
    return new Authenticator({
      tokens: new AccessTokens({ ...settings.jwt, ...tokenOptions }),
      apiKeys: new ApiKeyRing(settings.apiKeys),
      ipAllowList: new IpAllowList(settings.ipAllowList),
      trustedProxies: new IpAllowList(settings.trustedProxies),
      ...(ipRoles === undefined ? {} : { ipRoles }),
    });
  }

  /** The client's address (trusted-proxy aware), for logs, rate limits and the IP path. */
  clientIp(request: AuthRequest): string | undefined {
    return clientIp(request.remoteAddress, request.forwardedFor, this.trustedProxies);
  }

  /** The caller's principal; throws `AuthError` (401) when no method admits it. */
  async authenticate(request: AuthRequest): Promise<Principal> {
    if (request.authorization !== undefined) {
      const token = bearerToken(request.authorization);
      if (token === undefined) {
        throw new AuthError('token_malformed', 'Authorization header must be "Bearer <token>"');
      }
      return this.tokens.verify(token);
    }
    if (request.apiKey !== undefined) {
      const principal =
        typeof request.apiKey === 'string' ? this.apiKeys.verify(request.apiKey) : undefined;
      if (principal === undefined) throw new AuthError('api_key_invalid', 'invalid API key');
      return principal;
    }
    const ip = this.clientIp(request);
    if (ip !== undefined && this.ipAllowList.contains(ip)) {
      return {
        subject: `ip:${ip}`,
        kind: 'ip',
        roles: [...this.ipRoles],
        permissions: permissionsFor(this.ipRoles),
      };
    }
    throw new AuthError('credentials_missing', 'authentication required');
  }
}
