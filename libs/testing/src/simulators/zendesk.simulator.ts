import {
  SimulatorServer,
  withHeaders,
  type SimulatorRequest,
  type SimulatorResponse,
} from './simulator-server';

export interface ZendeskSimulatorOptions {
  /** The agent whose API token is accepted (`{email}/token:{apiToken}`). */
  email: string;
  apiToken: string;
  /** When given, `assignee_email` must be one of these agents. */
  agents?: string[];
}

export interface ZendeskSimulatedTicket {
  id: number;
  external_id: string | null;
  subject: string;
  description: string;
  priority: string | null;
  type: string | null;
  status: 'new' | 'open';
  tags: string[];
  assignee_email: string | null;
  requester_email: string | null;
  created_at: string;
}

export type ZendeskRecordedRequest = SimulatorRequest;

const PRIORITIES = ['low', 'normal', 'high', 'urgent'];
const TYPES = ['problem', 'incident', 'question', 'task'];

type Reply = SimulatorResponse;

/**
 * A Zendesk Support account on 127.0.0.1 speaking the Tickets API shape: API-token basic auth,
 * `POST /api/v2/tickets.json` with Zendesk's `422 RecordInvalid` answers, tickets listed by
 * `external_id`, `GET /api/v2/users/me.json`, and injected failures (`failNext`) with Retry-After.
 */
export class ZendeskSimulator extends SimulatorServer<ZendeskSimulatedTicket> {
  constructor(private readonly options: ZendeskSimulatorOptions) {
    super();
  }

  get tickets(): readonly ZendeskSimulatedTicket[] {
    return this.received;
  }

  protected override failure(status: number, retryAfterSeconds?: number): Reply {
    return {
      status,
      headers: retryAfterSeconds === undefined ? {} : { 'retry-after': String(retryAfterSeconds) },
      body:
        status === 429
          ? { error: 'APIRateLimitExceeded', description: 'Too many requests' }
          : { error: 'ServiceUnavailable', description: 'Simulated failure' },
    };
  }

  protected override internalError(): Reply {
    return { status: 500, body: { error: 'InternalError' } };
  }

  protected override decorate(reply: Reply): Reply {
    return withHeaders(reply, 'application/json; charset=utf-8');
  }

  protected handle(request: ZendeskRecordedRequest): Reply {
    const auth = this.authenticate(request.headers.authorization);
    const { method, path } = request;
    if (method === 'GET' && path === '/api/v2/users/me.json') {
      if (auth === 'invalid') return unauthorized();
      return auth === 'anonymous'
        ? { status: 200, body: { user: { id: null, name: 'Anonymous user', role: 'end-user' } } }
        : {
            status: 200,
            body: { user: { id: 1, email: this.options.email, name: 'API agent', role: 'admin' } },
          };
    }
    if (auth !== 'agent') return unauthorized();
    if (method === 'GET' && path === '/api/v2/tickets.json') {
      const externalId = request.query.get('external_id');
      const tickets =
        externalId === null
          ? this.received
          : this.received.filter((t) => t.external_id === externalId);
      return {
        status: 200,
        body: { tickets, next_page: null, previous_page: null, count: tickets.length },
      };
    }
    const single = /^\/api\/v2\/tickets\/(\d+)\.json$/.exec(path);
    if (method === 'GET' && single) {
      const ticket = this.received.find((t) => t.id === Number(single[1]));
      return ticket
        ? { status: 200, body: { ticket } }
        : { status: 404, body: { error: 'RecordNotFound', description: 'Not found' } };
    }
    if (method === 'POST' && path === '/api/v2/tickets.json') return this.createTicket(request);
    return { status: 404, body: { error: 'InvalidEndpoint', description: 'Not found' } };
  }

  private authenticate(header: string | undefined): 'agent' | 'anonymous' | 'invalid' {
    if (!header) return 'anonymous';
    if (!header.startsWith('Basic ')) return 'invalid';
    const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
    return decoded === `${this.options.email}/token:${this.options.apiToken}` ? 'agent' : 'invalid';
  }

  private createTicket(request: ZendeskRecordedRequest): Reply {
    if (!/^application\/json/i.test(request.headers['content-type'] ?? '')) {
      return { status: 415, body: { error: 'UnsupportedMediaType' } };
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(request.body);
    } catch {
      return { status: 400, body: { error: 'Unprocessable Entity', description: 'Invalid JSON' } };
    }
    const ticket = (parsed as { ticket?: unknown } | null)?.ticket;
    if (typeof ticket !== 'object' || ticket === null) {
      return recordInvalid({ base: [detail('BlankValue', 'Ticket: cannot be blank')] });
    }
    const t = ticket as Record<string, unknown>;
    const details: Record<string, { error: string; description: string }[]> = {};
    const comment = t.comment as { body?: unknown; html_body?: unknown } | undefined;
    const description =
      typeof comment?.body === 'string'
        ? comment.body
        : typeof comment?.html_body === 'string'
          ? comment.html_body
          : '';
    if (!description.trim()) {
      details.description = [detail('BlankValue', 'Description: cannot be blank')];
    }
    if (
      t.priority !== undefined &&
      !(typeof t.priority === 'string' && PRIORITIES.includes(t.priority))
    ) {
      details.priority = [detail('InvalidValue', `Priority: is not valid`)];
    }
    if (t.type !== undefined && !(typeof t.type === 'string' && TYPES.includes(t.type))) {
      details.type = [detail('InvalidValue', `Type: is not valid`)];
    }
    if (
      t.tags !== undefined &&
      !(Array.isArray(t.tags) && t.tags.every((x) => typeof x === 'string'))
    ) {
      details.tags = [detail('InvalidValue', 'Tags: must be a list of strings')];
    }
    const assignee = typeof t.assignee_email === 'string' ? t.assignee_email : null;
    if (assignee && this.options.agents && !this.options.agents.includes(assignee)) {
      details.assignee = [detail('InvalidValue', 'Assignee: is not an agent')];
    }
    if (Object.keys(details).length > 0) return recordInvalid(details);
    const subject =
      typeof t.subject === 'string' && t.subject ? t.subject : description.slice(0, 80);
    const requester = (t.requester as { email?: unknown } | undefined)?.email;
    const created: ZendeskSimulatedTicket = {
      id: this.received.length + 1,
      external_id: typeof t.external_id === 'string' ? t.external_id : null,
      subject,
      description,
      priority: typeof t.priority === 'string' ? t.priority : null,
      type: typeof t.type === 'string' ? t.type : null,
      status: assignee ? 'open' : 'new',
      // Zendesk lowercases tags and splits them on whitespace.
      tags: [
        ...new Set(
          ((t.tags as string[] | undefined) ?? [])
            .flatMap((x) => x.toLowerCase().split(/\s+/))
            .filter(Boolean),
        ),
      ],
      assignee_email: assignee,
      requester_email: typeof requester === 'string' ? requester : this.options.email,
      created_at: new Date().toISOString(),
    };
    this.received.push(created);
    return {
      status: 201,
      headers: { location: `${this.url}/api/v2/tickets/${created.id}.json` },
      body: { ticket: created, audit: { ticket_id: created.id, events: [] } },
    };
  }
}

function detail(error: string, description: string): { error: string; description: string } {
  return { error, description };
}

function unauthorized(): Reply {
  return { status: 401, body: { error: "Couldn't authenticate you" } };
}

function recordInvalid(details: Record<string, { error: string; description: string }[]>): Reply {
  return {
    status: 422,
    body: { error: 'RecordInvalid', description: 'Record validation errors', details },
  };
}
