import {
  baseUrlOf,
  listenOn,
  readSimulatorRequest,
  type SimulatorRequest,
} from './loopback-listen';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

export type { SimulatorRequest };

export interface SimulatorResponse {
  status: number;
  headers?: Record<string, string>;
  /** Strings are sent as they are; anything else as JSON. */
  body?: unknown;
}

export interface SimulatorOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  host?: string;
}

interface PendingFailure {
  status: number;
  retryAfterSeconds?: number;
}

/**
 * A loopback HTTP server standing in for a SaaS product: subclasses answer like the product's
 * documented API and push what they accept onto `received`. `failNext` makes the next N requests
 * fail first (each subclass answers in its product's own words for 429 and 5xx), to exercise the
 * caller's retries.
 */
export abstract class SimulatorServer<TReceived> {
  /** What the product accepted, oldest first. */
  readonly received: TReceived[] = [];
  /** Every request that reached the server, accepted or not. */
  readonly requests: SimulatorRequest[] = [];
  private server: Server | undefined;
  private readonly failures: PendingFailure[] = [];

  constructor(private readonly serverOptions: SimulatorOptions = {}) {}

  /** Starts listening; resolves to the base URL, e.g. `http://127.0.0.1:41234`. */
  async start(): Promise<string> {
    if (this.server) return this.url;
    const server = createServer((req, res) => void this.onRequest(req, res));
    this.server = server;
    await listenOn(server, this.serverOptions.port ?? 0, this.serverOptions.host ?? '127.0.0.1');
    return this.url;
  }

  get url(): string {
    return baseUrlOf(this.server, this.serverOptions.host ?? '127.0.0.1', this.constructor.name);
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** The next `count` requests are answered with `status` (and Retry-After when given). */
  failNext(count: number, status: number, retryAfterSeconds?: number): void {
    for (let i = 0; i < count; i++) this.failures.push({ status, retryAfterSeconds });
  }

  /** Forgets received messages, requests and pending failures. */
  reset(): void {
    this.received.length = 0;
    this.requests.length = 0;
    this.failures.length = 0;
  }

  /** The product's answer to a valid-looking request. */
  protected abstract handle(request: SimulatorRequest): SimulatorResponse;

  /** The product's answer when told to fail; subclasses word it as their product does. */
  protected failure(status: number, retryAfterSeconds?: number): SimulatorResponse {
    return {
      status,
      headers: retryAfterSeconds === undefined ? {} : { 'retry-after': String(retryAfterSeconds) },
      body: status === 429 ? 'Too Many Requests' : 'Service Unavailable',
    };
  }

  /** The answer when `handle` throws; subclasses word it as their product does. */
  protected internalError(error: unknown): SimulatorResponse {
    return { status: 500, body: error instanceof Error ? error.message : 'internal error' };
  }

  /** A last look at every answer before it is written (e.g. headers the product always sends). */
  protected decorate(response: SimulatorResponse): SimulatorResponse {
    return response;
  }

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const request = await readSimulatorRequest(req, res);
    if (!request) return;
    this.requests.push(request);
    const failure = this.failures.shift();
    let response: SimulatorResponse;
    try {
      response = failure
        ? this.failure(failure.status, failure.retryAfterSeconds)
        : this.handle(request);
    } catch (error) {
      response = this.internalError(error);
    }
    response = this.decorate(response);
    const body =
      response.body === undefined
        ? ''
        : typeof response.body === 'string'
          ? response.body
          : JSON.stringify(response.body);
    const headers: Record<string, string> = { ...response.headers };
    if (body && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) {
      headers['content-type'] =
        typeof response.body === 'string' ? 'text/plain; charset=utf-8' : 'application/json';
    }
    res.writeHead(response.status, headers).end(body);
  }
}

/** The JSON body, or undefined when it does not parse. */
export function parseJson(body: string): unknown {
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return undefined;
  }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A header's single value (the first when repeated). */
export function header(request: SimulatorRequest, name: string): string | undefined {
  const value = request.headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * `response` with `headers` underneath its own and, when it has a body, `content-type` set to
 * `contentType` (overriding any the response named).
 */
export function withHeaders(
  response: SimulatorResponse,
  contentType: string,
  headers: Record<string, string> = {},
): SimulatorResponse {
  const merged: Record<string, string> = { ...headers, ...response.headers };
  if (response.body !== undefined) merged['content-type'] = contentType;
  return { ...response, headers: merged };
}
