import { TicketSystemError, abortReason, redactSecrets } from './ticket-system-error';

/** Time as the adapters see it: a fake one in tests makes backoff and token expiry checkable. */
export interface TicketClock {
  now(): number;
  /** Resolves after `ms`; rejects with the signal's reason as soon as it aborts. */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

export const systemTicketClock: TicketClock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      if (signal.aborted) {
        reject(abortReason(signal));
        return;
      }
      const onAbort = (): void => {
        clearTimeout(timer);
        reject(abortReason(signal));
      };
      const timer = setTimeout(() => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      signal.addEventListener('abort', onAbort, { once: true });
    }),
};

/** Where adapters report; credentials are never passed to it. */
export interface TicketAdapterLogger {
  debug(message: string, context?: Record<string, unknown>): void;
  warn(message: string, context?: Record<string, unknown>): void;
}

export const silentTicketLogger: TicketAdapterLogger = { debug() {}, warn() {} };

/** What an adapter runs with besides its config; tests pass a fake clock. */
export interface TicketAdapterDeps {
  logger?: TicketAdapterLogger;
  clock?: TicketClock;
  /** Jitter source in [0, 1). */
  random?: () => number;
  /** Told about each new OAuth refresh token (Atlassian rotates them): persist it. */
  onRefreshToken?: (token: string) => void;
}

/** How requests are authorised; OAuth sessions renew their token after a 401. */
export interface TicketAuth {
  /** The Authorization header for the next request, if any. */
  authorization(signal: AbortSignal): Promise<string | undefined>;
  /** After a 401: true when fresh credentials were obtained and the request may be repeated. */
  renew?(signal: AbortSignal): Promise<boolean>;
  /** Strings that must never appear in an error or a log line. */
  secrets(): string[];
}

export interface RetryPolicy {
  /** Per attempt, body included. */
  timeoutMs: number;
  /** Attempts in all, the first included. */
  maxAttempts: number;
  initialBackoffMs: number;
  maxBackoffMs: number;
  /** A Retry-After longer than this fails the call instead of stalling the agent. */
  maxRetryAfterMs: number;
}

export interface TicketHttpRequest {
  method: 'GET' | 'POST';
  url: URL;
  body?: { json: unknown } | { form: Record<string, string> };
  headers?: Record<string, string>;
  /** Sent without the Authorization header (token endpoints). */
  anonymous?: boolean;
}

export interface TicketHttpResponse {
  status: number;
  headers: Headers;
  text: string;
}

export interface TicketHttpClientOptions {
  /** Names the ticket system in errors: "jira", "servicenow"... */
  system: string;
  retry: RetryPolicy;
  auth?: TicketAuth;
  clock?: TicketClock;
  logger?: TicketAdapterLogger;
  /** Jitter source in [0, 1). */
  random?: () => number;
  /** Extra strings to redact (configured passwords, client secrets). */
  secrets?: string[];
}

const RETRYABLE = new Set([408, 429, 500, 502, 503, 504]);

/**
 * The HTTP side every adapter shares: per-attempt timeouts, retries of 408/429/5xx and network
 * failures with exponential backoff and jitter, Retry-After honoured (seconds or an HTTP date),
 * one credential renewal after a 401, cancellation by the caller's signal (also while waiting),
 * and errors that say what and where with every secret redacted.
 */
export class TicketHttpClient {
  private readonly clock: TicketClock;
  private readonly logger: TicketAdapterLogger;
  private readonly random: () => number;

  constructor(private readonly options: TicketHttpClientOptions) {
    this.clock = options.clock ?? systemTicketClock;
    this.logger = options.logger ?? silentTicketLogger;
    this.random = options.random ?? Math.random;
  }

  get system(): string {
    return this.options.system;
  }

  /** Redacts every known secret from `text`. */
  redact(text: string): string {
    return redactSecrets(text, [
      ...(this.options.secrets ?? []),
      ...(this.options.auth?.secrets() ?? []),
    ]);
  }

