import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import { ResponseFaults } from './response-faults';
import {
  SimulatorServer,
  withHeaders,
  type SimulatorRequest,
  type SimulatorResponse,
} from './simulator-server';

export interface ServiceNowSimulatorOptions {
  /** Basic-auth user (also the OAuth password-grant user); either this pair or `bearerToken`. */
  username?: string;
  password?: string;
  /** OAuth access token accepted as `Authorization: Bearer` (never expires). */
  bearerToken?: string;
  /** An OAuth application: `POST /oauth_token.do` issues expiring access tokens to it. */
  oauth?: ServiceNowOAuthOptions;
  /** Seeded task records with `sys_audit` histories (none by default). */
  records?: ServiceNowRecordGeneration;
  /** Saved filters (`sys_filter`). */
  filters?: ServiceNowSavedFilter[];
  /** Audit the initial values of inserted records too (`glide.sys.audit_inserts`; default off). */
  auditInserts?: boolean;
  /** Clock behind sys_created_on/sys_updated_on and token expiry (default: the system clock). */
  now?: () => Date;
}

export interface ServiceNowOAuthOptions {
  clientId: string;
  clientSecret: string;
  /** Default 1800 (the instance default). */
  accessTokenLifetimeSeconds?: number;
  /** Default 100 days. */
  refreshTokenLifetimeSeconds?: number;
}

export interface ServiceNowRecordGeneration {
  /** Same seed, same records (default 1). */
  seed?: number;
  /** Records are opened in [from, to) and their histories stop at `to` (ISO; default the 30 days
   * before the simulator's clock). */
  from?: string;
  to?: string;
  incident?: number;
  sc_request?: number;
  change_request?: number;
  problem?: number;
  /** Assignment group names (default NOC L1, NOC L2, Transport, RAN, Core Network, Field Service). */
  groups?: string[];
}

export interface ServiceNowSavedFilter {
  sys_id: string;
  title: string;
  table: string;
  /** Encoded query. */
  filter: string;
}

export interface ServiceNowJournalEntry {
  value: string;
  created_on: string;
}

export interface ServiceNowSimulatedIncident {
  sys_id: string;
  number: string;
  short_description: string;
  description: string;
  urgency: string;
  impact: string;
  priority: string;
  /** 1 New, 2 In Progress, 3 On Hold, 6 Resolved, 7 Closed, 8 Canceled. */
  state: string;
  active: boolean;
  correlation_id: string;
  correlation_display: string;
  /** A `sys_user_group` sys_id for seeded incidents; whatever the client wrote otherwise. */
  assignment_group: string;
  assigned_to: string;
  caller_id: string;
  category: string;
  close_code: string;
  close_notes: string;
  work_notes: ServiceNowJournalEntry[];
  opened_at: string;
  resolved_at: string;
  closed_at: string;
  sys_created_on: string;
  sys_updated_on: string;
}

/** A record of another table: every value a string, as the Table API sends them. */
export type ServiceNowSimulatedRecord = Record<string, string>;

export interface ServiceNowAuditRow {
  sys_id: string;
  tablename: string;
  documentkey: string;
  fieldname: string;
  oldvalue: string;
  newvalue: string;
  user: string;
  reason: string;
  record_checkpoint: string;
  internal_checkpoint: string;
  sys_created_on: string;
  sys_created_by: string;
}

/** A state or assignment-group change in display terms (labels, group names): the ground truth. */
export interface ServiceNowGroundTruthTransition {
  /** ISO time, whole seconds. */
  at: string;
  field: 'status' | 'assignment_group';
  from: string | null;
  to: string | null;
}

export type ServiceNowRecordedRequest = SimulatorRequest;

type Reply = SimulatorResponse;
type Row = Record<string, unknown>;

const WRITABLE = [
  'short_description',
  'description',
  'urgency',
  'impact',
  'state',
  'correlation_id',
  'correlation_display',
  'assignment_group',
  'caller_id',
  'category',
  'close_code',
  'close_notes',
] as const;
type Writable = (typeof WRITABLE)[number];

const LIMITS: Partial<Record<Writable, number>> = {
  short_description: 160,
  description: 4000,
  correlation_id: 100,
  correlation_display: 100,
  close_notes: 4000,
};
const CHOICES: Partial<Record<Writable, string[]>> = {
  urgency: ['1', '2', '3'],
  impact: ['1', '2', '3'],
  state: ['1', '2', '3', '6', '7', '8'],
};
/** Priority lookup rules of the out-of-box instance (urgency x impact). */
const PRIORITY: Record<string, string> = {
  '1:1': '1',
  '1:2': '2',
  '2:1': '2',
  '1:3': '3',
  '2:2': '3',
  '3:1': '3',
  '2:3': '4',
  '3:2': '4',
  '3:3': '5',
};
const PRIORITY_LABELS: Record<string, string> = {
  '1': '1 - Critical',
  '2': '2 - High',
  '3': '3 - Moderate',
  '4': '4 - Low',
  '5': '5 - Planning',
};
const IMPACT_LABELS: Record<string, string> = {
  '1': '1 - High',
  '2': '2 - Medium',
  '3': '3 - Low',
};

interface TaskTable {
  prefix: string;
  /** State value → label, in the order the choice list shows them. */
  states: [string, string][];
  initial: string;
  workflow: Record<string, [string, number][]>;
  /** States that set resolved_at / closed_at. */
  resolved: string[];
  closed: string[];
  /** The field naming the customer. */
  customer: string;
}

