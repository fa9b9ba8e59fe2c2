import { formatDuration, parseDuration } from './duration';

describe('durations', () => {
  it.each([
    ['30s', 30_000],
    ['5m', 300_000],
    ['4h', 14_400_000],
    ['1h30m', 5_400_000],
    ['250ms', 250],
    ['1d', 86_400_000],
    ['0', 0],
    [1500, 1500],
  ])('%s → %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
    if (typeof text === 'string' && text !== '0')
      expect(parseDuration(formatDuration(ms))).toBe(ms);
  });

  it.each(['', 'soon', '5', '5 m', '-5s', '1.5h', -1, 1.5, null])('rejects %p', (value) => {
    expect(parseDuration(value)).toBeUndefined();
  });
});
