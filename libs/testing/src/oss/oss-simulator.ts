import {
  baseUrlOf,
  listenOn,
  readSimulatorRequest,
  type SimulatorRequest,
} from '../simulators/loopback-listen';
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { OssDataset, type OssDatasetOptions } from './oss-dataset';

export interface OssRecordedRequest extends SimulatorRequest {
  /** Token or login request rather than data. */
  credential: boolean;
  /** Status answered; undefined when the connection was dropped or the answer never completed. */
  status?: number;
}

export interface OssReply {
  status: number;
  headers?: Record<string, string>;
  /** Strings are sent as they are; anything else as JSON. */
  body?: unknown;
}

export interface OssSimulatorOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  host?: string;
  /** The network served; a default seeded one when omitted. */
  dataset?: OssDataset | OssDatasetOptions;
}

type Fault =
  | { kind: 'status'; status: number; retryAfterSeconds?: number }
  | { kind: 'slow'; delayMs: number }
  | { kind: 'malformed' }
  | { kind: 'drop' };

/** Reads a comma-separated query parameter as a set (undefined when absent). */
export function queryList(query: URLSearchParams, name: string): Set<string> | undefined {
  const value = query.get(name);
  if (value === null || value === '') return undefined;
  return new Set(value.split(',').map((v) => v.trim()));
}

/** A query parameter as a time (RFC 3339 or epoch ms); undefined when absent; throws when unreadable. */
export function queryTime(query: URLSearchParams, name: string): number | undefined {
  const value = query.get(name);
  if (value === null || value === '') return undefined;
  const time = /^\d+$/.test(value) ? Number(value) : Date.parse(value);
  if (Number.isNaN(time)) throw new OssBadRequest(`${name} "${value}" is not a time`);
  return time;
}

/** A non-negative integer query parameter, or the fallback. */
export function queryInt(query: URLSearchParams, name: string, fallback: number): number {
  const value = query.get(name);
  if (value === null || value === '') return fallback;
  if (!/^\d+$/.test(value))
    throw new OssBadRequest(`${name} "${value}" is not a non-negative integer`);
  return Number(value);
}

/** Thrown by a handler for a request the product would answer with 400. */
export class OssBadRequest extends Error {}

/**
 * A loopback HTTP server standing in for a vendor OSS northbound interface: subclasses render the
 * shared dataset in the vendor's documented shape, with its authentication and paging. Fault knobs
 * act on data requests (never on token/login requests) in the order they were queued:
 * `failNext` (a status, with Retry-After when given), `slowNext`, `malformedNext` (a 200 whose JSON
 * is cut short), `dropNext` (the connection closed without an answer), and `expireCredentials` /
 * `expireCredentialsAfter` (every issued token or session stops working).
 *
 * (`SimulatorServer` answers synchronously, so it cannot be slow or drop a connection; hence this
 * base of its own.)
 */
export abstract class OssSimulator {
  readonly requests: OssRecordedRequest[] = [];
  readonly dataset: OssDataset;
  private server: Server | undefined;
  private readonly faults: Fault[] = [];
  private readonly credentials = new Set<string>();
  private expireAfter: number | undefined;
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(private readonly serverOptions: OssSimulatorOptions = {}) {
    const dataset = serverOptions.dataset;
    this.dataset = dataset instanceof OssDataset ? dataset : new OssDataset(dataset);
  }

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
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** The next `count` data requests are answered with `status` (and Retry-After when given). */
  failNext(count: number, status: number, retryAfterSeconds?: number): this {
    for (let i = 0; i < count; i++) this.faults.push({ kind: 'status', status, retryAfterSeconds });
    return this;
  }

  /** The next `count` data requests are answered only after `delayMs`. */
  slowNext(count: number, delayMs: number): this {
    for (let i = 0; i < count; i++) this.faults.push({ kind: 'slow', delayMs });
    return this;
  }

  /** The next `count` data requests get a 200 whose JSON body is cut off halfway. */
  malformedNext(count: number): this {
    for (let i = 0; i < count; i++) this.faults.push({ kind: 'malformed' });
    return this;
  }

  /** The next `count` data requests have their connection closed without an answer. */
  dropNext(count: number): this {
    for (let i = 0; i < count; i++) this.faults.push({ kind: 'drop' });
    return this;
  }

  /** Every token or session issued so far stops working now. */
  expireCredentials(): this {
    this.credentials.clear();
    return this;
  }

