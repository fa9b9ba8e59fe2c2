import { createHash, randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import { ResponseFaults } from './response-faults';
import {
  SimulatorServer,
  withHeaders,
  type SimulatorRequest,
  type SimulatorResponse,
} from './simulator-server';

export interface JiraSimulatorOptions {
  /** Atlassian account email and API token accepted as basic auth. */
  username: string;
  apiToken: string;
  /** Project keys that exist. */
  projects: string[];
  /** Issue type names that exist (default Task, Bug, Story, Epic, Incident). */
  issueTypes?: string[];
  /** Seeded service-desk tickets with realistic histories (none by default). */
  tickets?: JiraTicketGeneration;
  /** Custom field holding the assignment group (default `customfield_10050`, "Assignment group"). */
  assignmentGroupField?: string;
  /** Histories sent inline with `expand=changelog` (the newest ones); the rest only through
   * `/issue/{id}/changelog`. Default 100. */
  inlineChangelogLimit?: number;
  /** Most issues in one search page whatever `maxResults` asks for (default 100). */
  maxResultsLimit?: number;
  /** Saved filters by id. */
  filters?: Record<string, { name: string; jql: string }>;
  /** When false the old `/rest/api/3/search` answers 410 Gone, as on sites where it was removed. */
  legacySearch?: boolean;
  /** OAuth 2.0 (3LO) app whose rotating refresh token `POST /oauth/token` accepts. */
  oauth?: JiraOAuthOptions;
  /** Clock behind created/updated times and token expiry (default: the system clock). */
  now?: () => Date;
}

export interface JiraOAuthOptions {
  clientId: string;
  clientSecret: string;
  /** The refresh token first handed to the client; each refresh rotates it. */
  refreshToken: string;
  /** Default 3600, as Atlassian issues them. */
  accessTokenLifetimeSeconds?: number;
}

export interface JiraTicketGeneration {
  count: number;
  /** Same seed, same tickets (default 1). */
  seed?: number;
  /** Tickets are opened in [from, to) and their histories stop at `to` (ISO; default the 30 days
   * before the simulator's clock). */
  from?: string;
  to?: string;
  /** Assignment groups (default NOC L1, NOC L2, Transport, RAN, Core Network, Field Service). */
  groups?: string[];
}

/** One status or assignment-group change as the simulator made it: the ground truth. */
export interface JiraGroundTruthTransition {
  at: string;
  field: 'status' | 'assignment_group';
  from: string | null;
  to: string | null;
}

export interface JiraSimulatedChange {
  field: string;
  fieldtype: 'jira' | 'custom';
  fieldId: string;
  from: string | null;
  fromString: string | null;
  to: string | null;
  toString: string | null;
}

export interface JiraSimulatedHistory {
  id: string;
  /** ISO time. */
  created: string;
  author: string;
  items: JiraSimulatedChange[];
}

export interface JiraSimulatedIssue {
  id: string;
  key: string;
  project: string;
  issuetype: string;
  summary: string;
  description: unknown;
  labels: string[];
  /** ISO times. */
  created: string;
  updated: string;
  resolutiondate: string | null;
  status: string;
  priority: string;
  assignmentGroup: string | null;
  assignee: string | null;
  reporter: string;
  /** Changelog, oldest first. */
  histories: JiraSimulatedHistory[];
  /** Status and group changes oldest first, opened with `from: null` entries at `created`. */
  transitions: JiraGroundTruthTransition[];
}

export type JiraRecordedRequest = SimulatorRequest;

type Reply = SimulatorResponse;

const DEFAULT_GROUP_FIELD = 'customfield_10050';
const DEFAULT_GROUPS = ['NOC L1', 'NOC L2', 'Transport', 'RAN', 'Core Network', 'Field Service'];
const PEOPLE = [
  'Ivan Petrov',
  'Anna Smirnova',
  'Olga Ivanova',
  'Dmitry Sokolov',
  'Sergey Kuznetsov',
  'Maria Popova',
  'Alexey Volkov',
  'Elena Morozova',
];
const CUSTOMERS = [
  'MegaTower LLC',
  'City Hospital 3',
  'North Retail',
  'Metro Transit',
  'Bank Ural',
];
const SUMMARIES = [
  'Cell down at site-%',
  'High packet loss on backhaul link %',
  'No 4G coverage reported in sector %',
  'Fibre cut suspected on route %',
  'VoLTE call drops on eNodeB %',
  'Mains power alarm at tower %',
  'SIP trunk % unreachable',
];

/** Jira status name → id and status category. */
const STATUSES: Record<string, { id: string; category: 'new' | 'indeterminate' | 'done' }> = {
  Open: { id: '1', category: 'new' },
  'In Progress': { id: '3', category: 'indeterminate' },
  Reopened: { id: '4', category: 'new' },
  Resolved: { id: '5', category: 'done' },
  Closed: { id: '6', category: 'done' },
  'Waiting for customer': { id: '10002', category: 'indeterminate' },
  Pending: { id: '10003', category: 'indeterminate' },
  Escalated: { id: '10004', category: 'indeterminate' },
};
const PRIORITIES = ['Highest', 'High', 'Medium', 'Low', 'Lowest'];
/** A service-desk workflow: next status and its weight. */
const WORKFLOW: Record<string, [string, number][]> = {
  Open: [
    ['In Progress', 6],
    ['Escalated', 1],
    ['Closed', 0.3],
  ],
  'In Progress': [
    ['Waiting for customer', 2],
    ['Pending', 2],
    ['Resolved', 4],
    ['Escalated', 1],
  ],
  'Waiting for customer': [['In Progress', 1]],
  Pending: [['In Progress', 1]],
  Escalated: [['In Progress', 1]],
  Resolved: [
    ['Closed', 4],
    ['Reopened', 1],
  ],
  Reopened: [['In Progress', 1]],
  Closed: [],
};

function jiraError(status: number, ...messages: string[]): Reply {
  return { status, body: { errorMessages: messages, errors: {} } };
}

/** Jira's timestamp format: `2024-01-15T10:30:00.000+0000`. */
function jiraTime(iso: string): string {
  return new Date(iso).toISOString().replace('Z', '+0000');
}

/** A small deterministic PRNG so the same seed gives the same tickets. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)];
}

function weighted(random: () => number, options: [string, number][]): string {
  const total = options.reduce((sum, [, weight]) => sum + weight, 0);
  let roll = random() * total;
  for (const [value, weight] of options) {
    roll -= weight;
    if (roll < 0) return value;
  }
  return options[options.length - 1][0];
}

// ---------------------------------------------------------------------------------------------
// JQL subset
// ---------------------------------------------------------------------------------------------

export class JqlError extends Error {}

type JqlToken =
  | { kind: 'word'; text: string; at: number }
  | { kind: 'string'; text: string; at: number }
  | { kind: 'punct'; text: string; at: number };

type JqlOperator =
  '=' | '!=' | '>' | '>=' | '<' | '<=' | '~' | '!~' | 'in' | 'not in' | 'is' | 'is not';

export type JqlNode =
  | { type: 'and' | 'or'; left: JqlNode; right: JqlNode }
  | { type: 'not'; operand: JqlNode }
  | { type: 'clause'; field: string; operator: JqlOperator; values: string[] };

export interface JqlQuery {
  /** Absent for a query with no restriction (only ORDER BY, or empty). */
  where?: JqlNode;
  orderBy: { field: string; descending: boolean }[];
}

