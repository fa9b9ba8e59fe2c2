import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** How the receiver answers one request. */
export type Fault =
  | { status: number; headers?: Record<string, string> }
  /** Accept the connection and never answer (the sender's timeout must fire). */
  | { hang: true }
  /** Destroy the socket mid-request (ECONNRESET at the sender). */
  | { reset: true };

export interface ReceivedRequest {
  at: number;
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
  answer: Fault;
}

/**
 * An HTTP receiver that answers from a script, one entry per request, then with `fallback`:
 * 500s, 429 with Retry-After, hangs and connection resets, as real products do on a bad day.
 */
export class FaultyReceiver {
  private server: Server | undefined;
  readonly requests: ReceivedRequest[] = [];
  private readonly hanging = new Set<ServerResponse>();

  constructor(
    private readonly script: Fault[],
    private readonly fallback: Fault = { status: 204 },
  ) {}

  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.onRequest(req, res));
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    return this.url;
  }

  get url(): string {
    const address = this.server?.address() as AddressInfo | null;
    if (!address) throw new Error('faulty receiver is not listening');
    return `http://127.0.0.1:${address.port}`;
  }

  async stop(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
    this.server = undefined;
  }

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const answer = this.script[this.requests.length] ?? this.fallback;
    this.requests.push({
      at: Date.now(),
      method: req.method ?? '',
      url: req.url ?? '',
      headers: req.headers,
      body: Buffer.concat(chunks).toString('utf8'),
      answer,
    });
    if ('reset' in answer) {
      req.socket.destroy();
      return;
    }
    if ('hang' in answer) {
      this.hanging.add(res);
      return;
    }
    res.writeHead(answer.status, answer.headers).end();
  }
}
