import { randomUUID } from 'node:crypto';
import type { PlaybookRunHandle, PlaybookRunRequest, PlaybookRunResult } from './ansible-runner';
import { JobStatus } from './task-event';

/** What the pool starts runs with: an AnsibleRunner (a fake in unit tests). */
export interface PlaybookLauncher {
  start(request: PlaybookRunRequest): PlaybookRunHandle;
}

export interface RunnerPoolOptions {
  /** Runs allowed at the same time; the others wait in submission order. */
  maxParallel: number;
}

export type QueuedRunState = 'queued' | 'running' | 'finished';

/** A job submitted to the pool: waits for a free slot, then runs. */
export class QueuedRun {
  readonly done: Promise<PlaybookRunResult>;
  private currentState: QueuedRunState = 'queued';
  private handle?: PlaybookRunHandle;
  private settle!: (result: PlaybookRunResult) => void;

  constructor(
    readonly id: string,
    readonly request: PlaybookRunRequest,
    private readonly pool: RunnerPool,
  ) {
    this.done = new Promise((resolve) => (this.settle = resolve));
  }

  get state(): QueuedRunState {
    return this.currentState;
  }

  /** Cancels the job: a queued one never starts, a running one is cancelled as PlaybookRun.cancel
   * describes (rescue still runs). False once finished. */
  cancel(): boolean {
    return this.pool.cancel(this.id);
  }

  /** @internal */
  begin(handle: PlaybookRunHandle): void {
    this.currentState = 'running';
    this.handle = handle;
  }

  /** @internal */
  cancelRunning(): boolean {
    return this.handle?.cancel() ?? false;
  }

  /** @internal */
  end(result: PlaybookRunResult): void {
    this.currentState = 'finished';
    this.settle(result);
  }
}

/** The result of a job that never ran: cancelled while queued, or refused by the runner. */
function notRun(reason: string, cancelled: boolean): PlaybookRunResult {
  return {
    status: JobStatus.Failed,
    reason,
    rolledBack: false,
    cancelled,
    fatal: !cancelled,
    exitCode: null,
    signal: null,
    taskCount: null,
    taskEvents: [],
    deliveryErrors: [],
  };
}

/** Runs at most `maxParallel` playbooks at once; the rest wait in a FIFO queue. */
export class RunnerPool {
  readonly maxParallel: number;
  private readonly queue: QueuedRun[] = [];
  private readonly active = new Map<string, QueuedRun>();

  constructor(
    private readonly launcher: PlaybookLauncher,
    options: RunnerPoolOptions,
  ) {
    if (!Number.isInteger(options.maxParallel) || options.maxParallel < 1)
      throw new RangeError(`maxParallel must be a positive integer, got ${options.maxParallel}`);
    this.maxParallel = options.maxParallel;
  }

  get runningCount(): number {
    return this.active.size;
  }

  get queuedCount(): number {
    return this.queue.length;
  }

  /** Queues a job (started at once when a slot is free). `id` defaults to a random UUID; give the
   * provision id to cancel by it. */
  submit(request: PlaybookRunRequest, id: string = randomUUID()): QueuedRun {
    if (this.find(id)) throw new Error(`a job with id ${id} is already in the pool`);
    const run = new QueuedRun(id, request, this);
    this.queue.push(run);
    this.pump();
    return run;
  }

  find(id: string): QueuedRun | undefined {
    return this.active.get(id) ?? this.queue.find((run) => run.id === id);
  }

  /** Cancels a queued or running job by id; false when the pool does not hold it (any more). */
  cancel(id: string): boolean {
    const index = this.queue.findIndex((run) => run.id === id);
    if (index >= 0) {
      const [run] = this.queue.splice(index, 1);
      run.end(notRun('Cancelled while queued; the playbook never started', true));
      return true;
    }
    return this.active.get(id)?.cancelRunning() ?? false;
  }

  /** Cancels everything (service shutdown) and resolves once every running job has finished. */
  async cancelAll(): Promise<void> {
    for (const run of [...this.queue]) this.cancel(run.id);
    const running = [...this.active.values()];
    for (const run of running) run.cancelRunning();
    await Promise.all(running.map((run) => run.done));
  }

  private pump(): void {
    while (this.active.size < this.maxParallel && this.queue.length > 0) {
      const run = this.queue.shift()!;
      this.active.set(run.id, run);
      let handle: PlaybookRunHandle;
      try {
        handle = this.launcher.start(run.request);
      } catch (error) {
        // An invalid request (bad playbook name) fails its job, not the pool.
        this.active.delete(run.id);
        run.end(notRun(error instanceof Error ? error.message : String(error), false));
        continue;
      }
      run.begin(handle);
      void handle.done.then(
        (result) => this.release(run, result),
        (error: unknown) =>
          this.release(
            run,
            notRun(
              `runner failure: ${error instanceof Error ? error.message : String(error)}`,
              false,
            ),
          ),
      );
    }
  }

  private release(run: QueuedRun, result: PlaybookRunResult): void {
    this.active.delete(run.id);
    run.end(result);
    this.pump();
  }
}
