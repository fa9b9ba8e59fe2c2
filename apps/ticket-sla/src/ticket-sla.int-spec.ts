/*
 * ticket-sla end to end on real parts: the service on PostgreSQL, Redis and Kafka; the real
 * ticket agent (the built apps/ticket-agent, as its own process) reading the Jira simulator and
 * dialling the service over websockets; a protocol-speaking test client for what a well-behaved
 * agent never sends (wrong proofs, broken frames, the same result twice); a TCP proxy that cuts
 * the network; and itsm.tickets.v1.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, Socket, type Server as NetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fromBinary } from '@bufbuild/protobuf';
import {
  ceSourceOf,
  create,
  encode as encodeEvent,
  SlaEventSchema,
  SlaEventType,
  TicketPriority,
  TicketStatus,
  timestampFromMs,
  timestampMs,
  Topics,
} from '@telcomesh/contracts';
import { envelopeHeaders } from '@telcomesh/messaging';
import type { RunningService } from '@telcomesh/platform';
import { eventually, JiraSimulator } from '@telcomesh/testing';
import {
  computeAgentProof,
  parseServerMessage,
  ProtocolError,
  type AgentTicket,
  type ServerMessage,
  type TicketTransition,
} from '@telcomesh/ticket-agent-protocol';
import WebSocket from 'ws';
import { bootstrap } from './main';
import type { TicketSlaConfig } from './ticket-sla.config';

const RUN = randomBytes(3).toString('hex');
const JIRA_EMAIL = 'noc-agent@example.test';
const JIRA_TOKEN = 'jira-api-token-for-the-agent';
/** The seed's filters as saved in Jira: all NOC tickets ("arrears") and those waiting ("stopped"). */
const FILTERS = {
  arrears: { id: '10001', jql: 'project = NOC' },
  stopped: { id: '10002', jql: 'project = NOC AND status = "Waiting for customer"' },
};
const MIN = 60_000;
const KEYS = {
  'agent-seed': 'seed-agent-key-0123456789',
  'agent-b': 'agent-b-key-0123456789abc',
  'agent-c': 'agent-c-key-0123456789abc',
  'raw-1': 'raw-client-key-0123456789',
} as const;
type AgentId = keyof typeof KEYS;

const POLICY_FILE = `
calendars:
  - id: always
    timeZone: UTC
    alwaysOpen: true
policies:
  - id: p1-fast
    name: P1 one minute
    calendarId: always
    match: { priorities: [P1] }
    targets: { resolutionMinutes: 1 }
    atRiskThresholds: [0.75]
    pauseStatuses: [On Hold]
    stopStatuses: [Resolved, Closed]
  - id: default
    name: Default 10 min response, 1 h resolution
    calendarId: always
    targets: { responseMinutes: 10, resolutionMinutes: 60 }
    atRiskThresholds: [0.75, 0.9]
    pauseStatuses: [On Hold]
    stopStatuses: [Resolved, Closed]
    cancelStatuses: [Cancelled]
`;

// ---- tickets --------------------------------------------------------------------------------

const iso = (ms: number) => new Date(ms).toISOString();

function ticketOf(
  system: string,
  key: string,
  createdAt: number,
  steps: [minutes: number, field: 'status' | 'assignment_group', to: string][],
  extra: Partial<AgentTicket> = {},
): AgentTicket {
  let status = 'Open';
  let group: string | null = 'NOC';
  const history: TicketTransition[] = [];
  for (const [minutes, field, to] of steps) {
    const at = iso(createdAt + minutes * MIN);
    if (field === 'status') {
      history.push({ at, field, from: status, to });
      status = to;
    } else {
      history.push({ at, field, from: group, to });
      group = to;
    }
  }
  const last = steps.length > 0 ? createdAt + steps[steps.length - 1][0] * MIN : createdAt;
  return {
    key,
    system,
    externalId: `ext-${key}`,
    title: `Ticket ${key}`,
    status,
    priority: 'P3',
    category: null,
    customer: null,
    assignmentGroup: group,
    assignee: null,
    createdAt: iso(createdAt),
    updatedAt: iso(last),
    resolvedAt: ['Resolved', 'Closed'].includes(status) ? iso(last) : null,
    url: null,
    history,
    ...extra,
  };
}

// ---- a protocol-speaking test client ----------------------------------------------------------

class RawAgent {
  readonly received: ServerMessage[] = [];
  readonly socket: WebSocket;
  closed = false;

  constructor(url: string) {
    this.socket = new WebSocket(url);
    this.socket.on('message', (data: Buffer) => {
      const message = parseServerMessage(data, { authenticated: true });
      if (!(message instanceof ProtocolError)) this.received.push(message);
    });
    this.socket.on('close', () => (this.closed = true));
  }

  async open(): Promise<void> {
    if (this.socket.readyState !== WebSocket.OPEN) await once(this.socket, 'open');
  }

