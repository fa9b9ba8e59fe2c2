import {
  ArrayNotEmpty,
  IsArray,
  IsIn,
  IsNotEmpty,
  IsOptional,
  IsString,
  Matches,
} from 'class-validator';
import picomatch from 'picomatch';
import { RoutingConfigError, validatePlain } from './config-error';
import {
  SEVERITIES,
  severityRank,
  type NotificationLike,
  type Severity,
} from './notification-like';

export type Urgency = 'high' | 'medium' | 'low';
export const URGENCIES: readonly Urgency[] = ['high', 'medium', 'low'];
const URGENCY_RANK: Record<Urgency, number> = { high: 3, medium: 2, low: 1 };

/** A validated routing rule: which notifications go to which integrations, and how urgently. */
export interface RouteRule {
  name: string;
  /** Globs on the dotted subject (`*.database.*`), or on the kind when prefixed `kind:`. Any one suffices. */
  patterns: string[];
  /** When not empty, the notification's kind must be one of these (in addition to `patterns`). */
  kinds: string[];
  minSeverity: Severity;
  /** When set, only notifications of these tenants / sites. */
  tenants?: string[];
  sites?: string[];
  integrations: string[];
  urgency: Urgency;
}

/** One rule that matched, with the integrations it is responsible for after de-duplication. */
export interface RouteMatch {
  rule: RouteRule;
  /** The rule's integrations not claimed by a more urgent (or, on a tie, earlier) matching rule. */
  integrations: string[];
  urgency: Urgency;
}

/** One rule as written in configuration (snake_case, as in `integrations.notifications.triggers`). */
export class RouteRuleConfig {
  @IsString()
  @Matches(/^[A-Za-z0-9_.:-]+$/, { message: 'name may only contain letters, digits and _ . : -' })
  name!: string;

  @IsOptional()
  @IsArray()
  @IsString({ each: true })
  @IsNotEmpty({ each: true })
  patterns: string[] = [];

  @IsOptional()
  @IsArray()
  @IsString({ each: true })
  @IsNotEmpty({ each: true })
  kinds: string[] = [];

  @IsOptional()
  @IsIn(SEVERITIES)
  min_severity: Severity = 'info';

  @IsOptional()
  @IsArray()
  @ArrayNotEmpty()
  @IsString({ each: true })
  tenants?: string[];

  @IsOptional()
  @IsArray()
  @ArrayNotEmpty()
  @IsString({ each: true })
  sites?: string[];

  @IsArray()
  @ArrayNotEmpty()
  @IsString({ each: true })
  @IsNotEmpty({ each: true })
  integrations!: string[];

  @IsOptional()
  @IsIn(URGENCIES)
  urgency: Urgency = 'medium';
}

const KIND_PREFIX = 'kind:';
// A '/' inside a subject segment must not split it: both sides swap it for a look-alike first.
const SLASH_STAND_IN = '\u2044';

function toPath(dotted: string): string {
  return dotted.replaceAll('/', SLASH_STAND_IN).split('.').join('/');
}

/**
 * Compiles a subject glob. Segments are separated by `.`: `*` matches within one segment,
 * `**` any number of whole segments, and braces, `?` and character classes work as in picomatch.
 * `*.database.*` matches `app.database.host` but neither `app.cache.size` nor
 * `app.database.host.port`; `features.**` matches everything under `features`.
 */
export function subjectGlob(pattern: string): (subject: string) => boolean {
  const match = picomatch(toPath(pattern), { dot: true, windows: false });
  return (subject) => match(toPath(subject));
}

function kindGlob(pattern: string): (kind: string) => boolean {
  return picomatch(pattern, { dot: true, windows: false });
}

type Predicate = (n: NotificationLike) => boolean;
const compiled = new WeakMap<RouteRule, Predicate>();

function compile(rule: RouteRule): Predicate {
  const cached = compiled.get(rule);
  if (cached) return cached;
  const alternatives = rule.patterns.map((pattern): Predicate => {
    if (pattern.startsWith(KIND_PREFIX)) {
      const test = kindGlob(pattern.slice(KIND_PREFIX.length));
      return (n) => test(n.kind);
    }
    const test = subjectGlob(pattern);
    return (n) => test(n.subject);
  });
  const kinds = new Set(rule.kinds);
  const tenants = rule.tenants && new Set(rule.tenants);
  const sites = rule.sites && new Set(rule.sites);
  const min = severityRank(rule.minSeverity);
  const predicate: Predicate = (n) =>
    severityRank(n.severity) >= min &&
    (kinds.size === 0 || kinds.has(n.kind)) &&
    (!tenants || (n.tenant !== undefined && tenants.has(n.tenant))) &&
    (!sites || (n.site !== undefined && sites.has(n.site))) &&
    (alternatives.length === 0 || alternatives.some((test) => test(n)));
  compiled.set(rule, predicate);
  return predicate;
}

