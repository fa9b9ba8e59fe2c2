import { createHash } from 'node:crypto';
import { IsArray, IsNotEmpty, IsOptional, IsString } from 'class-validator';
import { systemClock, type Clock } from './clock';
import { RoutingConfigError, validatePlain } from './config-error';
import { parseDuration } from './duration';
import {
  notificationLabels,
  severityRank,
  type NotificationLike,
  type Severity,
} from './notification-like';

/** `group_by: ['...']` groups by every label, i.e. each distinct notification is its own group. */
export const GROUP_BY_ALL = '...';

/** Alertmanager's route timing, in milliseconds. */
export interface GroupingConfig {
  /** Labels whose values form the group key (`[]` puts everything in one group). */
  groupBy: string[];
  /** How long to collect before the first notification of a new group (Alertmanager default 30s). */
  groupWaitMs: number;
  /** How long to wait before telling about alerts added to a group already notified (5m). */
  groupIntervalMs: number;
  /** How long to wait before repeating a notification for a group still firing unchanged (4h). */
  repeatIntervalMs: number;
}

export const DEFAULT_GROUPING: Readonly<GroupingConfig> = {
  groupBy: ['kind', 'site'],
  groupWaitMs: 30_000,
  groupIntervalMs: 300_000,
  repeatIntervalMs: 14_400_000,
};

const DURATION_MESSAGE = 'must be a duration such as 30s, 5m, 4h or a number of milliseconds';

/** As written in configuration (`group_wait: 30s`). */
export class GroupingConfigInput {
  @IsOptional()
  @IsArray()
  @IsString({ each: true })
  @IsNotEmpty({ each: true })
  group_by?: string[];

  @IsOptional()
  group_wait?: string | number;

  @IsOptional()
  group_interval?: string | number;

  @IsOptional()
  repeat_interval?: string | number;
}

/** Validates `{ group_by, group_wait, group_interval, repeat_interval }`, naming every bad field. */
export function parseGroupingConfig(raw: unknown): GroupingConfig {
  const result = validatePlain(GroupingConfigInput, raw, '');
  const problems = [...result.problems];
  const input = result.value;
  const duration = (
    field: 'group_wait' | 'group_interval' | 'repeat_interval',
    fallback: number,
  ) => {
    const value = input?.[field];
    if (value === undefined) return fallback;
    const ms = parseDuration(value);
    if (ms === undefined) {
      problems.push(`${field}: ${DURATION_MESSAGE} (got ${JSON.stringify(value)})`);
      return fallback;
    }
    return ms;
  };
  const config: GroupingConfig = {
    groupBy: input?.group_by ?? [...DEFAULT_GROUPING.groupBy],
    groupWaitMs: duration('group_wait', DEFAULT_GROUPING.groupWaitMs),
    groupIntervalMs: duration('group_interval', DEFAULT_GROUPING.groupIntervalMs),
    repeatIntervalMs: duration('repeat_interval', DEFAULT_GROUPING.repeatIntervalMs),
  };
  if (input && config.groupIntervalMs <= 0) problems.push('group_interval: must be greater than 0');
  if (input && config.repeatIntervalMs <= 0)
    problems.push('repeat_interval: must be greater than 0');
  if (config.groupBy.includes(GROUP_BY_ALL) && config.groupBy.length > 1) {
    problems.push(`group_by: "${GROUP_BY_ALL}" cannot be combined with other labels`);
  }
  if (problems.length > 0) throw new RoutingConfigError('grouping', problems);
  return config;
}

export interface GrouperOptions {
  clock?: Clock;
  /** How many members a grouped notification lists in its fields (the rest are counted). */
  maxListed?: number;
  /**
   * What makes two notifications "the same alarm" inside a group, so a later `resolved` one clears
   * the earlier `firing` one. Default: kind, subject, tenant, site and the free labels.
   */
  identity?: (n: NotificationLike) => string;
}

/** One flushed group: the notification to deliver and the group it stands for. */
export interface GroupFlush {
  groupKey: string;
  groupLabels: Record<string, string>;
  notification: NotificationLike;
}

interface Member {
  notification: NotificationLike;
  firing: boolean;
}

interface Group {
  key: string;
  labels: Record<string, string>;
  members: Map<string, Member>;
  nextFlushAt: number;
  /** Identities of the firing members in the last notification sent; undefined until one is. */
  notified?: Set<string>;
  lastSentAt?: number;
}

