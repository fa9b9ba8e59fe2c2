import type { Clock } from './clock';
import type { SourceRequest, SourceResponse } from './http-source-client';
import type { SecretRedactor } from './redaction';
import { SourceError } from './source-error';

/** Sends a request without authentication (token and login requests), budget and retries applied. */
export type AuthTransport = (request: SourceRequest) => Promise<SourceResponse>;

/** How a connector proves who it is to a source. */
export interface AuthStrategy {
  /**
   * Adds credentials to `headers`, first obtaining a token or session when none is valid. Returns
   * the credential used, handed back to `invalidate` when the source refuses it.
   */
  authorize(headers: Record<string, string>, transport: AuthTransport): Promise<string | undefined>;
  /**
   * Called on a 401: forgets `credential` if it is still the current one. True when a fresh
   * credential is worth one retry (tokens, sessions); false when retrying cannot help (basic, API key).
   */
  invalidate(credential: string | undefined): boolean;
  /** Ends a session at the source, best effort. */
  close?(transport: AuthTransport): Promise<void>;
}

export class NoAuth implements AuthStrategy {
  authorize(): Promise<undefined> {
    return Promise.resolve(undefined);
  }

  invalidate(): boolean {
    return false;
  }
}

export class BasicAuth implements AuthStrategy {
  private readonly header: string;

  constructor(username: string, password: string, redactor: SecretRedactor) {
    redactor.addBasicCredentials(username, password);
    this.header = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
  }

  authorize(headers: Record<string, string>): Promise<string> {
    headers.authorization = this.header;
    return Promise.resolve(this.header);
  }

  invalidate(): boolean {
    return false;
  }
}

export class ApiKeyAuth implements AuthStrategy {
  constructor(
    private readonly headerName: string,
    private readonly apiKey: string,
    redactor: SecretRedactor,
  ) {
    redactor.add(apiKey);
  }

  authorize(headers: Record<string, string>): Promise<string> {
    headers[this.headerName.toLowerCase()] = this.apiKey;
    return Promise.resolve(this.apiKey);
  }

  invalidate(): boolean {
    return false;
  }
}

/** A credential the source issued, with the time to replace it. */
export interface IssuedCredential {
  value: string;
  /** Lifetime the source announced; undefined means until it is refused. */
  lifetimeMs?: number;
}

interface CachedCredential {
  value: string;
  renewAtMs?: number;
}

/**
 * Tokens and sessions: obtained once and shared by concurrent requests, renewed before they expire
 * (`renewBeforeMs`, at most half the lifetime, ahead of it), and dropped when the source refuses
 * them so the client can retry once with a fresh one.
 */
abstract class IssuedCredentialAuth implements AuthStrategy {
  private current: CachedCredential | undefined;
  private pending: Promise<CachedCredential> | undefined;

  protected constructor(
    protected readonly clock: Clock,
    protected readonly redactor: SecretRedactor,
    private readonly renewBeforeMs: number,
  ) {}

  async authorize(headers: Record<string, string>, transport: AuthTransport): Promise<string> {
    const credential = await this.valid(transport);
    this.present(headers, credential.value);
    return credential.value;
  }

  invalidate(credential: string | undefined): boolean {
    if (this.current && (credential === undefined || this.current.value === credential)) {
      this.current = undefined;
    }
    return true;
  }

  async close(transport: AuthTransport): Promise<void> {
    const current = this.current;
    this.current = undefined;
    if (current) await this.release(current.value, transport);
  }

  /** Asks the source for a new credential. */
  protected abstract obtain(transport: AuthTransport): Promise<IssuedCredential>;
  protected abstract present(headers: Record<string, string>, value: string): void;
  protected async release(_value: string, _transport: AuthTransport): Promise<void> {}

  private async valid(transport: AuthTransport): Promise<CachedCredential> {
    const current = this.current;
    if (current && (current.renewAtMs === undefined || this.clock.now() < current.renewAtMs)) {
      return current;
    }
    this.pending ??= this.renew(transport).finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  private async renew(transport: AuthTransport): Promise<CachedCredential> {
    const issuedAt = this.clock.now();
    const issued = await this.obtain(transport);
    this.redactor.add(issued.value);
    const { lifetimeMs } = issued;
    const credential: CachedCredential = {
      value: issued.value,
      renewAtMs:
        lifetimeMs === undefined
          ? undefined
          : issuedAt + lifetimeMs - Math.min(this.renewBeforeMs, lifetimeMs / 2),
    };
    this.current = credential;
    return credential;
  }
}

/** Runs a token or login request and turns a refusal into an `auth` error that says so. */
async function credentialRequest(
  transport: AuthTransport,
  request: SourceRequest,
  what: string,
): Promise<SourceResponse> {
  try {
    return await transport(request);
  } catch (error) {
    if (
      error instanceof SourceError &&
      error.status !== undefined &&
      error.status >= 400 &&
      error.status < 500 &&
      error.status !== 429
    ) {
      throw new SourceError('auth', `${what} refused: ${error.message}`, { status: error.status });
    }
    throw error;
  }
}

export interface OAuth2Options {
  /** Token endpoint path under the base URL, e.g. `/auth/oauth2/token`. */
  tokenPath: string;
  clientId: string;
  clientSecret: string;
  scope?: string;
  /** RFC 6749 §2.3.1: HTTP Basic (the default every server must accept) or form fields. */
  clientAuthentication?: 'basic' | 'body';
  /** Renew this long before expiry (capped at half the lifetime); 60 s by default. */
  renewBeforeMs?: number;
}

abstract class OAuth2Auth extends IssuedCredentialAuth {
  protected constructor(
    protected readonly oauth: OAuth2Options,
    clock: Clock,
    redactor: SecretRedactor,
  ) {
    super(clock, redactor, oauth.renewBeforeMs ?? 60_000);
    redactor.add(oauth.clientSecret);
    redactor.addBasicCredentials(oauth.clientId, oauth.clientSecret);
  }

