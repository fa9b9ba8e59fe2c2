/**
 * The benchmark's HTTP receiver, run as its own Node process (forked by `SinkProcess`) so that
 * neither its CPU nor its memory counts as the notifier's, and its clock stamps are not delayed by
 * the notifier's event loop. It answers every POST with 204 at once and records, per request, the
 * path, the `webhook-id` (notifier deliveries) or the query string (apprise requests, which carry
 * no id of their own) and the arrival time on the shared wall clock (`wallNow()`).
 */
import { type ChildProcess, fork } from 'node:child_process';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Epoch milliseconds with sub-millisecond resolution; comparable across processes after `clockOffset`. */
export function wallNow(): number {
  return performance.timeOrigin + performance.now();
}

/** Requests of one kind, in arrival order (parallel arrays keep 20,000+ entries cheap over IPC). */
export interface Arrivals {
  paths: string[];
  /** `webhook-id` for webhook requests; the query string (`seq=…`) for apprise requests. */
  ids: string[];
  /** Sink wall clock (ms); subtract `SinkProcess.offsetMs` to put it on the parent's clock. */
  at: Float64Array;
}

export interface SinkCounts {
  webhookRequests: number;
  webhookUnique: number;
  webhookRepeats: number;
  appriseRequests: number;
  appriseUnique: number;
  appriseRepeats: number;
  /** Requests that were neither (wrong path, or a webhook without webhook-id). */
  other: number;
  bodyBytes: number;
  /** CPU of the sink process since it started, ms. */
  cpuMs: number;
  rssMiB: number;
}

/** First apprise request as received: what its json:// plugin sends. */
export interface AppriseSample {
  path: string;
  headers: Record<string, string>;
  body: string;
}

type Request =
  | { id: number; op: 'counts' }
  | { id: number; op: 'take' }
  | { id: number; op: 'clock' }
  | { id: number; op: 'sample' };

interface Reply {
  id: number;
  value: unknown;
}

// ---------------------------------------------------------------------------------------------
// Child side
// ---------------------------------------------------------------------------------------------

class Recorder {
  private paths: string[] = [];
  private ids: string[] = [];
  private at: number[] = [];
  private readonly seen = new Set<string>();
  requests = 0;
  repeats = 0;

  add(path: string, id: string, at: number): void {
    this.requests++;
    const key = `${path} ${id}`;
    if (this.seen.has(key)) this.repeats++;
    else this.seen.add(key);
    this.paths.push(path);
    this.ids.push(id);
    this.at.push(at);
  }

  get unique(): number {
    return this.seen.size;
  }

  take(): Arrivals {
    const out = { paths: this.paths, ids: this.ids, at: Float64Array.from(this.at) };
    this.paths = [];
    this.ids = [];
    this.at = [];
    this.seen.clear();
    this.requests = 0;
    this.repeats = 0;
    return out;
  }
}

function runChild(): void {
  const webhook = new Recorder();
  const apprise = new Recorder();
  let other = 0;
  let bodyBytes = 0;
  let sample: AppriseSample | undefined;

  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    const at = wallNow();
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    const chunks: Buffer[] | undefined =
      sample === undefined && path.startsWith('/apprise/') ? [] : undefined;
    req.on('data', (chunk: Buffer) => {
      bodyBytes += chunk.length;
      chunks?.push(chunk);
    });
    req.on('end', () => {
      const id = req.headers['webhook-id'];
      if (req.method === 'POST' && path.startsWith('/hook/') && typeof id === 'string') {
        webhook.add(path, id, at);
      } else if (path.startsWith('/apprise/')) {
        apprise.add(path, q < 0 ? '' : url.slice(q + 1), at);
        if (chunks && sample === undefined) {
          sample = {
            path: url,
            headers: Object.fromEntries(
              Object.entries(req.headers).map(([k, v]) => [k, String(v)]),
            ),
            body: Buffer.concat(chunks).toString('utf8'),
          };
        }
      } else {
        other++;
      }
      res.writeHead(204).end();
    });
  };

  const server = createServer({ keepAliveTimeout: 30_000 }, onRequest);
  server.listen(0, '127.0.0.1', () => {
    const { port } = server.address() as AddressInfo;
    process.send?.({ ready: port });
  });

  process.on('message', (message: Request) => {
    let value: unknown;
    switch (message.op) {
      case 'counts': {
        const cpu = process.cpuUsage();
        value = {
          webhookRequests: webhook.requests,
          webhookUnique: webhook.unique,
          webhookRepeats: webhook.repeats,
          appriseRequests: apprise.requests,
          appriseUnique: apprise.unique,
          appriseRepeats: apprise.repeats,
          other,
          bodyBytes,
          cpuMs: (cpu.user + cpu.system) / 1000,
          rssMiB: process.memoryUsage().rss / 1024 / 1024,
        } satisfies SinkCounts;
        break;
      }
      case 'take':
        value = { webhook: webhook.take(), apprise: apprise.take() };
        other = 0;
        break;
      case 'clock':
        value = wallNow();
        break;
      case 'sample':
        value = sample ?? null;
        break;
    }
    process.send?.({ id: message.id, value } satisfies Reply);
  });
  // The parent going away (crash, Ctrl-C) ends the sink too.
  process.on('disconnect', () => process.exit(0));
}

