import { systemClock, type Clock } from './clock';
import type { AuthStrategy } from './auth';
import type { SecretRedactor } from './redaction';
import type { RequestBudget } from './request-budget';
import {
  backoffDelayMs,
  isRetryableStatus,
  parseRetryAfterMs,
  type RetryPolicy,
} from './retry-policy';
import { classifyNetworkError, SourceError } from './source-error';

/** Where connectors report; pino's Logger fits. Nothing passed here carries a secret. */
export interface ConnectorLogger {
  debug(context: Record<string, unknown>, message: string): void;
  info(context: Record<string, unknown>, message: string): void;
  warn(context: Record<string, unknown>, message: string): void;
  error(context: Record<string, unknown>, message: string): void;
}

export const silentLogger: ConnectorLogger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
};

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface SourceRequest {
  method?: HttpMethod;
  /** A path under the base URL, prefix included (`/fm/alarms` on `https://oss/enm` is `/enm/fm/alarms`). */
  path?: string;
  /** A URL the source handed out (next link): resolved against the base URL, same origin only. */
  url?: string;
  query?: Record<string, string | number | undefined>;
  headers?: Record<string, string>;
  /** A string is sent as it is, URLSearchParams as a form, an object as JSON. */
  body?: string | URLSearchParams | Record<string, unknown>;
  /** False for the token and login requests themselves. */
  authenticate?: boolean;
  /** False fails on the first error (connection tests say what failed, fast). */
  retry?: boolean;
  signal?: AbortSignal;
}

/** A source's answer with its body read; `json()` parses on demand. */
export class SourceResponse {
  constructor(
    readonly status: number,
    readonly headers: Headers,
    readonly text: string,
    readonly latencyMs: number,
    /** `METHOD /path` for messages. */
    readonly target: string,
    private readonly redact: (text: string) => string,
  ) {}

  header(name: string): string | undefined {
    return this.headers.get(name) ?? undefined;
  }

  /** The body as JSON; a SourceError at stage `parse` when it is not. */
  json(): unknown {
    try {
      return JSON.parse(this.text) as unknown;
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new SourceError(
        'parse',
        this.redact(`${this.target}: response is not valid JSON (${reason.slice(0, 160)})`),
        { status: this.status },
      );
    }
  }
}

/** Counters behind a connector's health: every exchange with the source, failed or not. */
export class RequestStats {
  requests = 0;
  errors = 0;
  lastResponseTimeMs: number | undefined;
  private totalResponseTimeMs = 0;
  private timedResponses = 0;
  lastError: string | undefined;

  recordResponse(latencyMs: number, failed: boolean, error?: string): void {
    this.requests++;
    this.lastResponseTimeMs = latencyMs;
    this.totalResponseTimeMs += latencyMs;
    this.timedResponses++;
    if (failed) {
      this.errors++;
      this.lastError = error;
    }
  }

  recordFailure(error: string): void {
    this.requests++;
    this.errors++;
    this.lastError = error;
  }

  get averageResponseTimeMs(): number | undefined {
    return this.timedResponses === 0 ? undefined : this.totalResponseTimeMs / this.timedResponses;
  }
}

export interface HttpSourceClientOptions {
  /** The source's root, e.g. `https://oss-ericsson.company.com`; may carry a path prefix. */
  baseUrl: string;
  auth: AuthStrategy;
  /** Per attempt: connecting, sending and reading the whole body. */
  timeoutMs: number;
  retry: RetryPolicy;
  budget: RequestBudget;
  redactor: SecretRedactor;
  clock?: Clock;
  random?: () => number;
  fetch?: typeof globalThis.fetch;
  logger?: ConnectorLogger;
  /** Sent with every request (e.g. `Accept`). */
  headers?: Record<string, string>;
  /** Shared with the connector's health; a new one when omitted. */
  stats?: RequestStats;
}

const SNIPPET_LENGTH = 200;