function tokenizeJql(jql: string): JqlToken[] {
  const tokens: JqlToken[] = [];
  let i = 0;
  while (i < jql.length) {
    const c = jql[i];
    if (/\s/.test(c)) {
      i++;
    } else if (c === '"' || c === "'") {
      let text = '';
      let j = i + 1;
      while (j < jql.length && jql[j] !== c) {
        if (jql[j] === '\\' && j + 1 < jql.length) j++;
        text += jql[j];
        j++;
      }
      if (j >= jql.length)
        throw new JqlError(`The quoted string starting at character ${i} is not closed.`);
      tokens.push({ kind: 'string', text, at: i });
      i = j + 1;
    } else if ('(),'.includes(c)) {
      tokens.push({ kind: 'punct', text: c, at: i });
      i++;
    } else if ('=!<>~'.includes(c)) {
      const two = jql.slice(i, i + 2);
      const op = ['!=', '>=', '<=', '!~'].includes(two) ? two : c;
      if (op === '!') throw new JqlError(`Unexpected character '!' at position ${i}.`);
      tokens.push({ kind: 'punct', text: op, at: i });
      i += op.length;
    } else {
      const match = /^[^\s(),=!<>~"']+/.exec(jql.slice(i));
      if (!match) throw new JqlError(`Unexpected character '${c}' at position ${i}.`);
      tokens.push({ kind: 'word', text: match[0], at: i });
      i += match[0].length;
    }
  }
  return tokens;
}

/** Parses the JQL subset the simulator understands; throws `JqlError` in Jira's words. */
export function parseJql(jql: string): JqlQuery {
  const tokens = tokenizeJql(jql);
  let pos = 0;
  const peek = (): JqlToken | undefined => tokens[pos];
  const isKeyword = (token: JqlToken | undefined, word: string): boolean =>
    token?.kind === 'word' && token.text.toLowerCase() === word;
  const expectValue = (): string => {
    const token = tokens[pos++];
    if (!token || token.kind === 'punct') {
      throw new JqlError(`Expecting a value but got '${token?.text ?? 'end of query'}'.`);
    }
    return token.text;
  };

  const clause = (): JqlNode => {
    const fieldToken = tokens[pos++];
    if (!fieldToken || fieldToken.kind === 'punct') {
      throw new JqlError(`Expecting a field name but got '${fieldToken?.text ?? 'end of query'}'.`);
    }
    const field = fieldToken.text;
    const next = tokens[pos++];
    let operator: JqlOperator;
    if (
      next?.kind === 'punct' &&
      ['=', '!=', '>', '>=', '<', '<=', '~', '!~'].includes(next.text)
    ) {
      operator = next.text as JqlOperator;
    } else if (isKeyword(next, 'in')) {
      operator = 'in';
    } else if (isKeyword(next, 'not') && isKeyword(peek(), 'in')) {
      pos++;
      operator = 'not in';
    } else if (isKeyword(next, 'is')) {
      operator = 'is';
      if (isKeyword(peek(), 'not')) {
        pos++;
        operator = 'is not';
      }
    } else {
      throw new JqlError(
        `Expecting an operator after '${field}' but got '${next?.text ?? 'end of query'}'.`,
      );
    }
    if (operator === 'is' || operator === 'is not') {
      const value = tokens[pos++];
      if (!isKeyword(value, 'empty') && !isKeyword(value, 'null')) {
        throw new JqlError(`Expecting EMPTY or NULL after '${field} ${operator.toUpperCase()}'.`);
      }
      return { type: 'clause', field, operator, values: [] };
    }
    if (operator === 'in' || operator === 'not in') {
      const open = tokens[pos++];
      if (open?.kind !== 'punct' || open.text !== '(') {
        throw new JqlError(`Expecting '(' after '${field} ${operator.toUpperCase()}'.`);
      }
      const values = [expectValue()];
      while (peek()?.kind === 'punct' && peek()?.text === ',') {
        pos++;
        values.push(expectValue());
      }
      const close = tokens[pos++];
      if (close?.kind !== 'punct' || close.text !== ')') {
        throw new JqlError(`Expecting ')' to close the list of '${field}'.`);
      }
      return { type: 'clause', field, operator, values };
    }
    return { type: 'clause', field, operator, values: [expectValue()] };
  };

  const unary = (): JqlNode => {
    if (isKeyword(peek(), 'not')) {
      pos++;
      return { type: 'not', operand: unary() };
    }
    const token = peek();
    if (token?.kind === 'punct' && token.text === '(') {
      pos++;
      const inner = or();
      const close = tokens[pos++];
      if (close?.kind !== 'punct' || close.text !== ')') throw new JqlError(`Expecting ')'.`);
      return inner;
    }
    return clause();
  };
  const and = (): JqlNode => {
    let left = unary();
    while (isKeyword(peek(), 'and')) {
      pos++;
      left = { type: 'and', left, right: unary() };
    }
    return left;
  };
  const or = (): JqlNode => {
    let left = and();
    while (isKeyword(peek(), 'or')) {
      pos++;
      left = { type: 'or', left, right: and() };
    }
    return left;
  };

  const query: JqlQuery = { orderBy: [] };
  if (tokens.length > 0 && !isKeyword(peek(), 'order')) query.where = or();
  if (isKeyword(peek(), 'order')) {
    pos++;
    if (!isKeyword(tokens[pos++], 'by')) throw new JqlError(`Expecting 'BY' after 'ORDER'.`);
    do {
      if (peek()?.kind === 'punct' && peek()?.text === ',') pos++;
      const field = expectValue();
      let descending = false;
      if (isKeyword(peek(), 'asc') || isKeyword(peek(), 'desc')) {
        descending = tokens[pos++].text.toLowerCase() === 'desc';
      }
      query.orderBy.push({ field, descending });
    } while (peek()?.kind === 'punct' && peek()?.text === ',');
  }
  if (pos < tokens.length) {
    throw new JqlError(`Unexpected '${tokens[pos].text}' at position ${tokens[pos].at}.`);
  }
  return query;
}

/** A JQL date value: `yyyy-MM-dd[ HH:mm]`, `yyyy/MM/dd[ HH:mm]` (UTC) or relative `-5d`, `-2h`. */
export function parseJqlDate(value: string, now: Date): number {
  const relative = /^([-+]?\d+)([wdhm])$/.exec(value.trim());
  if (relative) {
    const unit = { w: 604_800_000, d: 86_400_000, h: 3_600_000, m: 60_000 }[
      relative[2] as 'w' | 'd' | 'h' | 'm'
    ];
    return now.getTime() + Number(relative[1]) * unit;
  }
  const absolute = /^(\d{4})[-/](\d{2})[-/](\d{2})(?: (\d{2}):(\d{2}))?$/.exec(value.trim());
  if (!absolute) {
    throw new JqlError(
      `Date value '${value}' for field is invalid. Valid formats include: 'yyyy/MM/dd HH:mm', 'yyyy-MM-dd HH:mm', 'yyyy/MM/dd', 'yyyy-MM-dd', or a period format e.g. '-5d', '4w 2d'.`,
    );
  }
  const [, y, mo, d, h = '00', mi = '00'] = absolute;
  return Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi));
}