/** Whether one rule selects the notification (patterns, kinds, severity, tenant, site). */
export function ruleMatches(n: NotificationLike, rule: RouteRule): boolean {
  return compile(rule)(n);
}

/**
 * Every rule that selects the notification, in configuration order. An integration named by
 * several matching rules is delivered once: it stays with the most urgent of them (the earliest
 * on a tie) and is removed from the others, which keep their place with what is left (possibly
 * nothing, so the caller can still tell which rules matched).
 */
export function routeNotification(n: NotificationLike, rules: readonly RouteRule[]): RouteMatch[] {
  const matching = rules.filter((rule) => ruleMatches(n, rule));
  const owner = new Map<string, RouteRule>();
  for (const rule of matching) {
    for (const integration of rule.integrations) {
      const current = owner.get(integration);
      if (!current || URGENCY_RANK[rule.urgency] > URGENCY_RANK[current.urgency]) {
        owner.set(integration, rule);
      }
    }
  }
  return matching.map((rule) => ({
    rule,
    urgency: rule.urgency,
    integrations: [...new Set(rule.integrations)].filter((i) => owner.get(i) === rule),
  }));
}

/** Flattens matches into one delivery per integration. */
export function deliveryTargets(
  matches: readonly RouteMatch[],
): { integration: string; urgency: Urgency; rule: string }[] {
  return matches.flatMap((m) =>
    m.integrations.map((integration) => ({ integration, urgency: m.urgency, rule: m.rule.name })),
  );
}

function toRule(config: RouteRuleConfig): RouteRule {
  return {
    name: config.name,
    patterns: config.patterns,
    kinds: config.kinds,
    minSeverity: config.min_severity,
    ...(config.tenants ? { tenants: config.tenants } : {}),
    ...(config.sites ? { sites: config.sites } : {}),
    integrations: config.integrations,
    urgency: config.urgency,
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Validates routing rules, written either as a list of named rules or in the seed's trigger form
 * `{ triggers: { critical_changes: { patterns, connectors, urgency } } }` (`connectors` is
 * accepted as another name for `integrations`). Throws a `RoutingConfigError` naming every bad
 * field, e.g. `triggers.critical_changes.urgency: urgency must be one of …`.
 */
export function parseRouteRules(raw: unknown): RouteRule[] {
  const entries: { path: string; value: unknown; name?: string }[] = [];
  const problems: string[] = [];
  if (Array.isArray(raw)) {
    raw.forEach((value, index) => entries.push({ path: `rules[${index}]`, value }));
  } else if (isRecord(raw) && isRecord(raw.triggers)) {
    const extra = Object.keys(raw).filter((key) => key !== 'triggers');
    for (const key of extra) problems.push(`${key}: property ${key} should not exist`);
    for (const [name, value] of Object.entries(raw.triggers)) {
      entries.push({ path: `triggers.${name}`, value, name });
    }
  } else {
    throw new RoutingConfigError('routing rules', [
      '(root): must be a list of rules or an object with `triggers`',
    ]);
  }

  const rules: RouteRule[] = [];
  const seen = new Set<string>();
  for (const entry of entries) {
    let value = entry.value;
    if (isRecord(value)) {
      value = { ...value };
      const record = value as Record<string, unknown>;
      if (entry.name !== undefined) {
        if (record.name !== undefined && record.name !== entry.name) {
          problems.push(`${entry.path}.name: must equal the trigger key "${entry.name}"`);
        }
        record.name = entry.name;
      }
      if (record.connectors !== undefined) {
        if (record.integrations !== undefined) {
          problems.push(
            `${entry.path}.connectors: give either connectors or integrations, not both`,
          );
        } else record.integrations = record.connectors;
        delete record.connectors;
      }
    }
    const result = validatePlain(RouteRuleConfig, value, entry.path);
    problems.push(...result.problems);
    if (!result.value) continue;
    const config = result.value;
    if (config.patterns.length === 0 && config.kinds.length === 0) {
      problems.push(
        `${entry.path}.patterns: give patterns or kinds (use "**" to match every subject)`,
      );
    }
    if (seen.has(config.name))
      problems.push(`${entry.path}.name: duplicate rule name "${config.name}"`);
    seen.add(config.name);
    rules.push(toRule(config));
  }
  if (problems.length > 0) throw new RoutingConfigError('routing rules', problems);
  return rules;
}
