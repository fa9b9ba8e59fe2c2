import type { AgentTicket, TicketTransition } from '@telcomesh/ticket-agent-protocol';
import { DateTime } from 'luxon';
import { completeHistory, toIsoTime } from './ticket-history';
import { TicketRecordError } from './ticket-system-error';

/** One changelog entry as Jira sends it (only what the mapping reads). */
export interface JiraHistory {
  id?: string;
  created: string;
  items: {
    field?: string;
    fieldId?: string;
    from?: string | null;
    fromString?: unknown;
    to?: string | null;
    toString?: unknown;
  }[];
}

/** Which Jira fields the AgentTicket fields come from. */
export interface JiraFieldMapping {
  /** Field id (`customfield_10050`), matched against changelog items' `fieldId`. */
  assignmentGroupField: string;
  /** Field name, matched against `field` of items without a `fieldId`. */
  assignmentGroupFieldName?: string;
  categoryField: string;
  customerField: string;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A Jira field value as text: strings and numbers as they are, objects (options, users,
 * statuses, groups) by `value`, `displayName`, `name` or `key`, lists joined with ", ".
 */
export function jiraFieldText(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return value === '' ? null : value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) {
    const parts = value.map(jiraFieldText).filter((v): v is string => v !== null);
    return parts.length > 0 ? parts.join(', ') : null;
  }
  if (isRecord(value)) {
    for (const key of ['value', 'displayName', 'name', 'key']) {
      const text = value[key];
      if (typeof text === 'string' && text !== '') return text;
    }
  }
  return null;
}

/** The issue's changelog histories and whether they are all of them (else page the rest). */
export function inlineHistories(issue: unknown): { histories: JiraHistory[]; complete: boolean } {
  const changelog = isRecord(issue) ? issue.changelog : undefined;
  if (!isRecord(changelog) || !Array.isArray(changelog.histories))
    return { histories: [], complete: false };
  const histories = changelog.histories.filter(isHistory);
  const total = typeof changelog.total === 'number' ? changelog.total : histories.length;
  return { histories, complete: histories.length >= total };
}

export function isHistory(value: unknown): value is JiraHistory {
  return isRecord(value) && typeof value.created === 'string' && Array.isArray(value.items);
}

/** Status and assignment-group changes in the changelog (other fields are noise here). */
export function jiraTransitions(
  histories: readonly JiraHistory[],
  mapping: Pick<JiraFieldMapping, 'assignmentGroupField' | 'assignmentGroupFieldName'>,
): TicketTransition[] {
  const groupName = mapping.assignmentGroupFieldName?.toLowerCase();
  const out: TicketTransition[] = [];
  for (const history of histories) {
    const at = toIsoTime(history.created);
    if (!at) {
      throw new TicketRecordError(
        `changelog entry ${history.id ?? '?'} has no valid time ('${history.created}')`,
      );
    }
    for (const item of history.items) {
      // Items name their field by id (Cloud) or, on older servers, only by name.
      const id = item.fieldId ?? item.field;
      const isStatus = id === 'status';
      const isGroup =
        id === mapping.assignmentGroupField ||
        (item.fieldId === undefined &&
          groupName !== undefined &&
          item.field?.toLowerCase() === groupName);
      if (!isStatus && !isGroup) continue;
      out.push({
        at,
        field: isStatus ? 'status' : 'assignment_group',
        from: typeof item.fromString === 'string' ? item.fromString : null,
        // A missing `toString` would otherwise read Object.prototype.toString.
        to: typeof item.toString === 'string' ? item.toString : null,
      });
    }
  }
  return out;
}

/**
 * A Jira issue (search result or `GET /issue`) and its full changelog as an AgentTicket. Throws
 * TicketRecordError naming the problem when the issue lacks what an AgentTicket needs.
 */
export function jiraIssueToTicket(
  issue: unknown,
  histories: readonly JiraHistory[],
  mapping: JiraFieldMapping,
  siteUrl: string,
): AgentTicket {
  if (!isRecord(issue)) throw new TicketRecordError('issue is not an object');
  const key = issue.key;
  const id = issue.id;
  if (typeof key !== 'string' || key === '') throw new TicketRecordError('issue has no key');
  if (typeof id !== 'string' && typeof id !== 'number')
    throw new TicketRecordError(`issue ${key} has no id`);
  const fields = issue.fields;
  if (!isRecord(fields)) throw new TicketRecordError(`issue ${key} has no fields`);
  const status = jiraFieldText(fields.status);
  if (status === null) throw new TicketRecordError(`issue ${key} has no status`);
  const createdAt = toIsoTime(fields.created);
  if (!createdAt) throw new TicketRecordError(`issue ${key} has no valid created time`);
  const updatedAt = toIsoTime(fields.updated) ?? createdAt;
  const assignmentGroup = jiraFieldText(fields[mapping.assignmentGroupField]);
  const changes = jiraTransitions(histories, mapping);
  return {
    key,
    system: 'jira',
    externalId: String(id),
    title: typeof fields.summary === 'string' ? fields.summary : '',
    status,
    priority: jiraFieldText(fields.priority),
    category: jiraFieldText(fields[mapping.categoryField]),
    customer: jiraFieldText(fields[mapping.customerField]),
    assignmentGroup,
    assignee: jiraFieldText(fields.assignee),
    createdAt,
    updatedAt,
    resolvedAt: toIsoTime(fields.resolutiondate) ?? null,
    url: `${siteUrl}/browse/${encodeURIComponent(key)}`,
    history: completeHistory(changes, { createdAt, status, assignmentGroup }),
  };
}

/**
 * The JQL to run: the filter's and the task's JQL joined with AND, narrowed to tickets updated
 * since `updatedSince` (written in the user's `zone`, minute precision, rounded down so nothing
 * is missed), ordered by creation unless an ORDER BY was given (stable across pages).
 */
export function composeJql(
  parts: readonly string[],
  updatedSince: string | undefined,
  zone: string,
): string {
  const orders: string[] = [];
  const clauses: string[] = [];
  for (const part of parts) {
    const { where, orderBy } = splitOrderBy(part);
    if (where) clauses.push(where);
    if (orderBy) orders.push(orderBy);
  }
  if (updatedSince !== undefined) {
    const since = DateTime.fromISO(updatedSince, { zone: 'UTC' });
    if (!since.isValid)
      throw new TicketRecordError(`updatedSince '${updatedSince}' is not an ISO-8601 time`);
    clauses.push(`updated >= "${since.setZone(zone).toFormat('yyyy-MM-dd HH:mm')}"`);
  }
  const where = clauses.length === 1 ? clauses[0] : clauses.map((c) => `(${c})`).join(' AND ');
  return `${where} ORDER BY ${orders[orders.length - 1] ?? 'created ASC, key ASC'}`;
}

/** Splits `... ORDER BY x` at the top-level ORDER BY (quoted text is skipped). */
export function splitOrderBy(jql: string): { where: string; orderBy?: string } {
  let quote: string | undefined;
  for (let i = 0; i < jql.length; i++) {
    const c = jql[i];
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") {
      quote = c;
    } else if (/^order\s+by\b/i.test(jql.slice(i)) && (i === 0 || /\s/.test(jql[i - 1]))) {
      const orderBy = jql
        .slice(i)
        .replace(/^order\s+by\s*/i, '')
        .trim();
      return { where: jql.slice(0, i).trim(), orderBy: orderBy || undefined };
    }
  }
  return { where: jql.trim() };
}
