import {
  ArrayNotEmpty,
  IsArray,
  IsISO8601,
  IsNotEmpty,
  IsOptional,
  IsString,
  MaxLength,
} from 'class-validator';
import { RoutingConfigError, validatePlain } from './config-error';
import { notificationLabels, type NotificationLike } from './notification-like';

export type MatchOperator = '=' | '!=' | '=~' | '!~';

/** `label=value`, `label!=value`, `label=~regex`, `label!~regex` (regexes are fully anchored). */
export interface Matcher {
  name: string;
  operator: MatchOperator;
  value: string;
}

/** Mutes matching notifications between `startsAt` (inclusive) and `endsAt` (exclusive). */
export interface Silence {
  id: string;
  matchers: Matcher[];
  startsAt: Date;
  endsAt: Date;
  createdBy: string;
  comment: string;
}

export type SilenceState = 'pending' | 'active' | 'expired';

const MATCHER = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*(.*?)\s*$/;

function unquote(value: string): string {
  if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) {
    return value.slice(1, -1).replace(/\\(.)/g, '$1');
  }
  return value;
}

const regexes = new WeakMap<Matcher, RegExp>();

function regexOf(matcher: Matcher): RegExp {
  let regex = regexes.get(matcher);
  if (!regex) {
    // Anchored like Alertmanager: `site=~site-00.` must match the whole value.
    regex = new RegExp(`^(?:${matcher.value})$`);
    regexes.set(matcher, regex);
  }
  return regex;
}

/** Parses `site=~"site-00[1-3]"` and friends; throws on bad syntax or an invalid regex. */
export function parseMatcher(text: string): Matcher {
  const match = MATCHER.exec(text);
  if (!match) {
    throw new Error(`"${text}" is not a matcher (label=value, label!=value, label=~re, label!~re)`);
  }
  const matcher: Matcher = {
    name: match[1],
    operator: match[2] as MatchOperator,
    value: unquote(match[3]),
  };
  if (matcher.operator === '=~' || matcher.operator === '!~') {
    try {
      regexOf(matcher);
    } catch (error) {
      throw new Error(`"${text}": invalid regular expression (${(error as Error).message})`);
    }
  }
  return matcher;
}

/** Whether one matcher accepts a label set; a missing label has the value "". */
export function matcherMatches(matcher: Matcher, labels: Record<string, string>): boolean {
  const value = labels[matcher.name] ?? '';
  switch (matcher.operator) {
    case '=':
      return value === matcher.value;
    case '!=':
      return value !== matcher.value;
    case '=~':
      return regexOf(matcher).test(value);
    case '!~':
      return !regexOf(matcher).test(value);
  }
}

function toMs(now: number | Date): number {
  return typeof now === 'number' ? now : now.getTime();
}

export function silenceState(silence: Silence, now: number | Date): SilenceState {
  const at = toMs(now);
  if (at < silence.startsAt.getTime()) return 'pending';
  return at < silence.endsAt.getTime() ? 'active' : 'expired';
}

/** The silences muting a notification now (all matchers must match; labels as in routing). */
export function activeSilences(
  n: NotificationLike,
  silences: readonly Silence[],
  now: number | Date,
): Silence[] {
  const labels = notificationLabels(n);
  return silences.filter(
    (s) => silenceState(s, now) === 'active' && s.matchers.every((m) => matcherMatches(m, labels)),
  );
}

export function isSilenced(
  n: NotificationLike,
  silences: readonly Silence[],
  now: number | Date,
): boolean {
  return activeSilences(n, silences, now).length > 0;
}

/** A silence as written in configuration or posted to the API. */
export class SilenceConfig {
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  id!: string;

  @IsArray()
  @ArrayNotEmpty()
  @IsString({ each: true })
  matchers!: string[];

  @IsISO8601({ strict: true }, { message: 'starts_at must be an ISO 8601 timestamp' })
  starts_at!: string;

  @IsISO8601({ strict: true }, { message: 'ends_at must be an ISO 8601 timestamp' })
  ends_at!: string;

  @IsString()
  @IsNotEmpty()
  created_by!: string;

  @IsOptional()
  @IsString()
  @MaxLength(2000)
  comment = '';
}

function problemsOf(raw: unknown, path: string): { silence?: Silence; problems: string[] } {
  const result = validatePlain(SilenceConfig, raw, path);
  if (!result.value) return { problems: result.problems };
  const config = result.value;
  const problems: string[] = [];
  const matchers: Matcher[] = [];
  config.matchers.forEach((text, index) => {
    try {
      matchers.push(parseMatcher(text));
    } catch (error) {
      problems.push(`${path}.matchers[${index}]: ${(error as Error).message}`);
    }
  });
  if (matchers.length === config.matchers.length && matchers.every((m) => matcherMatches(m, {}))) {
    problems.push(
      `${path}.matchers: at least one matcher must not match an empty label (this would silence everything)`,
    );
  }
  const startsAt = new Date(config.starts_at);
  const endsAt = new Date(config.ends_at);
  if (endsAt.getTime() <= startsAt.getTime()) {
    problems.push(`${path}.ends_at: must be after starts_at`);
  }
  if (problems.length > 0) return { problems };
  return {
    silence: {
      id: config.id,
      matchers,
      startsAt,
      endsAt,
      createdBy: config.created_by,
      comment: config.comment,
    },
    problems: [],
  };
}

/** Validates one silence (`{ id, matchers: ['site=site-001'], starts_at, ends_at, created_by, comment }`). */
export function parseSilence(raw: unknown): Silence {
  const { silence, problems } = problemsOf(raw, '');
  if (!silence) throw new RoutingConfigError('silence', problems);
  return silence;
}

/** Validates a list of silences, naming every bad field as `silences[i].field`. */
export function parseSilences(raw: unknown): Silence[] {
  if (!Array.isArray(raw)) throw new RoutingConfigError('silences', ['(root): must be a list']);
  const problems: string[] = [];
  const out: Silence[] = [];
  const ids = new Set<string>();
  raw.forEach((item, index) => {
    const result = problemsOf(item, `silences[${index}]`);
    problems.push(...result.problems);
    if (!result.silence) return;
    if (ids.has(result.silence.id)) {
      problems.push(`silences[${index}].id: duplicate silence id "${result.silence.id}"`);
    }
    ids.add(result.silence.id);
    out.push(result.silence);
  });
  if (problems.length > 0) throw new RoutingConfigError('silences', problems);
  return out;
}