// ---------------------------------------------------------------------------------------------
// Parent side
// ---------------------------------------------------------------------------------------------

/** Starts the sink process and talks to it over IPC. */
export class SinkProcess {
  private child: ChildProcess | undefined;
  private seq = 0;
  private readonly pending = new Map<number, (value: unknown) => void>();
  port = 0;
  /** Sink clock − parent clock (ms), from the IPC round trip with the smallest delay. */
  offsetMs = 0;

  async start(): Promise<this> {
    const child = fork(__filename, [], {
      execPath: process.execPath,
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.child = child;
    this.port = await new Promise<number>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (code) => reject(new Error(`sink exited early (${code})`)));
      child.on('message', (message: { ready?: number } & Partial<Reply>) => {
        if (message.ready !== undefined) resolve(message.ready);
        else if (message.id !== undefined) {
          this.pending.get(message.id)?.(message.value);
          this.pending.delete(message.id);
        }
      });
    });
    child.removeAllListeners('exit');
    await this.calibrate();
    return this;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  private ask<T>(op: Request['op']): Promise<T> {
    const id = ++this.seq;
    return new Promise<T>((resolve) => {
      this.pending.set(id, resolve as (value: unknown) => void);
      this.child?.send({ id, op });
    });
  }

  /** Both clocks are the system wall clock read at process start plus a monotonic delta; measure what separates them. */
  private async calibrate(): Promise<void> {
    let best = { rtt: Infinity, offset: 0 };
    for (let i = 0; i < 50; i++) {
      const t0 = wallNow();
      const remote = await this.ask<number>('clock');
      const t1 = wallNow();
      if (t1 - t0 < best.rtt) best = { rtt: t1 - t0, offset: remote - (t0 + t1) / 2 };
    }
    this.offsetMs = best.offset;
  }

  counts(): Promise<SinkCounts> {
    return this.ask<SinkCounts>('counts');
  }

  /** Returns everything recorded so far and starts afresh (warm-up requests are discarded this way). */
  take(): Promise<{ webhook: Arrivals; apprise: Arrivals }> {
    return this.ask('take');
  }

  appriseSample(): Promise<AppriseSample | null> {
    return this.ask('sample');
  }

  /**
   * Polls until `done(counts)` holds. Gives up (returning false) after `timeoutMs`, or after
   * `stallMs` without a new request.
   */
  async until(
    done: (c: SinkCounts) => boolean,
    timeoutMs: number,
    stallMs = 30_000,
    pollMs = 50,
  ): Promise<boolean> {
    const deadline = performance.now() + timeoutMs;
    let last = -1;
    let progressAt = performance.now();
    for (;;) {
      const c = await this.counts();
      if (done(c)) return true;
      const total = c.webhookRequests + c.appriseRequests;
      const now = performance.now();
      if (total !== last) {
        last = total;
        progressAt = now;
      }
      if (now > deadline || now - progressAt > stallMs) return false;
      await new Promise((r) => setTimeout(r, pollMs));
    }
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  }
}

if (require.main === module) runChild();
