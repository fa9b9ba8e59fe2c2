import type { CallView } from '../sources/contact-centre-source';

/** How a finished call counts for the queue rules. */
export type FinishedCallOutcome = 'answered' | 'abandoned';

export const FINISHED_CALL_OUTCOMES: readonly FinishedCallOutcome[] = ['answered', 'abandoned'];

export interface FinishedCall {
  outcome: FinishedCallOutcome;
  /** Seconds the caller waited in the queue before being answered or hanging up. */
  waitSeconds: number;
  endedAt: Date;
}

/** What a windowed rule counts: which window, and where the answer and abandon limits are. */
export interface WindowSpec {
  windowMs: number;
  answerWithinSeconds: number;
  shortAbandonSeconds: number;
}

export interface WindowCounts {
  answered: number;
  /** Answered within `answerWithinSeconds`. */
  answeredWithin: number;
  /** Abandoned after more than `shortAbandonSeconds` of waiting (short abandons do not count). */
  abandoned: number;
}

interface Entry {
  endedMs: number;
  waitSeconds: number;
  abandoned: boolean;
}

/** Running counts of one spec over the entries `[start, end)` of the buffer. */
interface Aggregate extends WindowCounts {
  spec: WindowSpec;
  start: number;
  lastNowMs: number;
}

function specKey(spec: WindowSpec): string {
  return `${spec.windowMs}|${spec.answerWithinSeconds}|${spec.shortAbandonSeconds}`;
}

/**
 * The finished calls of one queue, ordered by end time and bounded by age (`retentionMs`) and
 * count (`maxCalls`, oldest dropped first). Counts per window spec are kept incrementally, so a
 * rule evaluated every second costs O(calls that entered or left its window), not O(window).
 */
export class FinishedCallWindow {
  /** Entries before `head` are dropped; compacted when they are the larger part. */
  private entries: Entry[] = [];
  private head = 0;
  private readonly aggregates = new Map<string, Aggregate>();

  constructor(private readonly maxCalls: number) {}

  get size(): number {
    return this.entries.length - this.head;
  }

  /** Calls in end-time order (oldest first), for export. */
  calls(): FinishedCall[] {
    const out: FinishedCall[] = [];
    for (let i = this.head; i < this.entries.length; i++) {
      const entry = this.entries[i];
      out.push({
        outcome: entry.abandoned ? 'abandoned' : 'answered',
        waitSeconds: entry.waitSeconds,
        endedAt: new Date(entry.endedMs),
      });
    }
    return out;
  }

  /** Adds a call; callers check the values first (see `finishedCallProblem`). */
  add(call: FinishedCall): void {
    const entry: Entry = {
      endedMs: call.endedAt.getTime(),
      waitSeconds: call.waitSeconds,
      abandoned: call.outcome === 'abandoned',
    };
    // Calls arrive nearly in order: the insertion point is found from the end.
    let at = this.entries.length;
    while (at > this.head && this.entries[at - 1].endedMs > entry.endedMs) at--;
    if (at === this.entries.length) this.entries.push(entry);
    else this.entries.splice(at, 0, entry);
    for (const aggregate of this.aggregates.values()) {
      if (at >= aggregate.start) count(aggregate, entry, 1);
      else aggregate.start++;
    }
    if (this.size > this.maxCalls) this.dropFront(this.size - this.maxCalls);
  }

  /** Drops calls that ended `retentionMs` or more before `nowMs`. */
  expire(nowMs: number, retentionMs: number): void {
    const cutoff = nowMs - retentionMs;
    let end = this.head;
    while (end < this.entries.length && this.entries[end].endedMs <= cutoff) end++;
    if (end > this.head) this.dropFront(end - this.head);
  }

  /** Replaces every call (a caller that owns the window passes it whole). */
  replace(calls: readonly FinishedCall[]): void {
    this.entries = [];
    this.head = 0;
    this.aggregates.clear();
    const sorted = [...calls].sort((a, b) => a.endedAt.getTime() - b.endedAt.getTime());
    for (const call of sorted) this.add(call);
  }

  /** Forgets the running counts (the specs in use changed); they are rebuilt on demand. */
  resetCounts(): void {
    this.aggregates.clear();
  }

