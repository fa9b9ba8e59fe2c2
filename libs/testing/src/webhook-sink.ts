import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedWebhook {
  id: string;
  timestamp: string;
  signature?: string;
  traceparent?: string;
  body: unknown;
  receivedAt: string;
}

export interface WebhookSinkOptions {
  port?: number;
  host?: string;
  /** Answer this status to the first N requests (exercise the sender's retries). */
  failFirst?: { count: number; status: number };
  /** Keep at most this many bodies in memory (counts are always kept). */
  maxKept?: number;
}

/**
 * A webhook receiver as an integration partner would run one: it accepts Standard Webhooks
 * deliveries, drops repeats by `webhook-id` (counting them), and lists what it got at
 * `GET /deliveries`. Used by the integration tests and by the embedded demo.
 */
export class WebhookSink {
  private server: Server | undefined;
  private readonly seen = new Map<string, number>();
  private readonly kept: ReceivedWebhook[] = [];
  private failuresLeft: number;
  requests = 0;
  repeats = 0;

  constructor(private readonly options: WebhookSinkOptions = {}) {
    this.failuresLeft = options.failFirst?.count ?? 0;
  }

  get unique(): number {
    return this.seen.size;
  }

  get received(): readonly ReceivedWebhook[] {
    return this.kept;
  }

  /** How many times each id arrived. */
  deliveriesOf(id: string): number {
    return this.seen.get(id) ?? 0;
  }

  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.onRequest(req, res));
    await new Promise<void>((resolve) =>
      this.server?.listen(this.options.port ?? 0, this.options.host ?? '127.0.0.1', resolve),
    );
    return this.url;
  }

  get url(): string {
    const address = this.server?.address() as AddressInfo | null;
    if (!address) throw new Error('webhook sink is not listening');
    return `http://127.0.0.1:${address.port}`;
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
    this.server = undefined;
  }

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method === 'GET' && req.url === '/deliveries') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          unique: this.unique,
          requests: this.requests,
          repeats: this.repeats,
          latest: this.kept.slice(-50),
        }),
      );
      return;
    }
    if (req.method !== 'POST') {
      res.writeHead(405).end();
      return;
    }
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    this.requests++;
    if (this.failuresLeft > 0) {
      this.failuresLeft--;
      res.writeHead(this.options.failFirst?.status ?? 503).end();
      return;
    }
    const id = req.headers['webhook-id'];
    if (typeof id !== 'string' || !req.headers['webhook-timestamp']) {
      res
        .writeHead(400, { 'content-type': 'application/json' })
        .end('{"error":"webhook-id and webhook-timestamp are required"}');
      return;
    }
    let body: unknown;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      res.writeHead(400).end('{"error":"body is not JSON"}');
      return;
    }
    const count = (this.seen.get(id) ?? 0) + 1;
    this.seen.set(id, count);
    if (count > 1) this.repeats++;
    else if (this.kept.length < (this.options.maxKept ?? 100_000)) {
      this.kept.push({
        id,
        timestamp: String(req.headers['webhook-timestamp']),
        signature: req.headers['webhook-signature'] as string | undefined,
        traceparent: req.headers.traceparent as string | undefined,
        body,
        receivedAt: new Date().toISOString(),
      });
    }
    res.writeHead(204).end();
  }
}