/** The four task tables of an out-of-box instance with their state models. */
const TASK_TABLES: Record<string, TaskTable> = {
  incident: {
    prefix: 'INC',
    states: [
      ['1', 'New'],
      ['2', 'In Progress'],
      ['3', 'On Hold'],
      ['6', 'Resolved'],
      ['7', 'Closed'],
      ['8', 'Canceled'],
    ],
    initial: '1',
    workflow: {
      '1': [
        ['2', 6],
        ['8', 0.3],
      ],
      '2': [
        ['3', 3],
        ['6', 4],
      ],
      '3': [['2', 1]],
      '6': [
        ['7', 4],
        ['2', 1],
      ],
    },
    resolved: ['6'],
    closed: ['7', '8'],
    customer: 'caller_id',
  },
  problem: {
    prefix: 'PRB',
    states: [
      ['101', 'New'],
      ['102', 'Assess'],
      ['103', 'Root Cause Analysis'],
      ['104', 'Fix in Progress'],
      ['106', 'Resolved'],
      ['107', 'Closed'],
    ],
    initial: '101',
    workflow: {
      '101': [['102', 1]],
      '102': [['103', 1]],
      '103': [['104', 1]],
      '104': [['106', 1]],
      '106': [
        ['107', 3],
        ['104', 1],
      ],
    },
    resolved: ['106'],
    closed: ['107'],
    customer: 'opened_by',
  },
  change_request: {
    prefix: 'CHG',
    states: [
      ['-5', 'New'],
      ['-4', 'Assess'],
      ['-3', 'Authorize'],
      ['-2', 'Scheduled'],
      ['-1', 'Implement'],
      ['0', 'Review'],
      ['3', 'Closed'],
      ['4', 'Canceled'],
    ],
    initial: '-5',
    workflow: {
      '-5': [['-4', 1]],
      '-4': [
        ['-3', 5],
        ['4', 1],
      ],
      '-3': [['-2', 1]],
      '-2': [['-1', 1]],
      '-1': [['0', 1]],
      '0': [['3', 1]],
    },
    resolved: [],
    closed: ['3', '4'],
    customer: 'requested_by',
  },
  sc_request: {
    prefix: 'REQ',
    states: [
      ['-5', 'Pending'],
      ['1', 'Open'],
      ['2', 'Work in Progress'],
      ['3', 'Closed Complete'],
      ['4', 'Closed Incomplete'],
      ['7', 'Closed Skipped'],
    ],
    initial: '1',
    workflow: {
      '1': [['2', 1]],
      '2': [
        ['-5', 2],
        ['3', 4],
        ['4', 0.5],
      ],
      '-5': [['2', 1]],
    },
    resolved: [],
    closed: ['3', '4', '7'],
    customer: 'requested_for',
  },
};
const DEFAULT_GROUPS = ['NOC L1', 'NOC L2', 'Transport', 'RAN', 'Core Network', 'Field Service'];
const PEOPLE = ['ivan.petrov', 'anna.smirnova', 'olga.ivanova', 'dmitry.sokolov', 'maria.popova'];
const CUSTOMERS = ['MegaTower LLC', 'City Hospital 3', 'North Retail', 'Metro Transit'];
const DESCRIPTIONS = [
  'Cell down at site-%',
  'Backhaul link % flapping',
  'Customer reports no data service in sector %',
  'Router % CPU above 90%',
  'Request for a new VPN for branch %',
  'Planned fibre maintenance on route %',
];

/** Splits an encoded query on `^`; `^^` stands for a literal caret inside a value. */
function splitEncodedQuery(encoded: string): string[] {
  const parts: string[] = [];
  let current = '';
  for (let i = 0; i < encoded.length; i++) {
    if (encoded[i] !== '^') current += encoded[i];
    else if (encoded[i + 1] === '^') {
      current += '^';
      i++;
    } else {
      parts.push(current);
      current = '';
    }
  }
  parts.push(current);
  return parts.filter(Boolean);
}

function rawText(row: Row, field: string): string {
  const value = row[field];
  return typeof value === 'string' || typeof value === 'boolean' || typeof value === 'number'
    ? String(value)
    : '';
}

function failure(status: number, message: string, detail: string | null): Reply {
  return { status, body: { error: { message, detail }, status: 'failure' } };
}

/** `yyyy-MM-dd HH:mm:ss`, UTC: how the Table API stores and (for a UTC user) shows times. */
function glideTime(date: Date): string {
  return date.toISOString().replace('T', ' ').slice(0, 19);
}

// ---------------------------------------------------------------------------------------------
// Encoded queries
// ---------------------------------------------------------------------------------------------

export class EncodedQueryError extends Error {}

export type EncodedOperator =
  | '='
  | '!='
  | '>'
  | '>='
  | '<'
  | '<='
  | 'IN'
  | 'NOT IN'
  | 'STARTSWITH'
  | 'ENDSWITH'
  | 'LIKE'
  | 'NOT LIKE'
  | 'ISEMPTY'
  | 'ISNOTEMPTY'
  | 'BETWEEN';

export interface EncodedCondition {
  field: string;
  operator: EncodedOperator;
  /** Scripts already evaluated: `javascript:gs.dateGenerate('2024-01-01','10:00:00')` is
   * `2024-01-01 10:00:00`. */
  value: string;
}

export interface EncodedQuery {
  /** `^NQ`-separated queries, any of which may match; each an AND of OR-groups. */
  alternatives: EncodedCondition[][][];
  orderBy: { field: string; descending: boolean }[];
}

