import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AgentTicket, TaskMessage, TaskResultMessage } from '@telcomesh/ticket-agent-protocol';
import type { AgentLogger } from '../agent-logger';
import { ResultOutbox } from '../outbox/result-outbox';
import { TestAgentHub } from '../testing/test-agent-hub';
import type { TicketSystemAdapter } from '../ticket-system-adapter';
import { TicketAgentClient, type DisconnectedInfo } from './ticket-agent-client';

/** An adapter whose pages after the first wait for the test: one `release()` lets one more through. */
class GatedAdapter implements TicketSystemAdapter {
  readonly system = 'jira';
  private credits = 0;
  private wake?: () => void;

  constructor(private readonly pages: AgentTicket[][]) {}

  release(): void {
    this.credits++;
    this.wake?.();
  }

  async *search(): AsyncIterable<AgentTicket[]> {
    for (const [index, page] of this.pages.entries()) {
      if (index > 0) {
        while (this.credits === 0) await new Promise<void>((resolve) => (this.wake = resolve));
        this.credits--;
      }
      yield page;
    }
  }

  async fetch(): Promise<AgentTicket[]> {
    return [];
  }

  async check(): Promise<void> {}
}

function ticket(n: number): AgentTicket {
  return {
    key: `NOC-${n}`,
    system: 'jira',
    externalId: String(n),
    title: `ticket ${n}`,
    status: 'Open',
    priority: 'P1',
    category: null,
    customer: null,
    assignmentGroup: 'NOC',
    assignee: null,
    createdAt: '2024-05-01T09:00:00Z',
    updatedAt: '2024-05-01T09:00:00Z',
    resolvedAt: null,
    url: null,
    history: [{ at: '2024-05-01T09:00:00Z', field: 'status', from: null, to: 'Open' }],
  };
}

function task(taskId: string): TaskMessage {
  return {
    v: 1,
    type: 'task',
    taskId,
    system: 'jira',
    kind: 'search',
    query: { filterId: 'FILTER_ARREARS' },
    deadline: new Date(Date.now() + 60_000).toISOString(),
  };
}

interface LogLine {
  level: string;
  message: string;
  context: Record<string, unknown>;
}

const AGENT_ID = 'agent-msk-1';
const SECRET = 'the-agent-secret-0123456789';

