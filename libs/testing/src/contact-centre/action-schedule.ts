/** A scheduled action; `cancel` keeps it from running. */
export interface ScheduledAction {
  readonly atMs: number;
  cancel(): void;
}

interface Entry {
  atMs: number;
  /** Tie-break: actions due at the same time run in the order they were scheduled. */
  seq: number;
  run: () => void;
  cancelled: boolean;
}

/** The simulation's agenda: a binary min-heap of actions by (time, scheduling order). */
export class ActionSchedule {
  private readonly heap: Entry[] = [];
  private seq = 0;

  get size(): number {
    return this.heap.length;
  }

  add(atMs: number, run: () => void): ScheduledAction {
    const entry: Entry = { atMs, seq: this.seq++, run, cancelled: false };
    this.heap.push(entry);
    this.up(this.heap.length - 1);
    return {
      atMs,
      cancel: () => {
        entry.cancelled = true;
      },
    };
  }

  /** Time of the earliest live action, if any. */
  peekTime(): number | undefined {
    this.dropCancelled();
    return this.heap[0]?.atMs;
  }

  /** Removes and returns the earliest live action. */
  pop(): { atMs: number; run: () => void } | undefined {
    this.dropCancelled();
    const top = this.heap[0];
    if (!top) return undefined;
    this.removeTop();
    return top;
  }

  private dropCancelled(): void {
    while (this.heap.length > 0 && this.heap[0].cancelled) this.removeTop();
  }

  private removeTop(): void {
    const last = this.heap.pop();
    if (last && this.heap.length > 0) {
      this.heap[0] = last;
      this.down(0);
    }
  }

  private before(a: Entry, b: Entry): boolean {
    return a.atMs < b.atMs || (a.atMs === b.atMs && a.seq < b.seq);
  }

  private up(index: number): void {
    const heap = this.heap;
    let i = index;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.before(heap[i], heap[parent])) break;
      [heap[i], heap[parent]] = [heap[parent], heap[i]];
      i = parent;
    }
  }

  private down(index: number): void {
    const heap = this.heap;
    let i = index;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let smallest = i;
      if (left < heap.length && this.before(heap[left], heap[smallest])) smallest = left;
      if (right < heap.length && this.before(heap[right], heap[smallest])) smallest = right;
      if (smallest === i) return;
      [heap[i], heap[smallest]] = [heap[smallest], heap[i]];
      i = smallest;
    }
  }
}
