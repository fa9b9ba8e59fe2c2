import type { BusinessCalendar } from './business-calendar';
import { SlaPolicyDefinition } from './sla-policy.definition';
import { joinPath, SlaDefinitionError, validateDefinition } from './sla-errors';

const MINUTE_MS = 60_000;
/** At-risk shares used when a policy does not list its own. */
export const DEFAULT_AT_RISK_THRESHOLDS: readonly number[] = [0.75, 0.9];

export type SlaTargetKind = 'response' | 'resolution';

/** How a status affects the resolution clock. */
export type SlaStatusClass = 'active' | 'paused' | 'stopped' | 'cancelled';

/** The ticket fields a policy is chosen by; null means the ticket has no value. */
export interface SlaPolicySubject {
  priority: string | null;
  category: string | null;
  customer: string | null;
}

const normalisedValues = new Map<string, string>();
/** Ticket vocabularies are small; the bound keeps free-text values from growing the memo forever. */
const NORMALISED_MEMO_LIMIT = 4096;

/** Ticket-system values compare trimmed and case-insensitively ("On hold" = "on Hold "). */
export function normaliseTicketValue(value: string): string {
  let key = normalisedValues.get(value);
  if (key === undefined) {
    key = value.trim().toLowerCase();
    if (normalisedValues.size < NORMALISED_MEMO_LIMIT) normalisedValues.set(value, key);
  }
  return key;
}

/** Specificity weights: a customer match outranks any category match, which outranks a priority. */
const CUSTOMER_WEIGHT = 4;
const CATEGORY_WEIGHT = 2;
const PRIORITY_WEIGHT = 1;

/** A validated SLA policy bound to its calendar. */
export class SlaPolicy {
  readonly id: string;
  readonly name: string;
  readonly calendar: BusinessCalendar;
  readonly responseTargetMs: number | null;
  readonly resolutionTargetMs: number | null;
  /** Shares of the target that are reported as crossed, ascending; the last is always 1 (breach). */
  readonly thresholds: readonly number[];
  /** Sum of the weights of the criteria the policy names; the higher, the more specific. */
  readonly specificity: number;

  private readonly priorities: ReadonlySet<string> | null;
  private readonly categories: ReadonlySet<string> | null;
  private readonly customers: ReadonlySet<string> | null;
  private readonly statusClasses: ReadonlyMap<string, SlaStatusClass>;
  private readonly responseBudgets: readonly number[] | null;
  private readonly resolutionBudgets: readonly number[] | null;

  private constructor(definition: SlaPolicyDefinition, calendar: BusinessCalendar) {
    this.id = definition.id;
    this.name = definition.name;
    this.calendar = calendar;
    this.responseTargetMs = minutesToMs(definition.targets.responseMinutes);
    this.resolutionTargetMs = minutesToMs(definition.targets.resolutionMinutes);
    this.thresholds = [
      ...[...new Set(definition.atRiskThresholds ?? DEFAULT_AT_RISK_THRESHOLDS)].sort(
        (a, b) => a - b,
      ),
      1,
    ];
    this.priorities = toSet(definition.match?.priorities);
    this.categories = toSet(definition.match?.categories);
    this.customers = toSet(definition.match?.customers);
    this.specificity =
      (this.customers ? CUSTOMER_WEIGHT : 0) +
      (this.categories ? CATEGORY_WEIGHT : 0) +
      (this.priorities ? PRIORITY_WEIGHT : 0);
    const classes = new Map<string, SlaStatusClass>();
    for (const status of definition.pauseStatuses ?? [])
      classes.set(normaliseTicketValue(status), 'paused');
    for (const status of definition.stopStatuses)
      classes.set(normaliseTicketValue(status), 'stopped');
    for (const status of definition.cancelStatuses ?? []) {
      classes.set(normaliseTicketValue(status), 'cancelled');
    }
    this.statusClasses = classes;
    this.responseBudgets = this.budgetsFor(this.responseTargetMs);
    this.resolutionBudgets = this.budgetsFor(this.resolutionTargetMs);
  }

  /**
   * Validates a plain policy and binds it to its calendar from `calendars` (by `calendarId`).
   * Problems are reported with `pathPrefix` (e.g. `policies.3`).
   */
  static fromDefinition(
    raw: unknown,
    calendars: ReadonlyMap<string, BusinessCalendar>,
    pathPrefix = '',
  ): SlaPolicy {
    const problems = SlaPolicy.problemsOf(raw, calendars, pathPrefix);
    if (problems.length > 0) throw new SlaDefinitionError(`SLA policy${describeId(raw)}`, problems);
    const { value } = validateDefinition(SlaPolicyDefinition, raw, pathPrefix);
    const definition = value as SlaPolicyDefinition;
    return new SlaPolicy(definition, calendars.get(definition.calendarId) as BusinessCalendar);
  }

