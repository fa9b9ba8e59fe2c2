import { RoutingConfigError } from './config-error';
import { TokenBucketLimiter, parseRateLimits } from './rate-limit';

describe('TokenBucketLimiter', () => {
  it('allows a burst, then refills at the per-minute rate', () => {
    const limiter = new TokenBucketLimiter({ slack: { ratePerMinute: 60, burst: 3 } });
    const t = 1_000_000;
    expect([1, 2, 3].map(() => limiter.take('slack', t).allowed)).toEqual([true, true, true]);
    expect(limiter.take('slack', t)).toEqual({ allowed: false, retryAfterMs: 1000 });
    expect(limiter.take('slack', t + 400)).toEqual({ allowed: false, retryAfterMs: 600 });
    expect(limiter.take('slack', t + 1000)).toEqual({ allowed: true, retryAfterMs: 0 });
    expect(limiter.take('slack', t + 1000).allowed).toBe(false);
    // A long pause refills only up to the burst.
    expect(limiter.available('slack', t + 60_000)).toBe(3);
    expect([1, 2, 3, 4].map(() => limiter.take('slack', t + 60_000).allowed)).toEqual([
      true,
      true,
      true,
      false,
    ]);
  });

  it('keeps integrations apart and does not limit unknown ones', () => {
    const limiter = new TokenBucketLimiter({
      slack: { ratePerMinute: 1, burst: 1 },
      email: { ratePerMinute: 1, burst: 1 },
    });
    expect(limiter.take('slack', 0).allowed).toBe(true);
    expect(limiter.take('email', 0).allowed).toBe(true);
    expect(limiter.take('slack', 0)).toEqual({ allowed: false, retryAfterMs: 60_000 });
    expect(limiter.take('webhook', 0)).toEqual({ allowed: true, retryAfterMs: 0 });
  });

  it('is exact over many refills and ignores a clock going backwards', () => {
    // Burst 2 so the bucket never overflows while polled: no fraction of a token is lost.
    const limiter = new TokenBucketLimiter({ x: { ratePerMinute: 7, burst: 2 } });
    let allowed = 0;
    for (let ms = 0; ms <= 60 * 60_000; ms += 100) if (limiter.take('x', ms).allowed) allowed++;
    expect(allowed).toBe(2 + 7 * 60); // the initial burst plus exactly 7 a minute
    expect(limiter.take('x', 0).allowed).toBe(false);
    // A clock stepping back neither adds nor removes tokens.
    const steady = new TokenBucketLimiter({ y: { ratePerMinute: 60, burst: 1 } });
    expect(steady.available('y', 10_000)).toBe(1);
    expect(steady.take('y', 9_000)).toEqual({ allowed: true, retryAfterMs: 0 });
    expect(steady.take('y', 5_000)).toEqual({ allowed: false, retryAfterMs: 1000 });
    expect(steady.take('y', 10_999).allowed).toBe(false);
    expect(steady.take('y', 11_000).allowed).toBe(true);
  });

  it('supports a cost and rejects impossible ones', () => {
    const limiter = new TokenBucketLimiter({ x: { ratePerMinute: 60, burst: 5 } });
    expect(limiter.take('x', 0, 5).allowed).toBe(true);
    expect(limiter.take('x', 0, 2)).toEqual({ allowed: false, retryAfterMs: 2000 });
    expect(() => limiter.take('x', 0, 6)).toThrow(RangeError);
    expect(() => new TokenBucketLimiter({ y: { ratePerMinute: 0, burst: 1 } })).toThrow(RangeError);
  });
});

describe('parseRateLimits', () => {
  it('defaults the burst to the rate and names bad fields', () => {
    expect(parseRateLimits({ slack: { rate_per_minute: 30 } })).toEqual({
      slack: { ratePerMinute: 30, burst: 30 },
    });
    let error: unknown;
    try {
      parseRateLimits({ slack: { rate_per_minute: 0 }, email: { burst: 'x', rate_per_minute: 1 } });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(RoutingConfigError);
    const problems = (error as RoutingConfigError).problems.join('\n');
    expect(problems).toMatch(/^slack\.rate_per_minute: /m);
    expect(problems).toMatch(/^email\.burst: /m);
  });
});