/**
 * HTTP to one data source: authentication (token cached and renewed, one retry after a 401),
 * per-attempt timeouts, retries with exponential backoff and jitter that honour Retry-After on
 * 429/503, and the per-source request budget, checked before every exchange (retries and token
 * requests included) so an exhausted budget means no call at all. Every error message is redacted.
 */
export class HttpSourceClient {
  readonly stats: RequestStats;
  private readonly base: URL;
  private readonly basePath: string;
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly fetchImpl: typeof globalThis.fetch;
  private readonly logger: ConnectorLogger;
  private readonly authTransport = (request: SourceRequest): Promise<SourceResponse> =>
    this.send({ ...request, authenticate: false });

  constructor(private readonly options: HttpSourceClientOptions) {
    this.base = new URL(options.baseUrl);
    this.basePath = this.base.pathname.replace(/\/+$/, '');
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? Math.random;
    this.fetchImpl = options.fetch ?? globalThis.fetch;
    this.logger = options.logger ?? silentLogger;
    this.stats = options.stats ?? new RequestStats();
  }

  get auth(): AuthStrategy {
    return this.options.auth;
  }

  /** Obtains a token or session now (connect, connection tests) instead of on the first request. */
  async authenticate(signal?: AbortSignal, retry?: boolean): Promise<void> {
    await this.options.auth.authorize({}, (request) =>
      this.authTransport({ ...request, signal, retry }),
    );
  }

  async send(request: SourceRequest): Promise<SourceResponse> {
    const method = request.method ?? 'GET';
    const url = this.resolve(request);
    const target = `${method} ${url.pathname}`;
    const policy = this.options.retry;
    const maxAttempts = request.retry === false ? 1 : Math.max(1, policy.maxAttempts);
    let attempt = 0;
    let reauthenticated = false;
    for (;;) {
      attempt++;
      const headers: Record<string, string> = { ...this.options.headers, ...request.headers };
      let credential: string | undefined;
      if (request.authenticate !== false) {
        const transport = (inner: SourceRequest) =>
          this.authTransport({ ...inner, signal: request.signal, retry: request.retry });
        credential = await this.options.auth.authorize(headers, transport);
      }
      let response: SourceResponse;
      try {
        response = await this.exchange(url, method, headers, request.body, target, request.signal);
      } catch (error) {
        const failure = classifyNetworkError(error, target, this.options.timeoutMs);
        const retryable =
          failure.kind === 'connect' || failure.kind === 'timeout' || failure.kind === 'http';
        if (!retryable || attempt >= maxAttempts) throw this.redacted(failure);
        await this.backOff(attempt, undefined, target, failure.message, request.signal);
        continue;
      }
      if (response.status >= 200 && response.status < 300) return response;

      if (
        response.status === 401 &&
        request.authenticate !== false &&
        !reauthenticated &&
        this.options.auth.invalidate(credential)
      ) {
        // An expired token or session: renew it and try once more, outside the retry count.
        reauthenticated = true;
        attempt--;
        this.logger.info({ target }, 'source refused the credential; renewing it once');
        continue;
      }
      const retryAfterMs =
        response.status === 429 || response.status === 503
          ? parseRetryAfterMs(response.header('retry-after'), this.clock.now())
          : undefined;
      if (isRetryableStatus(response.status) && attempt < maxAttempts) {
        if (retryAfterMs !== undefined && retryAfterMs > policy.maxRetryAfterMs) {
          throw this.statusError(response, retryAfterMs);
        }
        await this.backOff(
          attempt,
          retryAfterMs,
          target,
          `status ${response.status}`,
          request.signal,
        );
        continue;
      }
      throw this.statusError(response, retryAfterMs);
    }
  }

  /** GET and parse JSON in one step. */
  async getJson(request: SourceRequest): Promise<{ body: unknown; response: SourceResponse }> {
    const response = await this.send({ ...request, method: request.method ?? 'GET' });
    return { body: response.json(), response };
  }

  /** Ends the session at the source, if the authentication has one. */
  async close(): Promise<void> {
    await this.options.auth.close?.(this.authTransport);
  }

