import { randomBytes } from 'node:crypto';
import {
  SimulatorServer,
  withHeaders,
  type SimulatorRequest,
  type SimulatorResponse,
} from './simulator-server';

export interface ServiceNowSimulatorOptions {
  /** Basic-auth user; either this pair or `bearerToken` (or both) is accepted. */
  username?: string;
  password?: string;
  /** OAuth access token accepted as `Authorization: Bearer`. */
  bearerToken?: string;
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
  assignment_group: string;
  caller_id: string;
  category: string;
  close_code: string;
  close_notes: string;
  work_notes: ServiceNowJournalEntry[];
  sys_created_on: string;
  sys_updated_on: string;
}

export type ServiceNowRecordedRequest = SimulatorRequest;

type Reply = SimulatorResponse;

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

function fieldText(incident: ServiceNowSimulatedIncident, field: string): string {
  const value = (incident as unknown as Record<string, unknown>)[field];
  return typeof value === 'string' || typeof value === 'boolean' || typeof value === 'number'
    ? String(value)
    : '';
}

function failure(status: number, message: string, detail: string): Reply {
  return { status, body: { error: { message, detail }, status: 'failure' } };
}

/**
 * A ServiceNow instance on 127.0.0.1 with the Table API's incident table: basic or bearer auth,
 * create (`POST`), encoded-query search (`field=value^active=true`), update (`PATCH`) with the
 * resolve data policy (close code and notes are mandatory for state 6/7), `sys_user` for health,
 * ServiceNow's `{error:{message,detail},status:"failure"}` bodies, and `failNext`. It is stricter
 * than a real instance about lengths and choice values so integration bugs surface.
 */
export class ServiceNowSimulator extends SimulatorServer<ServiceNowSimulatedIncident> {
  constructor(private readonly options: ServiceNowSimulatorOptions) {
    super();
  }

  get incidents(): readonly ServiceNowSimulatedIncident[] {
    return this.received;
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
    if (!this.authenticated(request.headers.authorization)) {
      return failure(401, 'User Not Authenticated', 'Required to provide Auth information');
    }
    if (!/application\/json|\*\/\*/.test(request.headers.accept ?? '*/*')) {
      return failure(406, 'Not Acceptable', 'Accept header must allow application/json');
    }
    const { method, path } = request;
    if (method === 'GET' && path === '/api/now/table/sys_user') {
      return { status: 200, body: { result: [{ sys_id: '6816f79cc0a8016401c5a33be04be441' }] } };
    }
    if (method === 'GET' && path === '/api/now/table/incident') return this.query(request);
    if (method === 'POST' && path === '/api/now/table/incident') return this.create(request);
    const single = /^\/api\/now\/table\/incident\/([0-9a-f]{32})$/.exec(path);
    if (single && method === 'GET') {
      const incident = this.received.find((i) => i.sys_id === single[1]);
      return incident
        ? { status: 200, body: { result: incident } }
        : failure(
            404,
            'No Record found',
            "Record doesn't exist or ACL restricts the record retrieval",
          );
    }
    if (single && (method === 'PATCH' || method === 'PUT')) return this.update(single[1], request);
    return failure(400, 'Requested URI does not represent any resource', path);
  }

  private authenticated(header: string | undefined): boolean {
    if (!header) return false;
    if (header.startsWith('Bearer ')) {
      return this.options.bearerToken !== undefined && header.slice(7) === this.options.bearerToken;
    }
    if (!header.startsWith('Basic ') || this.options.username === undefined) return false;
    const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
    return decoded === `${this.options.username}:${this.options.password ?? ''}`;
  }

  /** Encoded queries: `field=value` conditions joined by `^` (`^^` is a literal caret). */
  private query(request: ServiceNowRecordedRequest): Reply {
    const encoded = request.query.get('sysparm_query') ?? '';
    const conditions: [string, string][] = [];
    for (const part of splitEncodedQuery(encoded)) {
      const match = /^([a-z_]+)=(.*)$/s.exec(part);
      if (!match) return failure(400, 'Invalid query', `Unsupported condition ${part}`);
      conditions.push([match[1], match[2]]);
    }
    const limit = Number(request.query.get('sysparm_limit') ?? '10000');
    const fields = request.query.get('sysparm_fields')?.split(',').filter(Boolean);
    const matches = this.received
      .filter((incident) =>
        conditions.every(([field, value]) => fieldText(incident, field) === value),
      )
      .slice(0, limit)
      .map((incident) =>
        fields ? Object.fromEntries(fields.map((f) => [f, fieldText(incident, f)])) : incident,
      );
    return { status: 200, body: { result: matches } };
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
    const now = new Date().toISOString().replace('T', ' ').slice(0, 19);
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
      caller_id: str('caller_id'),
      category: str('category', 'inquiry'),
      close_code: '',
      close_notes: '',
      work_notes: [],
      sys_created_on: now,
      sys_updated_on: now,
    };
    incident.priority = PRIORITY[`${incident.urgency}:${incident.impact}`] ?? '5';
    if (typeof fields.work_notes === 'string' && fields.work_notes) {
      incident.work_notes.push({ value: fields.work_notes, created_on: now });
    }
    this.received.push(incident);
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
    const now = new Date().toISOString().replace('T', ' ').slice(0, 19);
    if (typeof fields.work_notes === 'string' && fields.work_notes) {
      next.work_notes.push({ value: fields.work_notes, created_on: now });
    }
    next.priority = PRIORITY[`${next.urgency}:${next.impact}`] ?? '5';
    next.sys_updated_on = now;
    Object.assign(incident, next);
    return { status: 200, body: { result: incident } };
  }
}
