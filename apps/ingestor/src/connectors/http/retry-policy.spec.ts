import { backoffDelayMs, isRetryableStatus, parseRetryAfterMs } from './retry-policy';

describe('backoffDelayMs', () => {
  const policy = { baseDelayMs: 500, maxDelayMs: 8000 };

  it('doubles the ceiling per retry and keeps the delay in its upper half', () => {
    expect([1, 2, 3, 4].map((retry) => backoffDelayMs(retry, policy, () => 0))).toEqual([
      250, 500, 1000, 2000,
    ]);
    expect([1, 2, 3, 4].map((retry) => backoffDelayMs(retry, policy, () => 0.999999))).toEqual([
      500, 1000, 2000, 4000,
    ]);
  });

  it('never goes past the maximum, however many retries', () => {
    expect(backoffDelayMs(30, policy, () => 0.999999)).toBe(8000);
    expect(backoffDelayMs(30, policy, () => 0)).toBe(4000);
  });

  it('spreads delays with the random draw (jitter)', () => {
    const draws = [0.1, 0.5, 0.9].map((r) => backoffDelayMs(3, policy, () => r));
    expect(new Set(draws).size).toBe(3);
  });
});

describe('parseRetryAfterMs', () => {
  const now = Date.parse('2024-01-15T10:00:00Z');

  it('reads delay-seconds', () => {
    expect(parseRetryAfterMs('7', now)).toBe(7000);
    expect(parseRetryAfterMs(' 0 ', now)).toBe(0);
  });

  it('reads an HTTP-date as the time left until it, a past one as now', () => {
    expect(parseRetryAfterMs('Mon, 15 Jan 2024 10:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfterMs('Mon, 15 Jan 2024 09:59:00 GMT', now)).toBe(0);
  });

  it('ignores what is neither', () => {
    for (const value of [undefined, null, '', 'soon', '-5', '1.5', '12:00']) {
      expect(parseRetryAfterMs(value, now)).toBeUndefined();
    }
  });
});

describe('isRetryableStatus', () => {
  it('retries busy and transient statuses only', () => {
    expect([408, 429, 500, 502, 503, 504].every(isRetryableStatus)).toBe(true);
    expect([400, 401, 403, 404, 409, 422, 501].some(isRetryableStatus)).toBe(false);
  });
});