  /** Counts of the calls that ended in `(nowMs - spec.windowMs, ...]`. */
  counts(spec: WindowSpec, nowMs: number): WindowCounts {
    const key = specKey(spec);
    let aggregate = this.aggregates.get(key);
    // Time going backwards (a replica's clock behind the exporter's) cannot be undone
    // incrementally: the aggregate is rebuilt.
    if (!aggregate || nowMs < aggregate.lastNowMs) {
      aggregate = this.build(spec, nowMs);
      this.aggregates.set(key, aggregate);
    }
    const cutoff = nowMs - spec.windowMs;
    while (
      aggregate.start < this.entries.length &&
      this.entries[aggregate.start].endedMs <= cutoff
    ) {
      count(aggregate, this.entries[aggregate.start], -1);
      aggregate.start++;
    }
    aggregate.lastNowMs = nowMs;
    const { answered, answeredWithin, abandoned } = aggregate;
    return { answered, answeredWithin, abandoned };
  }

  private build(spec: WindowSpec, nowMs: number): Aggregate {
    const cutoff = nowMs - spec.windowMs;
    // First entry inside the window, by binary search over the live entries.
    let low = this.head;
    let high = this.entries.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.entries[mid].endedMs <= cutoff) low = mid + 1;
      else high = mid;
    }
    const aggregate: Aggregate = {
      spec,
      start: low,
      lastNowMs: nowMs,
      answered: 0,
      answeredWithin: 0,
      abandoned: 0,
    };
    for (let i = low; i < this.entries.length; i++) count(aggregate, this.entries[i], 1);
    return aggregate;
  }

  private dropFront(n: number): void {
    const end = this.head + n;
    for (const aggregate of this.aggregates.values()) {
      for (let i = Math.max(aggregate.start, this.head); i < end; i++) {
        count(aggregate, this.entries[i], -1);
      }
      if (aggregate.start < end) aggregate.start = end;
    }
    this.head = end;
    if (this.head > 1024 && this.head * 2 > this.entries.length) {
      this.entries = this.entries.slice(this.head);
      for (const aggregate of this.aggregates.values()) aggregate.start -= this.head;
      this.head = 0;
    }
  }
}

function count(aggregate: Aggregate, entry: Entry, sign: 1 | -1): void {
  if (entry.abandoned) {
    if (entry.waitSeconds > aggregate.spec.shortAbandonSeconds) aggregate.abandoned += sign;
  } else {
    aggregate.answered += sign;
    if (entry.waitSeconds <= aggregate.spec.answerWithinSeconds) aggregate.answeredWithin += sign;
  }
}

/** Why a finished call cannot be counted, or undefined when it can. */
export function finishedCallProblem(call: {
  outcome: unknown;
  waitSeconds: unknown;
  endedAt: unknown;
}): string | undefined {
  if (!FINISHED_CALL_OUTCOMES.includes(call.outcome as FinishedCallOutcome)) {
    return `outcome must be one of ${FINISHED_CALL_OUTCOMES.join(', ')}, got ${JSON.stringify(call.outcome)}`;
  }
  if (
    typeof call.waitSeconds !== 'number' ||
    !Number.isFinite(call.waitSeconds) ||
    call.waitSeconds < 0
  ) {
    return `waitSeconds must be a finite number >= 0, got ${String(call.waitSeconds)}`;
  }
  if (!(call.endedAt instanceof Date) || Number.isNaN(call.endedAt.getTime())) {
    return `endedAt must be a valid Date, got ${String(call.endedAt)}`;
  }
  return undefined;
}

/**
 * The finished call a queue rule counts for an ended `CallView`, or undefined when it counts
 * for none: not a queue call, or it ended otherwise than answered or abandoned (no_answer,
 * busy, failed and unknown are left out of service level and abandonment alike).
 */
export function finishedCallOf(call: CallView): (FinishedCall & { queueId: string }) | undefined {
  const { queueId, queuedAt, endedAt, disposition } = call;
  if (!queueId || !queuedAt || !endedAt) return undefined;
  if (disposition !== 'answered' && disposition !== 'abandoned') return undefined;
  const waitEnd = disposition === 'answered' ? (call.answeredAt ?? endedAt) : endedAt;
  const waitSeconds = Math.max(0, (waitEnd.getTime() - queuedAt.getTime()) / 1000);
  return { queueId, outcome: disposition, waitSeconds, endedAt };
}
