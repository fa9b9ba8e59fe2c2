import {
  JiraSimulator,
  ServiceNowSimulator,
  SimulatorServer,
  type SimulatorRequest,
  type SimulatorResponse,
} from '@telcomesh/testing';
import type { AgentTicket } from '@telcomesh/ticket-agent-protocol';
import { RestTicketAdapter } from './rest-ticket.adapter';
import type { TicketAdapterLogger, TicketClock } from './ticket-http-client';
import { TicketSystemError } from './ticket-system-error';

const API_KEY = 'desk-api-key-value';

/** Records every wait instead of waiting. */
class RecordingClock implements TicketClock {
  readonly sleeps: number[] = [];
  now(): number {
    return Date.parse('2025-03-01T00:00:00Z');
  }
  sleep(ms: number, signal: AbortSignal): Promise<void> {
    signal.throwIfAborted();
    this.sleeps.push(ms);
    return Promise.resolve();
  }
}

class RecordingLogger implements TicketAdapterLogger {
  readonly warnings: { message: string; context?: Record<string, unknown> }[] = [];
  debug(): void {}
  warn(message: string, context?: Record<string, unknown>): void {
    this.warnings.push({ message, context });
  }
}

interface DeskTicket {
  id: number;
  ref: string;
  subject: string;
  state: string;
  team: string | null;
  created_at?: number;
  updated_at: number;
  events: { time: number; kind: 'state' | 'team'; old: string | null; new: string | null }[];
}

/**
 * A small help-desk API of the kind the REST adapter exists for: page-number paging with a
 * total, an API-key header, a history endpoint per ticket (epoch seconds), one broken ticket.
 */
class DeskSimulator extends SimulatorServer<never> {
  readonly tickets: DeskTicket[] = Array.from({ length: 23 }, (_, i) => {
    const created = 1_735_000_000 + i * 3600;
    return {
      id: 500 + i,
      ref: `DESK-${i + 1}`,
      subject: `Ticket ${i + 1}`,
      state: i % 3 === 0 ? 'solved' : 'open',
      team: i % 2 === 0 ? 'Transport' : 'RAN',
      // One ticket lost its creation time: the adapter must skip it, not the page.
      created_at: i === 4 ? undefined : created,
      updated_at: created + 600,
      events: [
        { time: created + 60, kind: 'state', old: 'new', new: 'open' },
        ...(i % 2 === 0
          ? [{ time: created + 120, kind: 'team' as const, old: 'RAN', new: 'Transport' }]
          : []),
        ...(i % 3 === 0
          ? [{ time: created + 600, kind: 'state' as const, old: 'open', new: 'solved' }]
          : []),
      ],
    };
  });

  protected handle(request: SimulatorRequest): SimulatorResponse {
    const key = request.headers['x-api-key'];
    // Some APIs echo the credential they refused: the adapter must redact it.
    if (key !== API_KEY) return { status: 401, body: { message: `bad key ${String(key)}` } };
    if (request.path === '/api/tickets') {
      const page = Number(request.query.get('page'));
      const size = Number(request.query.get('per_page'));
      const since = Number(request.query.get('since') ?? '0');
      const matching = this.tickets.filter((t) => t.updated_at >= since);
      const slice = matching.slice((page - 1) * size, page * size);
      return {
        status: 200,
        body: { tickets: slice.map(({ events: _events, ...t }) => t), total: matching.length },
      };
    }
    if (request.path === '/api/elsewhere') {
      return { status: 200, body: { tickets: [], next: 'http://203.0.113.9/api/tickets?page=2' } };
    }
    const events = /^\/api\/tickets\/(\d+)\/events$/.exec(request.path);
    if (events) {
      const ticket = this.tickets.find((t) => t.id === Number(events[1]));
      return ticket ? { status: 200, body: { events: ticket.events } } : { status: 404, body: {} };
    }
    const single = /^\/api\/tickets\/([A-Z]+-\d+)$/.exec(request.path);
    if (single) {
      const ticket = this.tickets.find((t) => t.ref === single[1]);
      return ticket
        ? { status: 200, body: { ticket } }
        : { status: 404, body: { message: 'no such ticket' } };
    }
    return { status: 404, body: {} };
  }
}