const CONDITION =
  /^([a-z0-9_]+(?:\.[a-z0-9_]+)*)(ISNOTEMPTY|ISEMPTY|NOT IN|NOT LIKE|STARTSWITH|ENDSWITH|BETWEEN|LIKE|IN|!=|>=|<=|=|>|<)(.*)$/s;

/** `javascript:gs.dateGenerate('yyyy-mm-dd','hh:mm:ss')` (or 'start'/'end') → a glide time. */
function evaluateValue(value: string): string {
  if (!value.startsWith('javascript:')) return value;
  const match =
    /^javascript:gs\.dateGenerate\('(\d{4}-\d{2}-\d{2})','(\d{2}:\d{2}:\d{2}|start|end)'\)$/.exec(
      value,
    );
  if (!match) throw new EncodedQueryError(`Unsupported script in query: ${value}`);
  const time = match[2] === 'start' ? '00:00:00' : match[2] === 'end' ? '23:59:59' : match[2];
  return `${match[1]} ${time}`;
}

/** Parses the encoded-query subset the simulator understands; throws `EncodedQueryError`. */
export function parseEncodedQuery(encoded: string): EncodedQuery {
  const query: EncodedQuery = { alternatives: [[]], orderBy: [] };
  for (const part of splitEncodedQuery(encoded)) {
    if (part === 'EQ') continue;
    const order = /^ORDERBY(DESC)?([a-z0-9_.]+)$/.exec(part);
    if (order) {
      query.orderBy.push({ field: order[2], descending: order[1] === 'DESC' });
      continue;
    }
    let text = part;
    let joiner: 'and' | 'or' | 'new' = 'and';
    if (text.startsWith('NQ')) {
      joiner = 'new';
      text = text.slice(2);
    } else if (text.startsWith('OR')) {
      joiner = 'or';
      text = text.slice(2);
    }
    const match = CONDITION.exec(text);
    if (!match) throw new EncodedQueryError(`Unsupported condition ${part}`);
    const operator = match[2] as EncodedOperator;
    let value = match[3];
    value =
      operator === 'BETWEEN'
        ? value
            .split('@')
            .map((v) => evaluateValue(v))
            .join('@')
        : evaluateValue(value);
    if (operator === 'BETWEEN' && value.split('@').length !== 2) {
      throw new EncodedQueryError(`BETWEEN needs two values joined by @: ${part}`);
    }
    const condition: EncodedCondition = { field: match[1], operator, value };
    const current = query.alternatives[query.alternatives.length - 1];
    if (joiner === 'new') {
      query.alternatives.push([[condition]]);
    } else if (joiner === 'or') {
      if (current.length === 0) throw new EncodedQueryError(`^OR with nothing before it: ${part}`);
      current[current.length - 1].push(condition);
    } else {
      current.push([condition]);
    }
  }
  return query;
}

function compareValues(a: string, b: string): number {
  const numeric = /^-?\d+(\.\d+)?$/;
  if (numeric.test(a) && numeric.test(b)) return Number(a) - Number(b);
  return a < b ? -1 : a > b ? 1 : 0;
}

function conditionHolds(actual: string, condition: EncodedCondition): boolean {
  const { operator, value } = condition;
  const lower = actual.toLowerCase();
  switch (operator) {
    case '=':
      return actual === value;
    case '!=':
      return actual !== value;
    case '>':
      return actual !== '' && compareValues(actual, value) > 0;
    case '>=':
      return actual !== '' && compareValues(actual, value) >= 0;
    case '<':
      return actual !== '' && compareValues(actual, value) < 0;
    case '<=':
      return actual !== '' && compareValues(actual, value) <= 0;
    case 'IN':
      return value.split(',').includes(actual);
    case 'NOT IN':
      return !value.split(',').includes(actual);
    case 'STARTSWITH':
      return lower.startsWith(value.toLowerCase());
    case 'ENDSWITH':
      return lower.endsWith(value.toLowerCase());
    case 'LIKE':
      return lower.includes(value.toLowerCase());
    case 'NOT LIKE':
      return !lower.includes(value.toLowerCase());
    case 'ISEMPTY':
      return actual === '';
    case 'ISNOTEMPTY':
      return actual !== '';
    case 'BETWEEN': {
      const [low, high] = value.split('@');
      return actual !== '' && compareValues(actual, low) >= 0 && compareValues(actual, high) <= 0;
    }
  }
}

/**
 * The rows matching `query`, in its ORDERBY order; rows that tie keep their table order, so
 * paging with sysparm_offset is stable. `read` gives a row's stored value of a field ('' when
 * the field does not exist, so conditions on unknown fields match nothing).
 */
export function selectRows<T>(
  rows: readonly T[],
  query: EncodedQuery,
  read: (row: T, field: string) => string,
): T[] {
  const matches = rows.filter((row) =>
    query.alternatives.some((groups) =>
      groups.every((group) =>
        group.some((condition) => conditionHolds(read(row, condition.field), condition)),
      ),
    ),
  );
  if (query.orderBy.length === 0) return matches;
  return matches.sort((a, b) => {
    for (const { field, descending } of query.orderBy) {
      const result = compareValues(read(a, field), read(b, field));
      if (result !== 0) return descending ? -result : result;
    }
    return 0;
  });
}

// ---------------------------------------------------------------------------------------------
// Seeded records
// ---------------------------------------------------------------------------------------------

/** A small deterministic PRNG so the same seed gives the same records. */
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

function sysIdFrom(random: () => number): string {
  let id = '';
  for (let i = 0; i < 4; i++)
    id += Math.floor(random() * 0x100000000)
      .toString(16)
      .padStart(8, '0');
  return id;
}

interface AccessToken {
  expiresAt: number;
}