type JqlFieldKind = 'text' | 'list' | 'date' | 'contains';

interface JqlContext {
  projects: string[];
  groupField: string;
  now: Date;
}

/** How each JQL field reads an issue; `null` is EMPTY. */
function jqlField(
  name: string,
  context: JqlContext,
): { kind: JqlFieldKind; read: (issue: JiraSimulatedIssue) => string | string[] | null } {
  const field = name.toLowerCase();
  const groupNumber = context.groupField.replace(/^customfield_/, '');
  switch (field) {
    case 'project':
      return { kind: 'text', read: (i) => i.project };
    case 'status':
      return { kind: 'text', read: (i) => i.status };
    case 'priority':
      return { kind: 'text', read: (i) => i.priority };
    case 'issuetype':
    case 'type':
      return { kind: 'text', read: (i) => i.issuetype };
    case 'key':
    case 'issuekey':
    case 'id':
      return { kind: 'text', read: (i) => (field === 'id' ? i.id : i.key) };
    case 'assignee':
      return { kind: 'text', read: (i) => i.assignee };
    case 'reporter':
      return { kind: 'text', read: (i) => i.reporter };
    case 'labels':
      return { kind: 'list', read: (i) => i.labels };
    case 'summary':
    case 'text':
      return { kind: 'contains', read: (i) => i.summary };
    case 'created':
    case 'createddate':
      return { kind: 'date', read: (i) => i.created };
    case 'updated':
    case 'updateddate':
      return { kind: 'date', read: (i) => i.updated };
    case 'resolved':
    case 'resolutiondate':
      return { kind: 'date', read: (i) => i.resolutiondate };
    case `cf[${groupNumber}]`:
    case context.groupField:
    case 'assignment group':
      return { kind: 'text', read: (i) => i.assignmentGroup };
    default:
      throw new JqlError(
        `Field '${name}' does not exist or you do not have permission to view it.`,
      );
  }
}

/** Compiles parsed JQL into a predicate and a comparator over simulated issues. */
function compileJql(
  query: JqlQuery,
  context: JqlContext,
): {
  matches: (issue: JiraSimulatedIssue) => boolean;
  compare: (a: JiraSimulatedIssue, b: JiraSimulatedIssue) => number;
} {
  const build = (node: JqlNode): ((issue: JiraSimulatedIssue) => boolean) => {
    switch (node.type) {
      case 'and': {
        const [l, r] = [build(node.left), build(node.right)];
        return (i) => l(i) && r(i);
      }
      case 'or': {
        const [l, r] = [build(node.left), build(node.right)];
        return (i) => l(i) || r(i);
      }
      case 'not': {
        const inner = build(node.operand);
        return (i) => !inner(i);
      }
      case 'clause':
        return clausePredicate(node, context);
    }
  };
  const where = query.where ? build(query.where) : () => true;
  const order = query.orderBy.length > 0 ? query.orderBy : [{ field: 'key', descending: true }];
  const sorters = order.map(({ field, descending }) => {
    const read = sortKey(field, context);
    return (a: JiraSimulatedIssue, b: JiraSimulatedIssue): number => {
      const [x, y] = [read(a), read(b)];
      const result = x < y ? -1 : x > y ? 1 : 0;
      return descending ? -result : result;
    };
  });
  return {
    matches: where,
    compare: (a, b) => {
      for (const sorter of sorters) {
        const result = sorter(a, b);
        if (result !== 0) return result;
      }
      return Number(a.id) - Number(b.id);
    },
  };
}

function sortKey(
  field: string,
  context: JqlContext,
): (issue: JiraSimulatedIssue) => string | number {
  const name = field.toLowerCase();
  if (name === 'key' || name === 'issuekey') {
    return (i) => {
      const [project, number] = i.key.split('-');
      return `${project}-${number.padStart(10, '0')}`;
    };
  }
  if (name === 'priority') return (i) => PRIORITIES.length - PRIORITIES.indexOf(i.priority);
  const resolved = jqlField(field, context);
  if (resolved.kind === 'date') return (i) => Date.parse(resolved.read(i) as string) || 0;
  return (i) => String(resolved.read(i) ?? '').toLowerCase();
}

