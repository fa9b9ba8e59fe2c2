import { randomBytes } from 'node:crypto';
import type { OssRecordedRequest, OssReply } from './oss-simulator';

export interface OAuth2ClientOptions {
  clientId: string;
  clientSecret: string;
  /** Refresh tokens the server accepts for the refresh_token grant. */
  refreshTokens?: string[];
  /** Issue a new refresh token with every refresh (and forget the one used). */
  rotateRefreshTokens?: boolean;
  /** `expires_in` of issued access tokens; 3600 s by default. */
  tokenTtlSeconds?: number;
}

function oauthError(status: number, error: string, description: string): OssReply {
  return {
    status,
    headers: { 'cache-control': 'no-store' },
    body: { error, error_description: description },
  };
}

/**
 * An RFC 6749 token endpoint: client credentials (client authentication by HTTP Basic or form
 * fields) and refresh token grants, form-encoded requests, `invalid_client` / `invalid_grant` /
 * `unsupported_grant_type` errors. `issue` mints the access token the data endpoints accept.
 */
export function answerTokenRequest(
  request: OssRecordedRequest,
  client: OAuth2ClientOptions,
  issue: () => string,
): OssReply {
  if (request.method !== 'POST') return oauthError(405, 'invalid_request', 'use POST');
  if (!(request.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) {
    return oauthError(400, 'invalid_request', 'the body must be application/x-www-form-urlencoded');
  }
  const form = new URLSearchParams(request.body);
  let clientId = form.get('client_id');
  let clientSecret = form.get('client_secret');
  const authorization = request.headers.authorization;
  if (authorization?.startsWith('Basic ')) {
    const decoded = Buffer.from(authorization.slice(6), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    clientId = decodeURIComponent(decoded.slice(0, colon));
    clientSecret = decodeURIComponent(decoded.slice(colon + 1));
  }
  if (clientId !== client.clientId || clientSecret !== client.clientSecret) {
    return {
      ...oauthError(401, 'invalid_client', 'Client authentication failed'),
      headers: { 'www-authenticate': 'Basic realm="oauth"' },
    };
  }
  const ttl = client.tokenTtlSeconds ?? 3600;
  const grant = form.get('grant_type');
  if (grant === 'client_credentials') {
    return {
      status: 200,
      headers: { 'cache-control': 'no-store' },
      body: { access_token: issue(), token_type: 'Bearer', expires_in: ttl },
    };
  }
  if (grant === 'refresh_token') {
    const known = client.refreshTokens ?? [];
    const presented = form.get('refresh_token') ?? '';
    const at = known.indexOf(presented);
    if (at < 0) return oauthError(400, 'invalid_grant', 'The refresh token is invalid or expired');
    const body: Record<string, unknown> = {
      access_token: issue(),
      token_type: 'Bearer',
      expires_in: ttl,
    };
    if (client.rotateRefreshTokens) {
      const next = randomBytes(18).toString('base64url');
      known.splice(at, 1, next);
      body.refresh_token = next;
    }
    return { status: 200, headers: { 'cache-control': 'no-store' }, body };
  }
  return oauthError(
    400,
    'unsupported_grant_type',
    `grant_type ${grant ?? '(none)'} is not supported`,
  );
}

/** The bearer token of a request, if it has one. */
export function bearerToken(request: OssRecordedRequest): string | undefined {
  const authorization = request.headers.authorization;
  return authorization?.startsWith('Bearer ') ? authorization.slice(7) : undefined;
}
