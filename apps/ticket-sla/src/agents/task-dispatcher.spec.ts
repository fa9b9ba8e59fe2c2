import type { TaskMessage } from '@telcomesh/ticket-agent-protocol';
import { ManualClock } from '../time/manual-clock';
import { TaskDispatcher, type AgentLink, type DispatchFilter } from './task-dispatcher';

const FILTERS: DispatchFilter[] = [
  { name: 'arrears', filterId: '10001', incremental: false },
  { name: 'stopped', filterId: '10002', incremental: false },
];

function setup(options: { lease?: boolean; stale?: string[]; maxAttempts?: number } = {}) {
  const clock = new ManualClock(Date.parse('2025-03-03T08:00:00Z'));
  const counted: [string, string][] = [];
  const dispatcher = new TaskDispatcher(
    clock,
    FILTERS,
    {
      mayDispatch: async () => options.lease ?? true,
      staleKeys: async () => options.stale ?? [],
      counted: (agentId, outcome) => counted.push([agentId, outcome]),
      log: () => undefined,
    },
    {
      intervalMs: 60_000,
      taskTimeoutMs: 30_000,
      maxAttempts: options.maxAttempts ?? 3,
      graceMs: 1000,
      fetchBatch: 1000,
    },
  );
  const sent = new Map<string, TaskMessage[]>();
  const connect = (agentId: string, system = 'jira', open = true): AgentLink => {
    const link: AgentLink = {
      sessionId: `s-${agentId}`,
      agentId,
      system,
      send: (task) => {
        if (!open) return false;
        sent.set(agentId, [...(sent.get(agentId) ?? []), task]);
        return true;
      },
    };
    dispatcher.agentConnected(link);
    return link;
  };
  const all = () =>
    [...sent.entries()].flatMap(([agent, tasks]) => tasks.map((task) => ({ agent, task })));
  return { clock, dispatcher, counted, sent, connect, all };
}

const filterOf = (task: TaskMessage) => (task.kind === 'search' ? task.query.filterId : 'fetch');

describe('TaskDispatcher', () => {
  it('gives each filter to exactly one agent and spreads the filters over the agents', async () => {
    const s = setup();
    s.connect('agent-a');
    s.connect('agent-b');
    await s.dispatcher.tick();
    const tasks = s.all();
    expect(tasks.map((t) => filterOf(t.task)).sort()).toEqual(['10001', '10002']);
    expect(new Set(tasks.map((t) => t.agent))).toEqual(new Set(['agent-a', 'agent-b']));
    expect(new Set(tasks.map((t) => t.task.taskId)).size).toBe(2);
    for (const { task } of tasks) {
      expect(task).toMatchObject({
        system: 'jira',
        deadline: new Date(s.clock.now() + 30_000).toISOString(),
      });
    }
  });

  it('sends nothing new for a filter whose task is still running; completes on chunks 0..final', async () => {
    const s = setup();
    s.connect('agent-a');
    await s.dispatcher.tick();
    expect(s.all()).toHaveLength(2);
    await s.dispatcher.tick();
    expect(s.all()).toHaveLength(2);
    const [first] = s.all();
    // The final chunk arriving first does not complete the task: chunk 0 is still missing.
    s.dispatcher.chunkStored(first.task.taskId, 1, true);
    await s.dispatcher.tick();
    expect(s.all()).toHaveLength(2);
    s.dispatcher.chunkStored(first.task.taskId, 0, false);
    expect(s.counted).toEqual([['agent-a', 'done']]);
    await s.dispatcher.tick();
    expect(s.all().map((t) => filterOf(t.task))).toEqual(['10001', '10002', filterOf(first.task)]);
  });

  it('retries a task that missed its deadline on another agent, under a new id', async () => {
    const s = setup();
    s.connect('agent-a');
    await s.dispatcher.tick();
    s.connect('agent-b');
    const before = s.all();
    expect(before.every((t) => t.agent === 'agent-a')).toBe(true);
    s.clock.advanceBy(30_000 + 999);
    expect(s.all()).toHaveLength(2);
    s.clock.advanceBy(1);
    const retried = s.all().slice(2);
    expect(retried.map((t) => t.agent)).toEqual(['agent-b', 'agent-b']);
    expect(retried.map((t) => filterOf(t.task)).sort()).toEqual(['10001', '10002']);
    for (const t of retried) expect(before.map((b) => b.task.taskId)).not.toContain(t.task.taskId);
    expect(s.counted).toEqual([
      ['agent-a', 'failed'],
      ['agent-a', 'failed'],
    ]);
    // A late result of the first attempt changes nothing in the dispatch.
    s.dispatcher.chunkStored(before[0].task.taskId, 0, true);
    expect(s.counted).toHaveLength(2);
  });

  it('retries a retryable failure elsewhere and drops a non-retryable one', async () => {
    const s = setup();
    s.connect('agent-a');
    s.connect('agent-b');
    await s.dispatcher.tick();
    const [x, y] = s.all();
    s.dispatcher.taskFailed(x.task.taskId, x.agent, 'agent busy', true);
    const again = s.all()[2];
    expect(again.agent).not.toBe(x.agent);
    expect(filterOf(again.task)).toBe(filterOf(x.task));
    s.dispatcher.taskFailed(y.task.taskId, y.agent, 'unknown filter', false);
    expect(s.all()).toHaveLength(3);
    expect(s.dispatcher.inFlight().map((t) => t.taskId)).toEqual([again.task.taskId]);
  });

  it('gives a task up after maxAttempts', async () => {
    const s = setup({ maxAttempts: 2 });
    s.connect('agent-a');
    await s.dispatcher.tick();
    s.clock.advanceBy(31_000);
    s.clock.advanceBy(31_000);
    expect(s.all()).toHaveLength(4);
    expect(s.dispatcher.inFlight()).toEqual([]);
  });

  it('dispatches only with the system lease, only to agents of that system', async () => {
    const without = setup({ lease: false });
    without.connect('agent-a');
    await without.dispatcher.tick();
    expect(without.all()).toEqual([]);

    const s = setup();
    s.connect('snow-1', 'servicenow');
    s.connect('jira-1', 'jira');
    await s.dispatcher.tick();
    for (const { agent, task } of s.all())
      expect(task.system).toBe(agent === 'snow-1' ? 'servicenow' : 'jira');
    expect(s.all()).toHaveLength(4);
  });

  it('fetches open tickets gone quiet by key', async () => {
    const s = setup({ stale: ['NOC-1', 'NOC-2'] });
    s.connect('agent-a');
    await s.dispatcher.tick();
    const fetch = s.all().find((t) => t.task.kind === 'fetch');
    expect(fetch?.task).toMatchObject({ kind: 'fetch', keys: ['NOC-1', 'NOC-2'] });
  });

  it('skips an agent whose connection closed and uses the next one', async () => {
    const s = setup();
    s.connect('agent-gone', 'jira', false);
    s.connect('agent-b');
    await s.dispatcher.tick();
    expect(s.all().map((t) => t.agent)).toEqual(['agent-b', 'agent-b']);
  });
});