  send(message: unknown): void {
    this.socket.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  async next<T extends ServerMessage['type']>(
    type: T,
    test: (m: Extract<ServerMessage, { type: T }>) => boolean = () => true,
    from = 0,
  ): Promise<Extract<ServerMessage, { type: T }>> {
    return eventually(
      () =>
        this.received
          .slice(from)
          .find(
            (m): m is Extract<ServerMessage, { type: T }> =>
              m.type === type && test(m as Extract<ServerMessage, { type: T }>),
          ),
      `a ${type} from the server`,
      15_000,
      20,
    );
  }

  /** hello → challenge → auth with `secret`; resolves with the server's answer. */
  async handshake(agentId: string, secret: string, system = 'rest'): Promise<ServerMessage> {
    await this.open();
    this.send({ v: 1, type: 'hello', agentId, agentVersion: 'test', system });
    const challenge = await this.next('challenge');
    this.send({
      v: 1,
      type: 'auth',
      agentId,
      proof: computeAgentProof(secret, challenge.nonce, agentId),
    });
    return eventually(
      () => this.received.find((m) => m.type === 'auth_ok' || m.type === 'auth_failed'),
      'the answer to auth',
      15_000,
      20,
    );
  }

  close(): void {
    this.socket.terminate();
  }
}

// ---- a network that can be cut -----------------------------------------------------------------

class CuttableProxy {
  private server: NetServer | undefined;
  private readonly sockets = new Set<Socket>();
  port = 0;

  constructor(private readonly targetPort: () => number) {}

  async start(port = 0): Promise<number> {
    this.server = createServer((client) => {
      const upstream = new Socket();
      upstream.connect(this.targetPort(), '127.0.0.1');
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => s.destroy());
      }
      client.pipe(upstream).pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    this.server.listen(port, '127.0.0.1');
    await once(this.server, 'listening');
    this.port = (this.server.address() as { port: number }).port;
    return this.port;
  }

  /** Drops every connection and refuses new ones until `restore`. */
  async cut(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }

  async restore(): Promise<void> {
    await this.start(this.port);
  }

  async stop(): Promise<void> {
    await this.cut();
  }
}

// ---- the real agent, as its own process ---------------------------------------------------------

interface AgentLine {
  msg: string;
  taskId?: string;
  chunks?: number;
  pendingResults?: number;
}

class AgentProcess {
  readonly lines: AgentLine[] = [];
  private readonly exited: Promise<number | null>;

  constructor(private readonly child: ChildProcess) {
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    if (child.stdout) {
      createInterface({ input: child.stdout }).on('line', (line) => {
        try {
          this.lines.push(JSON.parse(line) as AgentLine);
        } catch {
          this.lines.push({ msg: line });
        }
      });
    }
  }

  count(msg: string): number {
    return this.lines.filter((l) => l.msg === msg).length;
  }

  /** Tasks the agent started and has not finished (or given up) yet. */
  running(): string[] {
    const ended = new Set(
      this.lines
        .filter((l) => l.msg === 'task done' || l.msg === 'task failed')
        .map((l) => l.taskId),
    );
    return this.lines
      .filter((l) => l.msg === 'task started' && !ended.has(l.taskId))
      .map((l) => l.taskId as string);
  }