  /** A TicketSystemError naming this system, its message redacted. */
  error(code: TicketSystemError['code'], message: string, status?: number): TicketSystemError {
    return new TicketSystemError(
      this.options.system,
      code,
      this.redact(`${this.options.system}: ${message}`),
      status,
    );
  }

  /**
   * Sends `request` until it succeeds or fails for good. Answers with a status in `accept` are
   * returned as they are (e.g. 404 for a ticket that does not exist); other non-2xx throw.
   */
  async send(
    request: TicketHttpRequest,
    signal: AbortSignal,
    accept: number[] = [],
  ): Promise<TicketHttpResponse> {
    const where = `${request.method} ${request.url.pathname}`;
    const { retry } = this.options;
    let renewed = false;
    let lastError: TicketSystemError | undefined;
    for (let attempt = 1; attempt <= retry.maxAttempts; attempt++) {
      signal.throwIfAborted();
      let response: TicketHttpResponse;
      try {
        response = await this.attempt(request, signal);
      } catch (error) {
        if (signal.aborted) throw abortReason(signal);
        // Obtaining credentials failed (token endpoint): already classified and retried.
        if (error instanceof TicketSystemError) throw error;
        const timedOut = error instanceof DOMException && error.name === 'TimeoutError';
        lastError = timedOut
          ? this.error('timeout', `${where} did not answer within ${retry.timeoutMs} ms`)
          : this.error('network', `${where} failed: ${describeNetworkError(error)}`);
        if (attempt < retry.maxAttempts)
          await this.backoff(attempt, undefined, where, lastError, signal);
        continue;
      }
      if ((response.status >= 200 && response.status < 300) || accept.includes(response.status))
        return response;
      const problem = productMessage(response.text);
      const said = problem ? `: ${problem}` : '';
      if (response.status === 401) {
        if (!renewed && !request.anonymous && this.options.auth?.renew) {
          renewed = true;
          if (await this.options.auth.renew(signal)) {
            this.logger.debug('credentials renewed after 401', { system: this.system, where });
            attempt--;
            continue;
          }
        }
        throw this.error(
          'auth',
          `${where} was refused (401): check the configured credentials${said}`,
          401,
        );
      }
      if (response.status === 403) {
        throw this.error(
          'forbidden',
          `${where} is not allowed for the configured user (403)${said}`,
          403,
        );
      }
      if (!RETRYABLE.has(response.status)) {
        throw this.error('http', `${where} answered ${response.status}${said}`, response.status);
      }
      lastError = this.error(
        'http',
        `${where} answered ${response.status}${said}`,
        response.status,
      );
      const retryAfter = parseRetryAfter(response.headers.get('retry-after'), this.clock.now());
      if (retryAfter !== undefined && retryAfter > retry.maxRetryAfterMs) {
        throw this.error(
          'rate-limited',
          `${where} asked to retry after ${Math.ceil(retryAfter / 1000)} s, more than the ${Math.ceil(retry.maxRetryAfterMs / 1000)} s allowed (${response.status})`,
          response.status,
        );
      }
      if (attempt < retry.maxAttempts)
        await this.backoff(attempt, retryAfter, where, lastError, signal);
    }
    const final = lastError ?? this.error('http', `${where} failed`);
    throw new TicketSystemError(
      final.system,
      final.code === 'http' && final.status === 429 ? 'rate-limited' : final.code,
      `${final.message} (after ${retry.maxAttempts} attempts)`,
      final.status,
    );
  }

