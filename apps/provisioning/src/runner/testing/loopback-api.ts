import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request the loopback API received. */
export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: unknown;
}

export type Reply = { status: number; body?: unknown } | 'hold';
export type Route = (request: ReceivedRequest) => Reply | undefined;

interface Waiter {
  predicate: (request: ReceivedRequest) => boolean;
  resolve: (request: ReceivedRequest) => void;
}

/**
 * A node:http server on 127.0.0.1 standing in for the CRM and OCS APIs the playbooks call, for the
 * runner's integration tests. Requests to /gate/<key> are held open until `release(key)`, which
 * lets a test act (cancel, check the pool) while a playbook task is provably in flight.
 */
export class LoopbackApi {
  readonly requests: ReceivedRequest[] = [];
  private server?: Server;
  private readonly held = new Map<string, ServerResponse>();
  private readonly released = new Set<string>();
  private waiters: Waiter[] = [];
  /** Most gates held open at the same time. */
  maxHeldAtOnce = 0;

  constructor(private readonly routes: Route[] = []) {}

  get url(): string {
    const address = this.server?.address() as AddressInfo | null;
    if (!address) throw new Error('LoopbackApi is not listening');
    return `http://127.0.0.1:${address.port}`;
  }

  async listen(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return this;
  }

  async close(): Promise<void> {
    for (const res of this.held.values()) res.destroy();
    this.held.clear();
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) =>
      this.server ? this.server.close(() => resolve()) : resolve(),
    );
  }

  /** Resolves with the first request (already received or to come) that matches. */
  waitFor(predicate: (request: ReceivedRequest) => boolean): Promise<ReceivedRequest> {
    const seen = this.requests.find(predicate);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve) => this.waiters.push({ predicate, resolve }));
  }

  /** Answers the request held at /gate/<key> (now, or as soon as it arrives). */
  release(key: string): void {
    const res = this.held.get(key);
    if (res) {
      this.held.delete(key);
      this.reply(res, { status: 200, body: { released: key } });
    } else this.released.add(key);
  }

  paths(): string[] {
    return this.requests.map((r) => `${r.method} ${r.path}`);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    let body: unknown = raw;
    try {
      body = raw ? JSON.parse(raw) : undefined;
    } catch {
      // not JSON: keep the text
    }
    const request: ReceivedRequest = {
      method: req.method ?? 'GET',
      path: req.url ?? '/',
      headers: req.headers,
      body,
    };
    this.requests.push(request);

    const gate = /^\/gate\/(.+)$/.exec(request.path);
    if (gate && !this.released.has(gate[1])) {
      this.held.set(gate[1], res);
      this.maxHeldAtOnce = Math.max(this.maxHeldAtOnce, this.held.size);
    } else {
      let reply: Reply | undefined;
      for (const route of this.routes) {
        reply = route(request);
        if (reply) break;
      }
      if (reply === 'hold') this.held.set(request.path, res);
      else this.reply(res, reply ?? { status: 200, body: { ok: true } });
    }

    const waiting = this.waiters;
    this.waiters = [];
    for (const waiter of waiting) {
      if (waiter.predicate(request)) waiter.resolve(request);
      else this.waiters.push(waiter);
    }
  }

  private reply(res: ServerResponse, reply: { status: number; body?: unknown }): void {
    res.writeHead(reply.status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(reply.body ?? {}));
  }
}