  done(taskId: string): AgentLine | undefined {
    return this.lines.find((l) => l.msg === 'task done' && l.taskId === taskId);
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    this.child.kill('SIGTERM');
    await this.exited;
  }
}

// ---- helpers ------------------------------------------------------------------------------------

async function json<T>(url: string, init?: RequestInit): Promise<T> {
  const response = await fetch(url, init);
  if (!response.ok)
    throw new Error(`${init?.method ?? 'GET'} ${url}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

interface SeenEvent {
  eventId: string;
  type: SlaEventType;
  ticketKey: string;
  occurredAt: number;
  breachDepartment: string;
  metadata: Record<string, string>;
  receivedAt: number;
}

describe('ticket-sla (agents over websockets, PostgreSQL, Redis, Kafka)', () => {
  let dir: string;
  let service: RunningService<TicketSlaConfig> | undefined;
  let port = 0;
  const agents: AgentProcess[] = [];
  let jira: JiraSimulator;
  const raws: RawAgent[] = [];
  /** By event id: the relay and the consumer are at-least-once; distinct ids are distinct events. */
  const seen = new Map<string, SeenEvent>();
  const events = {
    find: (test: (e: SeenEvent) => boolean) => [...seen.values()].find(test),
    filter: (test: (e: SeenEvent) => boolean) => [...seen.values()].filter(test),
  };
  let proxy: CuttableProxy;

  const envFor = (extra: Record<string, string> = {}) => ({
    ...process.env,
    PORT: String(port),
    LOG_LEVEL: 'warn',
    DATABASE_URL: process.env.TEST_DATABASE_URL,
    DATABASE_SCHEMA: `ticket_sla_it_${RUN}`,
    KAFKA_TOPIC_PREFIX: `${process.env.KAFKA_TOPIC_PREFIX}-ts-${RUN}`,
    TOKEN: 'agent-seed',
    KEY: KEYS['agent-seed'],
    TICKET_SLA_AGENTS: (['agent-b', 'agent-c', 'raw-1'] as const)
      .map((id) => `${id}:${KEYS[id]}`)
      .join(','),
    INTERVAL: '1',
    FILTER_ARREARS: FILTERS.arrears.id,
    FILTER_STOPPED: FILTERS.stopped.id,
    TICKET_SLA_TASK_TIMEOUT_MS: '8000',
    TICKET_SLA_HEARTBEAT_MS: '1000',
    TICKET_SLA_TIMER_REFRESH_MS: '300',
    TICKET_SLA_LEASE_TTL_MS: '3000',
    TICKET_SLA_POLICY_FILE: join(dir, 'sla.yaml'),
    TICKET_SLA_REPLICA_ID: `it-${RUN}`,
    ...extra,
  });
  const url = () => service?.url ?? '';
  const hubUrl = () => `${url().replace('http', 'ws')}/agents`;
  const sql = <T>(text: string, params: unknown[] = []) =>
    (service as RunningService<TicketSlaConfig>).runtime.dataSource.query<T>(text, params);
  const schema = `"ticket_sla_it_${RUN}"`;

  /** Starts the built agent (dist/apps/ticket-agent) reading the Jira simulator; resolves once authenticated. */
  const startAgent = async (id: AgentId, server = hubUrl()) => {
    const child = spawn(
      process.execPath,
      [join(process.cwd(), 'dist', 'apps', 'ticket-agent', 'src', 'main.js')],
      {
        env: {
          PATH: process.env.PATH,
          TICKET_SYSTEM: 'jira',
          URL: jira.url,
          EMAIL: JIRA_EMAIL,
          PASSWORD: JIRA_TOKEN,
          TOKEN: id,
          KEY: KEYS[id],
          SERVER: server,
          OUTBOX_DIR: join(dir, `outbox-${id}`),
          LOG_LEVEL: 'info',
        },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    const agent = new AgentProcess(child);
    agents.push(agent);
    await eventually(
      () => agent.count('authenticated with server') > 0,
      `${id} authenticated`,
      30_000,
    );
    return agent;
  };

  /** What the Jira filters select: the tickets the service must end up with, and their histories. */
  const jiraTruth = () => {
    const issues = new Map(
      [...jira.matching(FILTERS.arrears.jql), ...jira.matching(FILTERS.stopped.jql)].map((i) => [
        i.key,
        i,
      ]),
    );
    return {
      keys: [...issues.keys()].sort(),
      transitions: [...issues.values()].reduce((n, i) => n + i.transitions.length, 0),
    };
  };

  const storedJira = async () => {
    const [row] = await sql<{ tickets: number; keys: string[] | null; transitions: number }[]>(
      `SELECT count(*)::int AS tickets, array_agg("key" ORDER BY "key" COLLATE "C") AS keys,
         (SELECT count(*)::int FROM ${schema}."ticket_transitions" tt JOIN ${schema}."tickets" t2 ON t2."id" = tt."ticket_id" WHERE t2."system" = 'jira') AS transitions
       FROM ${schema}."tickets" WHERE "system" = 'jira'`,
    );
    return { tickets: row.tickets, keys: row.keys ?? [], transitions: row.transitions };
  };

  /** The chunks the service stored for a task: each once, 0..n, the last one final. */
  const chunksOf = (taskId: string) =>
    sql<{ chunk: number; final: boolean; n: number }[]>(
      `SELECT "chunk", "final", count(*)::int AS n FROM ${schema}."agent_results" WHERE "task_id" = $1 GROUP BY 1, 2 ORDER BY 1`,
      [taskId],
    );

  const expectStoredOnce = async (agent: AgentProcess, taskId: string) => {
    const done = await eventually(() => agent.done(taskId), `task ${taskId} done`, 60_000);
    const chunks = await eventually(async () => {
      const rows = await chunksOf(taskId);
      return rows.length === done.chunks ? rows : undefined;
    }, `every chunk of ${taskId} stored`);
    expect(chunks.map((c) => c.chunk)).toEqual(
      Array.from({ length: done.chunks ?? 0 }, (_, i) => i),
    );
    expect(chunks.every((c) => c.n === 1)).toBe(true);
    expect(chunks.map((c) => c.final)).toEqual(chunks.map((_, i) => i === chunks.length - 1));
  };

  const rawAgent = async (id: AgentId = 'raw-1', secret: string = KEYS[id], system = 'rest') => {
    const raw = new RawAgent(hubUrl());
    raws.push(raw);
    const answer = await raw.handshake(id, secret, system);
    return { raw, answer };
  };

  /** Follows sla.events.v1 through the service's transport (again after each restart: same group). */
  const watchEvents = async (running: RunningService<TicketSlaConfig>) => {
    await running.runtime.transport.subscribe({
      groupId: `ticket-sla-it-events-${RUN}`,
      topics: [Topics.SlaEvents.name],
      fromBeginning: true,
      handler: async (record) => {
        const event = fromBinary(SlaEventSchema, record.value);
        if (seen.has(event.eventId)) return;
        seen.set(event.eventId, {
          eventId: event.eventId,
          type: event.type,
          ticketKey: event.ticketKey,
          occurredAt: event.occurredAt ? timestampMs(event.occurredAt) : 0,
          breachDepartment: event.breachDepartment,
          metadata: event.metadata,
          receivedAt: Date.now(),
        });
      },
    });
  };

  beforeAll(async () => {
    jira = new JiraSimulator({
      username: JIRA_EMAIL,
      apiToken: JIRA_TOKEN,
      projects: ['NOC'],
      tickets: { count: 30, seed: 7 },
      maxResultsLimit: 5,
      filters: {
        [FILTERS.arrears.id]: { name: 'arrears', jql: FILTERS.arrears.jql },
        [FILTERS.stopped.id]: { name: 'stopped', jql: FILTERS.stopped.jql },
      },
    });
    await jira.start();
    dir = await mkdtemp(join(tmpdir(), 'ticket-sla-it-'));
    await writeFile(join(dir, 'sla.yaml'), POLICY_FILE);
    service = await bootstrap(envFor());
    port = Number(new URL(service.url).port);
    await watchEvents(service);
  }, 120_000);

  afterAll(async () => {
    for (const raw of raws) raw.close();
    for (const agent of agents) await agent.stop().catch(() => undefined);
    await proxy?.stop().catch(() => undefined);
    await service?.close().catch(() => undefined);
    await jira?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses wrong credentials, unknown agents and anything before authentication', async () => {
    const wrong = await rawAgent('raw-1', 'not-the-right-key-at-all');
    expect(wrong.answer).toMatchObject({ type: 'auth_failed', reason: 'authentication failed' });
    await eventually(() => wrong.raw.closed, 'the refused connection closed', 5000);

    const unknown = new RawAgent(hubUrl());
    raws.push(unknown);
    const answer = await unknown.handshake('agent-nobody', 'whatever-key-0123456789');
    // Same words for an unknown agent as for a wrong proof: nothing to learn from outside.
    expect(answer).toMatchObject({ type: 'auth_failed', reason: 'authentication failed' });

    const early = new RawAgent(hubUrl());
    raws.push(early);
    await early.open();
    early.send({ v: 1, type: 'ping', sentAt: Date.now() });
    const refused = await early.next('error');
    expect(refused.reason).toContain('"ping" before authentication');
    expect(early.closed).toBe(false);
  });

  it('answers malformed messages with an error and a reason, and keeps the connection', async () => {
    const { raw, answer } = await rawAgent();
    expect(answer).toMatchObject({ type: 'auth_ok', agentId: 'raw-1' });
    const from = raw.received.length;
    raw.send('{not json');
    raw.send({ v: 2, type: 'ping', sentAt: 1 });
    const bad = ticketOf('rest', 'BAD-1', Date.now(), []);
    raw.send({
      v: 1,
      type: 'task_result',
      taskId: 't-x',
      resultId: 'r-bad-1',
      chunk: 0,
      final: true,
      tickets: [{ ...bad, createdAt: 'yesterday' }],
    });
    const reasons = await eventually(() => {
      const errors = raw.received.slice(from).filter((m) => m.type === 'error');
      return errors.length >= 3
        ? errors.map((e) => (e.type === 'error' ? e : undefined))
        : undefined;
    }, 'three error replies');
    expect(reasons[0]?.reason).toBe('message is not valid JSON');
    expect(reasons[1]?.reason).toContain('unsupported protocol version 2');
    expect(reasons[2]).toMatchObject({ refType: 'task_result', refId: 'r-bad-1' });
    expect(reasons[2]?.reason).toContain('task_result.tickets[0].createdAt');
    const sentAt = Date.now();
    raw.send({ v: 1, type: 'ping', sentAt });
    await raw.next('pong', (m) => m.pingSentAt === sentAt);
    expect(raw.closed).toBe(false);
  });

  it('applies a result exactly once even when it is sent twice, and acks it both times', async () => {
    const { raw } = await rawAgent();
    const created = Date.now() - 5 * MIN;
    const ticket = ticketOf('rest', 'TWICE-1', created, [
      [2, 'status', 'In Progress'],
      [5, 'assignment_group', 'Field'],
    ]);
    const result = {
      v: 1,
      type: 'task_result',
      taskId: 'task-twice',
      resultId: `r-twice-${RUN}`,
      chunk: 0,
      final: true,
      tickets: [ticket],
    };
    const from = raw.received.length;
    raw.send(result);
    raw.send(result);
    await eventually(
      () =>
        raw.received
          .slice(from)
          .filter((m) => m.type === 'result_ack' && m.resultId === result.resultId).length === 2,
      'two acks of the same result',
    );
    const [stored] = await sql<{ n: number; transitions: number }[]>(
      `SELECT count(*)::int AS n, (SELECT count(*)::int FROM ${schema}."ticket_transitions" tt JOIN ${schema}."tickets" t2 ON t2."id" = tt."ticket_id" WHERE t2."key" = 'TWICE-1') AS transitions
       FROM ${schema}."tickets" WHERE "system" = 'rest' AND "key" = 'TWICE-1'`,
    );
    expect(stored).toEqual({ n: 1, transitions: 2 });
    const [results] = await sql<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM ${schema}."agent_results" WHERE "result_id" = $1`,
      [result.resultId],
    );
    expect(results.n).toBe(1);
    const view = await json<{
      status: string;
      assignmentGroup: string;
      history: unknown[];
      sla: { target: string; state: string }[];
    }>(`${url()}/tickets/rest/TWICE-1`);
    expect(view).toMatchObject({ status: 'In Progress', assignmentGroup: 'Field' });
    expect(view.history).toHaveLength(2);
    expect(view.sla.map((s) => `${s.target}:${s.state}`).sort()).toEqual([
      'resolution:running',
      'response:met',
    ]);
  });

  it('lets two agents share the tasks without doing one twice, and lists them with lag and counters', async () => {
    const b = await startAgent('agent-b');
    const c = await startAgent('agent-c');
    const rows = await eventually(async () => {
      const found = await sql<{ task_id: string; agents: number; agent: string }[]>(
        `SELECT "task_id", count(DISTINCT "agent_id")::int AS agents, min("agent_id") AS agent FROM ${schema}."agent_results"
         WHERE "agent_id" IN ('agent-b', 'agent-c') GROUP BY "task_id"`,
      );
      const by = new Set(found.map((r) => r.agent));
      return found.length >= 6 && by.size === 2 ? found : undefined;
    }, 'six tasks done, by both agents');
    expect(rows.every((r) => r.agents === 1)).toBe(true);
    // Each task reached one agent only: the agents' own logs agree with the server.
    const startedB = new Set(b.lines.filter((l) => l.msg === 'task started').map((l) => l.taskId));
    expect(c.lines.filter((l) => l.msg === 'task started' && startedB.has(l.taskId))).toEqual([]);
    const truth = jiraTruth();
    const stored = await eventually(
      async () => {
        const now = await storedJira();
        return now.tickets === truth.keys.length && now.transitions === truth.transitions
          ? now
          : undefined;
      },
      'every Jira ticket of the filters stored with its whole history',
      60_000,
    );
    expect(stored.keys).toEqual(truth.keys);
    const listed = await eventually(async () => {
      const body = await json<{
        agents: {
          id: string;
          connected: boolean;
          lagMs: number | null;
          tasksDone: number;
          lastSeenAt: string | null;
          system: string;
        }[];
      }>(`${url()}/agents`);
      const mine = body.agents.filter((x) => x.id === 'agent-b' || x.id === 'agent-c');
      return mine.every((x) => x.connected && x.lagMs !== null && x.tasksDone > 0)
        ? mine
        : undefined;
    }, 'both agents listed as connected, with lag and tasks done');
    for (const agent of listed) {
      expect(agent.system).toBe('jira');
      expect(typeof agent.lastSeenAt).toBe('string');
    }
  }, 120_000);

  it('refuses a revoked agent: disconnected now, refused from then on', async () => {
    const agentC = agents[agents.length - 1];
    const revoked = await json<{ revoked: boolean; connectionsClosed: number }>(
      `${url()}/agents/agent-c/revoke`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-actor': 'it-admin' },
        body: JSON.stringify({ reason: 'laptop stolen' }),
      },
    );
    expect(revoked).toMatchObject({ revoked: true, connectionsClosed: 1 });
    await eventually(
      () =>
        agentC.count(
          'server refused authentication: check TOKEN (agent id) and KEY, or whether the agent was revoked',
        ) > 0,
      'agent-c told it is refused',
    );
    const again = new RawAgent(hubUrl());
    raws.push(again);
    expect(await again.handshake('agent-c', KEYS['agent-c'], 'jira')).toMatchObject({
      type: 'auth_failed',
      reason: 'agent revoked',
    });
    const body = await json<{
      agents: { id: string; revoked: boolean; connected: boolean; revokedBy: string }[];
    }>(`${url()}/agents`);
    expect(body.agents.find((x) => x.id === 'agent-c')).toMatchObject({
      revoked: true,
      connected: false,
      revokedBy: 'it-admin',
    });
    expect((await fetch(`${url()}/agents/agent-nobody/revoke`, { method: 'POST' })).status).toBe(
      404,
    );
  });

  it('stores every result exactly once across a server restart mid-task and a network cut', async () => {
    for (const agent of agents) await agent.stop();
    agents.length = 0;
    proxy = new CuttableProxy(() => port);
    const proxyPort = await proxy.start();
    // A slow Jira: each search takes seconds, so the outages below fall in the middle of one.
    jira.delayNext(10_000, 150);
    const agent = await startAgent('agent-seed', `ws://127.0.0.1:${proxyPort}/agents`);
    const storedSome = async (taskId: string) => (await chunksOf(taskId)).length > 0;

    // The server goes down while a task is half delivered; the agent goes on reading into its outbox.
    const first = await eventually(
      async () => {
        for (const taskId of agent.running()) if (await storedSome(taskId)) return taskId;
        return undefined;
      },
      'a task with chunks stored and more to come',
      30_000,
    );
    await (service as RunningService<TicketSlaConfig>).close();
    service = undefined;
    await new Promise((resolve) => setTimeout(resolve, 1500));
    service = await bootstrap(envFor());
    await watchEvents(service);
    await eventually(
      () => agent.count('authenticated with server') >= 2,
      'the agent back after the restart',
      30_000,
    );
    await expectStoredOnce(agent, first);

    // Then the network is cut for a while, in the middle of another task.
    const second = await eventually(
      async () => {
        for (const taskId of agent.running())
          if (taskId !== first && (await storedSome(taskId))) return taskId;
        return undefined;
      },
      'another task under way',
      30_000,
    );
    await proxy.cut();
    await new Promise((resolve) => setTimeout(resolve, 2000));
    await proxy.restore();
    await eventually(
      () => agent.count('authenticated with server') >= 3,
      'the agent back after the cut',
      60_000,
    );
    await expectStoredOnce(agent, second);

    const truth = jiraTruth();
    const stored = await storedJira();
    expect(stored).toEqual({
      tickets: truth.keys.length,
      keys: truth.keys,
      transitions: truth.transitions,
    });
    await agent.stop();
    expect(agent.lines.find((l) => l.msg === 'ticket agent stopped')).toBeDefined();
  }, 180_000);

  it('publishes at_risk and breached on sla.events.v1 at the crossing instants', async () => {
    // A system of its own, so this breach stays out of the BI figures below.
    const { raw } = await rawAgent('raw-1', KEYS['raw-1'], 'fastsys');
    const created = Date.now() - 50_000;
    const ticket = ticketOf('fastsys', 'FAST-1', created, [], {
      priority: 'P1',
      assignmentGroup: 'NOC',
    });
    raw.send({
      v: 1,
      type: 'task_result',
      taskId: 'task-fast',
      resultId: `r-fast-${RUN}`,
      chunk: 0,
      final: true,
      tickets: [ticket],
    });
    const breached = await eventually(
      () => events.find((e) => e.ticketKey === 'FAST-1' && e.type === SlaEventType.BREACHED),
      'the breach of FAST-1',
      40_000,
    );
    const atRisk = events.find((e) => e.ticketKey === 'FAST-1' && e.type === SlaEventType.AT_RISK);
    expect(atRisk?.occurredAt).toBe(created + 45_000);
    expect(atRisk?.metadata).toMatchObject({ threshold: '0.75', target: 'resolution' });
    expect(breached).toMatchObject({ occurredAt: created + 60_000, breachDepartment: 'NOC' });
    // Fired by the timer at the crossing, not by a later poll: no ticket change came in between.
    expect(breached.receivedAt).toBeGreaterThanOrEqual(created + 60_000);
    expect(events.filter((e) => e.ticketKey === 'FAST-1')).toHaveLength(2);
  }, 60_000);

  it('takes tickets from itsm.tickets.v1, recording status and group changes once', async () => {
    const runtime = (service as RunningService<TicketSlaConfig>).runtime;
    const opened = Date.now() - 20 * MIN;
    const publish = async (
      id: string,
      status: TicketStatus,
      sourceStatus: string,
      group: string,
      updated: number,
    ) => {
      const ticket = create(Topics.ItsmTickets, {
        sysId: 'sys-itsm-1',
        number: 'INC0099001',
        tenantId: 'towerco',
        priority: TicketPriority.P3_MODERATE,
        title: 'Rectifier alarm',
        status,
        sourceStatus,
        assignmentGroup: group,
        openedAt: timestampFromMs(opened),
        updatedAt: timestampFromMs(updated),
      });
      await runtime.transport.publish([
        {
          topic: Topics.ItsmTickets.name,
          key: ticket.sysId,
          value: encodeEvent(Topics.ItsmTickets, ticket),
          headers: envelopeHeaders(Topics.ItsmTickets, { source: ceSourceOf('ingestor'), id }),
        },
      ]);
    };
    await publish(
      `itsm-1-${RUN}`,
      TicketStatus.IN_PROGRESS,
      'In Progress',
      'Service Desk',
      opened + 2 * MIN,
    );
    await publish(
      `itsm-2-${RUN}`,
      TicketStatus.ON_HOLD,
      'On Hold',
      'Vendor Management',
      opened + 10 * MIN,
    );
    await publish(
      `itsm-2-${RUN}`,
      TicketStatus.ON_HOLD,
      'On Hold',
      'Vendor Management',
      opened + 10 * MIN,
    );
    const view = await eventually(async () => {
      const response = await fetch(`${url()}/tickets/servicenow/INC0099001`);
      if (!response.ok) return undefined;
      const body = (await response.json()) as {
        status: string;
        history: { field: string; from: string; to: string; at: string }[];
      };
      return body.status === 'On Hold' ? body : undefined;
    }, 'the itsm ticket on hold');
    expect(
      view.history.map((h) => `${h.field}:${h.from}->${h.to}@${Date.parse(h.at) - opened}`),
    ).toEqual([
      `assignment_group:Service Desk->Vendor Management@${10 * MIN}`,
      `status:In Progress->On Hold@${10 * MIN}`,
    ]);
    const paused = await json<{ rows: { ticketKey: string; pausedSince: string }[] }>(
      `${url()}/bi/paused?system=servicenow`,
    );
    expect(paused.rows.map((r) => [r.ticketKey, Date.parse(r.pausedSince) - opened])).toEqual([
      ['INC0099001', 10 * MIN],
    ]);
  });

  it('answers the BI endpoints with the expected figures for a known dataset, and exports CSV', async () => {
    const { raw } = await rawAgent();
    const day1 = Date.parse('2025-01-10T08:00:00Z');
    const day2 = Date.parse('2025-01-11T08:00:00Z');
    const now = Date.now();
    const dataset = [
      // Response 5 min, resolved in 40: both met (NOC).
      ticketOf('rest', 'BI-1', day1, [
        [5, 'status', 'In Progress'],
        [40, 'status', 'Resolved'],
      ]),
      // Response 2 min; 40 min in NOC then Field, whose hands it is in at 60: breached, cause Field.
      ticketOf('rest', 'BI-2', day1 + 60 * MIN, [
        [2, 'status', 'In Progress'],
        [40, 'assignment_group', 'Field'],
        [90, 'status', 'Resolved'],
      ]),
      // Response after 20 min: breached at 10 in NOC; resolved in 50: met.
      ticketOf('rest', 'BI-3', day2, [
        [20, 'status', 'In Progress'],
        [50, 'status', 'Resolved'],
      ]),
      // Open now: breached an hour ago in Field; at risk (past 75 %); paused since minute 5.
      ticketOf('rest', 'LIVE-BREACHED', now - 120 * MIN, [
        [1, 'status', 'In Progress'],
        [29, 'assignment_group', 'Field'],
      ]),
      ticketOf('rest', 'LIVE-RISK', now - 50 * MIN, [[1, 'status', 'In Progress']]),
      ticketOf('rest', 'LIVE-PAUSED', now - 10 * MIN, [
        [1, 'status', 'In Progress'],
        [5, 'status', 'On Hold'],
      ]),
    ];
    raw.send({
      v: 1,
      type: 'task_result',
      taskId: 'task-bi',
      resultId: `r-bi-${RUN}`,
      chunk: 0,
      final: true,
      tickets: dataset,
    });
    await raw.next('result_ack', (m) => m.resultId === `r-bi-${RUN}`);
    const period = 'system=rest&from=2025-01-10T00:00:00Z&to=2025-01-12T00:00:00Z';

    expect(await json(`${url()}/bi/compliance?${period}`)).toEqual([
      { key: null, met: 4, breached: 2, total: 6, compliancePct: 66.67 },
    ]);
    expect(await json(`${url()}/bi/compliance?${period}&group_by=target`)).toEqual([
      { key: 'resolution', met: 2, breached: 1, total: 3, compliancePct: 66.67 },
      { key: 'response', met: 2, breached: 1, total: 3, compliancePct: 66.67 },
    ]);
    expect(
      await json(`${url()}/bi/compliance?${period}&target=resolution&group_by=department`),
    ).toEqual([
      { key: 'Field', met: 0, breached: 1, total: 1, compliancePct: 0 },
      { key: 'NOC', met: 2, breached: 0, total: 2, compliancePct: 100 },
    ]);
    expect(await json(`${url()}/bi/trend?${period}&target=resolution`)).toEqual([
      { key: '2025-01-10', met: 1, breached: 1, total: 2, compliancePct: 50 },
      { key: '2025-01-11', met: 1, breached: 0, total: 1, compliancePct: 100 },
    ]);
    expect(await json(`${url()}/bi/mtta-mttr?${period}`)).toEqual([
      { key: null, target: 'resolution', count: 3, meanBusinessMs: 60 * MIN, meanWallMs: 60 * MIN },
      { key: null, target: 'response', count: 3, meanBusinessMs: 9 * MIN, meanWallMs: 9 * MIN },
    ]);
    expect(await json(`${url()}/bi/breach-causes?${period}`)).toEqual([
      { department: 'NOC', breachesHeld: 1, breachesTopConsumer: 2, budgetConsumedMs: 50 * MIN },
      { department: 'Field', breachesHeld: 1, breachesTopConsumer: 0, budgetConsumedMs: 20 * MIN },
    ]);

    const breaches = await json<{
      total: number;
      rows: {
        ticketKey: string;
        target: string;
        breachDepartment: string;
        departments: { department: string; businessMs: number }[];
      }[];
    }>(`${url()}/bi/breaches?system=rest`);
    expect(breaches.total).toBe(1);
    expect(breaches.rows[0]).toMatchObject({
      ticketKey: 'LIVE-BREACHED',
      target: 'resolution',
      breachDepartment: 'Field',
    });
    expect(breaches.rows[0].departments).toEqual([
      { department: 'Field', businessMs: 31 * MIN },
      { department: 'NOC', businessMs: 29 * MIN },
    ]);
    const risk = await json<{
      total: number;
      rows: { ticketKey: string; riskShare: number; department: string }[];
    }>(`${url()}/bi/at-risk?system=rest`);
    expect(risk.rows.map((r) => [r.ticketKey, r.riskShare, r.department])).toEqual([
      ['LIVE-RISK', 0.75, 'NOC'],
    ]);
    const paused = await json<{ rows: { ticketKey: string; pausedSince: string }[] }>(
      `${url()}/bi/paused?system=rest`,
    );
    expect(paused.rows.map((r) => [r.ticketKey, r.pausedSince])).toEqual([
      ['LIVE-PAUSED', iso(now - 5 * MIN)],
    ]);
    // TWICE-1 (from the earlier test) is open and running too.
    expect(await json(`${url()}/bi/summary?system=rest&target=resolution`)).toMatchObject({
      breached: 1,
      atRisk: 1,
      paused: 1,
    });

    const csv = await (await fetch(`${url()}/bi/breaches.csv?system=rest`)).text();
    const lines = csv.trimEnd().split('\r\n');
    expect(lines[0]).toMatch(/^ticket_key,system,title,status,priority/);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(/^LIVE-BREACHED,rest,/);
    expect(lines[1]).toContain('Field: 31 min; NOC: 29 min');
    const complianceCsv = await (
      await fetch(`${url()}/bi/compliance.csv?${period}&group_by=target`)
    ).text();
    expect(complianceCsv).toBe(
      'key,met,breached,total,compliance_pct\r\nresolution,2,1,3,66.67\r\nresponse,2,1,3,66.67\r\n',
    );
    expect((await fetch(`${url()}/bi/compliance?group_by=weekday`)).status).toBe(400);
    expect((await fetch(`${url()}/bi/trend?tz=Mars/Olympus`)).status).toBe(400);
  });

  it('validates policy changes, refuses edits of file-managed ones, and recomputes affected open tickets', async () => {
    const put = (id: string, body: unknown) =>
      fetch(`${url()}/sla/policies/${id}`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json', 'x-actor': 'it-admin' },
        body: JSON.stringify(body),
      });
    const fromFile = await put('default', {
      id: 'default',
      name: 'x',
      calendarId: 'always',
      targets: { resolutionMinutes: 5 },
      stopStatuses: ['Closed'],
    });
    expect(fromFile.status).toBe(409);
    const unknownCalendar = await put('relaxed', {
      id: 'relaxed',
      name: 'x',
      calendarId: 'nope',
      targets: { resolutionMinutes: 5 },
      stopStatuses: ['Closed'],
    });
    expect(unknownCalendar.status).toBe(400);
    expect(await unknownCalendar.text()).toContain('no business calendar \\"nope\\"');
    const relaxed = await put('relaxed', {
      id: 'relaxed',
      name: 'P3 relaxed 10 h',
      calendarId: 'always',
      match: { priorities: ['P3'] },
      targets: { resolutionMinutes: 600 },
      pauseStatuses: ['On Hold'],
      stopStatuses: ['Resolved', 'Closed'],
    });
    expect(relaxed.status).toBe(200);
    await eventually(async () => {
      const breaches = await json<{ total: number }>(`${url()}/bi/breaches?system=rest`);
      return breaches.total === 0;
    }, 'LIVE-BREACHED no longer breached under the relaxed policy');
    expect(
      (
        await fetch(`${url()}/sla/policies/relaxed`, {
          method: 'DELETE',
          headers: { 'x-actor': 'it-admin' },
        })
      ).status,
    ).toBe(204);
    await eventually(
      async () => (await json<{ total: number }>(`${url()}/bi/breaches?system=rest`)).total === 1,
      'breached again under the default policy',
    );
    // Let the relay and the consumer catch up before checking nothing more was announced.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    // The breach was announced once when it happened; going back to it announces nothing again.
    expect(
      events.filter((e) => e.ticketKey === 'LIVE-BREACHED' && e.type === SlaEventType.BREACHED),
    ).toHaveLength(1);
  });
});
