import type { Clock } from '../../http/clock';

/**
 * A clock whose sleeps end only when the test moves time past them: deadlines expire exactly when
 * the test says, however slow the machine.
 */
export class SteppedClock implements Clock {
  private time: number;
  private sleepers: { until: number; resolve: () => void }[] = [];

  constructor(start = 0) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      const sleeper = { until: this.time + ms, resolve };
      this.sleepers.push(sleeper);
      signal?.addEventListener(
        'abort',
        () => {
          this.sleepers = this.sleepers.filter((s) => s !== sleeper);
          reject(signal.reason as Error);
        },
        { once: true },
      );
    });
  }

  /** Sleeps not yet over. */
  get pending(): number {
    return this.sleepers.length;
  }

  /** Moves time on, ends the sleeps that are due, and lets their continuations run. */
  async advance(ms: number): Promise<void> {
    this.time += ms;
    const due = this.sleepers.filter((s) => s.until <= this.time);
    this.sleepers = this.sleepers.filter((s) => s.until > this.time);
    for (const sleeper of due) sleeper.resolve();
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}
