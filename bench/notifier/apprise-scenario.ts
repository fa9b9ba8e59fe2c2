/**
 * Debian's `apprise` CLI posting to the same sink, the way a user would script it:
 *
 * - `per-message`: one `apprise -t … -b … json://…` process per message, `concurrency` at a time;
 * - `fanout`: one process per alarm with K json:// URLs (the notifier's K integrations), `concurrency`
 *   at a time;
 * - `multi`: ONE process given U URLs (apprise sends to all its URLs concurrently, from a thread
 *   pool), which leaves Python start-up out of the per-message cost.
 *
 * Each URL carries `?-seq=<n>` (apprise's json:// turns `-name=value` into a query parameter), so
 * the sink can tell requests apart although apprise sends no id of its own. Latency is the spawn
 * of the process → the request at the sink.
 */
import { spawn } from 'node:child_process';
import {
  type LatencySummary,
  MemorySampler,
  log,
  perSecond,
  round,
  summarizeLatencies,
} from '../messaging/stats';
import { type SinkProcess, wallNow } from './sink';

export const APPRISE_MODES = ['per-message', 'fanout', 'multi'] as const;
export type AppriseMode = (typeof APPRISE_MODES)[number];

export interface AppriseScenarioOptions {
  bin: string;
  sink: SinkProcess;
  mode: AppriseMode;
  /** per-message: messages; fanout: alarms (× targets); multi: URLs in the one call. */
  count: number;
  /** URLs per process in `fanout` (the notifier's integration count). */
  targets: number;
  /** Processes at a time (per-message, fanout). */
  concurrency: number;
  quiet: () => Promise<void>;
  timeoutMs: number;
}

export interface AppriseScenarioResult {
  mode: AppriseMode;
  processes: number;
  concurrency: number;
  urlsPerProcess: number;
  expectedDeliveries: number;
  deliveries: number;
  missing: number;
  repeats: number;
  failedProcesses: number;
  firstError?: string;
  /** First spawn → last process exit. */
  wallMs: number;
  /** First spawn → last request at the sink (the notifier's definition). */
  endToEndMs: number;
  deliveriesPerSec: number;
  /** Mean lifetime of one apprise process. */
  processMeanMs: number;
  latency: LatencySummary;
  machineBusyPct: number;
}

interface Job {
  args: string[];
  spawnedAt: number;
}

function runOne(bin: string, job: Job): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    job.spawnedAt = wallNow();
    const child = spawn(bin, job.args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      if (stderr.length < 2000) stderr += chunk.toString('utf8');
    });
    child.on('error', (error) => resolve({ code: -1, stderr: String(error) }));
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

function url(port: number, path: string, seq: number): string {
  return `json://127.0.0.1:${port}/apprise/${path}?-seq=${seq}`;
}

function jobsFor(o: AppriseScenarioOptions, port: number): { jobs: Job[]; expected: number } {
  const message = (n: number) => [
    '-t',
    `Cell down at site-${String(n).padStart(6, '0')}`,
    '-b',
    `Cell ${n} is down (ALM-${n}, major), reported by ericsson.`,
  ];
  switch (o.mode) {
    case 'per-message':
      return {
        jobs: Array.from({ length: o.count }, (_, n) => ({
          args: [...message(n), url(port, 'single', n)],
          spawnedAt: Number.NaN,
        })),
        expected: o.count,
      };
    case 'fanout':
      return {
        jobs: Array.from({ length: o.count }, (_, n) => ({
          args: [
            ...message(n),
            ...Array.from({ length: o.targets }, (_, k) =>
              url(port, `fan/${String(k).padStart(2, '0')}`, n),
            ),
          ],
          spawnedAt: Number.NaN,
        })),
        expected: o.count * o.targets,
      };
    case 'multi':
      return {
        jobs: [
          {
            args: [
              ...message(0),
              ...Array.from({ length: o.count }, (_, n) =>
                url(port, `multi/${String(n % o.targets).padStart(2, '0')}`, n),
              ),
            ],
            spawnedAt: Number.NaN,
          },
        ],
        expected: o.count,
      };
  }
}

