import { ServiceNowSimulator } from '@telcomesh/testing';
import type { AgentTicket } from '@telcomesh/ticket-agent-protocol';
import type { TicketQuery } from '../ticket-system-adapter';
import { ServiceNowTicketAdapter } from './servicenow-ticket.adapter';
import type { TicketAdapterLogger, TicketClock } from './ticket-http-client';
import { TicketSystemError } from './ticket-system-error';

const USER = 'svc.noc-agent';
const PASSWORD = 'sn-agent-password-value';
const CLIENT_SECRET = 'sn-oauth-client-secret';
const FILTER_ID = 'c0ffee00c0ffee00c0ffee00c0ffee00';

/** Records every wait instead of waiting: backoff and Retry-After become assertions. */
class RecordingClock implements TicketClock {
  readonly sleeps: number[] = [];
  private time = Date.parse('2025-03-01T00:00:00Z');
  now(): number {
    return this.time;
  }
  sleep(ms: number, signal: AbortSignal): Promise<void> {
    signal.throwIfAborted();
    this.sleeps.push(ms);
    this.time += ms;
    return Promise.resolve();
  }
}

class RecordingLogger implements TicketAdapterLogger {
  readonly lines: { message: string; context?: Record<string, unknown> }[] = [];
  debug(message: string, context?: Record<string, unknown>): void {
    this.lines.push({ message, context });
  }
  warn(message: string, context?: Record<string, unknown>): void {
    this.lines.push({ message, context });
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

describe('ServiceNowTicketAdapter against the ServiceNow simulator', () => {
  const sim = new ServiceNowSimulator({
    username: USER,
    password: PASSWORD,
    oauth: { clientId: 'sn-client', clientSecret: CLIENT_SECRET },
    records: { seed: 9, incident: 130, change_request: 25, sc_request: 20 },
    filters: [
      { sys_id: FILTER_ID, title: 'Closed changes', table: 'change_request', filter: 'state=3' },
    ],
  });
  let base = '';
  let clock: RecordingClock;
  let logger: RecordingLogger;

  function adapter(overrides: Record<string, unknown> = {}): ServiceNowTicketAdapter {
    return new ServiceNowTicketAdapter(
      {
        type: 'servicenow',
        baseUrl: base,
        username: USER,
        password: PASSWORD,
        pageSize: 9,
        timeoutMs: 2000,
        initialBackoffMs: 1000,
        ...overrides,
      },
      { clock, logger, random: () => 0 },
    );
  }

  const run = (
    a: ServiceNowTicketAdapter,
    query: TicketQuery,
    signal = new AbortController().signal,
  ) => collect(a.search(query, signal));

  /** What the adapter must report for a record: the simulator's ground truth. */
  const truth = (sysId: string): AgentTicket['history'] => [...sim.transitionsOf(sysId)];

  beforeAll(async () => {
    base = await sim.start();
  });
  afterAll(() => sim.stop());
  beforeEach(() => {
    sim.reset();
    clock = new RecordingClock();
    logger = new RecordingLogger();
  });

  it('reads every record across pages in a stable order, with histories from sys_audit', async () => {
    const pages = await run(adapter(), {});
    const expected = sim.matching('incident', 'ORDERBYsys_created_on^ORDERBYsys_id');
    const tickets = pages.flat();
    expect(pages.length).toBe(Math.ceil(expected.length / 9));
    expect(tickets.map((t) => t.key)).toEqual(expected.map((r) => r.number));
    const groups = new Map(sim.assignmentGroups.map((g) => [g.sys_id, g.name]));
    for (const [index, record] of expected.entries()) {
      const sysId = String(record.sys_id);
      expect(tickets[index].history).toEqual(truth(sysId));
      expect(tickets[index]).toMatchObject({
        system: 'servicenow',
        externalId: sysId,
        assignmentGroup: groups.get(String(record.assignment_group)),
        customer: record.caller_id,
        updatedAt: `${String(record.sys_updated_on).replace(' ', 'T')}.000Z`,
      });
    }
    const states = new Set(tickets.map((t) => t.status));
    expect(
      [...states].every((s) =>
        ['New', 'In Progress', 'On Hold', 'Resolved', 'Closed', 'Canceled'].includes(s),
      ),
    ).toBe(true);
    // One sys_audit read per page, not one per record.
    expect(sim.requests.filter((r) => r.path === '/api/now/table/sys_audit')).toHaveLength(
      pages.length,
    );
  });

  it('reads other task tables, a saved filter and an encoded query', async () => {
    const changes = (
      await run(adapter({ table: 'change_request' }), { filterId: FILTER_ID })
    ).flat();
    expect(changes.map((t) => t.key).sort()).toEqual(
      sim
        .matching('change_request', 'state=3')
        .map((r) => String(r.number))
        .sort(),
    );
    expect(changes.every((t) => t.status === 'Closed' && t.resolvedAt !== null)).toBe(true);
    for (const ticket of changes) expect(ticket.history).toEqual(truth(ticket.externalId));

    const requests = (
      await run(adapter({ table: 'sc_request' }), { query: 'stateIN3,4^ORstate=-5' })
    ).flat();
    const expected = sim
      .matching('sc_request', 'stateIN3,4^ORstate=-5')
      .map((r) => String(r.number));
    expect(requests.map((t) => t.key).sort()).toEqual(expected.sort());

    const wrongTable = await failure(run(adapter(), { filterId: FILTER_ID }));
    expect(wrongTable.message).toMatch(
      /filter c0ffee00c0ffee00c0ffee00c0ffee00 is for table change_request, not incident/,
    );
  });

  it('pages without skipping or repeating while new incidents arrive', async () => {
    const before = sim
      .matching('incident', 'active=true^ORDERBYsys_created_on^ORDERBYsys_id')
      .map((r) => String(r.number));
    const seen: string[] = [];
    let pages = 0;
    for await (const page of adapter().search(
      { query: 'active=true' },
      new AbortController().signal,
    )) {
      seen.push(...page.map((t) => t.key));
      if (++pages === 1) {
        for (let i = 0; i < 5; i++) {
          await fetch(`${base}/api/now/table/incident`, {
            method: 'POST',
            headers: {
              authorization: `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`,
              'content-type': 'application/json',
            },
            body: JSON.stringify({ short_description: `new ${i}` }),
          });
        }
      }
    }
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.slice(0, before.length)).toEqual(before);
    expect(seen.length).toBe(before.length + 5);
  });

  it('narrows to records updated since a time', async () => {
    const record = sim.records('incident').find((r) => r.state === '7')!;
    sim.updateRecord(
      'incident',
      String(record.sys_id),
      { state: '2' },
      new Date(Date.now() + 3_600_000),
    );
    const since = new Date(Date.now() + 3_000_000).toISOString();
    const tickets = (await run(adapter(), { updatedSince: since })).flat();
    expect(tickets.map((t) => t.key)).toEqual([record.number]);
    expect(tickets[0].history.at(-1)).toMatchObject({
      field: 'status',
      from: 'Closed',
      to: 'In Progress',
    });
  });

  it('gets an OAuth token by password, refreshes it when it expires mid-search, falls back to the password', async () => {
    const oauth = adapter({ auth: 'oauth2', clientId: 'sn-client', clientSecret: CLIENT_SECRET });
    const tokenCalls = () =>
      sim.requests
        .filter((r) => r.path === '/oauth_token.do')
        .map((r) => new URLSearchParams(r.body).get('grant_type'));
    const keys: string[] = [];
    let pages = 0;
    for await (const page of oauth.search({}, new AbortController().signal)) {
      keys.push(...page.map((t) => t.key));
      pages++;
      if (pages === 2) sim.expireTokens();
      if (pages === 4) sim.expireTokens({ refreshTokens: true });
    }
    expect(keys).toEqual(
      sim.matching('incident', 'ORDERBYsys_created_on^ORDERBYsys_id').map((r) => r.number),
    );
    expect(tokenCalls()).toEqual(['password', 'refresh_token', 'refresh_token', 'password']);
    expect(
      sim.requests.filter(
        (r) => r.path.startsWith('/api/now/table/') && r.headers.authorization?.startsWith('Basic'),
      ),
    ).toEqual([]);
  });

  it('reports a refused refresh token without leaking secrets when there is no password', async () => {
    const oauth = adapter({
      auth: 'oauth2',
      username: undefined,
      password: undefined,
      clientId: 'sn-client',
      clientSecret: CLIENT_SECRET,
      refreshToken: 'stale-refresh-token-value',
    });
    const error = await failure(run(oauth, {}));
    expect(error).toMatchObject({ code: 'auth', status: 401, system: 'servicenow' });
    expect(error.message).toMatch(
      /POST \/oauth_token.do refused the OAuth grant \(401, server_error: access_denied\)/,
    );
    for (const secret of [CLIENT_SECRET, 'stale-refresh-token-value', PASSWORD]) {
      expect(error.message).not.toContain(secret);
      expect(JSON.stringify(logger.lines)).not.toContain(secret);
    }
  });

  it('honours Retry-After, retries 500s, and reports malformed JSON', async () => {
    sim.failNext(1, 429, 4);
    sim.failNext(2, 500);
    const tickets = (await run(adapter({ table: 'sc_request' }), {})).flat();
    expect(tickets).toHaveLength(20);
    // Retry-After first, then backoff for attempts 2 and 3: 1000 × 2^(n-1) × 0.5.
    expect(clock.sleeps).toEqual([4000, 1000, 2000]);

    sim.malformNext(1);
    const error = await failure(run(adapter(), {}));
    expect(error.code).toBe('malformed');
    expect(error.message).toMatch(
      /GET \/api\/now\/table\/incident answered 200 with a body that is not JSON/,
    );
  });

  it('stops when aborted between pages', async () => {
    const controller = new AbortController();
    let pages = 0;
    await expect(
      (async () => {
        for await (const _page of adapter().search({}, controller.signal)) {
          pages++;
          controller.abort();
        }
      })(),
    ).rejects.toMatchObject({ name: 'AbortError' });
    expect(pages).toBe(1);
    expect(sim.requests.filter((r) => r.path === '/api/now/table/incident')).toHaveLength(1);
  });

  it('fetches records by number, and checks access to the table', async () => {
    const [a, b] = [sim.records('incident')[5], sim.records('incident')[40]];
    const tickets = await adapter().fetch(
      [String(b.number), 'INC9999999', String(a.number)],
      new AbortController().signal,
    );
    expect(tickets.map((t) => t.key)).toEqual([b.number, a.number]);
    expect(tickets[0].history).toEqual(truth(String(b.sys_id)));
    expect(
      (await failure(adapter().fetch(['INC1^ORactive=true'], new AbortController().signal))).code,
    ).toBe('config');
    await expect(adapter().check()).resolves.toBeUndefined();
    const refused = await failure(adapter({ password: 'not-the-password' }).check());
    expect(refused).toMatchObject({ code: 'auth' });
    expect(refused.message).not.toContain('not-the-password');
  });

  it('names state values with the configured labels when given', async () => {
    const tickets = (
      await run(
        adapter({
          table: 'sc_request',
          stateLabels: { '3': 'Done', '2': 'Working', '1': 'Open', '-5': 'Paused', '4': 'Failed' },
        }),
        {},
      )
    ).flat();
    expect(sim.requests.some((r) => r.path === '/api/now/table/sys_choice')).toBe(false);
    const opening = tickets.map((t) => t.history[0]);
    expect(opening.every((h) => h.field === 'status' && h.to === 'Open')).toBe(true);
    expect(tickets.flatMap((t) => t.history).some((h) => h.to === 'Working')).toBe(true);
    for (const ticket of tickets) {
      expect(ticket.status).toBe(
        [...ticket.history].reverse().find((h) => h.field === 'status')?.to,
      );
    }
  });
});