/**
 * A ServiceNow instance on 127.0.0.1 speaking the Table API: the `incident`, `sc_request`,
 * `change_request` and `problem` tables plus `sys_audit` (field history), `sys_user_group`,
 * `sys_choice` and `sys_filter`. Basic auth, a fixed bearer token, or OAuth
 * (`POST /oauth_token.do` with the password and refresh_token grants; access tokens expire).
 * Queries take the encoded-query subset of `parseEncodedQuery`, `sysparm_limit`/`sysparm_offset`
 * (stable order), `sysparm_fields`, `sysparm_display_value` (false/true/all) and answer
 * `{result: [...]}` with `X-Total-Count` and `Link` headers; times are `yyyy-MM-dd HH:mm:ss` UTC.
 * Incidents are also created (`POST`) and updated (`PATCH`) with the resolve data policy, audited
 * like an instance does. Seeded records come with `sys_audit` histories whose ground truth is
 * `transitionsOf(sys_id)`. Fault knobs: `failNext` (429 with Retry-After, 5xx), `expireTokens`,
 * `delayNext`, `malformNext`. It is stricter than a real instance about lengths and choice values
 * so integration bugs surface, and conditions on unknown fields match no rows.
 */
export class ServiceNowSimulator extends SimulatorServer<ServiceNowSimulatedIncident> {
  /** sys_audit, oldest first. */
  readonly auditLog: ServiceNowAuditRow[] = [];
  private readonly tables = new Map<string, ServiceNowSimulatedRecord[]>();
  private groups: { sys_id: string; name: string }[] = [];
  private readonly truth = new Map<string, ServiceNowGroundTruthTransition[]>();
  private readonly checkpoints = new Map<string, number>();
  private readonly accessTokens = new Map<string, AccessToken>();
  private readonly refreshTokens = new Map<string, AccessToken>();
  private readonly faults = new ResponseFaults();

  constructor(private readonly options: ServiceNowSimulatorOptions) {
    super();
    this.seedRecords();
  }

  get incidents(): readonly ServiceNowSimulatedIncident[] {
    return this.received;
  }

  /** Records of a task table (incidents included), as stored. */
  records(table: string): readonly Row[] {
    return this.rowsOf(table) ?? [];
  }

  /** The rows of `table` an encoded query selects, in its order; throws EncodedQueryError. */
  matching(table: string, encoded: string): Row[] {
    const rows = this.rowsOf(table);
    if (!rows) throw new Error(`no table ${table}`);
    return selectRows(rows, parseEncodedQuery(encoded), (row, field) => this.read(row, field));
  }

  /** The assignment groups (`sys_user_group`). */
  get assignmentGroups(): readonly { sys_id: string; name: string }[] {
    return this.groups;
  }

  /** Status (state label) and assignment-group (name) changes of a record, oldest first. */
  transitionsOf(sysId: string): readonly ServiceNowGroundTruthTransition[] {
    return this.truth.get(sysId) ?? [];
  }

  /**
   * Changes a seeded or created record as a person would: the record, `sys_audit` and the ground
   * truth move together. `changes` holds stored values (state value, group sys_id or name).
   */
  updateRecord(
    table: string,
    sysId: string,
    changes: { state?: string; assignment_group?: string },
    at: Date = this.now(),
  ): void {
    const row = this.rowsOf(table)?.find((r) => r.sys_id === sysId);
    if (!row) throw new Error(`no ${table} record ${sysId}`);
    this.applyChanges(table, row, changes, at, 'admin');
  }