  protected present(headers: Record<string, string>, value: string): void {
    headers.authorization = `Bearer ${value}`;
  }

  protected async tokenRequest(
    transport: AuthTransport,
    grant: Record<string, string>,
  ): Promise<IssuedCredential> {
    const form = new URLSearchParams(grant);
    if (this.oauth.scope) form.set('scope', this.oauth.scope);
    const headers: Record<string, string> = {
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'application/json',
    };
    if ((this.oauth.clientAuthentication ?? 'basic') === 'basic') {
      const id = encodeURIComponent(this.oauth.clientId);
      const secret = encodeURIComponent(this.oauth.clientSecret);
      headers.authorization = `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
      this.redactor.add(Buffer.from(`${id}:${secret}`).toString('base64'));
    } else {
      form.set('client_id', this.oauth.clientId);
      form.set('client_secret', this.oauth.clientSecret);
    }
    const response = await credentialRequest(
      transport,
      { method: 'POST', path: this.oauth.tokenPath, headers, body: form },
      'token endpoint',
    );
    const body = response.json();
    const token =
      typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
    if (typeof token.access_token !== 'string' || token.access_token.length === 0) {
      throw new SourceError('auth', `${response.target}: token response has no access_token`);
    }
    if (typeof token.refresh_token === 'string') this.rotated(token.refresh_token);
    const expiresIn = Number(token.expires_in);
    return {
      value: token.access_token,
      lifetimeMs: Number.isFinite(expiresIn) && expiresIn > 0 ? expiresIn * 1000 : undefined,
    };
  }

  /** A refresh token the server rotated. */
  protected rotated(_refreshToken: string): void {}
}

/** OAuth2 client credentials grant (RFC 6749 §4.4). */
export class OAuth2ClientCredentialsAuth extends OAuth2Auth {
  constructor(options: OAuth2Options, clock: Clock, redactor: SecretRedactor) {
    super(options, clock, redactor);
  }

  protected obtain(transport: AuthTransport): Promise<IssuedCredential> {
    return this.tokenRequest(transport, { grant_type: 'client_credentials' });
  }
}

/** OAuth2 refresh token grant (RFC 6749 §6); keeps the newest refresh token when the server rotates it. */
export class OAuth2RefreshTokenAuth extends OAuth2Auth {
  private refreshToken: string;

  constructor(
    options: OAuth2Options & { refreshToken: string },
    clock: Clock,
    redactor: SecretRedactor,
  ) {
    super(options, clock, redactor);
    this.refreshToken = options.refreshToken;
    redactor.add(options.refreshToken);
  }

  protected obtain(transport: AuthTransport): Promise<IssuedCredential> {
    return this.tokenRequest(transport, {
      grant_type: 'refresh_token',
      refresh_token: this.refreshToken,
    });
  }

  protected override rotated(refreshToken: string): void {
    this.redactor.add(refreshToken);
    this.refreshToken = refreshToken;
  }
}

export interface SessionLoginOptions {
  /** Login path under the base URL, e.g. `/rest/login`. */
  loginPath: string;
  username: string;
  password: string;
  /** The login request; by default a JSON body `{ username, password }` POSTed to `loginPath`. */
  loginRequest?: (username: string, password: string) => SourceRequest;
  /** Reads the session from the login answer; by default its cookies, else a `token` field. */
  readSession?: (response: SourceResponse) => IssuedCredential;
  /** Puts the session on a request; by default as the Cookie header. */
  present?: (headers: Record<string, string>, session: string) => void;
  /** Ends the session (logout), best effort; nothing by default. */
  logoutRequest?: (session: string) => SourceRequest;
  /** Re-login this long before the announced expiry; 60 s by default. */
  renewBeforeMs?: number;
}

function defaultSession(response: SourceResponse): IssuedCredential {
  const cookies = response.headers.getSetCookie().map((cookie) => cookie.split(';')[0]);
  if (cookies.length > 0) return { value: cookies.join('; ') };
  const body = response.json();
  const token =
    typeof body === 'object' && body !== null ? (body as Record<string, unknown>).token : undefined;
  if (typeof token !== 'string' || token.length === 0) {
    throw new SourceError(
      'auth',
      `${response.target}: login answer carries no session cookie or token`,
    );
  }
  return { value: token };
}

/** Session login (username/password once, then a session cookie or token); logs in again on a 401. */
export class SessionLoginAuth extends IssuedCredentialAuth {
  constructor(
    private readonly session: SessionLoginOptions,
    clock: Clock,
    redactor: SecretRedactor,
  ) {
    super(clock, redactor, session.renewBeforeMs ?? 60_000);
    redactor.add(session.password);
  }

  protected async obtain(transport: AuthTransport): Promise<IssuedCredential> {
    const { username, password, loginPath } = this.session;
    const request = this.session.loginRequest?.(username, password) ?? {
      method: 'POST' as const,
      path: loginPath,
      body: { username, password },
    };
    const response = await credentialRequest(transport, request, 'login');
    return (this.session.readSession ?? defaultSession)(response);
  }

  protected present(headers: Record<string, string>, value: string): void {
    if (this.session.present) this.session.present(headers, value);
    else headers.cookie = value;
  }

  protected override async release(value: string, transport: AuthTransport): Promise<void> {
    const logout = this.session.logoutRequest?.(value);
    if (!logout) return;
    const headers: Record<string, string> = { ...logout.headers };
    this.present(headers, value);
    try {
      await transport({ ...logout, headers, retry: false });
    } catch {
      // Best effort: the session times out at the source anyway.
    }
  }
}
