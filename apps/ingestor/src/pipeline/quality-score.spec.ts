import fc from 'fast-check';
import { freshWindowMs, freshness, qualityScore } from './quality-score';
import { lookupUnit } from './units';

const unit = fc.double({ min: 0, max: 1, noNaN: true });

describe('quality_score', () => {
  it('stays within 0..1 and never exceeds validity', () => {
    fc.assert(
      fc.property(unit, unit, unit, (validity, completeness, fresh) => {
        const score = qualityScore(validity, completeness, fresh);
        expect(score).toBeGreaterThanOrEqual(0);
        expect(score).toBeLessThanOrEqual(Math.round(validity * 1000) / 1000 + 1e-9);
      }),
    );
  });

  it('never falls when any of its inputs rises', () => {
    fc.assert(
      fc.property(unit, unit, unit, unit, (v, c, f, bump) => {
        const base = qualityScore(v, c, f);
        expect(qualityScore(Math.min(1, v + bump), c, f)).toBeGreaterThanOrEqual(base);
        expect(qualityScore(v, Math.min(1, c + bump), f)).toBeGreaterThanOrEqual(base);
        expect(qualityScore(v, c, Math.min(1, f + bump))).toBeGreaterThanOrEqual(base);
      }),
    );
  });

  it('weighs validity, completeness and freshness as documented', () => {
    expect(qualityScore(1, 1, 1)).toBe(1);
    expect(qualityScore(1, 0, 0)).toBe(0.5);
    expect(qualityScore(1, 1, 0)).toBe(0.75);
    expect(qualityScore(0.5, 1, 1)).toBe(0.5);
    expect(qualityScore(0, 1, 1)).toBe(0);
    expect(qualityScore(Number.NaN, 1, 1)).toBe(0);
  });

  it('keeps a record fully fresh within its window, then decays linearly to the maximum age', () => {
    expect(freshness(-5_000, 1000, 10_000)).toBe(1);
    expect(freshness(1000, 1000, 10_000)).toBe(1);
    expect(freshness(5500, 1000, 10_000)).toBe(0.5);
    expect(freshness(10_000, 1000, 10_000)).toBe(0);
    expect(freshness(50_000, 1000, 10_000)).toBe(0);
    expect(freshWindowMs(60_000)).toBe(15 * 60_000);
    expect(freshWindowMs(600_000)).toBe(1_200_000);
  });
});

describe('units', () => {
  it('tells SI prefixes apart by case', () => {
    expect(lookupUnit('mW')).toMatchObject({ dimension: 'power', factor: 1e-3 });
    expect(lookupUnit('MW')).toMatchObject({ dimension: 'power', factor: 1e6 });
    expect(lookupUnit('mw')).toBeUndefined();
  });

  it('knows common spellings and the empty unit of counts', () => {
    expect(lookupUnit(' percent ')).toMatchObject({ canonical: '%' });
    expect(lookupUnit('mbps')).toMatchObject({ canonical: 'Mbps', factor: 1 });
    expect(lookupUnit('')).toMatchObject({ dimension: 'count' });
    expect(lookupUnit('furlongs')).toBeUndefined();
  });
});
