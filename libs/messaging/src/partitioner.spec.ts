import { murmur2, partitionFor } from './partitioner';

describe('Kafka default partitioner', () => {
  // Reference values from Kafka's Java Utils.murmur2 (UtilsTest#testMurmur2).
  it.each([
    ['21', -973932308],
    ['foobar', -790332482],
    ['a-little-bit-long-string', -985981536],
    ['a-little-bit-longer-string', -1486304829],
    ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
    ['abc', 479470107],
  ])('murmur2(%s) = %i', (key, expected) => {
    expect(murmur2(Buffer.from(key, 'utf8'))).toBe(expected);
  });

  it('keeps every partition in range and spreads keys', () => {
    const seen = new Set<number>();
    for (let i = 0; i < 1000; i++) {
      const p = partitionFor(`site-${i}`, 6);
      expect(p).toBeGreaterThanOrEqual(0);
      expect(p).toBeLessThan(6);
      seen.add(p);
    }
    expect(seen.size).toBe(6);
  });
});