/** One throwaway call so Python's modules are in the page cache before the clock starts. */
export async function warmApprise(bin: string, sink: SinkProcess): Promise<void> {
  const result = await runOne(bin, {
    args: ['-b', 'warm-up', url(sink.port, 'warm', 0)],
    spawnedAt: Number.NaN,
  });
  if (result.code !== 0)
    throw new Error(`${bin} failed (exit ${result.code}): ${result.stderr.trim()}`);
  await sink.until((c) => c.appriseUnique >= 1, 10_000);
  await sink.take();
}

export async function runAppriseScenario(
  o: AppriseScenarioOptions,
): Promise<AppriseScenarioResult> {
  const { jobs, expected } = jobsFor(o, o.sink.port);
  const concurrency = o.mode === 'multi' ? 1 : Math.max(1, o.concurrency);
  await o.quiet();
  log(
    `apprise ${o.mode}: ${jobs.length.toLocaleString()} process(es), ${concurrency} at a time → ${expected.toLocaleString()} requests`,
  );
  const memory = MemorySampler.begin();
  const started = wallNow();
  let next = 0;
  let failed = 0;
  let firstError: string | undefined;
  const lifetimes: number[] = [];
  const worker = async () => {
    while (next < jobs.length) {
      const job = jobs[next++];
      const result = await runOne(o.bin, job);
      lifetimes.push(wallNow() - job.spawnedAt);
      if (result.code !== 0) {
        failed++;
        firstError ??= `exit ${result.code}: ${result.stderr.trim().slice(0, 300)}`;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const ended = wallNow();
  await o.sink.until((c) => c.appriseUnique >= expected, o.timeoutMs, 5_000);
  const mem = memory.stop();
  await new Promise((r) => setTimeout(r, 500));
  const { apprise } = await o.sink.take();

  const seen = new Set<string>();
  const latencies: number[] = [];
  let last = Number.NaN;
  let repeats = 0;
  for (let i = 0; i < apprise.ids.length; i++) {
    const key = `${apprise.paths[i]}?${apprise.ids[i]}`;
    if (seen.has(key)) {
      repeats++;
      continue;
    }
    seen.add(key);
    const seq = Number(/seq=(\d+)/.exec(apprise.ids[i])?.[1]);
    const job = o.mode === 'multi' ? jobs[0] : jobs[seq];
    const at = apprise.at[i] - o.sink.offsetMs;
    if (job) latencies.push(at - job.spawnedAt);
    if (!(last >= at)) last = at;
  }
  const deliveries = seen.size;
  const endToEndMs = last - started;
  const result: AppriseScenarioResult = {
    mode: o.mode,
    processes: jobs.length,
    concurrency,
    urlsPerProcess: o.mode === 'fanout' ? o.targets : o.mode === 'multi' ? o.count : 1,
    expectedDeliveries: expected,
    deliveries,
    missing: expected - deliveries,
    repeats,
    failedProcesses: failed,
    ...(firstError ? { firstError } : {}),
    wallMs: round(ended - started, 1),
    endToEndMs: round(endToEndMs, 1),
    deliveriesPerSec: perSecond(deliveries, endToEndMs),
    processMeanMs: round(lifetimes.reduce((a, b) => a + b, 0) / Math.max(1, lifetimes.length), 1),
    latency: summarizeLatencies(Float64Array.from(latencies)),
    machineBusyPct: mem.machineBusyPct,
  };
  log(
    `apprise ${o.mode}: ${deliveries}/${expected} requests, ${result.deliveriesPerSec.toLocaleString()}/s, p50 ${result.latency.p50Ms} ms; ${failed} failed process(es)`,
  );
  return result;
}
