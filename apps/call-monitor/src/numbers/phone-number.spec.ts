import { PhoneNumberNormaliser } from './phone-number';

describe('PhoneNumberNormaliser', () => {
  const fr = new PhoneNumberNormaliser({ defaultRegion: 'FR', extensionMaxDigits: 6 });

  it.each([
    ['0612345678', '+33612345678'],
    ['06 12 34 56 78', '+33612345678'],
    ['+33 6 12 34 56 78', '+33612345678'],
    ['0033612345678', '+33612345678'],
    ['01.44.55.66.77', '+33144556677'],
    ['sip:+33612345678@trunk.example.net;user=phone', '+33612345678'],
    ['tel:0612345678', '+33612345678'],
  ])('national and international forms of one French number: %s', (raw, e164) => {
    expect(fr.normalise(raw)).toEqual({ kind: 'e164', value: e164, valid: true });
  });

  it('keeps foreign numbers in their own country code', () => {
    expect(fr.normalise('+1 (415) 555-2671')).toEqual({
      kind: 'e164',
      value: '+14155552671',
      valid: true,
    });
    expect(fr.normalise('0044 20 7946 0958').value).toBe('+442079460958');
  });

  it('reads national numbers in the configured region', () => {
    const us = new PhoneNumberNormaliser({ defaultRegion: 'US', extensionMaxDigits: 5 });
    expect(us.normalise('(415) 555-2671').value).toBe('+14155552671');
    expect(us.normalise('011 33 6 12 34 56 78').value).toBe('+33612345678');
  });

  it.each([
    ['1001', '1001'],
    ['PJSIP/1001', undefined],
    ['"Alice" <1001>', '1001'],
    ['112', '112'],
  ])('extensions and short codes stay as they are: %s', (raw, value) => {
    const result = fr.normalise(raw);
    if (value === undefined) expect(result.kind).toBe('unknown');
    else expect(result).toEqual({ kind: 'extension', value });
  });

  it.each(['anonymous', '<unknown>', 'Restricted', ''])(
    'recognises withheld numbers: %j',
    (raw) => {
      expect(fr.normalise(raw).kind).toBe('anonymous');
    },
  );

  it('flags possible but invalid numbers instead of dropping them', () => {
    const result = fr.normalise('+33 9 99 99 99 99 9');
    expect(result.kind === 'unknown' || result.valid === false).toBe(true);
  });

  it('returns the same answer from its cache', () => {
    expect(fr.normalise('0612345678')).toBe(fr.normalise('0612345678'));
  });
});