function clausePredicate(
  node: Extract<JqlNode, { type: 'clause' }>,
  context: JqlContext,
): (issue: JiraSimulatedIssue) => boolean {
  const field = jqlField(node.field, context);
  const { operator, values } = node;
  if (operator === 'is' || operator === 'is not') {
    const wantEmpty = operator === 'is';
    return (i) => {
      const value = field.read(i);
      const empty = value === null || (Array.isArray(value) && value.length === 0);
      return empty === wantEmpty;
    };
  }
  if (node.field.toLowerCase() === 'project') {
    for (const value of values) {
      if (!context.projects.some((p) => p.toLowerCase() === value.toLowerCase())) {
        throw new JqlError(`The value '${value}' does not exist for the field 'project'.`);
      }
    }
  }
  if (field.kind === 'date') {
    if (!['=', '!=', '>', '>=', '<', '<='].includes(operator)) {
      throw new JqlError(
        `The operator '${operator}' is not supported by the '${node.field}' field.`,
      );
    }
    const limit = parseJqlDate(values[0], context.now);
    return (i) => {
      const raw = field.read(i);
      if (typeof raw !== 'string') return false;
      const difference = Date.parse(raw) - limit;
      if (operator === '=') return difference === 0;
      if (operator === '!=') return difference !== 0;
      if (operator === '>') return difference > 0;
      if (operator === '>=') return difference >= 0;
      if (operator === '<') return difference < 0;
      return difference <= 0;
    };
  }
  if (field.kind === 'contains') {
    if (operator !== '~' && operator !== '!~') {
      throw new JqlError(
        `The operator '${operator}' is not supported by the '${node.field}' field.`,
      );
    }
    const needle = values[0].toLowerCase();
    return (i) =>
      String(field.read(i) ?? '')
        .toLowerCase()
        .includes(needle) ===
      (operator === '~');
  }
  if (!['=', '!=', 'in', 'not in'].includes(operator)) {
    throw new JqlError(`The operator '${operator}' is not supported by the '${node.field}' field.`);
  }
  // Labels compare exactly; names (status, priority, project...) ignore case, as Jira does.
  const normalise = (v: string): string => (field.kind === 'list' ? v : v.toLowerCase());
  const wanted = new Set(values.map(normalise));
  const positive = operator === '=' || operator === 'in';
  return (i) => {
    const raw = field.read(i);
    const present = (Array.isArray(raw) ? raw : raw === null ? [] : [raw]).map(normalise);
    const hit = present.some((v) => wanted.has(v));
    return positive ? hit : !hit && present.length > 0;
  };
}

// ---------------------------------------------------------------------------------------------
// Seeded tickets
// ---------------------------------------------------------------------------------------------

interface GenerationContext {
  groupField: string;
  groups: string[];
  nextHistoryId: () => string;
}

function groupOptionId(groups: string[], group: string | null): string | null {
  if (group === null) return null;
  const index = groups.indexOf(group);
  return String(10100 + (index < 0 ? groups.length : index));
}

/** Appends one changelog entry and keeps the issue's current fields and ground truth in step. */
function recordChange(
  issue: JiraSimulatedIssue,
  context: GenerationContext,
  at: string,
  author: string,
  change: { status?: string; group?: string | null; assignee?: string | null; priority?: string },
): void {
  const items: JiraSimulatedChange[] = [];
  if (change.status !== undefined && change.status !== issue.status) {
    items.push({
      field: 'status',
      fieldtype: 'jira',
      fieldId: 'status',
      from: STATUSES[issue.status]?.id ?? null,
      fromString: issue.status,
      to: STATUSES[change.status]?.id ?? null,
      toString: change.status,
    });
    issue.transitions.push({ at, field: 'status', from: issue.status, to: change.status });
    const done = STATUSES[change.status]?.category === 'done';
    const wasDone = STATUSES[issue.status]?.category === 'done';
    if (done && !wasDone) {
      items.push({
        field: 'resolution',
        fieldtype: 'jira',
        fieldId: 'resolution',
        from: null,
        fromString: null,
        to: '10000',
        toString: 'Done',
      });
      issue.resolutiondate = at;
    } else if (!done && wasDone) {
      items.push({
        field: 'resolution',
        fieldtype: 'jira',
        fieldId: 'resolution',
        from: '10000',
        fromString: 'Done',
        to: null,
        toString: null,
      });
      issue.resolutiondate = null;
    }
    issue.status = change.status;
  }
  if (change.group !== undefined && change.group !== issue.assignmentGroup) {
    items.push({
      field: 'Assignment group',
      fieldtype: 'custom',
      fieldId: context.groupField,
      from: groupOptionId(context.groups, issue.assignmentGroup),
      fromString: issue.assignmentGroup,
      to: groupOptionId(context.groups, change.group),
      toString: change.group,
    });
    issue.transitions.push({
      at,
      field: 'assignment_group',
      from: issue.assignmentGroup,
      to: change.group,
    });
    issue.assignmentGroup = change.group;
  }
  if (change.assignee !== undefined && change.assignee !== issue.assignee) {
    items.push({
      field: 'assignee',
      fieldtype: 'jira',
      fieldId: 'assignee',
      from: issue.assignee === null ? null : accountId(issue.assignee),
      fromString: issue.assignee,
      to: change.assignee === null ? null : accountId(change.assignee),
      toString: change.assignee,
    });
    issue.assignee = change.assignee;
  }
  if (change.priority !== undefined && change.priority !== issue.priority) {
    items.push({
      field: 'priority',
      fieldtype: 'jira',
      fieldId: 'priority',
      from: String(PRIORITIES.indexOf(issue.priority) + 1),
      fromString: issue.priority,
      to: String(PRIORITIES.indexOf(change.priority) + 1),
      toString: change.priority,
    });
    issue.priority = change.priority;
  }
  if (items.length === 0) return;
  issue.histories.push({ id: context.nextHistoryId(), created: at, author, items });
  issue.updated = at;
}

function accountId(name: string): string {
  return `5b10ac8d82e05b22cc7d${Buffer.from(name).toString('hex').slice(0, 4)}`;
}

