/** Time as the scheduler sees it; tests use Jest's fake timers through the defaults. */
export interface SchedulerTimers {
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemTimers: SchedulerTimers = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => {
    const timer = setTimeout(callback, ms);
    // A pending poll must not keep a process alive that is otherwise done.
    timer.unref();
    return timer;
  },
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** What a poll tells the scheduler about the next one. */
export interface PollOutcome {
  /** The source has more waiting (a per-sync limit stopped it): poll again shortly. */
  soon?: boolean;
  /** Not before this time (ms since epoch), e.g. when the source's quota allows the next call. */
  notBefore?: number;
  /**
   * Poll again after this long, sooner than the interval: the poll failed on our side (its
   * records could not be published) and will redo the same work.
   */
  retryInMs?: number;
}

/** One poll of one source; `signal` aborts it (lease lost, shutdown). */
export type PollTask = (sourceId: string, signal: AbortSignal) => Promise<PollOutcome | void>;

export interface PollSchedulerOptions {
  /** Polls running at once, all sources together. */
  maxConcurrent: number;
  /** Each interval is moved by up to ± this fraction. */
  jitter: number;
  /**
   * Delay before a `soon` repoll (capped at the interval). Default 0: a source with a backlog is
   * queued again at once, behind any source already waiting, so it drains at pipeline speed.
   */
  soonMs?: number;
  /**
   * Cap on the spread of a source's first poll (default 10 s): a source added with a one-hour
   * interval starts within seconds, not within a jitter of an hour (6 minutes at 10 %).
   */
  maxStartSpreadMs?: number;
  random?: () => number;
  timers?: SchedulerTimers;
  /** A poll threw; the source keeps its schedule. */
  onError(sourceId: string, error: unknown): void;
  /** Running polls changed (metrics). */
  onRunning?(running: number): void;
}

interface Entry {
  sourceId: string;
  intervalMs: number;
  phase: 'waiting' | 'queued' | 'running' | 'removed';
  timer?: unknown;
  controller?: AbortController;
  done?: Promise<void>;
}

/**
 * Runs each source's poll every `intervalMs` with jitter. A source never overlaps itself: its next
 * poll is timed from the start of the last one and only set once that one finished (a poll longer
 * than the interval is followed at once by the next). At most `maxConcurrent` polls run at a time;
 * due sources wait their turn in the order they fell due.
 */
export class PollScheduler {
  private readonly entries = new Map<string, Entry>();
  private readonly queue: Entry[] = [];
  private running = 0;
  private readonly timers: SchedulerTimers;
  private readonly random: () => number;

  constructor(
    private readonly poll: PollTask,
    private readonly options: PollSchedulerOptions,
  ) {
    this.timers = options.timers ?? systemTimers;
    this.random = options.random ?? Math.random;
  }

  /**
   * Starts polling a source, first at `notBefore` (default now) plus up to one jitter of its
   * interval (at most `maxStartSpreadMs`), so sources taken together at start-up do not all fire
   * at once.
   */
  add(sourceId: string, intervalMs: number, notBefore?: number): void {
    if (this.entries.has(sourceId)) throw new Error(`${sourceId} is already scheduled`);
    const entry: Entry = { sourceId, intervalMs, phase: 'waiting' };
    this.entries.set(sourceId, entry);
    const now = this.timers.now();
    const spread = Math.min(
      intervalMs * this.options.jitter,
      this.options.maxStartSpreadMs ?? 10_000,
    );
    const first = Math.max(now, notBefore ?? now) + spread * this.random();
    this.wait(entry, first - now);
  }

  has(sourceId: string): boolean {
    return this.entries.has(sourceId);
  }

  /** Sources scheduled here. */
  sources(): string[] {
    return [...this.entries.keys()];
  }

  get runningCount(): number {
    return this.running;
  }

  /** Stops polling a source: aborts its running poll and resolves once that poll has ended. */
  async remove(sourceId: string): Promise<void> {
    const entry = this.entries.get(sourceId);
    if (!entry) return;
    this.entries.delete(sourceId);
    const wasRunning = entry.phase === 'running';
    entry.phase = 'removed';
    if (entry.timer !== undefined) this.timers.clearTimeout(entry.timer);
    const queued = this.queue.indexOf(entry);
    if (queued >= 0) this.queue.splice(queued, 1);
    if (wasRunning) {
      entry.controller?.abort();
      await entry.done;
    }
  }

  async stop(): Promise<void> {
    await Promise.all(this.sources().map((sourceId) => this.remove(sourceId)));
  }

  private wait(entry: Entry, delayMs: number): void {
    entry.phase = 'waiting';
    entry.timer = this.timers.setTimeout(
      () => {
        entry.timer = undefined;
        if (entry.phase !== 'waiting') return;
        entry.phase = 'queued';
        this.queue.push(entry);
        this.pump();
      },
      Math.max(0, delayMs),
    );
  }

  private pump(): void {
    while (this.running < this.options.maxConcurrent && this.queue.length > 0) {
      const entry = this.queue.shift() as Entry;
      this.start(entry);
    }
  }

  private start(entry: Entry): void {
    entry.phase = 'running';
    const controller = new AbortController();
    entry.controller = controller;
    this.running++;
    this.options.onRunning?.(this.running);
    const startedAt = this.timers.now();
    entry.done = (async () => {
      let outcome: PollOutcome | void = undefined;
      try {
        outcome = await this.poll(entry.sourceId, controller.signal);
      } catch (error) {
        this.options.onError(entry.sourceId, error);
      }
      this.running--;
      this.options.onRunning?.(this.running);
      if (entry.phase === 'running') this.wait(entry, this.nextDelay(entry, startedAt, outcome));
      this.pump();
    })();
  }

  private nextDelay(entry: Entry, startedAt: number, outcome: PollOutcome | void): number {
    const now = this.timers.now();
    const { intervalMs } = entry;
    if (outcome?.soon) return Math.min(this.options.soonMs ?? 0, intervalMs);
    if (outcome?.retryInMs !== undefined) return Math.min(outcome.retryInMs, intervalMs);
    const jittered = intervalMs * (1 + this.options.jitter * (2 * this.random() - 1));
    const next = Math.max(startedAt + jittered, outcome?.notBefore ?? 0);
    return next - now;
  }
}
