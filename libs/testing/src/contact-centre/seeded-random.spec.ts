import { SeededRandom, secondsDistributionProblem } from './seeded-random';

function mean(values: number[]): number {
  return values.reduce((sum, value) => sum + value, 0) / values.length;
}

describe('SeededRandom', () => {
  it('gives the same sequence for the same seed and another for another seed', () => {
    const draw = (seed: number | string) => {
      const random = new SeededRandom(seed);
      return Array.from({ length: 20 }, () => random.next());
    };
    expect(draw(42)).toEqual(draw(42));
    expect(draw('42')).toEqual(draw(42));
    expect(draw(43)).not.toEqual(draw(42));
    expect(draw(42).every((value) => value >= 0 && value < 1)).toBe(true);
  });

  it('draws the distributions with the means they are given', () => {
    const random = new SeededRandom('means');
    const n = 100_000;
    const sample = (draw: () => number) => mean(Array.from({ length: n }, draw));
    expect(sample(() => random.seconds({ kind: 'exponential', mean: 90 }))).toBeCloseTo(90, -0.5);
    expect(sample(() => random.seconds({ kind: 'lognormal', mean: 180, sigma: 0.6 }))).toBeCloseTo(
      180,
      -0.5,
    );
    expect(sample(() => random.seconds({ kind: 'uniform', min: 2, max: 8 }))).toBeCloseTo(5, 1);
    expect(random.seconds(12)).toBe(12);
    expect(random.seconds({ kind: 'fixed', seconds: 3 })).toBe(3);
    const hits = Array.from({ length: n }, () => random.chance(0.25)).filter(Boolean).length;
    expect(hits / n).toBeCloseTo(0.25, 2);
  });

  it('never picks a zero weight and always picks a lone one', () => {
    const random = new SeededRandom(1);
    const picks = new Set(
      Array.from({ length: 2000 }, () => random.weighted({ a: 1, b: 0, c: 3 })),
    );
    expect(picks).toEqual(new Set(['a', 'c']));
    expect(() => random.weighted({ a: 0 })).toThrow('every weight is zero');
    expect(() => random.pick([])).toThrow('no items');
  });

  it('makes version 4 UUIDs, like Asterisk bridge ids', () => {
    const random = new SeededRandom('uuid');
    for (let i = 0; i < 100; i += 1) {
      expect(random.uuid()).toMatch(
        /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
      );
    }
  });

  it('says what is wrong with a distribution', () => {
    expect(secondsDistributionProblem(5)).toBeUndefined();
    expect(
      secondsDistributionProblem({ kind: 'lognormal', mean: 100, sigma: 0.5 }),
    ).toBeUndefined();
    expect(secondsDistributionProblem(-1)).toContain('≥ 0');
    expect(secondsDistributionProblem({ kind: 'exponential', mean: 0 })).toContain(
      'mean must be > 0',
    );
    expect(secondsDistributionProblem({ kind: 'uniform', min: 3, max: 2 })).toContain('min ≤ max');
    expect(secondsDistributionProblem({ kind: 'gamma' })).toContain('unknown kind');
  });
});