function generateIssues(
  spec: JiraTicketGeneration,
  projects: string[],
  context: GenerationContext,
  now: Date,
): JiraSimulatedIssue[] {
  const random = seededRandom(spec.seed ?? 1);
  const to = spec.to ? Date.parse(spec.to) : now.getTime();
  const from = spec.from ? Date.parse(spec.from) : to - 30 * 86_400_000;
  const perProject = new Map<string, number>();
  const opened = Array.from({ length: spec.count }, () => from + random() * (to - from)).sort(
    (a, b) => a - b,
  );
  return opened.map((openedAt, index) => {
    const project = projects[index % projects.length];
    const number = (perProject.get(project) ?? 0) + 1;
    perProject.set(project, number);
    const created = new Date(Math.floor(openedAt / 1000) * 1000).toISOString();
    const firstGroup = random() < 0.8 ? context.groups[0] : pick(random, context.groups);
    const issue: JiraSimulatedIssue = {
      id: String(10000 + index),
      key: `${project}-${number}`,
      project,
      issuetype: random() < 0.7 ? 'Incident' : 'Task',
      summary: pick(random, SUMMARIES).replace('%', String(100 + Math.floor(random() * 900))),
      description: null,
      labels: random() < 0.3 ? ['noc'] : [],
      created,
      updated: created,
      resolutiondate: null,
      status: 'Open',
      priority: pick(random, PRIORITIES),
      assignmentGroup: firstGroup,
      assignee: null,
      reporter: pick(random, CUSTOMERS),
      histories: [],
      transitions: [
        { at: created, field: 'status', from: null, to: 'Open' },
        { at: created, field: 'assignment_group', from: null, to: firstGroup },
      ],
    };
    let time = Date.parse(created);
    // Every 20th ticket flaps between Pending and In Progress: a history longer than one page.
    let flaps = index % 20 === 7 ? 60 + Math.floor(random() * 70) : 0;
    const step = (maxMinutes: number): boolean => {
      time += (1 + Math.floor(random() ** 2 * maxMinutes)) * 60_000;
      return time < to;
    };
    for (let steps = 0; steps < 400 && issue.status !== 'Closed'; steps++) {
      if (!step(flaps > 0 ? 30 : 2880)) break;
      const at = new Date(time).toISOString();
      const author = pick(random, PEOPLE);
      if (flaps > 0 && (issue.status === 'In Progress' || issue.status === 'Pending')) {
        flaps--;
        recordChange(issue, context, at, author, {
          status: issue.status === 'Pending' ? 'In Progress' : 'Pending',
        });
        continue;
      }
      if (issue.status === 'In Progress' && random() < 0.15) {
        // Handed to another department without a status change.
        const group = pick(
          random,
          context.groups.filter((g) => g !== issue.assignmentGroup),
        );
        recordChange(issue, context, at, author, { group, assignee: pick(random, PEOPLE) });
        continue;
      }
      if (random() < 0.05) {
        recordChange(issue, context, at, author, { priority: pick(random, PRIORITIES) });
        continue;
      }
      const next = weighted(random, WORKFLOW[issue.status]);
      if (next === 'Escalated') {
        const group = pick(
          random,
          context.groups.filter((g) => g !== issue.assignmentGroup),
        );
        recordChange(issue, context, at, author, { status: next, group, assignee: null });
      } else if (next === 'In Progress' && issue.assignee === null) {
        recordChange(issue, context, at, author, { status: next, assignee: author });
      } else {
        recordChange(issue, context, at, author, { status: next });
      }
    }
    return issue;
  });
}

// ---------------------------------------------------------------------------------------------
// The simulator
// ---------------------------------------------------------------------------------------------

interface AccessToken {
  expiresAt: number;
}

/**
 * A Jira Cloud (Service Management) site on 127.0.0.1 speaking REST API v3: basic auth (email +
 * API token) or OAuth 2.0 bearer tokens (`POST /oauth/token`, rotating refresh tokens),
 * `POST /rest/api/3/issue` validated like Jira (`400 {errorMessages, errors}`), Atlassian Document
 * Format descriptions, `GET /rest/api/3/issue/{key}` and its paginated `/changelog`,
 * `GET /rest/api/3/filter/{id}`, issue search (`GET|POST /rest/api/3/search/jql` with
 * `nextPageToken`, and the older `GET|POST /rest/api/3/search` with `startAt`/`total`) over a JQL
 * subset (`parseJql`), `expand=changelog`, seeded tickets with realistic histories whose ground
 * truth is each issue's `transitions`, and fault knobs: `failNext` (429 with Retry-After, 5xx),
 * `expireTokens`, `revokeApiToken`, `delayNext`, `malformNext`. JQL dates are read as UTC.
 */
export class JiraSimulator extends SimulatorServer<JiraSimulatedIssue> {
  private apiToken: string;
  private readonly groupField: string;
  private readonly groups: string[];
  private readonly filters: Map<string, { name: string; jql: string }>;
  private readonly accessTokens = new Map<string, AccessToken>();
  private refreshToken: string | undefined;
  private readonly faults = new ResponseFaults();
  private historyId = 100000;

  constructor(private readonly options: JiraSimulatorOptions) {
    super();
    this.apiToken = options.apiToken;
    this.groupField = options.assignmentGroupField ?? DEFAULT_GROUP_FIELD;
    this.groups = options.tickets?.groups ?? DEFAULT_GROUPS;
    this.filters = new Map(Object.entries(options.filters ?? {}));
    this.refreshToken = options.oauth?.refreshToken;
    this.seedIssues();
  }

  get issues(): readonly JiraSimulatedIssue[] {
    return this.received;
  }

  /** The refresh token the next `POST /oauth/token` must present (it rotates on every use). */
  get currentRefreshToken(): string | undefined {
    return this.refreshToken;
  }

  /** The issues `jql` selects, in its order (the ground truth of a search); throws JqlError. */
  matching(jql: string): JiraSimulatedIssue[] {
    const compiled = compileJql(parseJql(jql), {
      projects: this.options.projects,
      groupField: this.groupField,
      now: this.now(),
    });
    return this.received.filter(compiled.matches).sort(compiled.compare);
  }

  /** Saves a filter; returns its id. */
  addFilter(name: string, jql: string): string {
    const id = String(10000 + this.filters.size);
    this.filters.set(id, { name, jql });
    return id;
  }

  /** Moves an issue to `status` (ground truth and changelog included), as a person would. */
  transition(key: string, status: string, at: Date = this.now()): void {
    this.change(key, at, { status });
  }

  /** Hands an issue to another assignment group (or none). */
  assignGroup(key: string, group: string | null, at: Date = this.now()): void {
    this.change(key, at, { group });
  }