  /** Sends `request` and parses the answer as JSON; a body that is not JSON is `malformed`. */
  async json(
    request: TicketHttpRequest,
    signal: AbortSignal,
    accept: number[] = [],
  ): Promise<{ status: number; headers: Headers; body: unknown }> {
    const response = await this.send(request, signal, accept);
    try {
      return {
        status: response.status,
        headers: response.headers,
        body: JSON.parse(response.text) as unknown,
      };
    } catch (error) {
      const type = response.headers.get('content-type') ?? 'no content type';
      const start = response.text.slice(0, 60).replace(/\s+/g, ' ');
      throw this.error(
        'malformed',
        `${request.method} ${request.url.pathname} answered ${response.status} with a body that is not JSON (${type}, ${response.text.length} bytes, starting '${start}'): ${(error as Error).message}`,
        response.status,
      );
    }
  }

  private async attempt(
    request: TicketHttpRequest,
    signal: AbortSignal,
  ): Promise<TicketHttpResponse> {
    const timeout = AbortSignal.timeout(this.options.retry.timeoutMs);
    const combined = AbortSignal.any([signal, timeout]);
    const headers: Record<string, string> = { accept: 'application/json', ...request.headers };
    let body: string | undefined;
    if (request.body && 'json' in request.body) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(request.body.json);
    } else if (request.body) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(request.body.form).toString();
    }
    if (!request.anonymous && this.options.auth) {
      const authorization = await this.options.auth.authorization(signal);
      if (authorization) headers.authorization = authorization;
    }
    // A timeout rejects with a TimeoutError, the caller's abort with its own reason.
    const response = await fetch(request.url, {
      method: request.method,
      headers,
      body,
      redirect: 'manual',
      signal: combined,
    });
    // The body is read under the same timeout: a server that stalls mid-body times out too.
    const text = await response.text();
    return { status: response.status, headers: response.headers, text };
  }

  private async backoff(
    attempt: number,
    retryAfterMs: number | undefined,
    where: string,
    error: TicketSystemError,
    signal: AbortSignal,
  ): Promise<void> {
    const { initialBackoffMs, maxBackoffMs } = this.options.retry;
    const exponential = Math.min(maxBackoffMs, initialBackoffMs * 2 ** (attempt - 1));
    // Half fixed, half random: spreads retries of many agents without ever waiting zero.
    const delay = retryAfterMs ?? Math.round(exponential * (0.5 + this.random() / 2));
    this.logger.warn('retrying ticket-system request', {
      system: this.system,
      where,
      attempt,
      delayMs: delay,
      reason: error.message,
    });
    await this.clock.sleep(delay, signal);
  }
}

/** Retry-After as milliseconds from `now`: delta-seconds or an HTTP date; undefined if absent. */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** The product's own words from an error body: Jira, ServiceNow, OAuth and generic shapes. */
export function productMessage(text: string): string {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return text.trim().slice(0, 200);
  }
  if (typeof body !== 'object' || body === null) return String(body).slice(0, 200);
  const record = body as Record<string, unknown>;
  const parts: string[] = [];
  if (Array.isArray(record.errorMessages))
    parts.push(...record.errorMessages.filter((m): m is string => typeof m === 'string'));
  if (
    typeof record.errors === 'object' &&
    record.errors !== null &&
    !Array.isArray(record.errors)
  ) {
    for (const [field, message] of Object.entries(record.errors as Record<string, unknown>)) {
      if (typeof message === 'string') parts.push(`${field}: ${message}`);
    }
  }
  const error = record.error;
  if (typeof error === 'object' && error !== null) {
    const { message, detail } = error as { message?: unknown; detail?: unknown };
    if (typeof message === 'string') parts.push(message);
    if (typeof detail === 'string' && detail) parts.push(detail);
  } else if (typeof error === 'string') {
    parts.push(
      typeof record.error_description === 'string'
        ? `${error} (${record.error_description})`
        : error,
    );
  }
  if (typeof record.message === 'string') parts.push(record.message);
  return parts.join('; ').slice(0, 500);
}

function describeNetworkError(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as { cause?: unknown }).cause;
    const code =
      typeof cause === 'object' && cause !== null ? (cause as { code?: unknown }).code : undefined;
    return typeof code === 'string' ? `${error.message} (${code})` : error.message;
  }
  return String(error);
}