  /** Every OAuth access token issued so far stops working; with `refreshTokens`, those too. */
  expireTokens(options: { refreshTokens?: boolean } = {}): void {
    for (const token of this.accessTokens.values()) token.expiresAt = 0;
    if (options.refreshTokens) for (const token of this.refreshTokens.values()) token.expiresAt = 0;
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

  /** Forgets requests, created incidents, pending faults and issued tokens; seeded records
   * start over. */
  override reset(): void {
    super.reset();
    this.accessTokens.clear();
    this.refreshTokens.clear();
    this.faults.reset();
    this.seedRecords();
  }

  protected override failure(status: number, retryAfterSeconds?: number): Reply {
    const reply =
      status === 429
        ? failure(429, 'Rate limit exceeded', 'Too many requests for this user')
        : failure(status, 'Service unavailable', 'Simulated failure');
    if (retryAfterSeconds !== undefined) {
      reply.headers = { 'retry-after': String(retryAfterSeconds) };
    }
    return reply;
  }

  protected override internalError(): Reply {
    return failure(500, 'Internal server error', 'Simulator error');
  }

  protected override decorate(reply: Reply): Reply {
    return withHeaders(reply, 'application/json;charset=UTF-8');
  }

  protected handle(request: ServiceNowRecordedRequest): Reply {
    return this.faults.apply(this.route(request));
  }

  private route(request: ServiceNowRecordedRequest): Reply {
    const { method, path } = request;
    if (method === 'POST' && path === '/oauth_token.do') return this.token(request);
    if (!this.authenticated(request.headers.authorization)) {
      return failure(401, 'User Not Authenticated', 'Required to provide Auth information');
    }
    if (!/application\/json|\*\/\*/.test(request.headers.accept ?? '*/*')) {
      return failure(406, 'Not Acceptable', 'Accept header must allow application/json');
    }
    if (method === 'GET' && path === '/api/now/table/sys_user') {
      return { status: 200, body: { result: [{ sys_id: '6816f79cc0a8016401c5a33be04be441' }] } };
    }
    if (method === 'POST' && path === '/api/now/table/incident') return this.create(request);
    const single = /^\/api\/now\/table\/([a-z0-9_]+)\/([0-9a-f]{32})$/.exec(path);
    if (single?.[1] === 'incident' && (method === 'PATCH' || method === 'PUT')) {
      return this.update(single[2], request);
    }
    if (single && method === 'GET') return this.getOne(single[1], single[2], request);
    const table = /^\/api\/now\/table\/([a-z0-9_]+)$/.exec(path);
    if (table && method === 'GET') return this.query(table[1], request);
    return failure(400, 'Requested URI does not represent any resource', path);
  }

  private now(): Date {
    return this.options.now?.() ?? new Date();
  }

  private seedRecords(): void {
    this.auditLog.length = 0;
    this.truth.clear();
    this.checkpoints.clear();
    const generation = this.options.records ?? {};
    const random = seededRandom(generation.seed ?? 1);
    this.groups = (generation.groups ?? DEFAULT_GROUPS).map((name) => ({
      sys_id: sysIdFrom(random),
      name,
    }));
    for (const table of Object.keys(TASK_TABLES)) {
      if (table !== 'incident') this.tables.set(table, []);
    }
    if (this.options.records) this.generate(this.options.records, random);
  }

  private authenticated(header: string | undefined): boolean {
    if (!header) return false;
    if (header.startsWith('Bearer ')) {
      const token = header.slice(7);
      if (this.options.bearerToken !== undefined && token === this.options.bearerToken) return true;
      const issued = this.accessTokens.get(token);
      return issued !== undefined && issued.expiresAt > this.now().getTime();
    }
    if (!header.startsWith('Basic ') || this.options.username === undefined) return false;
    const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
    return decoded === `${this.options.username}:${this.options.password ?? ''}`;
  }

  /** `POST /oauth_token.do`, form-encoded: the password and refresh_token grants. */
  private token(request: ServiceNowRecordedRequest): Reply {
    const oauth = this.options.oauth;
    const denied: Reply = {
      status: 401,
      body: { error_description: 'access_denied', error: 'server_error' },
    };
    if (!/^application\/x-www-form-urlencoded/i.test(request.headers['content-type'] ?? '')) {
      return { status: 400, body: { error_description: 'Invalid request', error: 'server_error' } };
    }
    const form = new URLSearchParams(request.body);
    if (
      !oauth ||
      form.get('client_id') !== oauth.clientId ||
      form.get('client_secret') !== oauth.clientSecret
    ) {
      return denied;
    }
    const now = this.now().getTime();
    const grant = form.get('grant_type');
    let refreshToken: string;
    if (grant === 'password') {
      if (
        this.options.username === undefined ||
        form.get('username') !== this.options.username ||
        form.get('password') !== (this.options.password ?? '')
      ) {
        return denied;
      }
      refreshToken = randomBytes(32).toString('base64url');
      this.refreshTokens.set(refreshToken, {
        expiresAt: now + (oauth.refreshTokenLifetimeSeconds ?? 8_640_000) * 1000,
      });
    } else if (grant === 'refresh_token') {
      const presented = form.get('refresh_token') ?? '';
      const known = this.refreshTokens.get(presented);
      if (!known || known.expiresAt <= now) return denied;
      refreshToken = presented;
    } else {
      return {
        status: 400,
        body: { error_description: 'Unsupported grant', error: 'server_error' },
      };
    }
    const lifetime = oauth.accessTokenLifetimeSeconds ?? 1800;
    const accessToken = randomBytes(32).toString('base64url');
    this.accessTokens.set(accessToken, { expiresAt: now + lifetime * 1000 });
    return {
      status: 200,
      body: {
        access_token: accessToken,
        refresh_token: refreshToken,
        scope: 'useraccount',
        token_type: 'Bearer',
        expires_in: lifetime - 1,
      },
    };
  }

  private rowsOf(table: string): Row[] | undefined {
    switch (table) {
      case 'incident':
        return this.received as unknown as Row[];
      case 'sys_audit':
        return this.auditLog as unknown as Row[];
      case 'sys_user_group':
        return this.groups.map((g) => ({ ...g, active: 'true' }));
      case 'sys_choice':
        return Object.entries(TASK_TABLES).flatMap(([name, spec]) =>
          spec.states.map(([value, label], index) => ({
            sys_id: `${name}-state-${value}`,
            name,
            element: 'state',
            value,
            label,
            language: 'en',
            inactive: 'false',
            sequence: String(index),
          })),
        );
      case 'sys_filter':
        return (this.options.filters ?? []).map((f) => ({ ...f }));
      default:
        return this.tables.get(table);
    }
  }

  /** A stored value, with `assignment_group.name` dot-walked to the group's name. */
  private read(row: Row, field: string): string {
    if (field === 'assignment_group.name') {
      const raw = rawText(row, 'assignment_group');
      return this.groups.find((g) => g.sys_id === raw)?.name ?? '';
    }
    return rawText(row, field);
  }

  private display(table: string, field: string, raw: string): string {
    if (field === 'state') {
      return TASK_TABLES[table]?.states.find(([value]) => value === raw)?.[1] ?? raw;
    }
    if (field === 'priority') return PRIORITY_LABELS[raw] ?? raw;
    if (field === 'urgency' || field === 'impact') return IMPACT_LABELS[raw] ?? raw;
    if (field === 'assignment_group') return this.groups.find((g) => g.sys_id === raw)?.name ?? raw;
    return raw;
  }

  private renderRow(table: string, row: Row, request: ServiceNowRecordedRequest): Row {
    const mode = request.query.get('sysparm_display_value') ?? 'false';
    const excludeLinks = request.query.get('sysparm_exclude_reference_link') === 'true';
    const fields =
      request.query
        .get('sysparm_fields')
        ?.split(',')
        .map((f) => f.trim())
        .filter(Boolean) ?? Object.keys(row);
    const out: Row = {};
    for (const field of fields) {
      // Journal fields (work_notes) are write-only through the Table API.
      const raw = Array.isArray(row[field]) ? '' : this.read(row, field);
      const shown = this.display(table, field, raw);
      const group = field === 'assignment_group' && this.groups.some((g) => g.sys_id === raw);
      const link = `${this.url}/api/now/table/sys_user_group/${raw}`;
      if (mode === 'true') out[field] = shown;
      else if (mode === 'all') {
        out[field] =
          group && !excludeLinks
            ? { display_value: shown, link, value: raw }
            : { display_value: shown, value: raw };
      } else out[field] = group && !excludeLinks ? { link, value: raw } : raw;
    }
    return out;
  }

  private getOne(table: string, sysId: string, request: ServiceNowRecordedRequest): Reply {
    const rows = this.rowsOf(table);
    if (!rows) return failure(400, `Invalid table ${table}`, null);
    const row = rows.find((r) => r.sys_id === sysId);
    if (!row) {
      return failure(
        404,
        'No Record found',
        "Record doesn't exist or ACL restricts the record retrieval",
      );
    }
    // Incidents keep the shape the notifier's tests know (stored values, journal included).
    if (table === 'incident') return { status: 200, body: { result: row } };
    return { status: 200, body: { result: this.renderRow(table, row, request) } };
  }

  private query(table: string, request: ServiceNowRecordedRequest): Reply {
    const rows = this.rowsOf(table);
    if (!rows) return failure(400, `Invalid table ${table}`, null);
    let query: EncodedQuery;
    try {
      query = parseEncodedQuery(request.query.get('sysparm_query') ?? '');
    } catch (error) {
      if (error instanceof EncodedQueryError) return failure(400, 'Invalid query', error.message);
      throw error;
    }
    const limit = Math.max(1, Number(request.query.get('sysparm_limit') ?? '10000') || 10000);
    const offset = Math.max(0, Number(request.query.get('sysparm_offset') ?? '0') || 0);
    const matches = selectRows(rows, query, (row, field) => this.read(row, field));
    const page = matches
      .slice(offset, offset + limit)
      .map((row) => this.renderRow(table, row, request));
    const headers: Record<string, string> = {};
    if (request.query.get('sysparm_no_count') !== 'true') {
      headers['x-total-count'] = String(matches.length);
    }
    const link = (at: number, rel: string): string => {
      const params = new URLSearchParams(request.query);
      params.set('sysparm_offset', String(at));
      params.set('sysparm_limit', String(limit));
      return `<${this.url}/api/now/table/${table}?${params.toString()}>;rel="${rel}"`;
    };
    const links = [link(0, 'first')];
    if (offset > 0) links.push(link(Math.max(0, offset - limit), 'prev'));
    if (offset + limit < matches.length) links.push(link(offset + limit, 'next'));
    links.push(link(Math.max(0, Math.floor((matches.length - 1) / limit) * limit), 'last'));
    headers.link = links.join(',');
    return { status: 200, headers, body: { result: page } };
  }

  private parseBody(
    request: ServiceNowRecordedRequest,
  ): { fields: Record<string, unknown> } | { reply: Reply } {
    if (!/^application\/json/i.test(request.headers['content-type'] ?? '')) {
      return {
        reply: failure(415, 'Unsupported Media Type', 'Content-Type must be application/json'),
      };
    }
    try {
      const parsed = JSON.parse(request.body) as unknown;
      if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) {
        return { fields: parsed as Record<string, unknown> };
      }
    } catch {
      // answered below
    }
    return {
      reply: failure(400, 'Exception while reading request', 'The payload is not valid JSON.'),
    };
  }