  /** Every OAuth access token issued so far stops working (refresh tokens still do). */
  expireTokens(): void {
    for (const token of this.accessTokens.values()) token.expiresAt = 0;
  }

  /** The API token stops working (as when a user revokes it); `restoreApiToken` undoes it. */
  revokeApiToken(): void {
    this.apiToken = `revoked-${randomBytes(8).toString('hex')}`;
  }

  restoreApiToken(): void {
    this.apiToken = this.options.apiToken;
  }

  /** The next `count` requests are answered only after `ms` milliseconds. */
  delayNext(count: number, ms: number): void {
    this.faults.delayNext(count, ms);
  }

  /** The next `count` successful JSON answers are cut in half (malformed JSON). */
  malformNext(count: number): void {
    this.faults.malformNext(count);
  }

  override async start(): Promise<string> {
    const url = await super.start();
    this.faults.install(this['server'] as Server);
    return url;
  }

  override async stop(): Promise<void> {
    this.faults.cancelPending();
    await super.stop();
  }

  /** Forgets requests, created issues, pending faults and issued tokens; seeded tickets,
   * filters and credentials start over. */
  override reset(): void {
    super.reset();
    this.apiToken = this.options.apiToken;
    this.refreshToken = this.options.oauth?.refreshToken;
    this.accessTokens.clear();
    this.faults.reset();
    this.filters.clear();
    for (const [id, filter] of Object.entries(this.options.filters ?? {}))
      this.filters.set(id, filter);
    this.seedIssues();
  }

  protected override failure(status: number, retryAfterSeconds?: number): Reply {
    return {
      status,
      headers: retryAfterSeconds === undefined ? {} : { 'retry-after': String(retryAfterSeconds) },
      body: { errorMessages: [status === 429 ? 'Rate limit exceeded.' : 'Simulated failure'] },
    };
  }

  protected override internalError(): Reply {
    return { status: 500, body: { errorMessages: ['Internal server error'], errors: {} } };
  }

  protected override decorate(reply: Reply): Reply {
    return withHeaders(reply, 'application/json;charset=UTF-8');
  }

  protected handle(request: JiraRecordedRequest): Reply {
    return this.faults.apply(this.route(request));
  }

  private route(request: JiraRecordedRequest): Reply {
    const { method, path } = request;
    if (method === 'POST' && path === '/oauth/token') return this.token(request);
    if (!this.authenticated(request.headers.authorization)) {
      return jiraError(401, 'Client must be authenticated to access this resource.');
    }
    if (method === 'GET' && path === '/rest/api/3/myself') {
      return {
        status: 200,
        body: {
          accountId: '5b10a2844c20165700ede21g',
          emailAddress: this.options.username,
          displayName: 'Automation',
          active: true,
        },
      };
    }
    if ((method === 'GET' || method === 'POST') && path === '/rest/api/3/search/jql') {
      return this.search(request, 'token');
    }
    if ((method === 'GET' || method === 'POST') && path === '/rest/api/3/search') {
      if (this.options.legacySearch === false) {
        return jiraError(
          410,
          'The requested API has been removed. Please migrate to the /rest/api/3/search/jql API.',
        );
      }
      return this.search(request, 'offset');
    }
    if (method === 'POST' && path === '/rest/api/3/issue') return this.createIssue(request);
    const filter = /^\/rest\/api\/3\/filter\/([^/]+)$/.exec(path);
    if (method === 'GET' && filter) return this.filter(decodeURIComponent(filter[1]));
    const changelog = /^\/rest\/api\/3\/issue\/([^/]+)\/changelog$/.exec(path);
    if (method === 'GET' && changelog) {
      return this.changelog(decodeURIComponent(changelog[1]), request);
    }
    const single = /^\/rest\/api\/3\/issue\/([^/]+)$/.exec(path);
    if (method === 'GET' && single) {
      const issue = this.find(decodeURIComponent(single[1]));
      if (!issue) {
        return jiraError(404, 'Issue does not exist or you do not have permission to see it.');
      }
      const fields = request.query.get('fields');
      const expand = (request.query.get('expand') ?? '').split(',');
      return {
        status: 200,
        body: this.render(issue, this.fieldSelection(fields, '*all'), expand.includes('changelog')),
      };
    }
    return jiraError(404, 'Not found');
  }

  private now(): Date {
    return this.options.now?.() ?? new Date();
  }

  private seedIssues(): void {
    this.historyId = 100000;
    if (!this.options.tickets) return;
    const context = this.generationContext();
    this.received.push(
      ...generateIssues(this.options.tickets, this.options.projects, context, this.now()),
    );
  }

  private generationContext(): GenerationContext {
    return {
      groupField: this.groupField,
      groups: this.groups,
      nextHistoryId: () => String(this.historyId++),
    };
  }

  private find(idOrKey: string): JiraSimulatedIssue | undefined {
    return this.received.find((i) => i.key === idOrKey.toUpperCase() || i.id === idOrKey);
  }

  private change(key: string, at: Date, change: { status?: string; group?: string | null }): void {
    const issue = this.find(key);
    if (!issue) throw new Error(`no issue ${key}`);
    if (change.status !== undefined && !STATUSES[change.status]) {
      throw new Error(`unknown status ${change.status}`);
    }
    recordChange(issue, this.generationContext(), at.toISOString(), 'Automation', change);
  }

  private authenticated(header: string | undefined): boolean {
    if (header?.startsWith('Bearer ')) {
      const token = this.accessTokens.get(header.slice(7));
      return token !== undefined && token.expiresAt > this.now().getTime();
    }
    if (!header?.startsWith('Basic ')) return false;
    const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
    return decoded === `${this.options.username}:${this.apiToken}`;
  }

