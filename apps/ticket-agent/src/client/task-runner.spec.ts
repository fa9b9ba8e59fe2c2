import {
  parseAgentMessage,
  ProtocolError,
  type AgentTicket,
  type TaskMessage,
  type TaskResultMessage,
} from '@telcomesh/ticket-agent-protocol';
import type { AgentLogger } from '../agent-logger';
import type { TicketQuery, TicketSystemAdapter } from '../ticket-system-adapter';
import type { AgentClock } from './agent-clock';
import { TaskRunner } from './task-runner';

class ManualClock implements AgentClock {
  private timers: { at: number; callback: () => void; id: number }[] = [];
  private nextId = 1;
  constructor(private time: number) {}
  now() {
    return this.time;
  }
  setTimeout(callback: () => void, ms: number) {
    const id = this.nextId++;
    this.timers.push({ at: this.time + ms, callback, id });
    return id;
  }
  clearTimeout(timer: unknown) {
    this.timers = this.timers.filter((t) => t.id !== timer);
  }
  advance(ms: number) {
    this.time += ms;
    const due = this.timers.filter((t) => t.at <= this.time);
    this.timers = this.timers.filter((t) => t.at > this.time);
    for (const t of due) t.callback();
  }
}

function ticket(n: number, titleChars = 20): AgentTicket {
  return {
    key: `NOC-${n}`,
    system: 'jira',
    externalId: String(n),
    title: 'x'.repeat(titleChars),
    status: 'Open',
    priority: 'P2',
    category: null,
    customer: null,
    assignmentGroup: 'NOC',
    assignee: null,
    createdAt: '2024-05-01T09:00:00Z',
    updatedAt: '2024-05-01T09:00:00Z',
    resolvedAt: null,
    url: null,
    history: [],
  };
}

const silent: AgentLogger = { debug() {}, info() {}, warn() {}, error() {} };
const NOW = Date.parse('2024-05-01T10:00:00Z');

function search(query: TicketQuery = { filterId: '10400' }, taskId = 't-1'): TaskMessage {
  return {
    v: 1,
    type: 'task',
    taskId,
    system: 'jira',
    kind: 'search',
    query,
    deadline: '2024-05-01T10:05:00Z',
  };
}

function fetchTask(keys: string[]): TaskMessage {
  return {
    v: 1,
    type: 'task',
    taskId: 't-1',
    system: 'jira',
    kind: 'fetch',
    keys,
    deadline: '2024-05-01T10:05:00Z',
  };
}

interface Setup {
  pages?: unknown[][];
  fetched?: unknown[];
  maxMessageBytes?: number;
  maxConcurrentTasks?: number;
  adapter?: Partial<TicketSystemAdapter>;
}

function setup(options: Setup = {}) {
  const stored: TaskResultMessage[] = [];
  const clock = new ManualClock(NOW);
  const calls: { query?: TicketQuery; keys?: string[] }[] = [];
  const adapter: TicketSystemAdapter = {
    system: 'jira',
    async *search(query) {
      calls.push({ query });
      for (const page of options.pages ?? []) yield page as AgentTicket[];
    },
    async fetch(keys) {
      calls.push({ keys });
      return (options.fetched ?? []) as AgentTicket[];
    },
    async check() {},
    ...options.adapter,
  };
  let ids = 0;
  const runner = new TaskRunner({
    adapter,
    logger: silent,
    clock,
    maxMessageBytes: options.maxMessageBytes ?? 1024 * 1024,
    maxConcurrentTasks: options.maxConcurrentTasks ?? 4,
    newResultId: () => `r-${++ids}`,
    sink: {
      async append(resultId, raw) {
        const parsed = parseAgentMessage(raw, {
          authenticated: true,
          maxBytes: options.maxMessageBytes,
        });
        if (parsed instanceof ProtocolError) throw parsed;
        expect(parsed.type === 'task_result' && parsed.resultId).toBe(resultId);
        stored.push(parsed as TaskResultMessage);
      },
    },
  });
  return { runner, stored, clock, calls };
}