  /** Returns an error reply for the first invalid writable field. */
  private validate(body: Record<string, unknown>): Reply | undefined {
    for (const field of WRITABLE) {
      const value = body[field];
      if (value === undefined) continue;
      if (typeof value !== 'string')
        return failure(400, 'Invalid value', `${field} must be a string`);
      const max = LIMITS[field];
      if (max !== undefined && value.length > max) {
        return failure(400, 'Invalid value', `${field} exceeds the maximum length of ${max}`);
      }
      const choices = CHOICES[field];
      if (choices && !choices.includes(value)) {
        return failure(400, 'Invalid choice', `${field} has no choice ${value}`);
      }
    }
    if (body.work_notes !== undefined && typeof body.work_notes !== 'string') {
      return failure(400, 'Invalid value', 'work_notes must be a string');
    }
    return undefined;
  }

  private create(request: ServiceNowRecordedRequest): Reply {
    const body = this.parseBody(request);
    if ('reply' in body) return body.reply;
    const { fields } = body;
    const invalid = this.validate(fields);
    if (invalid) return invalid;
    if (typeof fields.short_description !== 'string' || !fields.short_description.trim()) {
      return failure(
        403,
        'Operation Failed',
        'Data Policy Exception: The following fields are mandatory: Short description',
      );
    }
    const now = glideTime(this.now());
    const str = (key: Writable, fallback = ''): string =>
      typeof fields[key] === 'string' ? fields[key] : fallback;
    const incident: ServiceNowSimulatedIncident = {
      sys_id: randomBytes(16).toString('hex'),
      number: `INC${String(10001 + this.received.length).padStart(7, '0')}`,
      short_description: str('short_description'),
      description: str('description'),
      urgency: str('urgency', '3'),
      impact: str('impact', '3'),
      priority: '5',
      state: '1',
      active: true,
      correlation_id: str('correlation_id'),
      correlation_display: str('correlation_display'),
      assignment_group: str('assignment_group'),
      assigned_to: '',
      caller_id: str('caller_id'),
      category: str('category', 'inquiry'),
      close_code: '',
      close_notes: '',
      work_notes: [],
      opened_at: now,
      resolved_at: '',
      closed_at: '',
      sys_created_on: now,
      sys_updated_on: now,
    };
    incident.priority = PRIORITY[`${incident.urgency}:${incident.impact}`] ?? '5';
    if (typeof fields.work_notes === 'string' && fields.work_notes) {
      incident.work_notes.push({ value: fields.work_notes, created_on: now });
    }
    this.received.push(incident);
    this.recordInsert('incident', incident as unknown as Row, this.now(), 'admin');
    return {
      status: 201,
      headers: { location: `${this.url}/api/now/table/incident/${incident.sys_id}` },
      body: { result: incident },
    };
  }

