/**
 * A clock tests move by hand (it fits the ingestor connectors' Clock). `sleep` returns at once,
 * advancing the time and recording the delay, so backoff and Retry-After are checked, not waited.
 */
export class ManualClock {
  /** Every delay slept, in order. */
  readonly sleeps: number[] = [];
  private time: number;

  constructor(start: Date | string | number) {
    this.time = new Date(start).getTime();
  }

  now(): number {
    return this.time;
  }

  async sleep(ms: number, signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    this.sleeps.push(ms);
    this.time += ms;
  }

  advance(ms: number): void {
    this.time += ms;
  }

  set(at: Date | string | number): void {
    this.time = new Date(at).getTime();
  }
}
