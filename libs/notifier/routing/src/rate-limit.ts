import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { RoutingConfigError, validatePlain } from './config-error';

/** A token bucket: `ratePerMinute` tokens are added per minute, up to `burst` held. */
export interface RateLimit {
  ratePerMinute: number;
  burst: number;
}

export interface TakeResult {
  allowed: boolean;
  /** 0 when allowed; otherwise how long until a token is available. */
  retryAfterMs: number;
}

export class RateLimitConfig {
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  rate_per_minute!: number;

  /** Defaults to the per-minute rate (a full minute's worth may go out at once). */
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  burst?: number;
}

/** Validates `{ slack: { rate_per_minute: 30, burst: 5 }, ... }`, naming every bad field. */
export function parseRateLimits(raw: unknown): Record<string, RateLimit> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new RoutingConfigError('rate limits', ['(root): must be an object keyed by integration']);
  }
  const problems: string[] = [];
  const limits: Record<string, RateLimit> = {};
  for (const [integration, value] of Object.entries(raw)) {
    const result = validatePlain(RateLimitConfig, value, integration);
    problems.push(...result.problems);
    if (result.value) {
      limits[integration] = {
        ratePerMinute: result.value.rate_per_minute,
        burst: result.value.burst ?? result.value.rate_per_minute,
      };
    }
  }
  if (problems.length > 0) throw new RoutingConfigError('rate limits', problems);
  return limits;
}

// Tokens are counted in 1/60000ths, so a bucket refilled at R tokens/minute gains exactly R units
// per millisecond: integer arithmetic, no drift.
const UNITS_PER_TOKEN = 60_000;

interface Bucket {
  units: number;
  updatedAt: number;
}

/**
 * One token bucket per integration. Buckets start full; time comes from the caller (`now` in ms),
 * and a clock going backwards never adds tokens. Integrations without a limit are always allowed.
 */
export class TokenBucketLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(private readonly limits: Readonly<Record<string, RateLimit>>) {
    for (const [integration, limit] of Object.entries(limits)) {
      if (!(limit.ratePerMinute > 0) || !(limit.burst >= 1)) {
        throw new RangeError(`${integration}: rate and burst must be positive`);
      }
    }
  }

  /** Takes one token (or `cost`) for the integration if there is one. */
  take(integration: string, now: number, cost = 1): TakeResult {
    const limit = this.limits[integration];
    if (!limit) return { allowed: true, retryAfterMs: 0 };
    if (cost > limit.burst) {
      throw new RangeError(`${integration}: cost ${cost} exceeds the burst of ${limit.burst}`);
    }
    const bucket = this.refill(integration, limit, now);
    const needed = cost * UNITS_PER_TOKEN;
    if (bucket.units >= needed) {
      bucket.units -= needed;
      return { allowed: true, retryAfterMs: 0 };
    }
    return {
      allowed: false,
      retryAfterMs: Math.ceil((needed - bucket.units) / limit.ratePerMinute),
    };
  }

  /** Whole tokens available now, without taking any. */
  available(integration: string, now: number): number {
    const limit = this.limits[integration];
    if (!limit) return Number.POSITIVE_INFINITY;
    return Math.floor(this.refill(integration, limit, now).units / UNITS_PER_TOKEN);
  }

  private refill(integration: string, limit: RateLimit, now: number): Bucket {
    const capacity = limit.burst * UNITS_PER_TOKEN;
    let bucket = this.buckets.get(integration);
    if (!bucket) {
      bucket = { units: capacity, updatedAt: now };
      this.buckets.set(integration, bucket);
      return bucket;
    }
    const elapsed = now - bucket.updatedAt;
    if (elapsed > 0) {
      bucket.units = Math.min(capacity, bucket.units + elapsed * limit.ratePerMinute);
      bucket.updatedAt = now;
    }
    return bucket;
  }
}