  /** Tokens and sessions stop working once `count` more data requests have been answered. */
  expireCredentialsAfter(count: number): this {
    this.expireAfter = count;
    return this;
  }

  /** Requests for data (not tokens or logins), oldest first. */
  dataRequests(): OssRecordedRequest[] {
    return this.requests.filter((r) => !r.credential);
  }

  credentialRequests(): OssRecordedRequest[] {
    return this.requests.filter((r) => r.credential);
  }

  /** Forgets requests, pending faults and issued credentials. */
  reset(): void {
    this.requests.length = 0;
    this.faults.length = 0;
    this.credentials.clear();
    this.expireAfter = undefined;
  }

  /** Token or login endpoints, answered before authentication and never faulted. */
  protected abstract isCredentialRequest(request: OssRecordedRequest): boolean;
  protected abstract handleCredentialRequest(request: OssRecordedRequest): OssReply;
  /** Whether a data request carries valid credentials. */
  protected abstract authorised(request: OssRecordedRequest): boolean;
  /** The vendor's 401. */
  protected abstract unauthorised(): OssReply;
  /** The vendor's answer to an authorised data request; throw OssBadRequest for a 400. */
  protected abstract handleData(request: OssRecordedRequest): OssReply;
  /** The vendor's words for a status it was told to fail with (429, 500, 503...). */
  protected abstract failure(status: number): OssReply;
  /** The vendor's 400 for a OssBadRequest. */
  protected abstract badRequest(message: string): OssReply;

  /** Issues a token or session id the data endpoints accept until expired. */
  protected issueCredential(): string {
    const value = randomBytes(18).toString('base64url');
    this.credentials.add(value);
    return value;
  }

  protected credentialValid(value: string | undefined): boolean {
    return value !== undefined && this.credentials.has(value);
  }

  protected revokeCredential(value: string): void {
    this.credentials.delete(value);
  }

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const read = await readSimulatorRequest(req, res);
    if (!read) return;
    const request: OssRecordedRequest = { ...read, credential: false };
    request.credential = this.isCredentialRequest(request);
    this.requests.push(request);
    if (request.credential) {
      this.write(
        res,
        request,
        this.safely(() => this.handleCredentialRequest(request)),
      );
      return;
    }
    const fault = this.faults.shift();
    if (fault?.kind === 'drop') {
      res.socket?.destroy();
      return;
    }
    if (fault?.kind === 'status') {
      const reply = this.failure(fault.status);
      if (fault.retryAfterSeconds !== undefined) {
        reply.headers = { ...reply.headers, 'retry-after': String(fault.retryAfterSeconds) };
      }
      this.write(res, request, reply);
      return;
    }
    if (fault?.kind === 'slow') {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          this.timers.delete(timer);
          resolve();
        }, fault.delayMs);
        this.timers.add(timer);
      });
      if (res.destroyed || !this.server) return;
    }
    let reply: OssReply;
    if (!this.authorised(request)) reply = this.unauthorised();
    else {
      reply = this.safely(() => this.handleData(request));
      if (this.expireAfter !== undefined && reply.status < 400 && --this.expireAfter <= 0) {
        this.expireAfter = undefined;
        this.credentials.clear();
      }
    }
    if (fault?.kind === 'malformed') {
      const text = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body ?? {});
      reply = {
        status: 200,
        headers: reply.headers,
        body: text.slice(0, Math.max(1, Math.floor(text.length / 2))),
      };
      reply.headers = { ...reply.headers, 'content-type': 'application/json' };
    }
    this.write(res, request, reply);
  }

  private safely(handle: () => OssReply): OssReply {
    try {
      return handle();
    } catch (error) {
      if (error instanceof OssBadRequest) return this.badRequest(error.message);
      return this.failure(500);
    }
  }

  private write(res: ServerResponse, request: OssRecordedRequest, reply: OssReply): void {
    if (res.destroyed) return;
    request.status = reply.status;
    const body =
      reply.body === undefined
        ? ''
        : typeof reply.body === 'string'
          ? reply.body
          : JSON.stringify(reply.body);
    const headers: Record<string, string> = { ...reply.headers };
    if (body && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) {
      headers['content-type'] =
        typeof reply.body === 'string' ? 'text/plain; charset=utf-8' : 'application/json';
    }
    res.writeHead(reply.status, headers).end(body);
  }
}
