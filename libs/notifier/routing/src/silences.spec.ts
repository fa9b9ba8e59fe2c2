import { RoutingConfigError } from './config-error';
import {
  activeSilences,
  isSilenced,
  matcherMatches,
  parseMatcher,
  parseSilence,
  parseSilences,
  silenceState,
} from './silences';
import { notification } from './notification.fixture';

const T0 = Date.parse('2025-06-01T00:00:00Z');
const HOUR = 3_600_000;

function maintenance(matchers: string[], from = T0, to = T0 + 2 * HOUR) {
  return parseSilence({
    id: 'mw-1',
    matchers,
    starts_at: new Date(from).toISOString(),
    ends_at: new Date(to).toISOString(),
    created_by: 'noc@acme.example',
    comment: 'site-001 power works',
  });
}

describe('matchers', () => {
  it('parses the four operators and quoted values', () => {
    expect(parseMatcher('site=site-001')).toEqual({
      name: 'site',
      operator: '=',
      value: 'site-001',
    });
    expect(parseMatcher(' severity != info ')).toEqual({
      name: 'severity',
      operator: '!=',
      value: 'info',
    });
    expect(parseMatcher('site=~"site-00[12]"')).toEqual({
      name: 'site',
      operator: '=~',
      value: 'site-00[12]',
    });
    expect(parseMatcher('kind!~sla_.*').operator).toBe('!~');
    expect(() => parseMatcher('site')).toThrow(/not a matcher/);
    expect(() => parseMatcher('site=~(')).toThrow(/invalid regular expression/);
  });

  it('anchors regexes and treats a missing label as empty', () => {
    const labels = { site: 'site-001', vendor: 'nokia' };
    expect(matcherMatches(parseMatcher('site=~site-00.'), labels)).toBe(true);
    expect(matcherMatches(parseMatcher('site=~site'), labels)).toBe(false); // anchored
    expect(matcherMatches(parseMatcher('site=~.*001|.*002'), labels)).toBe(true);
    expect(matcherMatches(parseMatcher('vendor!~eric.*'), labels)).toBe(true);
    expect(matcherMatches(parseMatcher('vendor!~nok.*'), labels)).toBe(false);
    expect(matcherMatches(parseMatcher('region!=north'), labels)).toBe(true);
    expect(matcherMatches(parseMatcher('region='), labels)).toBe(true);
    expect(matcherMatches(parseMatcher('vendor!=nokia'), labels)).toBe(false);
  });
});

describe('isSilenced', () => {
  const atSite1 = notification({ site: 'site-001', labels: { vendor: 'nokia' } });
  const atSite2 = notification({ site: 'site-002', labels: { vendor: 'nokia' } });

  it('suppresses matching notifications during the window, then expires', () => {
    const silence = maintenance(['site=site-001']);
    expect(isSilenced(atSite1, [silence], T0 - 1)).toBe(false); // pending
    expect(silenceState(silence, T0 - 1)).toBe('pending');
    expect(isSilenced(atSite1, [silence], T0)).toBe(true);
    expect(isSilenced(atSite1, [silence], new Date(T0 + HOUR))).toBe(true);
    expect(isSilenced(atSite2, [silence], T0 + HOUR)).toBe(false);
    expect(isSilenced(atSite1, [silence], T0 + 2 * HOUR)).toBe(false); // endsAt exclusive
    expect(silenceState(silence, T0 + 2 * HOUR)).toBe('expired');
  });

  it('requires every matcher and supports regex matchers', () => {
    const silence = maintenance(['site=~site-00[12]', 'vendor!~eric.*', 'severity!=critical']);
    expect(isSilenced(atSite1, [silence], T0)).toBe(true);
    expect(isSilenced(atSite2, [silence], T0)).toBe(true);
    expect(isSilenced(notification({ site: 'site-003' }), [silence], T0)).toBe(false);
    expect(isSilenced(notification({ severity: 'critical' }), [silence], T0)).toBe(false);
    expect(isSilenced(notification({ labels: { vendor: 'ericsson' } }), [silence], T0)).toBe(false);
  });

  it('reports which silences apply', () => {
    const a = maintenance(['site=site-001']);
    const b = { ...maintenance(['kind=alarm'], T0 + HOUR, T0 + 3 * HOUR), id: 'b' };
    expect(activeSilences(atSite1, [a, b], T0).map((s) => s.id)).toEqual(['mw-1']);
    expect(activeSilences(atSite1, [a, b], T0 + HOUR).map((s) => s.id)).toEqual(['mw-1', 'b']);
    expect(activeSilences(atSite1, [a, b], T0 + 2 * HOUR).map((s) => s.id)).toEqual(['b']);
  });
});

describe('parseSilences', () => {
  it('names every bad field', () => {
    let error: unknown;
    try {
      parseSilences([
        {
          id: 's1',
          matchers: ['site=~('],
          starts_at: 'yesterday',
          ends_at: '2025-06-01T00:00:00Z',
          created_by: '',
        },
        {
          id: 's2',
          matchers: ['site=~.*'],
          starts_at: '2025-06-01T02:00:00Z',
          ends_at: '2025-06-01T01:00:00Z',
          created_by: 'me',
        },
      ]);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(RoutingConfigError);
    const problems = (error as RoutingConfigError).problems.join('\n');
    expect(problems).toMatch(/silences\[0\]\.starts_at: starts_at must be an ISO 8601/);
    expect(problems).toMatch(/silences\[0\]\.created_by: /);
    expect(problems).toMatch(/silences\[1\]\.matchers: at least one matcher must not match/);
    expect(problems).toMatch(/silences\[1\]\.ends_at: must be after starts_at/);
    expect(() =>
      parseSilence({
        id: 'x',
        matchers: ['site=~('],
        starts_at: '2025-06-01T00:00:00Z',
        ends_at: '2025-06-01T01:00:00Z',
        created_by: 'me',
      }),
    ).toThrow(/matchers\[0\]: .*invalid regular expression/);
  });
});
