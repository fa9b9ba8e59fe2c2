/** Width of an SNMP counter: Counter32 wraps at 2^32, Counter64 at 2^64. */
export type CounterWidth = 32 | 64;

/**
 * How much a counter grew between two readings, through at most one wrap; undefined when it went
 * back instead (reset: agent restart, interface re-created, counters cleared).
 *
 * A decrease counts as a wrap only when the wrapped increase is under half the counter's range:
 * a counter close to its maximum that comes back small wrapped; one that falls from the middle of
 * its range to near zero was reset. Without the rule a reset reads as an increase of almost 2^32
 * (or 2^64): a spike of gigabits per second on an idle port.
 */
export function counterIncrease(
  previous: bigint,
  current: bigint,
  width: CounterWidth,
): bigint | undefined {
  const modulus = 1n << BigInt(width);
  if (previous < 0n || current < 0n || previous >= modulus || current >= modulus) return undefined;
  if (current >= previous) return current - previous;
  const wrapped = current + modulus - previous;
  return wrapped < modulus / 2n ? wrapped : undefined;
}

/** sysUpTime as read: hundredths of a second since the agent (re)started, and when we read it. */
export interface UptimeReading {
  ticks: number;
  atMs: number;
}

const TICKS_MODULUS = 2 ** 32;
/** Slack between the agent's uptime and our clock: request latency, retries, clock drift. */
const BASE_TOLERANCE_TICKS = 500;
const RELATIVE_TOLERANCE = 0.1;

/**
 * Whether the agent ran without restarting between two sysUpTime readings: its uptime must have
 * advanced by about the time that passed on our clock. A restart shows as uptime that went back,
 * or that advanced much less than the time between the polls (the agent restarted and ran for a
 * while). TimeTicks wrap after 497 days; a decrease that matches the elapsed time is that wrap.
 * An uptime that jumped ahead of our clock is a different agent at the address: also a break.
 */
export function agentRanThrough(previous: UptimeReading, current: UptimeReading): boolean {
  const elapsedTicks = (current.atMs - previous.atMs) / 10;
  if (elapsedTicks < 0) return false;
  let advance = current.ticks - previous.ticks;
  if (advance < 0) advance += TICKS_MODULUS;
  return (
    Math.abs(advance - elapsedTicks) <= BASE_TOLERANCE_TICKS + RELATIVE_TOLERANCE * elapsedTicks
  );
}

interface Baseline {
  value: bigint;
  width: CounterWidth;
  atMs: number;
  poll: number;
}

/** What `beginPoll` found about the agent since the previous poll. */
export type AgentContinuity = 'first' | 'continuous' | 'restarted' | 'unknown';

/**
 * Turns the counters of one target into per-second rates between polls. The first reading of a
 * counter gives no rate; neither does a reading after a reset or an agent restart (its baseline
 * starts over), so rates are never negative and never the size of a whole counter range.
 */
export class CounterRates {
  private uptime: UptimeReading | undefined;
  private readonly baselines = new Map<string, Baseline>();
  private poll = 0;

  /**
   * Starts a poll with the agent's sysUpTime (undefined when it could not be read: then only the
   * counters themselves tell a reset). Forgets every baseline when the agent restarted.
   */
  beginPoll(uptime: UptimeReading | undefined): AgentContinuity {
    this.poll++;
    const previous = this.uptime;
    if (uptime === undefined) return 'unknown';
    this.uptime = uptime;
    if (previous === undefined) return 'first';
    if (agentRanThrough(previous, uptime)) return 'continuous';
    this.baselines.clear();
    return 'restarted';
  }

  /** Per-second increase of `key` since its previous reading, or undefined (see the class). */
  rate(key: string, value: bigint, width: CounterWidth, atMs: number): number | undefined {
    const previous = this.baselines.get(key);
    this.baselines.set(key, { value, width, atMs, poll: this.poll });
    if (previous === undefined || previous.width !== width) return undefined;
    const seconds = (atMs - previous.atMs) / 1000;
    if (seconds <= 0) return undefined;
    const increase = counterIncrease(previous.value, value, width);
    return increase === undefined ? undefined : Number(increase) / seconds;
  }

  /** Ends a poll; a complete one forgets counters it did not see (interfaces removed). */
  endPoll(complete: boolean): void {
    if (!complete) return;
    for (const [key, baseline] of this.baselines) {
      if (baseline.poll !== this.poll) this.baselines.delete(key);
    }
  }

  /** Counters with a baseline (for tests and memory accounting). */
  get size(): number {
    return this.baselines.size;
  }
}