  redact(text: string): string {
    return this.options.redactor.redact(text);
  }

  private resolve(request: SourceRequest): URL {
    let url: URL;
    if (request.url !== undefined) {
      url = new URL(request.url, this.base);
      if (url.origin !== this.base.origin) {
        throw new SourceError(
          'http',
          `refusing to follow a link to ${url.origin}: only ${this.base.origin} gets this source's credentials`,
        );
      }
    } else {
      const path = request.path ?? '/';
      url = new URL(this.base.origin + this.basePath + (path.startsWith('/') ? path : `/${path}`));
    }
    for (const [key, value] of Object.entries(request.query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    return url;
  }

  private async exchange(
    url: URL,
    method: HttpMethod,
    headers: Record<string, string>,
    body: SourceRequest['body'],
    target: string,
    external: AbortSignal | undefined,
  ): Promise<SourceResponse> {
    if (!this.options.budget.tryTake()) {
      const { maxRequests, windowMs } = this.options.budget;
      throw new SourceError(
        'quota_exceeded',
        `${target}: request budget of ${maxRequests} per ${windowMs / 1000} s is spent; not calling the source`,
        { retryAtMs: this.options.budget.nextAvailableAtMs() },
      );
    }
    let payload: string | URLSearchParams | undefined;
    if (typeof body === 'string' || body instanceof URLSearchParams) payload = body;
    else if (body !== undefined) {
      payload = JSON.stringify(body);
      headers['content-type'] ??= 'application/json';
    }
    const timeout = AbortSignal.timeout(this.options.timeoutMs);
    const signal = external ? AbortSignal.any([timeout, external]) : timeout;
    const started = performance.now();
    try {
      const response = await this.fetchImpl(url, { method, headers, body: payload, signal });
      const text = await response.text();
      const latencyMs = Math.round(performance.now() - started);
      const result = new SourceResponse(
        response.status,
        response.headers,
        text,
        latencyMs,
        target,
        (t) => this.redact(t),
      );
      const failed = response.status < 200 || response.status >= 300;
      this.stats.recordResponse(
        latencyMs,
        failed,
        failed ? this.describeStatus(result) : undefined,
      );
      this.logger.debug({ target, status: response.status, latencyMs }, 'source answered');
      return result;
    } catch (error) {
      const failure = this.redacted(classifyNetworkError(error, target, this.options.timeoutMs));
      this.stats.recordFailure(failure.message);
      throw failure;
    }
  }

  private async backOff(
    attempt: number,
    retryAfterMs: number | undefined,
    target: string,
    reason: string,
    signal: AbortSignal | undefined,
  ): Promise<void> {
    const delayMs = retryAfterMs ?? backoffDelayMs(attempt, this.options.retry, this.random);
    this.logger.warn(
      { target, attempt, delayMs, retryAfter: retryAfterMs !== undefined },
      this.redact(`${reason}; retrying`),
    );
    await this.clock.sleep(delayMs, signal);
  }

  private describeStatus(response: SourceResponse): string {
    const snippet = response.text.replace(/\s+/g, ' ').trim().slice(0, SNIPPET_LENGTH);
    return this.redact(
      `${response.target}: status ${response.status}${snippet ? ` (${snippet})` : ''}`,
    );
  }

  private statusError(response: SourceResponse, retryAfterMs: number | undefined): SourceError {
    const message = this.describeStatus(response);
    const { status } = response;
    if (status === 401 || status === 403) return new SourceError('auth', message, { status });
    if (status === 429 || (status === 503 && retryAfterMs !== undefined)) {
      return new SourceError('rate_limited', message, {
        status,
        retryAtMs: retryAfterMs === undefined ? undefined : this.clock.now() + retryAfterMs,
      });
    }
    return new SourceError('http', message, { status });
  }

  private redacted(error: SourceError): SourceError {
    const message = this.redact(error.message);
    if (message === error.message) return error;
    return new SourceError(error.kind, message, {
      status: error.status,
      retryAtMs: error.retryAtMs,
    });
  }
}
