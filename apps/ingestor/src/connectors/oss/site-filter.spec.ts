import { parseSiteFilter, siteFilterValues, siteMatches } from './site-filter';

describe('site_filter', () => {
  it('parses key=value clauses with alternatives, case-insensitively', () => {
    const filter = parseSiteFilter('Region=North|south; site=SITE001,site=SITE002|SITE003');
    expect(filter.region).toEqual(new Set(['north', 'south']));
    // A key given twice: the last clause wins.
    expect(filter.site).toEqual(new Set(['site002', 'site003']));
  });

  it('matches on site and region; an unknown region passes only when the source filtered', () => {
    const filter = parseSiteFilter('region=North');
    expect(siteMatches(filter, 'SITE001', 'NORTH', false)).toBe(true);
    expect(siteMatches(filter, 'SITE001', 'South', true)).toBe(false);
    expect(siteMatches(filter, 'SITE001', undefined, true)).toBe(true);
    expect(siteMatches(filter, 'SITE001', undefined, false)).toBe(false);
    expect(siteMatches(parseSiteFilter('site=SITE009'), 'SITE001', 'North', true)).toBe(false);
  });

  it('says what is wrong', () => {
    expect(() => parseSiteFilter('  ')).toThrow('site_filter is empty');
    expect(() => parseSiteFilter('North')).toThrow('site_filter clause "North" is not key=value');
    expect(() => parseSiteFilter('vendor=ericsson')).toThrow(
      'site_filter key "vendor" is not supported',
    );
  });

  it('gives a source the values of one key as a comma list, as written', () => {
    expect(siteFilterValues('region=North|South;site=SITE001', 'region')).toBe('North,South');
    expect(siteFilterValues('region=North', 'site')).toBeUndefined();
    expect(siteFilterValues(undefined, 'region')).toBeUndefined();
  });
});
