import type { ServiceClock, TimerHandle } from './service-clock';

interface Scheduled {
  id: number;
  at: number;
  callback: () => void;
}

/**
 * A clock the test moves: `advanceTo` runs every callback due by then, in time order, with
 * `now()` equal to each callback's own due time, the way a real clock would have seen it.
 */
export class ManualClock implements ServiceClock {
  private current: number;
  private nextId = 1;
  private readonly scheduled = new Map<number, Scheduled>();

  constructor(start: number) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  setTimeout(callback: () => void, delayMs: number): TimerHandle {
    const id = this.nextId++;
    this.scheduled.set(id, { id, at: this.current + Math.max(0, delayMs), callback });
    return id;
  }

  clearTimeout(handle: TimerHandle): void {
    this.scheduled.delete(handle as number);
  }

  /** Callbacks waiting to run. */
  get pending(): number {
    return this.scheduled.size;
  }

  /** Moves time forward to `at`, running due callbacks (also ones they schedule) in order. */
  advanceTo(at: number): void {
    for (;;) {
      let next: Scheduled | undefined;
      for (const entry of this.scheduled.values()) {
        if (
          entry.at <= at &&
          (next === undefined || entry.at < next.at || (entry.at === next.at && entry.id < next.id))
        ) {
          next = entry;
        }
      }
      if (next === undefined) break;
      this.scheduled.delete(next.id);
      this.current = Math.max(this.current, next.at);
      next.callback();
    }
    this.current = Math.max(this.current, at);
  }

  advanceBy(ms: number): void {
    this.advanceTo(this.current + ms);
  }

  /** Due time of the earliest waiting callback. */
  nextDueAt(): number | undefined {
    let next: number | undefined;
    for (const entry of this.scheduled.values())
      if (next === undefined || entry.at < next) next = entry.at;
    return next;
  }

  /**
   * Like `advanceTo`, but stops at each due instant and awaits `settle` (pending promise work of
   * the callbacks) before going on, so asynchronous handlers see the time they were due at.
   */
  async runUntil(at: number, settle: () => Promise<void>): Promise<void> {
    for (let next = this.nextDueAt(); next !== undefined && next <= at; next = this.nextDueAt()) {
      this.advanceTo(Math.max(next, this.current));
      await settle();
    }
    this.current = Math.max(this.current, at);
  }
}