describe('TaskRunner', () => {
  it('turns search pages into numbered chunks, the last one final', async () => {
    const { runner, stored, calls } = setup({
      pages: [[ticket(1), ticket(2)], [ticket(3)], [ticket(4)]],
    });
    expect(
      await runner.run(search({ filterId: '10400', updatedSince: '2024-05-01T00:00:00Z' })),
    ).toBeUndefined();
    expect(calls).toEqual([{ query: { filterId: '10400', updatedSince: '2024-05-01T00:00:00Z' } }]);
    expect(stored.map((m) => [m.chunk, m.final, m.tickets.map((t) => t.key)])).toEqual([
      [0, false, ['NOC-1', 'NOC-2']],
      [1, false, ['NOC-3']],
      [2, false, ['NOC-4']],
      [3, true, []],
    ]);
    expect(new Set(stored.map((m) => m.resultId)).size).toBe(4);
    expect(runner.active).toBe(0);
  });

  it('stores a page before the next one arrives', async () => {
    let release: () => void = () => {};
    const { runner, stored } = setup({
      adapter: {
        async *search() {
          yield [ticket(1)];
          await new Promise<void>((resolve) => (release = resolve));
          yield [ticket(2)];
        },
      },
    });
    const outcome = runner.run(search());
    await new Promise((resolve) => setImmediate(resolve));
    expect(stored.map((m) => m.tickets.map((t) => t.key))).toEqual([['NOC-1']]);
    release();
    await outcome;
    expect(stored.map((m) => [m.chunk, m.final])).toEqual([
      [0, false],
      [1, false],
      [2, true],
    ]);
  });

  it('splits a large fetch into chunks under the message limit, the last one final', async () => {
    const fetched = Array.from({ length: 60 }, (_, i) => ticket(i, 300));
    const { runner, stored } = setup({ fetched, maxMessageBytes: 8 * 1024 });
    await runner.run(fetchTask(fetched.map((t) => t.key)));
    expect(stored.length).toBeGreaterThan(2);
    expect(stored.flatMap((m) => m.tickets.map((t) => t.key))).toEqual(fetched.map((t) => t.key));
    expect(stored.filter((m) => m.final)).toEqual([stored[stored.length - 1]]);
    expect(stored.map((m) => m.chunk)).toEqual(stored.map((_, i) => i));
  });

  it('skips an invalid ticket with its key and reason, sending the rest', async () => {
    const broken = { ...ticket(2), status: '' };
    const { runner, stored } = setup({ pages: [[ticket(1), broken, ticket(3)]] });
    await runner.run(search());
    expect(stored).toHaveLength(2);
    expect(stored[0].tickets.map((t) => t.key)).toEqual(['NOC-1', 'NOC-3']);
    expect(stored[0].skipped).toEqual([
      { key: 'NOC-2', reason: 'ticket.status: must not be empty' },
    ]);
  });

  it('sends one empty final chunk when nothing matches', async () => {
    const { runner, stored } = setup({ pages: [] });
    await runner.run(search());
    expect(stored.map((m) => [m.chunk, m.final, m.tickets.length])).toEqual([[0, true, 0]]);
  });

  it('fetches the given keys', async () => {
    const { runner, stored, calls } = setup({ fetched: [ticket(7)] });
    await runner.run(fetchTask(['NOC-7']));
    expect(calls).toEqual([{ keys: ['NOC-7'] }]);
    expect(stored.map((m) => [m.final, m.tickets.map((t) => t.key)])).toEqual([[true, ['NOC-7']]]);
  });

  it('refuses a task for another ticket system without calling the adapter', async () => {
    const { runner, calls, stored } = setup({ pages: [[ticket(1)]] });
    const failed = await runner.run({ ...search(), system: 'servicenow' });
    expect(failed).toEqual({
      v: 1,
      type: 'task_failed',
      taskId: 't-1',
      reason: 'this agent reads jira, the task is for servicenow',
      retryable: false,
    });
    expect(calls).toEqual([]);
    expect(stored).toEqual([]);
  });

  it('refuses a task whose deadline has passed, reading it in server time', async () => {
    const { runner } = setup({ pages: [[ticket(1)]] });
    // The server's clock runs 6 minutes ahead: its 10:05 deadline is 09:59 here, before now (10:00).
    const failed = await runner.run(search(), 6 * 60_000);
    expect(failed?.reason).toBe('deadline 2024-05-01T10:05:00Z passed before the task started');
    expect(await runner.run(search(), 0)).toBeUndefined();
  });

  it('abandons a task at its deadline even when the adapter ignores the signal', async () => {
    let release: () => void = () => {};
    const { runner, stored, clock } = setup({
      adapter: {
        async *search() {
          yield [ticket(1)];
          yield [ticket(2)];
          await new Promise<void>((resolve) => (release = resolve)); // hangs, ignoring the signal
          yield [ticket(3)];
        },
      },
    });
    const outcome = runner.run(search());
    await new Promise((resolve) => setImmediate(resolve));
    clock.advance(5 * 60_000);
    const failed = await outcome;
    release();
    expect(failed?.reason).toBe('deadline 2024-05-01T10:05:00Z passed after 2 chunk(s)');
    expect(failed?.retryable).toBe(true);
    expect(stored.map((m) => [m.chunk, m.final])).toEqual([
      [0, false],
      [1, false],
    ]);
  });

  it('reports an adapter failure as task_failed', async () => {
    const { runner } = setup({
      adapter: {
        async *search() {
          throw new Error('Jira answered 503 Service Unavailable');
        },
      },
    });
    const failed = await runner.run(search());
    expect(failed?.reason).toBe('jira search failed: Jira answered 503 Service Unavailable');
    expect(failed?.retryable).toBe(true);
  });

  it('ignores a duplicate of a running task and refuses tasks beyond the limit', async () => {
    let release: () => void = () => {};
    const { runner, stored } = setup({
      maxConcurrentTasks: 1,
      adapter: {
        async *search() {
          await new Promise<void>((resolve) => (release = resolve));
          yield [ticket(1)];
        },
      },
    });
    const first = runner.run(search());
    expect(await runner.run(search())).toBeUndefined();
    const busy = await runner.run(search({ filterId: '1' }, 't-2'));
    expect(busy?.reason).toBe('agent busy: 1 tasks running (limit 1)');
    expect(busy?.retryable).toBe(true);
    await new Promise((resolve) => setImmediate(resolve));
    release();
    expect(await first).toBeUndefined();
    expect(stored.map((m) => m.tickets.length)).toEqual([1, 0]);
  });

  it('stops quietly when the agent stops', async () => {
    const { runner, stored } = setup({
      adapter: {
        async *search(_query, signal) {
          yield [ticket(1)];
          yield [ticket(2)];
          await new Promise((_, reject) =>
            signal.addEventListener('abort', () => reject(new Error('aborted'))),
          );
        },
      },
    });
    const outcome = runner.run(search());
    await new Promise((resolve) => setImmediate(resolve));
    runner.stopAll();
    expect(await outcome).toBeUndefined();
    expect(stored.map((m) => m.final)).toEqual([false, false]);
  });
});
