import { RoutingConfigError } from './config-error';
import {
  deliveryTargets,
  parseRouteRules,
  routeNotification,
  ruleMatches,
  subjectGlob,
  type RouteRule,
} from './route-rules';
import { notification } from './notification.fixture';

function rule(overrides: Partial<RouteRule> & Pick<RouteRule, 'name'>): RouteRule {
  return {
    patterns: ['**'],
    kinds: [],
    minSeverity: 'info',
    integrations: ['slack'],
    urgency: 'medium',
    ...overrides,
  };
}

describe('subject globs', () => {
  it.each([
    ['*.database.*', 'app.database.host', true],
    ['*.database.*', 'app.cache.size', false],
    ['*.database.*', 'app.database.host.port', false],
    ['*.database.*', 'database.host', false],
    ['features.*', 'features.new_ui', true],
    ['features.*', 'features', false],
    ['features.*', 'features.new_ui.enabled', false],
    ['features.**', 'features.new_ui.enabled', true],
    ['**', 'app.database.host', true],
    ['**', 'x', true],
    ['**.host', 'app.database.host', true],
    ['app.**.host', 'app.host', true],
    ['app.{database,cache}.*', 'app.cache.size', true],
    ['app.{database,cache}.*', 'app.logging.level', false],
    ['alarm.site-00?.*', 'alarm.site-001.cell_down', true],
    ['a.*', 'a.b/c', true],
    ['a.b', 'a/b', false],
  ])('%s vs %s → %s', (pattern, subject, expected) => {
    expect(subjectGlob(pattern)(subject)).toBe(expected);
  });
});

describe('ruleMatches', () => {
  it('matches kind: patterns and the kinds list', () => {
    const alarm = notification({ kind: 'sla_event', subject: 'sla.ticket-9' });
    expect(ruleMatches(alarm, rule({ name: 'a', patterns: ['kind:sla_*'] }))).toBe(true);
    expect(ruleMatches(alarm, rule({ name: 'b', patterns: ['kind:alarm'] }))).toBe(false);
    expect(ruleMatches(alarm, rule({ name: 'c', patterns: [], kinds: ['sla_event'] }))).toBe(true);
    // kinds narrows patterns: both must hold.
    expect(ruleMatches(alarm, rule({ name: 'd', patterns: ['sla.*'], kinds: ['alarm'] }))).toBe(
      false,
    );
  });

  it('applies min severity, tenants and sites', () => {
    const minor = notification({ severity: 'minor', tenant: 'acme', site: 'site-002' });
    expect(ruleMatches(minor, rule({ name: 'a', minSeverity: 'major' }))).toBe(false);
    expect(ruleMatches(minor, rule({ name: 'b', minSeverity: 'minor' }))).toBe(true);
    expect(ruleMatches(minor, rule({ name: 'c', minSeverity: 'warning' }))).toBe(true);
    expect(ruleMatches(minor, rule({ name: 'd', tenants: ['other'] }))).toBe(false);
    expect(ruleMatches(minor, rule({ name: 'e', tenants: ['acme'], sites: ['site-002'] }))).toBe(
      true,
    );
    expect(ruleMatches(notification({ site: undefined }), rule({ name: 'f', sites: ['x'] }))).toBe(
      false,
    );
  });
});

