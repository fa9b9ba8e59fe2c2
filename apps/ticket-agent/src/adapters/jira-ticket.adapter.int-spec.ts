import { JiraSimulator, type JiraSimulatedIssue } from '@telcomesh/testing';
import type { AgentTicket } from '@telcomesh/ticket-agent-protocol';
import type { TicketQuery } from '../ticket-system-adapter';
import { JiraTicketAdapter } from './jira-ticket.adapter';
import type { TicketAdapterLogger, TicketClock } from './ticket-http-client';
import { TicketSystemError } from './ticket-system-error';

const EMAIL = 'noc-agent@example.com';
const API_TOKEN = 'ATATT3x-jira-api-token-value';
const CLIENT_SECRET = 'oauth-client-secret-value';

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
  onWarn: () => void = () => undefined;
  debug(message: string, context?: Record<string, unknown>): void {
    this.lines.push({ message, context });
  }
  warn(message: string, context?: Record<string, unknown>): void {
    this.lines.push({ message, context });
    this.onWarn();
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

/** The history an adapter must report: the simulator's ground truth. */
function truth(issue: JiraSimulatedIssue): AgentTicket['history'] {
  return issue.transitions.map((t) => ({ ...t, at: new Date(t.at).toISOString() }));
}

describe('JiraTicketAdapter against the Jira simulator', () => {
  const sim = new JiraSimulator({
    username: EMAIL,
    apiToken: API_TOKEN,
    projects: ['NOC', 'OPS'],
    tickets: { count: 160, seed: 42 },
    inlineChangelogLimit: 10,
    maxResultsLimit: 25,
    filters: {
      '10100': { name: 'OPS done', jql: 'project = OPS AND status in (Closed, Resolved)' },
    },
    oauth: { clientId: 'client-1', clientSecret: CLIENT_SECRET, refreshToken: 'refresh-0' },
  });
  let base = '';
  let clock: RecordingClock;
  let logger: RecordingLogger;

  function adapter(
    overrides: Record<string, unknown> = {},
    onRefreshToken?: (t: string) => void,
  ): JiraTicketAdapter {
    return new JiraTicketAdapter(
      {
        type: 'jira',
        baseUrl: base,
        email: EMAIL,
        apiToken: API_TOKEN,
        pageSize: 7,
        timeoutMs: 2000,
        initialBackoffMs: 1000,
        ...overrides,
      },
      { clock, logger, random: () => 0, onRefreshToken },
    );
  }

  const run = (a: JiraTicketAdapter, query: TicketQuery, signal = new AbortController().signal) =>
    collect(a.search(query, signal));

  beforeAll(async () => {
    base = await sim.start();
  });
  afterAll(() => sim.stop());
  beforeEach(() => {
    sim.reset();
    clock = new RecordingClock();
    logger = new RecordingLogger();
  });

  it.each(['jql', 'legacy'] as const)(
    'reads every matching ticket across pages with its full history (%s search)',
    async (searchApi) => {
      const pages = await run(adapter({ searchApi }), { query: 'project = NOC' });
      const expected = sim.matching('project = NOC ORDER BY created ASC, key ASC');
      const tickets = pages.flat();
      expect(expected.length).toBeGreaterThan(60);
      expect(pages.length).toBe(Math.ceil(expected.length / 7));
      expect(tickets.map((t) => t.key)).toEqual(expected.map((i) => i.key));
      for (const [index, issue] of expected.entries()) {
        expect(tickets[index].history).toEqual(truth(issue));
        expect(tickets[index]).toMatchObject({
          externalId: issue.id,
          status: issue.status,
          assignmentGroup: issue.assignmentGroup,
          priority: issue.priority,
          customer: issue.reporter,
          createdAt: issue.created,
          updatedAt: issue.updated,
          resolvedAt: issue.resolutiondate,
          url: `${base}/browse/${issue.key}`,
        });
      }
      // Histories longer than the inline changelog were paged in full.
      const long = expected.filter((i) => i.histories.length > 10);
      expect(long.length).toBeGreaterThan(0);
      const changelogPaths = new Set(
        sim.requests.filter((r) => r.path.endsWith('/changelog')).map((r) => r.path),
      );
      expect(changelogPaths).toEqual(
        new Set(long.map((i) => `/rest/api/3/issue/${i.id}/changelog`)),
      );
    },
  );

  it('keeps paging when the site sends fewer issues than asked for', async () => {
    const tickets = (await run(adapter({ pageSize: 100 }), { query: 'project = OPS' })).flat();
    expect(tickets.map((t) => t.key)).toEqual(
      sim.matching('project = OPS ORDER BY created ASC, key ASC').map((i) => i.key),
    );
    expect(sim.requests.filter((r) => r.path === '/rest/api/3/search/jql').length).toBe(
      Math.ceil(tickets.length / 25),
    );
  });

  it('resolves a saved filter, ANDs the task query, and names an unknown filter', async () => {
    const filtered = (await run(adapter(), { filterId: '10100' })).flat();
    expect(filtered.map((t) => t.key).sort()).toEqual(
      sim
        .matching('project = OPS AND status in (Closed, Resolved)')
        .map((i) => i.key)
        .sort(),
    );
    const narrowed = (await run(adapter(), { filterId: '10100', query: 'priority = High' })).flat();
    expect(narrowed.length).toBeGreaterThan(0);
    expect(narrowed.every((t) => t.priority === 'High' && t.key.startsWith('OPS-'))).toBe(true);
    const unknown = await failure(run(adapter(), { filterId: '777' }));
    expect(unknown).toMatchObject({ code: 'http', status: 400 });
    expect(unknown.message).toMatch(
      /GET \/rest\/api\/3\/filter\/777 answered 400: The selected filter is not available/,
    );
  });

  it('narrows to tickets updated since a time', async () => {
    const issue = sim.issues.find((i) => i.status === 'Closed' && i.project === 'NOC')!;
    sim.transition(issue.key, 'Reopened', new Date(Date.now() + 3_600_000));
    const since = new Date(Date.now() + 3_000_000).toISOString();
    const tickets = (await run(adapter(), { query: 'project = NOC', updatedSince: since })).flat();
    expect(tickets.map((t) => t.key)).toEqual([issue.key]);
    expect(tickets[0].history.at(-1)).toMatchObject({
      field: 'status',
      from: 'Closed',
      to: 'Reopened',
    });
  });

  it('refreshes an expired OAuth token mid-search and keeps the rotated refresh token', async () => {
    const rotated: string[] = [];
    const oauth = adapter(
      {
        auth: 'oauth2',
        email: undefined,
        apiToken: undefined,
        clientId: 'client-1',
        clientSecret: CLIENT_SECRET,
        refreshToken: 'refresh-0',
        tokenUrl: `${base}/oauth/token`,
      },
      (token) => rotated.push(token),
    );
    const keys: string[] = [];
    let pages = 0;
    for await (const page of oauth.search(
      { query: 'project = OPS' },
      new AbortController().signal,
    )) {
      keys.push(...page.map((t) => t.key));
      if (++pages === 2) sim.expireTokens();
    }
    expect(keys).toEqual(
      sim.matching('project = OPS ORDER BY created ASC, key ASC').map((i) => i.key),
    );
    expect(sim.requests.filter((r) => r.path === '/oauth/token')).toHaveLength(2);
    expect(
      sim.requests.filter(
        (r) =>
          r.path === '/rest/api/3/search/jql' && r.headers.authorization?.startsWith('Bearer '),
      ),
    ).toHaveLength(pages + 1);
    expect(rotated).toHaveLength(2);
    expect(rotated.at(-1)).toBe(sim.currentRefreshToken);
  });

  it('fails mid-search with an auth error naming no secret when the API token is revoked', async () => {
    const seen: string[] = [];
    const error = await failure(
      (async () => {
        for await (const page of adapter().search(
          { query: 'project = NOC' },
          new AbortController().signal,
        )) {
          seen.push(...page.map((t) => t.key));
          sim.revokeApiToken();
        }
      })(),
    );
    expect(seen).toHaveLength(7);
    expect(error).toMatchObject({ code: 'auth', status: 401, system: 'jira' });
    expect(error.message).toMatch(/GET \/rest\/api\/3\/search\/jql was refused \(401\)/);
    expect(error.message).not.toContain(API_TOKEN);
    expect(error.message).not.toContain(Buffer.from(`${EMAIL}:${API_TOKEN}`).toString('base64'));
    expect(JSON.stringify(logger.lines)).not.toContain(API_TOKEN);
  });

  it('waits as long as Retry-After says on 429, and gives up when asked to wait too long', async () => {
    sim.failNext(1, 429, 7);
    const tickets = (await run(adapter(), { query: 'project = OPS' })).flat();
    expect(tickets.length).toBe(sim.matching('project = OPS').length);
    expect(clock.sleeps).toEqual([7000]);

    sim.failNext(1, 429, 3600);
    const error = await failure(
      run(adapter({ maxRetryAfterMs: 60_000 }), { query: 'project = OPS' }),
    );
    expect(error).toMatchObject({ code: 'rate-limited', status: 429 });
    expect(error.message).toMatch(/asked to retry after 3600 s, more than the 60 s allowed/);
    expect(clock.sleeps).toEqual([7000]);
  });

  it('retries 500s with exponential backoff, then reports the last failure', async () => {
    sim.failNext(2, 500);
    const tickets = (await run(adapter(), { query: 'project = OPS' })).flat();
    expect(tickets.length).toBe(sim.matching('project = OPS').length);
    // random() = 0 takes the lower half of each window: 1000 × 2^(n-1) × 0.5.
    expect(clock.sleeps).toEqual([500, 1000]);

    sim.failNext(3, 500);
    const error = await failure(run(adapter({ maxAttempts: 3 }), { query: 'project = OPS' }));
    expect(error).toMatchObject({ code: 'http', status: 500 });
    expect(error.message).toMatch(
      /GET \/rest\/api\/3\/search\/jql answered 500: Simulated failure \(after 3 attempts\)/,
    );
  });

  it('reports malformed JSON with where it came from', async () => {
    sim.malformNext(1);
    const error = await failure(run(adapter(), { query: 'project = OPS' }));
    expect(error.code).toBe('malformed');
    expect(error.message).toMatch(
      /GET \/rest\/api\/3\/search\/jql answered 200 with a body that is not JSON \(application\/json/,
    );
  });

  it('times out a stalled answer and retries it', async () => {
    sim.delayNext(1, 10_000);
    const tickets = (await run(adapter({ timeoutMs: 200 }), { query: 'project = OPS' })).flat();
    expect(tickets.length).toBe(sim.matching('project = OPS').length);
    expect(clock.sleeps).toHaveLength(1);
    expect(
      logger.lines.some((l) => String(l.context?.reason).includes('did not answer within 200 ms')),
    ).toBe(true);
  });

  it('stops when aborted between pages, and while waiting to retry', async () => {
    const controller = new AbortController();
    const seen: string[] = [];
    await expect(
      (async () => {
        for await (const page of adapter().search({ query: 'project = NOC' }, controller.signal)) {
          seen.push(...page.map((t) => t.key));
          controller.abort();
        }
      })(),
    ).rejects.toMatchObject({ name: 'AbortError' });
    expect(seen).toHaveLength(7);
    const searches = sim.requests.filter((r) => r.path === '/rest/api/3/search/jql').length;
    expect(searches).toBe(1);

    // The real clock this time: the abort must cut a 10-minute Retry-After short.
    sim.failNext(1, 429, 600);
    const waiting = new AbortController();
    logger.onWarn = () => setImmediate(() => waiting.abort());
    const patient = new JiraTicketAdapter(
      { type: 'jira', baseUrl: base, email: EMAIL, apiToken: API_TOKEN, maxRetryAfterMs: 900_000 },
      { logger },
    );
    await expect(
      collect(patient.search({ query: 'project = NOC' }, waiting.signal)),
    ).rejects.toMatchObject({ name: 'AbortError' });
    expect(sim.requests.filter((r) => r.path === '/rest/api/3/search/jql').length).toBe(
      searches + 1,
    );
  });

  it('fetches tickets by key, skipping ones that do not exist', async () => {
    const [a, b] = [sim.issues[3], sim.issues.find((i) => i.histories.length > 10)!];
    const tickets = await adapter().fetch(
      [b.key, 'NOC-99999', a.key],
      new AbortController().signal,
    );
    expect(tickets.map((t) => t.key)).toEqual([b.key, a.key]);
    expect(tickets[0].history).toEqual(truth(b));
    const bad = await failure(
      adapter().fetch(['NOC-1', '../../admin'], new AbortController().signal),
    );
    expect(bad.code).toBe('config');
  });

  it('checks the connection and the credentials', async () => {
    await expect(adapter().check()).resolves.toBeUndefined();
    const error = await failure(adapter({ apiToken: 'wrong-token-value' }).check());
    expect(error).toMatchObject({ code: 'auth' });
    expect(error.message).not.toContain('wrong-token-value');
  });
});