  /** Every problem of a plain policy definition (empty when it is valid). */
  static problemsOf(
    raw: unknown,
    calendars: ReadonlyMap<string, BusinessCalendar>,
    pathPrefix = '',
  ): string[] {
    const { value, problems } = validateDefinition(SlaPolicyDefinition, raw, pathPrefix);
    if (!value) return problems;
    const out: string[] = [];
    if (!calendars.has(value.calendarId)) {
      out.push(`${joinPath(pathPrefix, 'calendarId')}: no business calendar "${value.calendarId}"`);
    }
    if (
      value.targets.responseMinutes === undefined &&
      value.targets.resolutionMinutes === undefined
    ) {
      out.push(`${joinPath(pathPrefix, 'targets')}: needs responseMinutes or resolutionMinutes`);
    }
    (value.atRiskThresholds ?? []).forEach((share, index) => {
      if (!(share > 0 && share < 1)) {
        out.push(
          `${joinPath(pathPrefix, 'atRiskThresholds', index)}: must be a share strictly between 0 and 1 ` +
            `(the breach at 1 is implied), got ${share}`,
        );
      }
    });
    const seen = new Map<string, string>();
    const lists = [
      ['pauseStatuses', value.pauseStatuses ?? []],
      ['stopStatuses', value.stopStatuses],
      ['cancelStatuses', value.cancelStatuses ?? []],
    ] as const;
    for (const [list, statuses] of lists) {
      statuses.forEach((status, index) => {
        const key = normaliseTicketValue(status);
        const other = seen.get(key);
        if (other !== undefined && other !== list) {
          out.push(
            `${joinPath(pathPrefix, list, index)}: status "${status}" is already in ${other}`,
          );
        }
        seen.set(key, list);
      });
    }
    return out;
  }

  /** Whether every criterion the policy names accepts the ticket's value. */
  matches(subject: SlaPolicySubject): boolean {
    return (
      accepts(this.priorities, subject.priority) &&
      accepts(this.categories, subject.category) &&
      accepts(this.customers, subject.customer)
    );
  }

  /** How `status` affects the resolution clock; statuses the policy does not list are active. */
  statusClassOf(status: string): SlaStatusClass {
    return this.statusClasses.get(normaliseTicketValue(status)) ?? 'active';
  }

  targetMs(kind: SlaTargetKind): number | null {
    return kind === 'response' ? this.responseTargetMs : this.resolutionTargetMs;
  }

  /** Elapsed ms at which each threshold is crossed (`ceil(share * target)`), or null without a target. */
  budgetsOf(kind: SlaTargetKind): readonly number[] | null {
    return kind === 'response' ? this.responseBudgets : this.resolutionBudgets;
  }

  private budgetsFor(targetMs: number | null): readonly number[] | null {
    if (targetMs === null) return null;
    return this.thresholds.map((share) => Math.ceil(share * targetMs));
  }
}

/**
 * The policies of a tenant. `match` picks the most specific policy that accepts the ticket:
 * highest `specificity` (customer 4 + category 2 + priority 1, so a customer-specific policy
 * beats any other); among equally specific ones, the one listed first.
 */
export class SlaPolicyCatalog {
  private constructor(readonly policies: readonly SlaPolicy[]) {}

  /** Validates every policy (all problems in one error) and checks ids are unique. */
  static fromDefinitions(raw: unknown, calendars: readonly BusinessCalendar[]): SlaPolicyCatalog {
    const byId = new Map(calendars.map((calendar) => [calendar.id, calendar]));
    if (!Array.isArray(raw)) {
      throw new SlaDefinitionError('SLA policies', ['policies: must be an array']);
    }
    const items: unknown[] = raw;
    const problems: string[] = [];
    const ids = new Set<string>();
    items.forEach((item, index) => {
      const path = joinPath('policies', index);
      problems.push(...SlaPolicy.problemsOf(item, byId, path));
      const id = describeId(item);
      if (id !== '' && ids.has(id)) problems.push(`${path}.id: duplicate policy id${id}`);
      ids.add(id);
    });
    if (problems.length > 0) throw new SlaDefinitionError('SLA policies', problems);
    const policies = items.map((item, index) =>
      SlaPolicy.fromDefinition(item, byId, joinPath('policies', index)),
    );
    // A stable sort keeps the listed order among equally specific policies.
    return new SlaPolicyCatalog(policies.sort((a, b) => b.specificity - a.specificity));
  }

  /** The policy for a ticket, or undefined when none accepts it. */
  match(subject: SlaPolicySubject): SlaPolicy | undefined {
    for (const policy of this.policies) if (policy.matches(subject)) return policy;
    return undefined;
  }
}

function minutesToMs(minutes: number | undefined): number | null {
  return minutes === undefined ? null : minutes * MINUTE_MS;
}

function toSet(values: readonly string[] | undefined): ReadonlySet<string> | null {
  return values === undefined ? null : new Set(values.map(normaliseTicketValue));
}

function accepts(allowed: ReadonlySet<string> | null, value: string | null): boolean {
  return allowed === null || (value !== null && allowed.has(normaliseTicketValue(value)));
}

function describeId(raw: unknown): string {
  if (typeof raw === 'object' && raw !== null && 'id' in raw && typeof raw.id === 'string') {
    return ` "${raw.id}"`;
  }
  return '';
}
