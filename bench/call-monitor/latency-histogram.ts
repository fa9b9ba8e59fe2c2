/**
 * Latencies in log-spaced buckets 0.5 % wide: the fan-out run records millions of deliveries
 * (changes × subscribers), which a sample array would hold in hundreds of MB; here they cost a
 * few kB and every percentile is within half a percent of the exact nearest-rank value.
 */

/** Smallest latency told apart from zero: 1 µs. */
const FLOOR_MS = 0.001;
const GROWTH = 1.005;
/** Up to ten minutes; anything longer lands in the last bucket (the exact max is kept apart). */
const CEILING_MS = 600_000;
const BUCKETS = Math.ceil(Math.log(CEILING_MS / FLOOR_MS) / Math.log(GROWTH)) + 2;

export interface LatencyPercentiles {
  count: number;
  meanMs: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  p999Ms: number;
  maxMs: number;
  /** Samples below zero (a clock error); counted in the lowest bucket. */
  negative: number;
}

export class LatencyHistogram {
  private readonly counts = new Float64Array(BUCKETS);
  private total = 0;
  private sum = 0;
  private max = Number.NEGATIVE_INFINITY;
  private negative = 0;

  get count(): number {
    return this.total;
  }

  record(ms: number): void {
    if (Number.isNaN(ms)) throw new RangeError('LatencyHistogram.record: latency is NaN');
    if (ms < 0) this.negative += 1;
    this.counts[bucketOf(ms)] += 1;
    this.total += 1;
    this.sum += ms;
    if (ms > this.max) this.max = ms;
  }

  merge(other: LatencyHistogram): void {
    for (let i = 0; i < BUCKETS; i++) this.counts[i] += other.counts[i];
    this.total += other.total;
    this.sum += other.sum;
    this.negative += other.negative;
    if (other.max > this.max) this.max = other.max;
  }

  /** Nearest-rank percentile (p in 0..100): the middle of the bucket holding that rank. */
  percentile(p: number): number {
    if (this.total === 0) return Number.NaN;
    const rank = Math.max(1, Math.ceil((p / 100) * this.total));
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.counts[i];
      if (seen >= rank) return Math.min(this.max, middleOf(i));
    }
    return this.max;
  }

  summary(): LatencyPercentiles {
    const round3 = (v: number) => (Number.isFinite(v) ? Math.round(v * 1000) / 1000 : v);
    return {
      count: this.total,
      meanMs: round3(this.total ? this.sum / this.total : Number.NaN),
      p50Ms: round3(this.percentile(50)),
      p90Ms: round3(this.percentile(90)),
      p99Ms: round3(this.percentile(99)),
      p999Ms: round3(this.percentile(99.9)),
      maxMs: round3(this.total ? this.max : Number.NaN),
      negative: this.negative,
    };
  }
}

function bucketOf(ms: number): number {
  if (ms < FLOOR_MS) return 0;
  const index = 1 + Math.floor(Math.log(ms / FLOOR_MS) / Math.log(GROWTH));
  return Math.min(BUCKETS - 1, index);
}

/** Geometric middle of bucket `i` (bucket 0 holds everything below 1 µs). */
function middleOf(i: number): number {
  if (i === 0) return 0;
  return FLOOR_MS * GROWTH ** (i - 1) * Math.sqrt(GROWTH);
}