  private update(sysId: string, request: ServiceNowRecordedRequest): Reply {
    const incident = this.received.find((i) => i.sys_id === sysId);
    if (!incident) {
      return failure(
        404,
        'No Record found',
        "Record doesn't exist or ACL restricts the record retrieval",
      );
    }
    const body = this.parseBody(request);
    if ('reply' in body) return body.reply;
    const { fields } = body;
    const invalid = this.validate(fields);
    if (invalid) return invalid;
    const next = { ...incident, work_notes: [...incident.work_notes] };
    for (const field of WRITABLE) {
      if (typeof fields[field] === 'string') next[field] = fields[field];
    }
    if (next.state === '6' || next.state === '7') {
      if (!next.close_code || !next.close_notes) {
        return failure(
          403,
          'Operation Failed',
          'Data Policy Exception: The following fields are mandatory: Resolution code, Resolution notes',
        );
      }
      next.active = false;
    }
    const at = this.now();
    const now = glideTime(at);
    if (typeof fields.work_notes === 'string' && fields.work_notes) {
      next.work_notes.push({ value: fields.work_notes, created_on: now });
    }
    next.priority = PRIORITY[`${next.urgency}:${next.impact}`] ?? '5';
    const { state, assignment_group: group } = next;
    next.state = incident.state;
    next.assignment_group = incident.assignment_group;
    Object.assign(incident, next);
    this.applyChanges(
      'incident',
      incident as unknown as Row,
      { state, assignment_group: group },
      at,
      'admin',
    );
    incident.sys_updated_on = now;
    return { status: 200, body: { result: incident } };
  }

  /** Applies state/group changes to a row and audits them as one update (one checkpoint). */
  private applyChanges(
    table: string,
    row: Row,
    changes: { state?: string; assignment_group?: string },
    at: Date,
    user: string,
  ): void {
    const spec = TASK_TABLES[table];
    const sysId = rawText(row, 'sys_id');
    const when = glideTime(at);
    const audited: [string, string, string][] = [];
    const truth = this.truth.get(sysId) ?? [];
    this.truth.set(sysId, truth);
    const iso = `${when.replace(' ', 'T')}.000Z`;
    if (changes.state !== undefined && changes.state !== rawText(row, 'state')) {
      const old = rawText(row, 'state');
      audited.push(['state', old, changes.state]);
      truth.push({
        at: iso,
        field: 'status',
        from: this.display(table, 'state', old),
        to: this.display(table, 'state', changes.state),
      });
      row.state = changes.state;
      if (spec?.resolved.includes(changes.state)) row.resolved_at = when;
      if (spec?.closed.includes(changes.state)) row.closed_at = when;
      const inactive =
        spec?.closed.includes(changes.state) || spec?.resolved.includes(changes.state);
      // Incidents keep `active` as a boolean (the shape the notifier's tests know).
      row.active = table === 'incident' ? !inactive : String(!inactive);
    }
    if (
      changes.assignment_group !== undefined &&
      changes.assignment_group !== rawText(row, 'assignment_group')
    ) {
      const old = rawText(row, 'assignment_group');
      audited.push(['assignment_group', old, changes.assignment_group]);
      truth.push({
        at: iso,
        field: 'assignment_group',
        from: old === '' ? null : this.display(table, 'assignment_group', old),
        to:
          changes.assignment_group === ''
            ? null
            : this.display(table, 'assignment_group', changes.assignment_group),
      });
      row.assignment_group = changes.assignment_group;
    }
    if (audited.length === 0) return;
    this.audit(table, sysId, audited, when, user);
    row.sys_updated_on = when;
    if (table !== 'incident') row.sys_mod_count = String(this.checkpoints.get(sysId) ?? 0);
  }

  private audit(
    table: string,
    sysId: string,
    changes: [string, string, string][],
    when: string,
    user: string,
  ): void {
    const checkpoint = (this.checkpoints.get(sysId) ?? 0) + 1;
    this.checkpoints.set(sysId, checkpoint);
    for (const [fieldname, oldvalue, newvalue] of changes) {
      this.auditLog.push({
        sys_id: randomBytes(16).toString('hex'),
        tablename: table,
        documentkey: sysId,
        fieldname,
        oldvalue,
        newvalue,
        user,
        reason: '',
        record_checkpoint: String(checkpoint),
        internal_checkpoint: (0x18c0000000 + this.auditLog.length).toString(16),
        sys_created_on: when,
        sys_created_by: user,
      });
    }
  }

