/**
 * How long something lasts, in seconds: a number is a fixed duration; the other shapes draw a
 * fresh value each time from the simulator's seeded random source.
 */
export type SecondsDistribution =
  | number
  | { kind: 'fixed'; seconds: number }
  | { kind: 'uniform'; min: number; max: number }
  | { kind: 'exponential'; mean: number }
  /** Right-skewed like real handle times: `mean` is the arithmetic mean, `sigma` the log spread. */
  | { kind: 'lognormal'; mean: number; sigma: number };

/**
 * A seeded pseudo-random source (sfc32 seeded through cyrb128): the same seed gives the same
 * sequence on every machine, so a simulation run can be replayed exactly.
 */
export class SeededRandom {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number | string) {
    [this.a, this.b, this.c, this.d] = cyrb128(String(seed));
    // The first outputs of sfc32 still show the seed's structure; discard them.
    for (let i = 0; i < 15; i += 1) this.next();
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.a |= 0;
    this.b |= 0;
    this.c |= 0;
    this.d |= 0;
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return (t >>> 0) / 4294967296;
  }

  /** Uniform in [min, max). */
  uniform(min: number, max: number): number {
    return min + (max - min) * this.next();
  }

  /** An integer in [min, max], both included. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return p > 0 && this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('SeededRandom.pick: no items to pick from');
    return items[Math.floor(this.next() * items.length)];
  }

  /** A key drawn with probability proportional to its (non-negative) weight. */
  weighted<K extends string>(weights: Readonly<Record<K, number>>): K {
    const entries = Object.entries(weights) as [K, number][];
    const total = entries.reduce((sum, [, weight]) => sum + Math.max(0, weight), 0);
    if (!(total > 0)) throw new Error('SeededRandom.weighted: every weight is zero');
    let left = this.next() * total;
    for (const [key, weight] of entries) {
      left -= Math.max(0, weight);
      if (left < 0) return key;
    }
    return entries[entries.length - 1][0];
  }

  /** Exponential with the given mean (the gap between Poisson arrivals). */
  exponential(mean: number): number {
    return -mean * Math.log(1 - this.next());
  }

  /** Standard normal (Box–Muller). */
  normal(): number {
    const u = 1 - this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** Digits `0-9`, `count` of them. */
  digits(count: number): string {
    let text = '';
    for (let i = 0; i < count; i += 1) text += String(this.int(0, 9));
    return text;
  }

  /** A version 4 UUID, the shape of Asterisk bridge ids. */
  uuid(): string {
    const hex = (n: number) => {
      let text = '';
      for (let i = 0; i < n; i += 1) text += this.int(0, 15).toString(16);
      return text;
    };
    const variant = (8 + this.int(0, 3)).toString(16);
    return `${hex(8)}-${hex(4)}-4${hex(3)}-${variant}${hex(3)}-${hex(12)}`;
  }

  /** Seconds drawn from `distribution`. */
  seconds(distribution: SecondsDistribution): number {
    if (typeof distribution === 'number') return distribution;
    switch (distribution.kind) {
      case 'fixed':
        return distribution.seconds;
      case 'uniform':
        return this.uniform(distribution.min, distribution.max);
      case 'exponential':
        return this.exponential(distribution.mean);
      case 'lognormal': {
        const mu = Math.log(distribution.mean) - (distribution.sigma * distribution.sigma) / 2;
        return Math.exp(mu + distribution.sigma * this.normal());
      }
    }
  }
}

/** Checks a distribution; returns a problem (what is wrong) or undefined. */
export function secondsDistributionProblem(distribution: unknown): string | undefined {
  const positive = (value: unknown) => typeof value === 'number' && Number.isFinite(value);
  if (typeof distribution === 'number') {
    return positive(distribution) && distribution >= 0
      ? undefined
      : `must be a finite number of seconds ≥ 0, got ${String(distribution)}`;
  }
  if (typeof distribution !== 'object' || distribution === null || !('kind' in distribution)) {
    return 'must be a number of seconds or { kind: fixed | uniform | exponential | lognormal, ... }';
  }
  const d = distribution as Record<string, unknown>;
  switch (d.kind) {
    case 'fixed':
      return positive(d.seconds) && (d.seconds as number) >= 0
        ? undefined
        : `fixed: seconds must be a finite number ≥ 0, got ${String(d.seconds)}`;
    case 'uniform':
      return positive(d.min) &&
        positive(d.max) &&
        (d.min as number) >= 0 &&
        (d.min as number) <= (d.max as number)
        ? undefined
        : `uniform: needs 0 ≤ min ≤ max, got min ${String(d.min)}, max ${String(d.max)}`;
    case 'exponential':
      return positive(d.mean) && (d.mean as number) > 0
        ? undefined
        : `exponential: mean must be > 0, got ${String(d.mean)}`;
    case 'lognormal':
      return positive(d.mean) &&
        (d.mean as number) > 0 &&
        positive(d.sigma) &&
        (d.sigma as number) >= 0
        ? undefined
        : `lognormal: needs mean > 0 and sigma ≥ 0, got mean ${String(d.mean)}, sigma ${String(d.sigma)}`;
    default:
      return `unknown kind ${JSON.stringify(d.kind)} (fixed, uniform, exponential, lognormal)`;
  }
}

/** 128 bits of hash from a string: four well-mixed 32-bit seeds for sfc32. */
function cyrb128(text: string): [number, number, number, number] {
  let h1 = 1779033703;
  let h2 = 3144134277;
  let h3 = 1013904242;
  let h4 = 2773480762;
  for (let i = 0; i < text.length; i += 1) {
    const k = text.charCodeAt(i);
    h1 = h2 ^ Math.imul(h1 ^ k, 597399067);
    h2 = h3 ^ Math.imul(h2 ^ k, 2869860233);
    h3 = h4 ^ Math.imul(h3 ^ k, 951274213);
    h4 = h1 ^ Math.imul(h4 ^ k, 2716044179);
  }
  h1 = Math.imul(h3 ^ (h1 >>> 18), 597399067);
  h2 = Math.imul(h4 ^ (h2 >>> 22), 2869860233);
  h3 = Math.imul(h1 ^ (h3 >>> 17), 951274213);
  h4 = Math.imul(h2 ^ (h4 >>> 19), 2716044179);
  h1 ^= h2 ^ h3 ^ h4;
  h2 ^= h1;
  h3 ^= h1;
  h4 ^= h1;
  return [h1 >>> 0, h2 >>> 0, h3 >>> 0, h4 >>> 0];
}