  /** Atlassian's token endpoint: JSON body, refresh_token grant, rotating refresh tokens. */
  private token(request: JiraRecordedRequest): Reply {
    const oauth = this.options.oauth;
    let body: Record<string, unknown> = {};
    try {
      const parsed = JSON.parse(request.body) as unknown;
      if (typeof parsed === 'object' && parsed !== null) body = parsed as Record<string, unknown>;
    } catch {
      return { status: 400, body: { error: 'invalid_request', error_description: 'Invalid JSON' } };
    }
    if (!oauth || body.client_id !== oauth.clientId || body.client_secret !== oauth.clientSecret) {
      return {
        status: 401,
        body: { error: 'access_denied', error_description: 'Unauthorized' },
      };
    }
    if (body.grant_type !== 'refresh_token') {
      return {
        status: 400,
        body: { error: 'unsupported_grant_type', error_description: 'Unsupported grant type' },
      };
    }
    if (body.refresh_token !== this.refreshToken) {
      return {
        status: 403,
        body: { error: 'invalid_grant', error_description: 'Unknown or invalid refresh token.' },
      };
    }
    const lifetime = oauth.accessTokenLifetimeSeconds ?? 3600;
    const accessToken = randomBytes(24).toString('base64url');
    this.accessTokens.set(accessToken, { expiresAt: this.now().getTime() + lifetime * 1000 });
    this.refreshToken = randomBytes(24).toString('base64url');
    return {
      status: 200,
      body: {
        access_token: accessToken,
        refresh_token: this.refreshToken,
        expires_in: lifetime,
        scope: 'read:jira-work offline_access',
        token_type: 'Bearer',
      },
    };
  }

  private filter(id: string): Reply {
    const filter = this.filters.get(id);
    if (!filter) {
      return jiraError(
        400,
        'The selected filter is not available to you, perhaps it has been deleted or had its permissions changed.',
      );
    }
    return {
      status: 200,
      body: {
        self: `${this.url}/rest/api/3/filter/${id}`,
        id,
        name: filter.name,
        jql: filter.jql,
        viewUrl: `${this.url}/issues/?filter=${id}`,
        searchUrl: `${this.url}/rest/api/3/search/jql?jql=${encodeURIComponent(filter.jql)}`,
        favourite: false,
      },
    };
  }

  private changelog(idOrKey: string, request: JiraRecordedRequest): Reply {
    const issue = this.find(idOrKey);
    if (!issue) {
      return jiraError(404, 'Issue does not exist or you do not have permission to see it.');
    }
    const startAt = Math.max(0, Number(request.query.get('startAt') ?? '0') || 0);
    const maxResults = Math.min(
      100,
      Math.max(1, Number(request.query.get('maxResults') ?? '100') || 100),
    );
    const values = issue.histories.slice(startAt, startAt + maxResults);
    const isLast = startAt + values.length >= issue.histories.length;
    const self = `${this.url}/rest/api/3/issue/${issue.id}/changelog`;
    return {
      status: 200,
      body: {
        self: `${self}?startAt=${startAt}&maxResults=${maxResults}`,
        ...(isLast
          ? {}
          : { nextPage: `${self}?startAt=${startAt + values.length}&maxResults=${maxResults}` }),
        maxResults,
        startAt,
        total: issue.histories.length,
        isLast,
        values: values.map((h) => this.renderHistory(h)),
      },
    };
  }

  /** `paging` is `token` for /search/jql (nextPageToken) and `offset` for /search (startAt). */
  private search(request: JiraRecordedRequest, paging: 'token' | 'offset'): Reply {
    let params: Record<string, unknown>;
    if (request.method === 'POST') {
      try {
        const parsed = JSON.parse(request.body) as unknown;
        if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
          throw new Error();
        params = parsed as Record<string, unknown>;
      } catch {
        return jiraError(400, 'Unexpected character in the request body.');
      }
    } else {
      params = Object.fromEntries(request.query.entries());
    }
    const jql = typeof params.jql === 'string' ? params.jql : '';
    let query: JqlQuery;
    let compiled: ReturnType<typeof compileJql>;
    try {
      query = parseJql(jql);
      compiled = compileJql(query, {
        projects: this.options.projects,
        groupField: this.groupField,
        now: this.now(),
      });
    } catch (error) {
      if (error instanceof JqlError) {
        return jiraError(400, `Error in the JQL Query: ${error.message}`);
      }
      throw error;
    }
    if (paging === 'token' && !query.where) {
      return jiraError(
        400,
        'Unbounded JQL queries are not allowed here. Please add a search restriction to your query.',
      );
    }
    const cap = this.options.maxResultsLimit ?? 100;
    const asked = Number(params.maxResults ?? 50);
    const maxResults = Math.min(cap, Number.isFinite(asked) && asked > 0 ? asked : 50);
    let startAt = 0;
    if (paging === 'token' && typeof params.nextPageToken === 'string' && params.nextPageToken) {
      const decoded = decodePageToken(params.nextPageToken, jql);
      if (decoded === undefined) return jiraError(400, 'The provided next page token is invalid.');
      startAt = decoded;
    } else if (paging === 'offset') {
      startAt = Math.max(0, Number(params.startAt ?? 0) || 0);
    }
    const fields = this.fieldSelection(
      asFieldList(params.fields),
      paging === 'token' ? 'id' : '*navigable',
    );
    const expand = asFieldList(params.expand)?.split(',') ?? [];
    const matching = this.received.filter(compiled.matches).sort(compiled.compare);
    const page = matching.slice(startAt, startAt + maxResults);
    const issues = page.map((i) => this.render(i, fields, expand.includes('changelog')));
    if (paging === 'offset') {
      return {
        status: 200,
        body: { expand: 'names,schema', startAt, maxResults, total: matching.length, issues },
      };
    }
    const isLast = startAt + page.length >= matching.length;
    return {
      status: 200,
      body: {
        issues,
        ...(isLast ? {} : { nextPageToken: encodePageToken(startAt + page.length, jql) }),
        isLast,
      },
    };
  }

  /** The fields to render, or undefined for all of them. */
  private fieldSelection(
    fields: string | null | undefined,
    fallback: string,
  ): Set<string> | undefined {
    const list = (fields ?? fallback)
      .split(',')
      .map((f) => f.trim())
      .filter(Boolean);
    if (list.includes('*all') || list.includes('*navigable')) return undefined;
    return new Set(list);
  }

