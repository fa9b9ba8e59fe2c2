import { DEFAULT_RECONNECT_BACKOFF, fullJitterDelay, reconnectDelay } from './backoff';

describe('reconnect backoff', () => {
  const backoff = { initialDelayMs: 100, maxDelayMs: 1000, authFailureDelayMs: 5000 };

  it('draws uniformly below a window that doubles per attempt up to the cap', () => {
    const almostOne = () => 0.999999;
    expect([1, 2, 3, 4, 5, 6].map((a) => fullJitterDelay(a, backoff, almostOne))).toEqual([
      99, 199, 399, 799, 999, 999,
    ]);
    expect(fullJitterDelay(3, backoff, () => 0.5)).toBe(200);
    expect(fullJitterDelay(3, backoff, () => 0)).toBe(0);
  });

  it('does not overflow on very many attempts', () => {
    expect(fullJitterDelay(10_000, DEFAULT_RECONNECT_BACKOFF, () => 0.5)).toBe(30_000);
  });

  it('waits at least the auth floor, or the server Retry-After, after a refusal', () => {
    expect(reconnectDelay(1, backoff, {}, () => 0.5)).toBe(5000);
    expect(reconnectDelay(1, backoff, { retryAfterMs: 9000 }, () => 0.5)).toBe(9000);
    expect(reconnectDelay(1, backoff, undefined, () => 0.5)).toBe(50);
  });
});
