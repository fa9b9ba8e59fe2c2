/**
 * Runs section 1 in a fresh Node process (forked by run.ts with --expose-gc and a heap large
 * enough for the tickets), so its memory figures start from an empty heap and the rest of the
 * benchmark does not inherit a million tickets' worth of garbage.
 */
import { fork } from 'node:child_process';
import { join } from 'node:path';
import { log } from '../messaging/stats';
import { runRecompute, type RecomputeOptions, type RecomputeResult } from './recompute';

type ChildMessage =
  | { type: 'progress'; message: string }
  | { type: 'result'; result: RecomputeResult }
  | { type: 'failed'; error: string };

/** Forks this file and resolves with the child's figures. */
export function recomputeInFreshProcess(
  options: RecomputeOptions,
  maxOldSpaceMiB: number,
): Promise<RecomputeResult> {
  return new Promise((resolve, reject) => {
    const child = fork(join(__dirname, 'recompute-process.js'), [JSON.stringify(options)], {
      execArgv: ['--expose-gc', `--max-old-space-size=${maxOldSpaceMiB}`],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let settled = false;
    child.on('message', (raw) => {
      const message = raw as ChildMessage;
      if (message.type === 'progress') log(`recompute: ${message.message}`);
      else if (message.type === 'result') {
        settled = true;
        resolve(message.result);
      } else {
        settled = true;
        reject(new Error(`recompute process failed: ${message.error}`));
      }
    });
    child.on('exit', (code, signal) => {
      if (!settled)
        reject(
          new Error(
            `recompute process exited (${signal ?? `code ${code}`}) before reporting; ` +
              `an out-of-memory exit needs a larger --max-old-space-mib`,
          ),
        );
    });
  });
}

/** Sends one message to the parent; resolves once it is on its way (before disconnecting). */
function send(message: ChildMessage): Promise<void> {
  return new Promise((resolve) => {
    if (process.send === undefined) resolve();
    else process.send(message, undefined, {}, () => resolve());
  });
}

async function main(): Promise<void> {
  try {
    const options = JSON.parse(process.argv[2] ?? '') as RecomputeOptions;
    const result = runRecompute(options, (message) => void send({ type: 'progress', message }));
    await send({ type: 'result', result });
  } catch (error) {
    await send({
      type: 'failed',
      error: error instanceof Error ? (error.stack ?? error.message) : String(error),
    });
  }
  process.disconnect?.();
}

if (require.main === module) void main();