async function collect(pages: AsyncIterable<AgentTicket[]>): Promise<AgentTicket[][]> {
  const out: AgentTicket[][] = [];
  for await (const page of pages) out.push(page);
  return out;
}

async function failure(promise: Promise<unknown>): Promise<TicketSystemError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof TicketSystemError) return error;
    throw error;
  }
  throw new Error('expected a TicketSystemError');
}

const iso = (epochSeconds: number): string => new Date(epochSeconds * 1000).toISOString();

describe('RestTicketAdapter', () => {
  const servicenow = new ServiceNowSimulator({
    username: 'rest',
    password: 'rest-pass',
    records: { seed: 4, incident: 40 },
  });
  const jira = new JiraSimulator({
    username: 'rest@example.com',
    apiToken: 'rest-token',
    projects: ['NOC'],
    tickets: { count: 45, seed: 5 },
    inlineChangelogLimit: 1000,
  });
  const desk = new DeskSimulator();
  const urls = { servicenow: '', jira: '', desk: '' };
  let clock: RecordingClock;
  let logger: RecordingLogger;

  beforeAll(async () => {
    urls.servicenow = await servicenow.start();
    urls.jira = await jira.start();
    urls.desk = await desk.start();
  });
  afterAll(async () => {
    await Promise.all([servicenow.stop(), jira.stop(), desk.stop()]);
  });
  beforeEach(() => {
    clock = new RecordingClock();
    logger = new RecordingLogger();
    for (const sim of [servicenow, jira, desk]) sim.reset();
  });

  const make = (config: Record<string, unknown>) =>
    new RestTicketAdapter(config, { clock, logger, random: () => 0 });
  const run = (adapter: RestTicketAdapter, query = {}, signal = new AbortController().signal) =>
    collect(adapter.search(query, signal));

  const serviceNowConfig = (paging: Record<string, unknown>) => ({
    type: 'rest',
    system: 'servicenow-rest',
    baseUrl: urls.servicenow,
    auth: 'basic',
    username: 'rest',
    password: 'rest-pass',
    pageSize: 8,
    searchPath: '/api/now/table/incident',
    searchParams: {
      sysparm_query: 'ORDERBYsys_created_on^ORDERBYsys_id',
      sysparm_fields:
        'sys_id,number,short_description,state,assignment_group,sys_created_on,sys_updated_on',
      sysparm_display_value: 'all',
      sysparm_exclude_reference_link: 'true',
    },
    items: 'result',
    paging,
    fields: {
      key: 'number.value',
      externalId: 'sys_id.value',
      title: 'short_description.display_value',
      status: 'state.value',
      assignmentGroup: 'assignment_group.value',
      createdAt: 'sys_created_on.value',
      updatedAt: 'sys_updated_on.value',
    },
  });

  it('pages a Table API by offset and reads each ticket’s history from its own request', async () => {
    const config = serviceNowConfig({
      kind: 'offset',
      offsetParam: 'sysparm_offset',
      limitParam: 'sysparm_limit',
    });
    const adapter = make({
      ...config,
      historyPath:
        '/api/now/table/sys_audit?sysparm_query=documentkey={id}^fieldnameINstate,assignment_group^ORDERBYsys_created_on^ORDERBYrecord_checkpoint',
      fields: {
        ...config.fields,
        history:
          '$history.result.{"at": sys_created_on, "field": fieldname = "state" ? "status" : "assignment_group", "from": oldvalue, "to": newvalue}',
      },
    });
    const pages = await run(adapter);
    const expected = servicenow.matching('incident', 'ORDERBYsys_created_on^ORDERBYsys_id');
    expect(pages).toHaveLength(Math.ceil(expected.length / 8));
    const tickets = pages.flat();
    expect(tickets.map((t) => t.key)).toEqual(expected.map((r) => r.number));
    // Ground truth speaks labels and names; this API mapping keeps stored values.
    const stateValue: Record<string, string> = {
      New: '1',
      'In Progress': '2',
      'On Hold': '3',
      Resolved: '6',
      Closed: '7',
      Canceled: '8',
    };
    const groupId = new Map(servicenow.assignmentGroups.map((g) => [g.name, g.sys_id]));
    const raw = (field: string, value: string | null): string | null =>
      value === null ? null : field === 'status' ? stateValue[value] : (groupId.get(value) ?? null);
    for (const [index, record] of expected.entries()) {
      const truth = servicenow.transitionsOf(String(record.sys_id));
      expect(tickets[index].history).toEqual(
        truth.map((t) => ({ ...t, from: raw(t.field, t.from), to: raw(t.field, t.to) })),
      );
      expect(tickets[index]).toMatchObject({
        system: 'servicenow-rest',
        status: record.state,
        createdAt: truth[0].at,
      });
    }
  });

  it('follows the Link header’s next page', async () => {
    const tickets = (
      await run(make(serviceNowConfig({ kind: 'next-link', limitParam: 'sysparm_limit' })))
    ).flat();
    expect(tickets.map((t) => t.key)).toEqual(
      servicenow.matching('incident', 'ORDERBYsys_created_on^ORDERBYsys_id').map((r) => r.number),
    );
    expect(servicenow.requests).toHaveLength(Math.ceil(tickets.length / 8));
  });

  it('pages Jira’s search by cursor and maps its changelog with JSONata', async () => {
    const adapter = make({
      type: 'rest',
      system: 'jira-rest',
      baseUrl: urls.jira,
      auth: 'basic',
      username: 'rest@example.com',
      password: 'rest-token',
      pageSize: 10,
      searchPath: '/rest/api/3/search/jql',
      searchParams: {
        fields: 'summary,status,created,updated,customfield_10050',
        expand: 'changelog',
      },
      queryParam: 'jql',
      items: 'issues',
      paging: {
        kind: 'cursor',
        cursorParam: 'nextPageToken',
        nextCursor: 'nextPageToken',
        limitParam: 'maxResults',
      },
      fields: {
        key: 'key',
        externalId: 'id',
        title: 'fields.summary',
        status: 'fields.status.name',
        assignmentGroup: 'fields.customfield_10050.value',
        createdAt: 'fields.created',
        updatedAt: 'fields.updated',
        url: '$baseUrl & "/browse/" & key',
        history:
          'changelog.histories.items[fieldId in ["status", "customfield_10050"]].{"at": %.created, "field": fieldId = "status" ? "status" : "assignment_group", "from": fromString, "to": $.toString}',
      },
    });
    const jql = 'project = NOC ORDER BY created ASC';
    const tickets = (await run(adapter, { query: jql })).flat();
    const expected = jira.matching(jql);
    expect(tickets.map((t) => t.key)).toEqual(expected.map((i) => i.key));
    for (const [index, issue] of expected.entries()) {
      expect(tickets[index].history).toEqual(issue.transitions);
      expect(tickets[index].url).toBe(`${urls.jira}/browse/${issue.key}`);
    }
  });

  const deskConfig = (overrides: Record<string, unknown> = {}) => ({
    type: 'rest',
    system: 'desk',
    baseUrl: urls.desk,
    auth: 'header',
    headerName: 'X-Api-Key',
    token: API_KEY,
    pageSize: 5,
    searchPath: '/api/tickets',
    updatedSinceParam: 'since',
    updatedSinceFormat: 'epoch-s',
    items: 'tickets',
    paging: {
      kind: 'page',
      pageParam: 'page',
      limitParam: 'per_page',
      firstPage: 1,
      total: 'total',
    },
    fetchPath: '/api/tickets/{key}',
    fetchItem: 'ticket',
    historyPath: '/api/tickets/{id}/events',
    fields: {
      key: 'ref',
      externalId: 'id',
      title: 'subject',
      status: 'state',
      assignmentGroup: 'team',
      createdAt: 'created_at',
      updatedAt: 'updated_at',
      history:
        '$history.events.{"at": time, "field": kind = "state" ? "status" : "assignment_group", "from": old, "to": new}',
    },
    ...overrides,
  });

  it('pages by page number, reads epoch times, skips a broken ticket and says which', async () => {
    const pages = await run(make(deskConfig()));
    expect(pages).toHaveLength(5);
    const tickets = pages.flat();
    expect(tickets.map((t) => t.key)).toEqual(
      desk.tickets.filter((t) => t.created_at !== undefined).map((t) => t.ref),
    );
    expect(logger.warnings).toEqual([
      {
        message: 'skipping a ticket that cannot be read',
        context: { system: 'desk', record: 4, problem: 'ticket DESK-5 has no createdAt' },
      },
    ]);
    const first = desk.tickets[0];
    expect(tickets[0]).toMatchObject({
      createdAt: iso(first.created_at!),
      status: 'solved',
      assignmentGroup: 'Transport',
    });
    expect(tickets[0].history).toEqual([
      { at: iso(first.created_at!), field: 'status', from: null, to: 'new' },
      { at: iso(first.created_at!), field: 'assignment_group', from: null, to: 'RAN' },
      { at: iso(first.created_at! + 60), field: 'status', from: 'new', to: 'open' },
      { at: iso(first.created_at! + 120), field: 'assignment_group', from: 'RAN', to: 'Transport' },
      { at: iso(first.created_at! + 600), field: 'status', from: 'open', to: 'solved' },
    ]);
  });

  it('sends updatedSince in the API’s format, honours Retry-After and fetches by key', async () => {
    const since = desk.tickets[20].updated_at;
    desk.failNext(1, 429, 2);
    const tickets = (await run(make(deskConfig()), { updatedSince: iso(since) })).flat();
    expect(tickets.map((t) => t.key)).toEqual(['DESK-21', 'DESK-22', 'DESK-23']);
    expect(desk.requests[0].query.get('since')).toBe(String(since));
    expect(clock.sleeps).toEqual([2000]);
    const fetched = await make(deskConfig()).fetch(
      ['DESK-9', 'DESK-404', 'DESK-2'],
      new AbortController().signal,
    );
    expect(fetched.map((t) => t.key)).toEqual(['DESK-9', 'DESK-2']);
  });

  it('refuses a next link to another origin, and bad credentials without echoing them', async () => {
    const error = await failure(
      run(
        make(
          deskConfig({
            searchPath: '/api/elsewhere',
            paging: { kind: 'next-link', nextLink: 'next' },
          }),
        ),
      ),
    );
    expect(error.code).toBe('malformed');
    expect(error.message).toMatch(
      /next link points to http:\/\/203.0.113.9, outside http:\/\/127.0.0.1:\d+; not following it/,
    );
    const refused = await failure(run(make(deskConfig({ token: 'wrong-api-key-value' }))));
    expect(refused).toMatchObject({ code: 'auth', status: 401, system: 'desk' });
    expect(refused.message).not.toContain('wrong-api-key-value');
  });

  it('stops when aborted between pages', async () => {
    const controller = new AbortController();
    await expect(
      (async () => {
        for await (const _page of make(deskConfig()).search({}, controller.signal))
          controller.abort();
      })(),
    ).rejects.toMatchObject({ name: 'AbortError' });
    expect(desk.requests.filter((r) => r.path === '/api/tickets')).toHaveLength(1);
  });
});