describe('routeNotification', () => {
  const rules = parseRouteRules({
    triggers: {
      critical_changes: {
        patterns: ['*.database.*', '*.security.*', '*.payment.*'],
        connectors: ['discord', 'zendesk', 'newrelic'],
        urgency: 'high',
      },
      feature_flags: {
        patterns: ['features.*'],
        connectors: ['slack', 'github'],
        urgency: 'medium',
      },
      routine_changes: {
        patterns: ['app.logging.*', 'app.cache.*', 'app.database.*'],
        connectors: ['splunk', 'newrelic', 'slack'],
        urgency: 'low',
      },
    },
  });

  it('returns every matching rule and gives a shared integration to the most urgent', () => {
    const change = notification({ kind: 'config_change', subject: 'app.database.host' });
    const matches = routeNotification(change, rules);
    expect(matches.map((m) => [m.rule.name, m.urgency, m.integrations])).toEqual([
      ['critical_changes', 'high', ['discord', 'zendesk', 'newrelic']],
      ['routine_changes', 'low', ['splunk', 'slack']],
    ]);
    expect(deliveryTargets(matches)).toEqual([
      { integration: 'discord', urgency: 'high', rule: 'critical_changes' },
      { integration: 'zendesk', urgency: 'high', rule: 'critical_changes' },
      { integration: 'newrelic', urgency: 'high', rule: 'critical_changes' },
      { integration: 'splunk', urgency: 'low', rule: 'routine_changes' },
      { integration: 'slack', urgency: 'low', rule: 'routine_changes' },
    ]);
  });

  it('keeps the more urgent rule even when it comes later', () => {
    const later = [
      rule({ name: 'low', integrations: ['pagerduty', 'slack'], urgency: 'low' }),
      rule({ name: 'high', integrations: ['pagerduty'], urgency: 'high' }),
    ];
    const matches = routeNotification(notification(), later);
    expect(matches.map((m) => [m.rule.name, m.integrations])).toEqual([
      ['low', ['slack']],
      ['high', ['pagerduty']],
    ]);
  });

  it('gives a tie to the earlier rule and lists an integration once per rule', () => {
    const tie = [
      rule({ name: 'first', integrations: ['email', 'email'], urgency: 'medium' }),
      rule({ name: 'second', integrations: ['email'], urgency: 'medium' }),
    ];
    expect(routeNotification(notification(), tie).map((m) => m.integrations)).toEqual([
      ['email'],
      [],
    ]);
  });

  it('returns nothing when no rule matches', () => {
    expect(routeNotification(notification({ subject: 'app.other.x' }), rules)).toEqual([]);
    expect(
      routeNotification(notification({ subject: 'features.dark_mode' }), rules).map(
        (m) => m.rule.name,
      ),
    ).toEqual(['feature_flags']);
  });
});

describe('parseRouteRules', () => {
  it('accepts the list form with defaults', () => {
    const [parsed] = parseRouteRules([
      { name: 'alarms', kinds: ['alarm'], integrations: ['email'] },
    ]);
    expect(parsed).toEqual({
      name: 'alarms',
      patterns: [],
      kinds: ['alarm'],
      minSeverity: 'info',
      integrations: ['email'],
      urgency: 'medium',
    });
  });

  it('names every bad field', () => {
    let error: unknown;
    try {
      parseRouteRules({
        triggers: {
          broken: { patterns: [], connectors: [], urgency: 'urgent', min_severity: 'bad' },
          typo: { patterns: ['x'], conectors: ['slack'] },
          both: { patterns: ['x'], connectors: ['a'], integrations: ['b'] },
        },
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(RoutingConfigError);
    const problems = (error as RoutingConfigError).problems.join('\n');
    expect(problems).toMatch(/triggers\.broken\.integrations: .*/);
    expect(problems).toMatch(/triggers\.broken\.urgency: /);
    expect(problems).toMatch(/triggers\.broken\.min_severity: /);
    expect(problems).toMatch(/triggers\.typo\.conectors: property conectors should not exist/);
    expect(problems).toMatch(/triggers\.typo\.integrations: /);
    expect(problems).toMatch(/triggers\.both\.connectors: give either/);
  });

  it('rejects a rule without patterns or kinds, duplicates, and a non-object', () => {
    expect(() =>
      parseRouteRules([
        { name: 'a', integrations: ['x'] },
        { name: 'b', patterns: ['**'], integrations: ['x'] },
        { name: 'b', patterns: ['**'], integrations: ['x'] },
      ]),
    ).toThrow(/rules\[0\]\.patterns: give patterns or kinds[\s\S]*rules\[2\]\.name: duplicate/);
    expect(() => parseRouteRules('nope')).toThrow(RoutingConfigError);
    expect(() => parseRouteRules([42])).toThrow(/rules\[0\]: must be an object/);
  });
});
