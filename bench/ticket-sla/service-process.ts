/**
 * The real ticket-sla service (dist/apps/ticket-sla/src/main.js, as `npm start` would run it) in
 * its own process against PostgreSQL, Redis and Kafka: its event loop is not shared with the
 * benchmark's agents and consumer, and its CPU and memory are read from /proc.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { ROOT } from '../messaging/environment';
import { log, sleep } from '../messaging/stats';
import { processUsage, type ProcessUsage } from './figures';

export interface TicketSlaProcess {
  url: string;
  /** The agents' websocket endpoint. */
  hubUrl: string;
  pid: number;
  usage(): ProcessUsage | undefined;
  /** Warnings and errors the service logged (LOG_LEVEL=warn), newest last, at most 50. */
  readonly warnings: string[];
  /** SIGTERM, then SIGKILL if it has not exited after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const KEPT_WARNINGS = 50;

/** A secret-free summary of one JSON log line of the service. */
function summaryOf(line: string): string {
  try {
    const entry = JSON.parse(line) as { level?: string; msg?: string; err?: { message?: string } };
    const reason = entry.err?.message === undefined ? '' : `: ${entry.err.message}`;
    return `${entry.level ?? '?'} ${entry.msg ?? line}${reason}`;
  } catch {
    return line;
  }
}

/**
 * Starts the service with `env` (PORT is chosen here) and resolves once GET /health/ready answers
 * 200. Rejects with the service's own words when it exits during start-up.
 */
export async function startTicketSlaProcess(
  env: Record<string, string>,
  readyTimeoutMs = 90_000,
): Promise<TicketSlaProcess> {
  const port = await freePort();
  const child: ChildProcess = spawn(
    process.execPath,
    [join(ROOT, 'dist', 'apps', 'ticket-sla', 'src', 'main.js')],
    {
      // Only what the service needs: the caller's environment may carry another stack's settings.
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        ...env,
        PORT: String(port),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const warnings: string[] = [];
  const stderr: string[] = [];
  const keep = (list: string[], line: string) => {
    list.push(line);
    if (list.length > KEPT_WARNINGS) list.shift();
  };
  if (child.stdout) {
    createInterface({ input: child.stdout }).on('line', (line) => keep(warnings, summaryOf(line)));
  }
  if (child.stderr)
    createInterface({ input: child.stderr }).on('line', (line) => keep(stderr, line));
  let exited: string | undefined;
  const exit = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      exited = signal ?? `code ${code}`;
      resolve();
    }),
  );
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + readyTimeoutMs;
  for (;;) {
    if (exited !== undefined) {
      throw new Error(
        `ticket-sla exited during start-up (${exited}): ${[...stderr, ...warnings].slice(-5).join(' | ')}`,
      );
    }
    try {
      const response = await fetch(`${url}/health/ready`);
      if (response.status === 200) break;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(
        `ticket-sla not ready after ${readyTimeoutMs} ms: ${warnings.slice(-5).join(' | ')}`,
      );
    }
    await sleep(200);
  }
  const pid = child.pid as number;
  return {
    url,
    hubUrl: `ws://127.0.0.1:${port}/agents`,
    pid,
    usage: () => processUsage(pid),
    warnings,
    async stop(graceMs = 30_000) {
      if (exited !== undefined) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => {
        log(`ticket-sla (pid ${pid}) did not stop within ${graceMs} ms; killing it`);
        child.kill('SIGKILL');
      }, graceMs);
      await exit;
      clearTimeout(timer);
    },
  };
}