  private render(
    issue: JiraSimulatedIssue,
    fields: Set<string> | undefined,
    changelog = false,
  ): unknown {
    const status = STATUSES[issue.status] ?? { id: '1', category: 'new' };
    const all: Record<string, unknown> = {
      project: { key: issue.project, name: issue.project },
      issuetype: { name: issue.issuetype },
      summary: issue.summary,
      description: issue.description,
      labels: issue.labels,
      created: jiraTime(issue.created),
      updated: jiraTime(issue.updated),
      resolutiondate: issue.resolutiondate ? jiraTime(issue.resolutiondate) : null,
      status: {
        self: `${this.url}/rest/api/3/status/${status.id}`,
        id: status.id,
        name: issue.status,
        statusCategory: { key: status.category },
      },
      priority: {
        id: String(PRIORITIES.indexOf(issue.priority) + 1),
        name: issue.priority,
      },
      assignee:
        issue.assignee === null
          ? null
          : { accountId: accountId(issue.assignee), displayName: issue.assignee, active: true },
      reporter: { accountId: accountId(issue.reporter), displayName: issue.reporter, active: true },
      [this.groupField]:
        issue.assignmentGroup === null
          ? null
          : {
              self: `${this.url}/rest/api/3/customFieldOption/${groupOptionId(this.groups, issue.assignmentGroup)}`,
              id: groupOptionId(this.groups, issue.assignmentGroup),
              value: issue.assignmentGroup,
            },
    };
    const rendered: Record<string, unknown> = {
      expand: 'renderedFields,names,schema,operations,editmeta,changelog,versionedRepresentations',
      id: issue.id,
      key: issue.key,
      self: `${this.url}/rest/api/3/issue/${issue.id}`,
      fields: fields
        ? Object.fromEntries(Object.entries(all).filter(([name]) => fields.has(name)))
        : all,
    };
    if (changelog) {
      const limit = this.options.inlineChangelogLimit ?? 100;
      const inline = issue.histories.slice(-limit);
      rendered.changelog = {
        startAt: 0,
        maxResults: inline.length,
        total: issue.histories.length,
        // Newest first, as the inline changelog of a search result comes.
        histories: inline.map((h) => this.renderHistory(h)).reverse(),
      };
    }
    return rendered;
  }

  private renderHistory(history: JiraSimulatedHistory): unknown {
    return {
      id: history.id,
      author: { accountId: accountId(history.author), displayName: history.author, active: true },
      created: jiraTime(history.created),
      items: history.items,
    };
  }

  private createIssue(request: JiraRecordedRequest): Reply {
    let parsed: unknown;
    try {
      parsed = JSON.parse(request.body);
    } catch {
      return jiraError(400, 'Unexpected character in the request body.');
    }
    const fields = (parsed as { fields?: Record<string, unknown> } | null)?.fields;
    if (typeof fields !== 'object' || fields === null) {
      return jiraError(400, 'Field fields is required.');
    }
    const errors: Record<string, string> = {};
    const project = (fields.project as { key?: unknown } | undefined)?.key;
    if (typeof project !== 'string' || !this.options.projects.includes(project)) {
      errors.project = 'valid project is required';
    }
    const issueType = (fields.issuetype as { name?: unknown } | undefined)?.name;
    const issueTypes = this.options.issueTypes ?? ['Task', 'Bug', 'Story', 'Epic', 'Incident'];
    if (typeof issueType !== 'string' || !issueTypes.includes(issueType)) {
      errors.issuetype = 'Specify a valid issue type';
    }
    const summary = fields.summary;
    if (typeof summary !== 'string' || summary.trim() === '') {
      errors.summary = 'You must specify a summary of the issue.';
    } else if (summary.length > 255) {
      errors.summary = 'Summary must be less than 255 characters.';
    } else if (/[\r\n]/.test(summary)) {
      errors.summary = 'The summary is invalid because it contains newline characters.';
    }
    if (fields.description !== undefined && !isAdfDocument(fields.description)) {
      errors.description =
        'Operation value must be an Atlassian Document (see the Atlassian Document Format).';
    }
    const labels = fields.labels ?? [];
    if (!Array.isArray(labels) || labels.some((l) => typeof l !== 'string')) {
      errors.labels = 'Labels must be a list of strings.';
    } else {
      const bad = (labels as string[]).find((l) => /\s/.test(l) || l.length > 255 || l === '');
      if (bad !== undefined) errors.labels = `The label '${bad}' contains spaces which is invalid.`;
    }
    if (Object.keys(errors).length > 0) return { status: 400, body: { errorMessages: [], errors } };
    const number = this.received.filter((i) => i.project === project).length + 1;
    const created = this.now().toISOString();
    const issue: JiraSimulatedIssue = {
      id: String(10000 + this.received.length),
      key: `${String(project)}-${number}`,
      project: String(project),
      issuetype: String(issueType),
      summary: String(summary),
      description: fields.description ?? null,
      labels: [...new Set(labels as string[])],
      created,
      updated: created,
      resolutiondate: null,
      status: 'Open',
      priority: 'Medium',
      assignmentGroup: null,
      assignee: null,
      reporter: 'Automation',
      histories: [],
      transitions: [{ at: created, field: 'status', from: null, to: 'Open' }],
    };
    this.received.push(issue);
    return {
      status: 201,
      body: { id: issue.id, key: issue.key, self: `${this.url}/rest/api/3/issue/${issue.id}` },
    };
  }
}

function asFieldList(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.filter((v) => typeof v === 'string').join(',');
  return undefined;
}

/** Page tokens are opaque to clients; here they carry the offset and a digest of the JQL. */
function encodePageToken(offset: number, jql: string): string {
  return Buffer.from(JSON.stringify({ o: offset, q: jqlDigest(jql) })).toString('base64url');
}

function jqlDigest(jql: string): string {
  return createHash('sha256').update(jql).digest('hex').slice(0, 16);
}

function decodePageToken(token: string, jql: string): number | undefined {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as {
      o?: unknown;
      q?: unknown;
    };
    return typeof parsed.o === 'number' && parsed.q === jqlDigest(jql) ? parsed.o : undefined;
  } catch {
    return undefined;
  }
}

/** Structural ADF check: a version-1 doc of typed nodes, with no empty text nodes. */
function isAdfDocument(value: unknown): boolean {
  const doc = value as { type?: unknown; version?: unknown; content?: unknown } | null;
  if (!doc || doc.type !== 'doc' || doc.version !== 1 || !Array.isArray(doc.content)) return false;
  const valid = (node: unknown): boolean => {
    const n = node as { type?: unknown; text?: unknown; content?: unknown } | null;
    if (!n || typeof n.type !== 'string') return false;
    if (n.type === 'text') return typeof n.text === 'string' && n.text.length > 0;
    return n.content === undefined || (Array.isArray(n.content) && n.content.every(valid));
  };
  return doc.content.every(valid);
}
