import { MAX_TIMER_DELAY_MS, type ServiceClock, type TimerHandle } from '../time/service-clock';
import { MinHeap } from './min-heap';

interface Entry {
  at: number;
  ticketId: string;
  version: number;
}

export interface CrossingTimersOptions {
  /** Tickets handed to `onDue` at once when many cross together. */
  maxBatch: number;
  /** A batch whose handler failed is tried again this much later. */
  retryDelayMs: number;
}

/** Reports a failed batch; the timers retry it. */
export type CrossingFailure = (error: unknown, ticketIds: readonly string[]) => void;

/**
 * The next SLA threshold crossing of every ticket, in memory, with one clock timer armed for the
 * earliest: at that instant (not at a later poll) `onDue` gets the tickets whose crossing has
 * come, and re-arms them with whatever crossing they report next. Batches run one at a time; a
 * batch that fails is retried after `retryDelayMs`, so a crossing is never dropped.
 * Setting a ticket again replaces its crossing (older heap entries are skipped when they surface).
 */
export class CrossingTimers {
  private readonly heap = new MinHeap<Entry>();
  private readonly current = new Map<string, Entry>();
  private version = 0;
  private timer: TimerHandle | undefined;
  private armedAt: number | undefined;
  private busy = false;
  private stopped = true;
  private idle: Promise<void> = Promise.resolve();

  constructor(
    private readonly clock: ServiceClock,
    private readonly onDue: (ticketIds: string[]) => Promise<void>,
    private readonly onFailure: CrossingFailure,
    private readonly options: CrossingTimersOptions = { maxBatch: 500, retryDelayMs: 1000 },
  ) {}

  get size(): number {
    return this.current.size;
  }

  /** When a ticket's next crossing is due, or undefined. */
  dueAt(ticketId: string): number | undefined {
    return this.current.get(ticketId)?.at;
  }

  start(): void {
    this.stopped = false;
    this.arm();
  }

  /** Stops firing; waits for a batch in progress. Entries are kept (a new holder reloads anyway). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.disarm();
    await this.idle;
  }

  /** Drops every entry (the lease was lost: another replica holds the timers now). */
  clear(): void {
    this.heap.clear();
    this.current.clear();
    this.disarm();
  }

  /** Sets (or with null removes) the next crossing of a ticket. */
  set(ticketId: string, at: number | null): void {
    if (at === null) {
      this.current.delete(ticketId);
      return;
    }
    const existing = this.current.get(ticketId);
    if (existing !== undefined && existing.at === at) return;
    const entry: Entry = { at, ticketId, version: ++this.version };
    this.current.set(ticketId, entry);
    this.heap.push(entry);
    if (this.armedAt === undefined || at < this.armedAt) this.arm();
  }

  private disarm(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.armedAt = undefined;
  }

  /** Drops heap entries that were replaced or removed, so the top is a live one. */
  private top(): Entry | undefined {
    for (let entry = this.heap.peek(); entry !== undefined; entry = this.heap.peek()) {
      if (this.current.get(entry.ticketId) === entry) return entry;
      this.heap.pop();
    }
    return undefined;
  }

  private arm(): void {
    if (this.stopped || this.busy) return;
    this.disarm();
    const next = this.top();
    if (next === undefined) return;
    const delay = Math.min(Math.max(0, next.at - this.clock.now()), MAX_TIMER_DELAY_MS);
    this.armedAt = next.at;
    this.timer = this.clock.setTimeout(() => this.fire(), delay);
  }

  private fire(): void {
    this.timer = undefined;
    this.armedAt = undefined;
    if (this.stopped) return;
    const now = this.clock.now();
    const due: string[] = [];
    for (let entry = this.top(); entry !== undefined && entry.at <= now; entry = this.top()) {
      this.heap.pop();
      this.current.delete(entry.ticketId);
      due.push(entry.ticketId);
      if (due.length >= this.options.maxBatch) break;
    }
    if (due.length === 0) {
      // Woken early (a delay clamped to the timer maximum): wait again.
      this.arm();
      return;
    }
    this.busy = true;
    this.idle = this.onDue(due)
      .catch((error: unknown) => {
        this.onFailure(error, due);
        const retryAt = this.clock.now() + this.options.retryDelayMs;
        for (const ticketId of due) if (!this.current.has(ticketId)) this.set(ticketId, retryAt);
      })
      .finally(() => {
        this.busy = false;
        this.arm();
      });
  }
}