describe('TicketAgentClient against an agent hub', () => {
  let dir: string;
  let hub: TestAgentHub;
  let url: string;
  let logs: LogLine[];
  const cleanups: (() => Promise<void>)[] = [];

  const logger: AgentLogger = {
    debug: (context, message) => logs.push({ level: 'debug', message, context }),
    info: (context, message) => logs.push({ level: 'info', message, context }),
    warn: (context, message) => logs.push({ level: 'warn', message, context }),
    error: (context, message) => logs.push({ level: 'error', message, context }),
  };

  async function agent(adapter: TicketSystemAdapter, secret = SECRET, maxResultsInFlight = 16) {
    const outbox = await ResultOutbox.open({ dir, maxBytes: 16 * 1024 * 1024, logger });
    const client = new TicketAgentClient({
      serverUrl: url,
      agentId: AGENT_ID,
      secret,
      agentVersion: 'test',
      adapter,
      outbox,
      logger,
      random: () => 0.5,
      backoff: { initialDelayMs: 40, maxDelayMs: 200, authFailureDelayMs: 300 },
      maxResultsInFlight,
    });
    const stop = async () => {
      await client.close();
      await outbox.close();
    };
    cleanups.push(stop);
    client.start();
    return { client, outbox, stop };
  }

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ticket-agent-client-'));
    logs = [];
    hub = new TestAgentHub({ [AGENT_ID]: SECRET });
    url = await hub.start();
  });

  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup();
    expect(hub.refused).toEqual([]); // the agent never sent a frame the protocol refuses
    await hub.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('authenticates, runs a task and gets every chunk acked', async () => {
    const adapter = new GatedAdapter([[ticket(1), ticket(2)], [ticket(3)]]);
    const { client, outbox } = await agent(adapter);
    const [auth] = (await once(client, 'authenticated')) as [{ sessionId: string }];
    expect(auth.sessionId).toBe('s-1');
    const hello = hub.latest().received[0];
    expect(hello).toEqual({
      v: 1,
      type: 'hello',
      agentId: AGENT_ID,
      agentVersion: 'test',
      system: 'jira',
    });

    hub.send(hub.latest(), task('t-1'));
    await hub.waitFor((m) => m.type === 'task_result' && m.chunk === 0, 'chunk 0');
    adapter.release();
    await hub.waitFor((m) => m.type === 'task_result' && m.final, 'final chunk');
    while (outbox.stats().pending > 0) await once(client, 'acked');

    const results = hub.results().map((r) => r.message);
    expect(results.map((m) => [m.taskId, m.chunk, m.final, m.tickets.map((t) => t.key)])).toEqual([
      ['t-1', 0, false, ['NOC-1', 'NOC-2']],
      ['t-1', 1, false, ['NOC-3']],
      ['t-1', 2, true, []],
    ]);
    // The secret itself never crossed the wire.
    expect(hub.latest().rawFrames.some((f) => f.includes(SECRET))).toBe(false);
    expect(JSON.stringify(logs)).not.toContain(SECRET);
  });

  it('re-sends an unacked result after the server drops mid-task, and only unacked ones', async () => {
    hub.autoAck = false;
    const adapter = new GatedAdapter([[ticket(1)], [ticket(2)]]);
    const { client, outbox } = await agent(adapter);
    await once(client, 'authenticated');
    hub.send(hub.latest(), task('t-1'));
    const first = (await hub.waitFor(
      (m) => m.type === 'task_result',
      'chunk 0',
    )) as TaskResultMessage;

    // The server goes away before acking chunk 0.
    const dropped = once(client, 'disconnected') as Promise<[DisconnectedInfo]>;
    hub.latest().socket.terminate();
    const [info] = await dropped;
    expect(info.wasAuthenticated).toBe(true);
    expect(info.reconnectInMs).toBe(20); // full jitter: 0.5 × 40 ms window of attempt 1

    hub.autoAck = true;
    const [again] = (await once(client, 'authenticated')) as [{ resent: number }];
    expect(again.resent).toBe(1);
    await hub.waitFor(
      (m, c) => c.id === 2 && m.type === 'task_result' && m.resultId === first.resultId,
      're-sent chunk 0',
    );
    adapter.release();
    const last = (await hub.waitFor(
      (m) => m.type === 'task_result' && m.final,
      'final',
    )) as TaskResultMessage;
    while (outbox.stats().pending > 0) await once(client, 'acked');

    const middle = hub.results()[2].message;
    expect(middle.chunk).toBe(1);
    expect(hub.results().map((r) => [r.connection, r.message.resultId])).toEqual([
      [1, first.resultId],
      [2, first.resultId],
      [2, middle.resultId],
      [2, last.resultId],
    ]);
    expect(hub.results().map((r) => r.message)[1]).toEqual(first);

    // A third connection finds nothing owed: acked results are not sent again.
    hub.latest().socket.terminate();
    const [third] = (await once(client, 'authenticated')) as [{ resent: number }];
    expect(third.resent).toBe(0);
    hub.send(hub.latest(), { v: 1, type: 'ping', sentAt: 1 });
    await hub.waitFor((m, c) => c.id === 3 && m.type === 'pong', 'pong on connection 3');
    expect(hub.results()).toHaveLength(4);
  });

  it('sends results stored while the server was unreachable after an agent restart', async () => {
    hub.autoAck = false;
    const adapter = new GatedAdapter([[ticket(1)]]);
    const first = await agent(adapter);
    await once(first.client, 'authenticated');
    hub.send(hub.latest(), task('t-1'));
    await hub.waitFor((m) => m.type === 'task_result' && m.final, 'final result');
    const sent = hub.results().map((r) => r.message.resultId);
    expect(sent).toHaveLength(2);
    await first.stop();

    hub.autoAck = true;
    const second = await agent(new GatedAdapter([]));
    expect(second.outbox.pending().map((e) => e.resultId)).toEqual(sent);
    const acked: string[] = [];
    second.client.on('acked', (id) => acked.push(id));
    while (acked.length < 2) await once(second.client, 'acked');
    expect(acked).toEqual(sent);
    expect(second.outbox.pending()).toEqual([]);
    expect(hub.results().map((r) => [r.connection, r.message.resultId])).toEqual([
      [1, sent[0]],
      [1, sent[1]],
      [2, sent[0]],
      [2, sent[1]],
    ]);
  });

  it('keeps at most maxResultsInFlight results unacked on the wire', async () => {
    hub.autoAck = false;
    const pages = [1, 2, 3, 4].map((n) => [ticket(n)]);
    const adapter = new GatedAdapter(pages);
    const { client, outbox } = await agent(adapter, SECRET, 2);
    await once(client, 'authenticated');
    hub.send(hub.latest(), task('t-1'));
    for (let i = 0; i < 3; i++) adapter.release();
    await hub.waitFor((m) => m.type === 'task_result' && m.chunk === 1, 'chunk 1');
    while (outbox.stats().pending < 5) await new Promise((resolve) => setTimeout(resolve, 10));
    // A ping round trip: anything the agent wanted to send has arrived by now.
    hub.send(hub.latest(), { v: 1, type: 'ping', sentAt: 1 });
    await hub.waitFor((m) => m.type === 'pong', 'pong');
    expect(hub.results().map((r) => r.message.chunk)).toEqual([0, 1]);

    hub.send(hub.latest(), {
      v: 1,
      type: 'result_ack',
      resultId: hub.results()[0].message.resultId,
    });
    await hub.waitFor((m) => m.type === 'task_result' && m.chunk === 2, 'chunk 2 after an ack');
    hub.send(hub.latest(), { v: 1, type: 'ping', sentAt: 2 });
    await hub.waitFor((m) => m.type === 'pong' && m.pingSentAt === 2, 'pong 2');
    expect(hub.results().map((r) => r.message.chunk)).toEqual([0, 1, 2]);
  });

  it('backs off and logs clearly when the server refuses the credentials', async () => {
    const { client } = await agent(new GatedAdapter([]), 'a-wrong-secret-0123456789');
    const [info] = (await once(client, 'disconnected')) as [DisconnectedInfo];
    expect(info.authRefused).toBe(true);
    expect(info.reason).toBe('authentication refused: unknown agent or wrong proof');
    expect(info.reconnectInMs).toBe(300);
    const refusal = logs.find((l) => l.level === 'error');
    expect(refusal?.message).toBe(
      'server refused authentication: check TOKEN (agent id) and KEY, or whether the agent was revoked',
    );
    expect(refusal?.context).toMatchObject({ agentId: AGENT_ID, reconnectInMs: 300, attempt: 1 });
    // It tries again after the wait, and is refused again with a longer window.
    const [second] = (await once(client, 'disconnected')) as [DisconnectedInfo];
    expect(second.attempt).toBe(2);
    expect(hub.connections).toHaveLength(2);
    expect(client.authenticated).toBe(false);
    expect(JSON.stringify(logs)).not.toContain('a-wrong-secret');
  });

  it('drops a silent connection after missed heartbeats and reconnects', async () => {
    hub.heartbeatIntervalMs = 100;
    hub.answerPings = false;
    const { client } = await agent(new GatedAdapter([]));
    await once(client, 'authenticated');
    const [info] = (await once(client, 'disconnected')) as [DisconnectedInfo];
    expect(info.reason).toMatch(/^no frame from the server for \d+ ms \(limit 300 ms\)$/);
    expect(hub.latest().received.filter((m) => m.type === 'ping').length).toBeGreaterThanOrEqual(2);
    hub.answerPings = true;
    await once(client, 'authenticated');
    expect(hub.connections).toHaveLength(2);
  });

  it('measures heartbeat lag and answers the server pings', async () => {
    hub.heartbeatIntervalMs = 100;
    const { client } = await agent(new GatedAdapter([]));
    await once(client, 'authenticated');
    hub.send(hub.latest(), { v: 1, type: 'ping', sentAt: 12345 });
    const pong = await hub.waitFor((m) => m.type === 'pong', 'pong');
    expect(pong).toMatchObject({ type: 'pong', pingSentAt: 12345 });
    await hub.waitFor((m) => m.type === 'ping', 'agent ping');
    while (client.lagMs === undefined) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(client.lagMs).toBeGreaterThanOrEqual(0);
  });

  it('answers a malformed server message with an error naming the field, and stays connected', async () => {
    const { client } = await agent(new GatedAdapter([]));
    await once(client, 'authenticated');
    hub
      .latest()
      .socket.send(
        JSON.stringify({ v: 1, type: 'task', taskId: 't-9', system: 'jira', kind: 'search' }),
      );
    const error = await hub.waitFor((m) => m.type === 'error', 'error reply');
    expect(error).toEqual({
      v: 1,
      type: 'error',
      reason: 'task.deadline: is required',
      refType: 'task',
      refId: 't-9',
    });
    expect(client.authenticated).toBe(true);
  });

  it('refuses a task for another ticket system with task_failed', async () => {
    const { client } = await agent(new GatedAdapter([]));
    await once(client, 'authenticated');
    hub.send(hub.latest(), { ...task('t-5'), system: 'servicenow' });
    const failed = await hub.waitFor((m) => m.type === 'task_failed', 'task_failed');
    expect(failed).toEqual({
      v: 1,
      type: 'task_failed',
      taskId: 't-5',
      reason: 'this agent reads jira, the task is for servicenow',
      retryable: false,
    });
  });

  it('drops a result the server refuses instead of re-sending it forever', async () => {
    hub.autoAck = false;
    const { client, outbox } = await agent(new GatedAdapter([[ticket(1)]]));
    await once(client, 'authenticated');
    hub.send(hub.latest(), task('t-1'));
    const result = (await hub.waitFor(
      (m) => m.type === 'task_result',
      'result',
    )) as TaskResultMessage;
    hub.send(hub.latest(), {
      v: 1,
      type: 'error',
      reason: 'task_result.tickets[0].customer: unknown customer',
      refType: 'task_result',
      refId: result.resultId,
    });
    while (outbox.has(result.resultId)) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(logs.some((l) => l.message === 'server refused a result; dropped from the outbox')).toBe(
      true,
    );
  });
});
