import type {
  TicketAuth,
  TicketClock,
  TicketHttpClient,
  TicketHttpRequest,
} from './ticket-http-client';
import { TicketSystemError } from './ticket-system-error';

/** What a token endpoint answered, checked. */
export interface OAuthTokens {
  accessToken: string;
  /** Absent when the endpoint keeps the current refresh token. */
  refreshToken?: string;
  expiresInSeconds?: number;
}

/** How to ask a product's token endpoint for tokens. */
export interface OAuthGrants {
  /** Exchanges a refresh token (ServiceNow: form-encoded; Atlassian: JSON). */
  refresh(refreshToken: string): TicketHttpRequest;
  /** The password grant, when the product and the config allow it (ServiceNow). */
  password?(): TicketHttpRequest;
}

export interface OAuthSessionOptions {
  /** The client token requests go through (sent anonymously; retries and timeouts included).
   * A function because that client authorises its other requests with this session. */
  http: () => TicketHttpClient;
  grants: OAuthGrants;
  clock: TicketClock;
  refreshToken?: string;
  /** Renew this long before the announced expiry (default 60 s). */
  expirySkewMs?: number;
  /** Told about each new refresh token, e.g. to persist a rotating one. */
  onRefreshToken?: (token: string) => void;
}

/**
 * Bearer tokens from an OAuth 2.0 token endpoint: obtained on first use, renewed before they
 * expire and after a 401, with the refresh token first and the password grant as the fallback.
 * Concurrent callers share one token request. Tokens show up in `secrets()` so they are redacted.
 */
export class OAuthSession implements TicketAuth {
  private accessToken: string | undefined;
  private expiresAt = Number.POSITIVE_INFINITY;
  private refreshToken: string | undefined;
  private pending: Promise<void> | undefined;

  constructor(private readonly options: OAuthSessionOptions) {
    this.refreshToken = options.refreshToken;
  }

  async authorization(signal: AbortSignal): Promise<string> {
    const skew = this.options.expirySkewMs ?? 60_000;
    if (!this.accessToken || this.options.clock.now() >= this.expiresAt - skew)
      await this.obtain(signal);
    return `Bearer ${this.accessToken ?? ''}`;
  }

  async renew(signal: AbortSignal): Promise<boolean> {
    this.accessToken = undefined;
    await this.obtain(signal);
    return true;
  }

  secrets(): string[] {
    return [this.accessToken, this.refreshToken].filter((s): s is string => s !== undefined);
  }

  private obtain(signal: AbortSignal): Promise<void> {
    this.pending ??= this.request(signal).finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  private async request(signal: AbortSignal): Promise<void> {
    const { grants } = this.options;
    const http = this.options.http();
    let tokens: OAuthTokens | undefined;
    if (this.refreshToken !== undefined) {
      try {
        tokens = await this.exchange(grants.refresh(this.refreshToken), signal);
      } catch (error) {
        // An expired or revoked refresh token is only fatal without a password to fall back on.
        if (!(error instanceof TicketSystemError) || error.code !== 'auth' || !grants.password)
          throw error;
        this.refreshToken = undefined;
      }
    }
    if (!tokens) {
      if (!grants.password) {
        throw http.error(
          'config',
          'no OAuth refresh token or password grant to obtain an access token with',
        );
      }
      tokens = await this.exchange(grants.password(), signal);
    }
    this.accessToken = tokens.accessToken;
    this.expiresAt =
      tokens.expiresInSeconds === undefined
        ? Number.POSITIVE_INFINITY
        : this.options.clock.now() + tokens.expiresInSeconds * 1000;
    if (tokens.refreshToken && tokens.refreshToken !== this.refreshToken) {
      this.refreshToken = tokens.refreshToken;
      this.options.onRefreshToken?.(tokens.refreshToken);
    }
  }

  private async exchange(request: TicketHttpRequest, signal: AbortSignal): Promise<OAuthTokens> {
    const http = this.options.http();
    const where = `${request.method} ${request.url.pathname}`;
    // Token endpoints answer 400/401/403 for bad grants; all of them mean "credentials refused".
    const answer = await http.json({ ...request, anonymous: true }, signal, [400, 401, 403]);
    if (answer.status !== 200) {
      const body = answer.body as { error?: unknown; error_description?: unknown } | null;
      const reason = [body?.error, body?.error_description]
        .filter((v) => typeof v === 'string')
        .join(': ');
      throw http.error(
        'auth',
        `${where} refused the OAuth grant (${answer.status}${reason ? `, ${reason}` : ''})`,
        answer.status,
      );
    }
    const body = answer.body as {
      access_token?: unknown;
      refresh_token?: unknown;
      expires_in?: unknown;
    } | null;
    if (typeof body?.access_token !== 'string' || body.access_token === '') {
      throw http.error('malformed', `${where} answered without an access_token`);
    }
    const expiresIn = Number(body.expires_in);
    return {
      accessToken: body.access_token,
      refreshToken:
        typeof body.refresh_token === 'string' && body.refresh_token
          ? body.refresh_token
          : undefined,
      expiresInSeconds: Number.isFinite(expiresIn) && expiresIn > 0 ? expiresIn : undefined,
    };
  }
}
