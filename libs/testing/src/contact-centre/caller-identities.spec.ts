import { isValidPhoneNumber } from 'libphonenumber-js/max';
import {
  CALLER_NUMBER_FORMATS,
  DEFAULT_CALLER_NUMBER_MIX,
  OUTBOUND_NUMBER_MIX,
  drawCallerIdentity,
  type CallerIdentity,
} from './caller-identities';
import { SeededRandom } from './seeded-random';

describe('drawCallerIdentity', () => {
  const random = new SeededRandom('callers');
  const identities: CallerIdentity[] = Array.from({ length: 5000 }, () =>
    drawCallerIdentity(random),
  );
  const of = (format: CallerIdentity['format']) =>
    identities.filter((identity) => identity.format === format);

  it('mixes every format in about the configured shares', () => {
    for (const format of CALLER_NUMBER_FORMATS) {
      expect(of(format).length / identities.length).toBeCloseTo(
        DEFAULT_CALLER_NUMBER_MIX[format],
        1,
      );
    }
  });

  it('draws numbers a real numbering plan accepts, in their format', () => {
    for (const { number } of of('national')) {
      expect(number).toMatch(/^0[1-79]\d{8}$/);
      expect(isValidPhoneNumber(number, 'FR')).toBe(true);
    }
    for (const { number } of of('international')) {
      expect(number).toMatch(/^\+[1-9]\d{9,13}$/);
      expect(isValidPhoneNumber(number)).toBe(true);
    }
    for (const { number } of of('international-00')) {
      expect(number).toMatch(/^00[1-9]\d{9,13}$/);
      // `00` is the international prefix dialled from France.
      expect(isValidPhoneNumber(number, 'FR')).toBe(true);
    }
    for (const identity of of('extension')) {
      expect(identity.number).toMatch(/^2\d{3}$/);
      expect(identity.name).not.toBe('<unknown>');
    }
    expect(new Set(of('withheld').map((identity) => identity.number))).toEqual(
      new Set(['anonymous']),
    );
  });

  it('names some callers and leaves the others <unknown>', () => {
    const external = identities.filter((identity) => identity.format !== 'extension');
    const unnamed = external.filter((identity) => identity.name === '<unknown>').length;
    expect(unnamed / external.length).toBeGreaterThan(0.3);
    expect(unnamed / external.length).toBeLessThan(0.8);
  });

  it('dials out only national and 00-prefixed numbers', () => {
    const formats = new Set(
      Array.from({ length: 500 }, () => drawCallerIdentity(random, OUTBOUND_NUMBER_MIX).format),
    );
    expect(formats).toEqual(new Set(['national', 'international-00']));
  });
});
