/**
 * A clock with timers that fire only when the test advances time (it fits the CCCP source's
 * `CccpClock`): reconnect backoff, polls and timeouts are checked, never waited for.
 */
export class ManualTimerClock {
  private current: number;
  private nextId = 0;
  private readonly timers = new Map<number, { at: number; ms: number; callback: () => void }>();

  constructor(start: Date | string | number = '2025-03-14T09:30:00Z') {
    this.current = new Date(start).getTime();
  }

  now(): number {
    return this.current;
  }

  setTimeout(callback: () => void, ms: number): number {
    this.nextId += 1;
    this.timers.set(this.nextId, { at: this.current + ms, ms, callback });
    return this.nextId;
  }

  clearTimeout(timer: unknown): void {
    this.timers.delete(timer as number);
  }

  /** The delays the armed timers were set with, smallest first. */
  armed(): number[] {
    return [...this.timers.values()].map((t) => t.ms).sort((a, b) => a - b);
  }

  /** Moves time on, firing every timer due on the way in time order. */
  advance(ms: number): void {
    const until = this.current + ms;
    for (;;) {
      const due = [...this.timers.entries()]
        .filter(([, t]) => t.at <= until)
        .sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      this.timers.delete(due[0]);
      this.current = due[1].at;
      due[1].callback();
    }
    this.current = until;
  }
}