function defaultIdentity(n: NotificationLike): string {
  const labels = Object.entries(n.labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return JSON.stringify([n.kind, n.subject, n.tenant ?? null, n.site ?? null, labels]);
}

function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

function common<T>(values: T[]): T | undefined {
  return values.length > 0 && values.every((v) => v === values[0]) ? values[0] : undefined;
}

function noun(kind: string, count: number): string {
  const word = kind.replaceAll('_', ' ');
  return count === 1 ? word : `${word}s`;
}

/**
 * Groups notifications the way Alertmanager groups alerts, deterministically under an injected
 * clock:
 * - notifications with the same values of the `group_by` labels form one group;
 * - a new group is flushed `group_wait` after its first member, then checked every
 *   `group_interval`; a check sends only when firing members were added since the last
 *   notification, or when `repeat_interval` has passed since it and the group still fires;
 * - each send is ONE notification standing for the whole group (`count`, "N alarms at site-001",
 *   the first members listed in `fields`);
 * - when every member has resolved, one `resolved` notification is sent (only if a firing one
 *   was) and the group is forgotten.
 * Call `add` for each incoming notification and `flush` whenever `nextFlushAt()` has come.
 */
export class NotificationGrouper {
  private readonly groups = new Map<string, Group>();
  private readonly clock: Clock;
  private readonly maxListed: number;
  private readonly identity: (n: NotificationLike) => string;

  constructor(
    readonly config: GroupingConfig,
    options: GrouperOptions = {},
  ) {
    if (
      !(config.groupWaitMs >= 0) ||
      !(config.groupIntervalMs > 0) ||
      !(config.repeatIntervalMs > 0)
    ) {
      throw new RangeError('group_wait must be >= 0, group_interval and repeat_interval > 0');
    }
    this.clock = options.clock ?? systemClock;
    this.maxListed = options.maxListed ?? 10;
    this.identity = options.identity ?? defaultIdentity;
  }

  /** Number of groups currently held. */
  get size(): number {
    return this.groups.size;
  }

  /** The group key a notification falls in, and the labels forming it. */
  groupOf(n: NotificationLike): { key: string; labels: Record<string, string> } {
    const all = notificationLabels(n);
    const names = this.config.groupBy.includes(GROUP_BY_ALL)
      ? Object.keys(all).sort()
      : this.config.groupBy;
    const labels: Record<string, string> = {};
    for (const name of names) labels[name] = all[name] ?? '';
    const key = this.config.groupBy.includes(GROUP_BY_ALL)
      ? JSON.stringify(names.map((name) => [name, labels[name]]))
      : JSON.stringify(names.map((name) => labels[name]));
    return { key, labels };
  }

  /**
   * Takes one notification in. A firing one joins (or updates) its group, creating the group with
   * its first flush `group_wait` from now; a resolved one marks the matching member resolved
   * (ignored when no group holds that member).
   */
  add(n: NotificationLike): void {
    const { key, labels } = this.groupOf(n);
    const id = this.identity(n);
    let group = this.groups.get(key);
    if (n.status === 'resolved') {
      const member = group?.members.get(id);
      if (member) {
        member.firing = false;
        member.notification = n;
      }
      return;
    }
    if (!group) {
      group = {
        key,
        labels,
        members: new Map(),
        nextFlushAt: this.clock.now() + this.config.groupWaitMs,
      };
      this.groups.set(key, group);
    }
    group.members.set(id, { notification: n, firing: true });
  }

  /** When the earliest group is due, or undefined when there are no groups. */
  nextFlushAt(): number | undefined {
    let next: number | undefined;
    for (const group of this.groups.values()) {
      if (next === undefined || group.nextFlushAt < next) next = group.nextFlushAt;
    }
    return next;
  }

  /** Checks every group due at the clock's current time and returns what to send. */
  flush(): GroupFlush[] {
    const now = this.clock.now();
    const out: GroupFlush[] = [];
    const due = [...this.groups.values()]
      .filter((g) => g.nextFlushAt <= now)
      .sort((a, b) => a.nextFlushAt - b.nextFlushAt || (a.key < b.key ? -1 : 1));
    for (const group of due) {
      const sent = this.flushGroup(group, now);
      if (sent) out.push({ groupKey: group.key, groupLabels: group.labels, notification: sent });
    }
    return out;
  }

  private flushGroup(group: Group, now: number): NotificationLike | undefined {
    const members = [...group.members].map(([id, m]) => ({ id, firing: m.firing }));
    const plan = planGroupFlush(group, members, now, this.config);
    const notifications = [...group.members.values()]
      .filter((m) => plan.status === 'resolved' || m.firing)
      .map((m) => m.notification);
    if (plan.forget) this.groups.delete(group.key);
    else {
      // Resolved members have been accounted for; only the firing ones stay.
      for (const [id, member] of group.members) if (!member.firing) group.members.delete(id);
      group.nextFlushAt = plan.nextFlushAt;
      group.notified = plan.notified;
      group.lastSentAt = plan.lastSentAt;
    }
    if (!plan.status) return undefined;
    return renderGroupNotification(
      { key: group.key, labels: group.labels },
      notifications,
      plan.status,
      now,
      this.maxListed,
    );
  }
}

/** What a group remembers between flushes (kept in memory here, or in a database by a caller). */
export interface GroupFlushState {
  /** Identities of the firing members in the last notification sent; undefined until one is. */
  notified?: Set<string>;
  lastSentAt?: number;
}

/** The decision of one flush: what to send (if anything) and the group's next state. */
export interface GroupFlushPlan extends GroupFlushState {
  status?: 'firing' | 'resolved';
  /** Every member resolved: the group is done. */
  forget: boolean;
  nextFlushAt: number;
}

/**
 * Alertmanager's flush rule for one due group: with no firing member left, forget the group and
 * send a resolve only if a firing notification went out; otherwise send when firing members
 * were added since the last notification or `repeat_interval` has passed, and check again after
 * `group_interval`.
 */
export function planGroupFlush(
  state: GroupFlushState,
  members: readonly { id: string; firing: boolean }[],
  now: number,
  config: GroupingConfig,
): GroupFlushPlan {
  const firing = members.filter((m) => m.firing);
  if (firing.length === 0) {
    // Never told anyone it fired (it cleared within group_wait): nothing to resolve.
    return { forget: true, nextFlushAt: now, ...(state.notified ? { status: 'resolved' } : {}) };
  }
  const nextFlushAt = now + config.groupIntervalMs;
  const notified = state.notified;
  const added = !notified || firing.some((m) => !notified.has(m.id));
  const repeatDue =
    state.lastSentAt !== undefined && now - state.lastSentAt >= config.repeatIntervalMs;
  if (!added && !repeatDue) return { ...state, forget: false, nextFlushAt };
  return {
    status: 'firing',
    forget: false,
    nextFlushAt,
    notified: new Set(firing.map((m) => m.id)),
    lastSentAt: now,
  };
}

/**
 * The one notification standing for a group: `count`, "N alarms at site-001", the worst severity,
 * the first `maxListed` members (worst first) in its fields.
 */
export function renderGroupNotification(
  group: { key: string; labels: Record<string, string> },
  members: NotificationLike[],
  status: 'firing' | 'resolved',
  now: number,
  maxListed = 10,
): NotificationLike {
  const count = members.reduce((sum, m) => sum + Math.max(1, m.count), 0);
  const kind = common(members.map((m) => m.kind)) ?? 'notification';
  const site = group.labels.site || common(members.map((m) => m.site));
  const tenant = group.labels.tenant || common(members.map((m) => m.tenant));
  const sites = new Set(members.map((m) => m.site).filter((s) => s !== undefined));
  const where = site ? ` at ${site}` : sites.size > 1 ? ` across ${sites.size} sites` : '';
  const headline = `${count} ${noun(kind, count)}${where}`;
  const severity = members.reduce<Severity>(
    (worst, m) => (severityRank(m.severity) > severityRank(worst) ? m.severity : worst),
    'info',
  );
  const ordered = [...members].sort(
    (a, b) =>
      severityRank(b.severity) - severityRank(a.severity) ||
      a.occurredAt.getTime() - b.occurredAt.getTime(),
  );
  const fields = ordered.slice(0, maxListed).map((m) => ({
    name: m.title,
    value: `${m.severity}${m.site ? ` · ${m.site}` : ''} · ${m.summary}`,
  }));
  if (ordered.length > maxListed) {
    fields.push({ name: 'More', value: `and ${ordered.length - maxListed} more` });
  }
  const times = members.map((m) => m.occurredAt.getTime());
  const earliest = times.reduce((a, b) => Math.min(a, b));
  const latest = times.reduce((a, b) => Math.max(a, b));
  const single = members.length === 1 ? members[0] : undefined;
  const url = common(members.map((m) => m.url));
  return {
    id: `group-${shortHash(group.key)}-${status}-${now}`,
    kind,
    subject: common(members.map((m) => m.subject)) ?? `group.${kind}`,
    title: status === 'resolved' ? `Resolved: ${headline}` : single ? single.title : headline,
    summary:
      status === 'resolved' ? `${headline}: all cleared` : single ? single.summary : headline,
    severity,
    status,
    ...(tenant ? { tenant } : {}),
    ...(site ? { site } : {}),
    fields,
    // A group of one keeps its member's labels (templates and dedup keys read them).
    labels: { ...(single?.labels ?? {}), ...group.labels, group_key: shortHash(group.key) },
    occurredAt: new Date(status === 'resolved' ? latest : earliest),
    ...(url ? { url } : {}),
    count,
  };
}