  /** Opens the record's ground truth and, with `auditInserts`, audits its initial values. */
  private recordInsert(table: string, row: Row, at: Date, user: string): void {
    const sysId = rawText(row, 'sys_id');
    const state = rawText(row, 'state');
    const group = rawText(row, 'assignment_group');
    const iso = `${glideTime(at).replace(' ', 'T')}.000Z`;
    const truth: ServiceNowGroundTruthTransition[] = [
      { at: iso, field: 'status', from: null, to: this.display(table, 'state', state) },
    ];
    if (group !== '') {
      truth.push({
        at: iso,
        field: 'assignment_group',
        from: null,
        to: this.display(table, 'assignment_group', group),
      });
    }
    this.truth.set(sysId, truth);
    if (this.options.auditInserts) {
      const changes: [string, string, string][] = [['state', '', state]];
      if (group !== '') changes.push(['assignment_group', '', group]);
      this.audit(table, sysId, changes, glideTime(at), user);
    }
  }

  private generate(spec: ServiceNowRecordGeneration, random: () => number): void {
    const to = spec.to ? Date.parse(spec.to) : this.now().getTime();
    const from = spec.from ? Date.parse(spec.from) : to - 30 * 86_400_000;
    for (const [table, tableSpec] of Object.entries(TASK_TABLES)) {
      const count = spec[table as 'incident'] ?? 0;
      const opened = Array.from({ length: count }, () => from + random() * (to - from)).sort(
        (a, b) => a - b,
      );
      opened.forEach((openedAt, index) => {
        const at = new Date(Math.floor(openedAt / 1000) * 1000);
        const when = glideTime(at);
        const urgency = pick(random, ['1', '2', '3']);
        const impact = pick(random, ['1', '2', '3']);
        const group = random() < 0.8 ? this.groups[0].sys_id : pick(random, this.groups).sys_id;
        const base = {
          sys_id: sysIdFrom(random),
          number: `${tableSpec.prefix}${String(10001 + index).padStart(7, '0')}`,
          short_description: pick(random, DESCRIPTIONS).replace(
            '%',
            String(100 + Math.floor(random() * 900)),
          ),
          description: '',
          urgency,
          impact,
          priority: PRIORITY[`${urgency}:${impact}`] ?? '5',
          state: tableSpec.initial,
          assignment_group: group,
          assigned_to: '',
          category: pick(random, ['network', 'hardware', 'software', 'inquiry']),
          opened_at: when,
          resolved_at: '',
          closed_at: '',
          sys_created_on: when,
          sys_updated_on: when,
        };
        const customer = pick(random, CUSTOMERS);
        let row: Row;
        if (table === 'incident') {
          const incident: ServiceNowSimulatedIncident = {
            ...base,
            active: true,
            correlation_id: '',
            correlation_display: '',
            caller_id: customer,
            close_code: '',
            close_notes: '',
            work_notes: [],
          };
          this.received.push(incident);
          row = incident as unknown as Row;
        } else {
          const record: ServiceNowSimulatedRecord = {
            ...base,
            active: 'true',
            [tableSpec.customer]: customer,
            sys_class_name: table,
            sys_mod_count: '0',
          };
          this.tables.get(table)?.push(record);
          row = record;
        }
        this.recordInsert(table, row, at, 'admin');
        this.walk(table, tableSpec, row, at.getTime(), to, random, index % 20 === 7);
      });
    }
  }

  /** Moves a seeded record through its state model until it closes or time runs out. */
  private walk(
    table: string,
    spec: TaskTable,
    row: Row,
    start: number,
    end: number,
    random: () => number,
    flapping: boolean,
  ): void {
    let time = start;
    // Some records bounce between two states many times: long histories over several pages.
    let flaps = flapping ? 40 + Math.floor(random() * 40) : 0;
    const [hold, work] =
      table === 'incident' ? ['3', '2'] : table === 'sc_request' ? ['-5', '2'] : ['', ''];
    for (let step = 0; step < 300; step++) {
      const options = spec.workflow[rawText(row, 'state')];
      if (!options) return;
      time += (1 + Math.floor(random() ** 2 * (flaps > 0 ? 30 : 2880))) * 60_000;
      if (time >= end) return;
      const at = new Date(Math.floor(time / 1000) * 1000);
      const user = pick(random, PEOPLE);
      const state = rawText(row, 'state');
      if (flaps > 0 && hold && (state === hold || state === work)) {
        flaps--;
        this.applyChanges(table, row, { state: state === hold ? work : hold }, at, user);
        continue;
      }
      if (random() < 0.15) {
        const current = rawText(row, 'assignment_group');
        const group = pick(
          random,
          this.groups.filter((g) => g.sys_id !== current),
        ).sys_id;
        this.applyChanges(table, row, { assignment_group: group }, at, user);
        row.assigned_to = pick(random, PEOPLE);
        continue;
      }
      if (random() < 0.05) {
        // Noise the history reader must skip: a priority change.
        const old = rawText(row, 'priority');
        const priority = pick(random, ['1', '2', '3', '4', '5']);
        if (priority !== old) {
          this.audit(
            table,
            rawText(row, 'sys_id'),
            [['priority', old, priority]],
            glideTime(at),
            user,
          );
          row.priority = priority;
          row.sys_updated_on = glideTime(at);
        }
        continue;
      }
      const next = weighted(random, options);
      if (rawText(row, 'assigned_to') === '') row.assigned_to = user;
      this.applyChanges(table, row, { state: next }, at, user);
    }
  }
}
