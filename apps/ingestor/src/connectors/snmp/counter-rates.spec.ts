import fc from 'fast-check';
import { CounterRates, agentRanThrough, counterIncrease } from './counter-rates';

const MAX32 = 2n ** 32n - 1n;
const MAX64 = 2n ** 64n - 1n;

describe('counterIncrease', () => {
  it('is the difference while the counter grows', () => {
    expect(counterIncrease(100n, 1_100n, 32)).toBe(1_000n);
    expect(counterIncrease(7n, 7n, 64)).toBe(0n);
  });

  it('goes through a Counter32 wrap at 2^32', () => {
    // 4294967290 → 5: 5 steps to the top, 1 to zero, 5 more.
    expect(counterIncrease(MAX32 - 5n, 5n, 32)).toBe(11n);
  });

  it('goes through a Counter64 wrap at 2^64', () => {
    expect(counterIncrease(MAX64 - 9n, 990n, 64)).toBe(1_000n);
  });

  it('reads a fall from mid-range to near zero as a reset, not a wrap', () => {
    expect(counterIncrease(1_000_000_000n, 5_000n, 32)).toBeUndefined();
    expect(counterIncrease(2n ** 40n, 12n, 64)).toBeUndefined();
  });

  it('does not take a Counter64 value as a wrapped Counter32', () => {
    // Read as 64-bit this decrease is a reset; read as 32-bit it would be a small wrap.
    expect(counterIncrease(MAX32 - 1n, 3n, 64)).toBeUndefined();
  });

  it('refuses values outside the counter range', () => {
    expect(counterIncrease(0n, 2n ** 32n, 32)).toBeUndefined();
    expect(counterIncrease(-1n, 3n, 64)).toBeUndefined();
  });

  it('is never negative and never half a range or more', () => {
    fc.assert(
      fc.property(
        fc.constantFrom<32 | 64>(32, 64),
        fc.bigInt({ min: 0n, max: MAX64 }),
        fc.bigInt({ min: 0n, max: MAX64 }),
        (width, a, b) => {
          const modulus = 1n << BigInt(width);
          const previous = a % modulus;
          const current = b % modulus;
          const increase = counterIncrease(previous, current, width);
          if (current >= previous) return increase === current - previous;
          return increase === undefined || (increase >= 0n && increase < modulus / 2n);
        },
      ),
    );
  });
});

describe('agentRanThrough', () => {
  const at = (seconds: number) => seconds * 1000;

  it('accepts uptime that advanced with our clock', () => {
    expect(agentRanThrough({ ticks: 100_000, atMs: at(0) }, { ticks: 106_000, atMs: at(60) })).toBe(
      true,
    );
  });

  it('tolerates request latency between the two readings', () => {
    expect(agentRanThrough({ ticks: 100_000, atMs: at(0) }, { ticks: 106_300, atMs: at(60) })).toBe(
      true,
    );
  });

  it('sees a restart in uptime that went back', () => {
    expect(agentRanThrough({ ticks: 500_000, atMs: at(0) }, { ticks: 1_200, atMs: at(60) })).toBe(
      false,
    );
  });

  it('sees a restart in uptime that advanced less than the time that passed', () => {
    // Up 10 s at the first poll; restarted and up 30 s (more than before) one minute later.
    expect(agentRanThrough({ ticks: 1_000, atMs: at(0) }, { ticks: 3_000, atMs: at(60) })).toBe(
      false,
    );
  });

  it('reads the TimeTicks wrap after 497 days as no restart', () => {
    const before = 2 ** 32 - 1_000;
    expect(agentRanThrough({ ticks: before, atMs: at(0) }, { ticks: 5_000, atMs: at(60) })).toBe(
      true,
    );
  });

  it('reads uptime far ahead of our clock (another agent at the address) as a break', () => {
    expect(agentRanThrough({ ticks: 1_000, atMs: at(0) }, { ticks: 900_000, atMs: at(60) })).toBe(
      false,
    );
  });

  it('reads our clock going back as a break', () => {
    expect(agentRanThrough({ ticks: 1_000, atMs: at(60) }, { ticks: 7_000, atMs: at(0) })).toBe(
      false,
    );
  });
});

describe('CounterRates', () => {
  const uptimeAt = (seconds: number, base = 1_000_000) => ({
    ticks: base + seconds * 100,
    atMs: seconds * 1000,
  });

  it('gives no rate on the first poll, then increase per second', () => {
    const rates = new CounterRates();
    expect(rates.beginPoll(uptimeAt(0))).toBe('first');
    expect(rates.rate('if.1', 1_000n, 64, 0)).toBeUndefined();
    expect(rates.beginPoll(uptimeAt(60))).toBe('continuous');
    expect(rates.rate('if.1', 61_000n, 64, 60_000)).toBe(1_000);
  });

  it('rates through a Counter32 wrap', () => {
    const rates = new CounterRates();
    rates.beginPoll(uptimeAt(0));
    rates.rate('c', MAX32 - 99n, 32, 0);
    rates.beginPoll(uptimeAt(10));
    expect(rates.rate('c', 900n, 32, 10_000)).toBe(100);
  });

  it('after an agent restart gives no rate, then rates from the new baseline', () => {
    const rates = new CounterRates();
    rates.beginPoll(uptimeAt(0));
    rates.rate('c', 3_000_000_000n, 32, 0);
    // Restarted: uptime back near zero, the counter too (a small value that could pass for a wrap).
    expect(rates.beginPoll({ ticks: 500, atMs: 60_000 })).toBe('restarted');
    expect(rates.rate('c', 1_000n, 32, 60_000)).toBeUndefined();
    rates.beginPoll({ ticks: 6_500, atMs: 120_000 });
    expect(rates.rate('c', 7_000n, 32, 120_000)).toBe(100);
  });

  it('gives no rate for a counter reset without a restart', () => {
    const rates = new CounterRates();
    rates.beginPoll(uptimeAt(0));
    rates.rate('c', 2_000_000_000n, 32, 0);
    rates.beginPoll(uptimeAt(60));
    expect(rates.rate('c', 10n, 32, 60_000)).toBeUndefined();
    rates.beginPoll(uptimeAt(120));
    expect(rates.rate('c', 6_010n, 32, 120_000)).toBe(100);
  });

  it('relies on the counters alone when sysUpTime cannot be read', () => {
    const rates = new CounterRates();
    expect(rates.beginPoll(undefined)).toBe('unknown');
    rates.rate('c', 10n, 64, 0);
    expect(rates.beginPoll(undefined)).toBe('unknown');
    expect(rates.rate('c', 20n, 64, 5_000)).toBe(2);
  });

  it('gives no rate when no time passed or the counter changed width', () => {
    const rates = new CounterRates();
    rates.beginPoll(uptimeAt(0));
    rates.rate('c', 10n, 32, 0);
    expect(rates.rate('c', 20n, 32, 0)).toBeUndefined();
    expect(rates.rate('c', 30n, 64, 1_000)).toBeUndefined();
  });

  it('forgets counters a complete poll did not see, keeps them after a partial one', () => {
    const rates = new CounterRates();
    rates.beginPoll(uptimeAt(0));
    rates.rate('a', 1n, 64, 0);
    rates.rate('b', 1n, 64, 0);
    rates.endPoll(true);
    rates.beginPoll(uptimeAt(60));
    rates.rate('a', 2n, 64, 60_000);
    rates.endPoll(false);
    expect(rates.size).toBe(2);
    rates.beginPoll(uptimeAt(120));
    rates.rate('a', 3n, 64, 120_000);
    rates.endPoll(true);
    expect(rates.size).toBe(1);
  });
});
