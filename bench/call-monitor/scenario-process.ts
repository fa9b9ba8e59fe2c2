/**
 * Each measurement runs in a fresh monitor process (with its own load generator), so one
 * scenario's heap, JIT state and open sockets never colour the next one's figures — the memory
 * "with 500 subscribers connected" is then the monitor's, not what an earlier flood left behind.
 */
import { fork } from 'node:child_process';
import { type FanOutResult, runFanOut } from './fan-out-latency';
import { LoadGeneratorProcess } from './load-generator-process';
import { type QuietCheck, type QuietOptions, waitForQuiet } from './monitor-parts';
import { type PipelineResult, type PipelineVariant, runPipeline } from './pipeline-throughput';

export type ScenarioRequest =
  | {
      scenario: 'pipeline';
      quiet: QuietOptions;
      variant: PipelineVariant;
      events: number;
      warmUpEvents: number;
      agents: number;
      seed: string;
      brokers: string[];
      tag: string;
    }
  | {
      scenario: 'fanout';
      quiet: QuietOptions;
      calls: number;
      subscribers: number;
      changesPerSecond: number;
      seconds: number;
      seed: string;
      maxBufferedBytes: number;
      connectConcurrency: number;
      stallMs: number;
    };

export type ScenarioResult =
  | { scenario: 'pipeline'; result: PipelineResult; quietChecks: QuietCheck[] }
  | { scenario: 'fanout'; result: FanOutResult; quietChecks: QuietCheck[] };

type ScenarioReply = { ok: true; value: ScenarioResult } | { ok: false; error: string };

/** Guard against a hung scenario (not a figure). */
const LIMIT_MS = 900_000;

async function run(request: ScenarioRequest): Promise<ScenarioResult> {
  const quietChecks: QuietCheck[] = [];
  const quiet = (before: string) => waitForQuiet(request.quiet, before, quietChecks);
  const generator = await new LoadGeneratorProcess().start();
  try {
    if (request.scenario === 'pipeline') {
      const result = await runPipeline({ ...request, generator, quiet, limitMs: LIMIT_MS });
      return { scenario: 'pipeline', result, quietChecks };
    }
    const result = await runFanOut({ ...request, generator, quiet, limitMs: LIMIT_MS });
    return { scenario: 'fanout', result, quietChecks };
  } finally {
    await generator.stop();
  }
}

/** Runs one scenario in a new process and returns what it measured. */
export function runInFreshProcess(request: ScenarioRequest): Promise<ScenarioResult> {
  const child = fork(__filename, [], {
    execPath: process.execPath,
    serialization: 'advanced',
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    let reply: ScenarioReply | undefined;
    child.once('error', reject);
    child.on('message', (message: ScenarioReply) => {
      reply = message;
    });
    child.once('exit', (code, signal) => {
      if (reply?.ok) resolve(reply.value);
      else if (reply) reject(new Error(reply.error));
      else reject(new Error(`${request.scenario} scenario process exited (${signal ?? code})`));
    });
    child.send(request);
  });
}

function runChild(): void {
  process.once('message', (request: ScenarioRequest) => {
    run(request).then(
      (value) => process.send?.({ ok: true, value } satisfies ScenarioReply, () => process.exit(0)),
      (error: unknown) => {
        const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
        process.send?.({ ok: false, error: text } satisfies ScenarioReply, () => process.exit(1));
      },
    );
  });
  process.on('disconnect', () => process.exit(0));
}

if (require.main === module) runChild();
