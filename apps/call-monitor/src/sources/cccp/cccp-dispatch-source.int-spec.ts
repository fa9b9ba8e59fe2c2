import {
  CccpServerSimulator,
  ManualTimerClock,
  type CccpServerSimulatorOptions,
} from '@telcomesh/testing';
import {
  type AgentView,
  type CallView,
  type ContactCentreSink,
  type ContactCentreSnapshot,
  type QueueView,
  type SourceConnectionState,
  type TaskView,
} from '../contact-centre-source';
import {
  CccpDispatchSource,
  type CccpDispatchSourceOptions,
  type CccpLogger,
} from './cccp-dispatch-source';
import { jsonDispatchClientFactory } from './json-dispatch-client';
import { compileViewFilter } from './view-filter';

type SinkEvent =
  | { kind: 'snapshot'; snapshot: ContactCentreSnapshot }
  | { kind: 'callUpdated' | 'callEnded'; call: CallView }
  | { kind: 'agentUpdated'; agent: AgentView }
  | { kind: 'agentRemoved'; agentId: string }
  | { kind: 'queueUpdated'; queue: QueueView }
  | { kind: 'taskUpdated' | 'taskEnded'; task: TaskView }
  | { kind: 'connectionChanged'; state: SourceConnectionState; detail?: string };

class RecordingSink implements ContactCentreSink {
  readonly events: SinkEvent[] = [];
  snapshot(snapshot: ContactCentreSnapshot): void {
    this.events.push({ kind: 'snapshot', snapshot });
  }
  callUpdated(call: CallView): void {
    this.events.push({ kind: 'callUpdated', call });
  }
  callEnded(call: CallView): void {
    this.events.push({ kind: 'callEnded', call });
  }
  agentUpdated(agent: AgentView): void {
    this.events.push({ kind: 'agentUpdated', agent });
  }
  agentRemoved(agentId: string): void {
    this.events.push({ kind: 'agentRemoved', agentId });
  }
  queueUpdated(queue: QueueView): void {
    this.events.push({ kind: 'queueUpdated', queue });
  }
  taskUpdated(task: TaskView): void {
    this.events.push({ kind: 'taskUpdated', task });
  }
  taskEnded(task: TaskView): void {
    this.events.push({ kind: 'taskEnded', task });
  }
  connectionChanged(state: SourceConnectionState, detail?: string): void {
    this.events.push(
      detail === undefined
        ? { kind: 'connectionChanged', state }
        : { kind: 'connectionChanged', state, detail },
    );
  }

  snapshots(): ContactCentreSnapshot[] {
    return this.events.flatMap((e) => (e.kind === 'snapshot' ? [e.snapshot] : []));
  }

  /** `kind:id` of the events from index `from` on, for compact assertions. */
  summary(from = 0): string[] {
    return this.events.slice(from).map((e) => {
      switch (e.kind) {
        case 'snapshot':
          return 'snapshot';
        case 'callUpdated':
        case 'callEnded':
          return `${e.kind}:${e.call.callId}:${e.call.state}`;
        case 'agentUpdated':
          return `${e.kind}:${e.agent.agentId}:${e.agent.state}`;
        case 'agentRemoved':
          return `${e.kind}:${e.agentId}`;
        case 'queueUpdated':
          return `${e.kind}:${e.queue.queueId}`;
        case 'taskUpdated':
        case 'taskEnded':
          return `${e.kind}:${e.task.taskId}:${e.task.state}`;
        case 'connectionChanged':
          return `${e.kind}:${e.state}`;
      }
    });
  }
}

class RecordingLogger implements CccpLogger {
  readonly entries: { level: string; message: string; context?: Record<string, unknown> }[] = [];
  debug(message: string, context?: Record<string, unknown>): void {
    this.entries.push({ level: 'debug', message, context });
  }
  info(message: string, context?: Record<string, unknown>): void {
    this.entries.push({ level: 'info', message, context });
  }
  warn(message: string, context?: Record<string, unknown>): void {
    this.entries.push({ level: 'warn', message, context });
  }
  error(message: string, context?: Record<string, unknown>): void {
    this.entries.push({ level: 'error', message, context });
  }
  count(message: string): number {
    return this.entries.filter((e) => e.message === message).length;
  }
}

/** Bumped after each test, so the waits of a test that timed out stop instead of spinning on. */
let testGeneration = 0;

/** Waits (on real I/O, without any time threshold) until `condition` holds. */
async function until(condition: () => boolean): Promise<void> {
  const generation = testGeneration;
  while (!condition()) {
    if (generation !== testGeneration) throw new Error('test over while waiting');
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

// A broken source shows as a wait that never ends: fail it soon (not a speed requirement).
jest.setTimeout(15_000);

const PASSWORD = 'S3cret-monitor-pw-never-logged';

function seed(sim: CccpServerSimulator): void {
  sim.upsertSession('S-1', {
    login: 'alice',
    user_name: 'Alice Martin',
    profile: 'support',
    session_state: 'busy',
    state_date: '2025-03-14T09:20:00Z',
    queues: 'support',
    call_id: 'C-1',
    direction: 'in',
    local_number: '0140000000',
    remote_number: '0612345678',
    connection_state: 'connected',
    queue: 'support',
    start_date: '2025-03-14T09:19:00Z',
    answer_date: '2025-03-14T09:20:00Z',
  });
  sim.upsertSession('S-2', {
    login: 'bob',
    profile: 'support',
    session_state: 'ready',
    state_date: '2025-03-14T09:00:00Z',
    queues: 'support',
  });
  sim.upsertSession('S-3', {
    login: 'chloe',
    profile: 'support',
    session_state: 'ready',
    state_date: '2025-03-14T09:05:00Z',
  });
  sim.upsertSession('S-9', { login: 'victor', profile: 'sales', session_state: 'ready' });
  sim.upsertQueueItem('T-1', {
    queue: 'support',
    task_type: 'call',
    state: 'waiting',
    caller: '0698765432',
    called: '0140000000',
    priority: 2,
    creation_date: '2025-03-14T09:28:00Z',
    start_date: '2025-03-14T09:28:02Z',
    call_id: 'C-2',
  });
  sim.upsertTask('T-5', {
    task_type: 'callback',
    state: 'assigned',
    queue: 'support',
    manager: 'bob',
    creation_date: '2025-03-14T09:10:00Z',
  });
}

interface Harness {
  sim: CccpServerSimulator;
  source: CccpDispatchSource;
  sink: RecordingSink;
  logger: RecordingLogger;
  clock: ManualTimerClock;
}

const running: Harness[] = [];

async function harness(
  simOptions: CccpServerSimulatorOptions = {},
  sourceOptions: Partial<CccpDispatchSourceOptions> & { password?: string } = {},
): Promise<Harness> {
  const sim = new CccpServerSimulator({
    users: { monitor: PASSWORD },
    compileFilter: (expression) => compileViewFilter(expression).matches,
    ...simOptions,
  });
  await sim.start();
  seed(sim);
  const clock = new ManualTimerClock();
  const logger = new RecordingLogger();
  const { password, ...rest } = sourceOptions;
  const source = new CccpDispatchSource({
    sourceId: 'cccp-test',
    client: jsonDispatchClientFactory({
      url: sim.url,
      user: 'monitor',
      password: password ?? PASSWORD,
      clock,
      pingIntervalMs: 0,
    }),
    filters: { sessions: ".[profile='support']" },
    pageSize: 2,
    clock,
    random: () => 0.5,
    logger,
    ...rest,
  });
  const h = { sim, source, sink: new RecordingSink(), logger, clock };
  running.push(h);
  return h;
}

afterEach(async () => {
  testGeneration += 1;
  for (const h of running.splice(0)) {
    await h.source.stop();
    await h.sim.stop();
  }
});

describe('CccpDispatchSource against the simulator', () => {
  it('logs in, opens the three views and reports the discovery scan as a snapshot', async () => {
    const { sim, source, sink } = await harness();
    await source.start(sink);

    expect(sink.summary()).toEqual([
      'connectionChanged:connecting',
      'snapshot',
      'connectionChanged:connected',
    ]);
    expect(sim.views().map((v) => [v.objectType, v.name, v.push])).toEqual([
      ['queues', 'telcomesh_monitor_queues', true],
      ['sessions', 'telcomesh_monitor_sessions', true],
      ['tasks', 'telcomesh_monitor_tasks', true],
    ]);
    const startSessions = sim.received.find(
      (r) => r.type === 'start_view' && r.message.object_type === 'sessions',
    );
    expect(startSessions?.message.filter).toBe(".[profile='support']");
    expect(startSessions?.message.fields).toEqual(expect.arrayContaining(['login', 'call_id']));
    // Three sessions match the filter at 2 per page: the scan took two pages.
    expect(sim.queries('sessions')).toBe(2);

    const [snapshot] = sink.snapshots();
    expect(snapshot.agents.map((a) => `${a.agentId}:${a.state}`)).toEqual([
      'alice:on_call',
      'bob:available',
      'chloe:available',
    ]);
    expect(snapshot.calls).toEqual([
      expect.objectContaining({
        callId: 'C-2',
        state: 'queued',
        remoteNumber: '0698765432',
        localNumber: '0140000000',
        queueId: 'support',
        queuedAt: new Date('2025-03-14T09:28:02Z'),
        priority: 2,
      }),
      expect.objectContaining({
        callId: 'C-1',
        state: 'active',
        agentId: 'alice',
        remoteNumber: '0612345678',
        answeredAt: new Date('2025-03-14T09:20:00Z'),
      }),
    ]);
    expect(snapshot.tasks).toEqual([
      expect.objectContaining({
        taskId: 'T-5',
        type: 'callback',
        state: 'assigned',
        managerId: 'bob',
      }),
    ]);
    expect(snapshot.queues).toEqual([{ queueId: 'support', name: 'support' }]);
    expect(source.status()).toMatchObject({ state: 'connected', reconnects: 0 });
    expect(source.status().lastEventAt).toBeInstanceOf(Date);
    expect(source.status().lastError).toBeUndefined();
  });

  it('applies pushed updates and reports only what changed, an end once', async () => {
    const { sim, source, sink } = await harness();
    await source.start(sink);
    const from = sink.events.length;

    sim.upsertSession('S-2', { session_state: 'not_ready', pause_reason: 'training' });
    await until(() => sink.events.length > from);
    expect(sink.summary(from)).toEqual(['agentUpdated:bob:paused']);

    sim.upsertSession('S-1', {
      session_state: 'wrap_up',
      connection_state: 'released',
      end_date: '2025-03-14T09:30:05Z',
      release_cause: 'normal clearing',
    });
    await until(() => sink.events.length > from + 1);
    expect(sink.summary(from + 1)).toEqual(['agentUpdated:alice:wrap_up', 'callEnded:C-1:ended']);
    const ended = sink.events.at(-1);
    expect(ended?.kind === 'callEnded' && ended.call).toMatchObject({
      endedAt: new Date('2025-03-14T09:30:05Z'),
      disposition: 'answered',
      endCause: 'normal clearing',
    });

    // The session still shows its released call; it is not reported ended again.
    sim.upsertSession('S-1', { session_state: 'ready' });
    await until(() => sink.events.length > from + 3);
    expect(sink.summary(from + 3)).toEqual(['agentUpdated:alice:available']);

    // An item leaving the view's filter is removed from it.
    sim.upsertSession('S-3', { profile: 'sales' });
    await until(() => sink.events.length > from + 4);
    expect(sink.summary(from + 4)).toEqual(['agentRemoved:chloe']);
  });

  it('does not end a call handed from a queue to an agent in two updates; ends it after the grace when really gone', async () => {
    const { sim, source, sink, clock } = await harness();
    await source.start(sink);
    const from = sink.events.length;

    sim.removeQueueItem('T-1');
    sim.upsertSession('S-2', {
      session_state: 'ringing',
      call_id: 'C-2',
      connection_state: 'alerting',
      queue: 'support',
    });
    await until(() => sink.events.some((e) => e.kind === 'callUpdated'));
    expect(sink.summary(from)).toEqual(['agentUpdated:bob:ringing', 'callUpdated:C-2:ringing']);
    const offered = sink.events.at(-1);
    // The queue's data stays with the call after the hand-over.
    expect(offered?.kind === 'callUpdated' && offered.call).toMatchObject({
      agentId: 'bob',
      queueId: 'support',
      startedAt: new Date('2025-03-14T09:28:00Z'),
      queuedAt: new Date('2025-03-14T09:28:02Z'),
      remoteNumber: '0698765432',
      priority: 2,
    });
    clock.advance(2000);
    expect(sink.summary(from)).toEqual(['agentUpdated:bob:ringing', 'callUpdated:C-2:ringing']);

    // The caller hangs up while ringing: gone from every view without an end state.
    const before = sink.events.length;
    sim.upsertSession('S-2', { session_state: 'ready', call_id: null, connection_state: null });
    await until(() => sink.events.length > before && clock.armed().includes(2000));
    expect(sink.summary(before)).toEqual(['agentUpdated:bob:available']);
    clock.advance(1999);
    expect(sink.events.length).toBe(before + 1);
    clock.advance(1);
    expect(sink.summary(before + 1)).toEqual(['callEnded:C-2:ended']);
    const ended = sink.events.at(-1);
    expect(ended?.kind === 'callEnded' && ended.call.disposition).toBe('abandoned');
  });

  it('rescans a view after a sequence gap, recovering the lost change', async () => {
    const { sim, source, sink, logger } = await harness();
    await source.start(sink);
    const from = sink.events.length;
    const scansBefore = sim.queries('sessions');

    sim.loseUpdates('sessions');
    sim.upsertSession('S-3', { session_state: 'paused' }); // never reaches the source
    sim.upsertSession('S-2', { session_state: 'paused' }); // arrives one number ahead
    await until(() => sink.events.length >= from + 2);

    expect(sink.summary(from).sort()).toEqual([
      'agentUpdated:bob:paused',
      'agentUpdated:chloe:paused',
    ]);
    expect(sim.queries('sessions')).toBe(scansBefore + 2);
    expect(logger.entries).toContainEqual(
      expect.objectContaining({
        level: 'warn',
        message: 'CCCP sequence gap; rescanning the view',
        context: expect.objectContaining({ view: 'sessions', expected: 1, got: 2 }) as unknown,
      }),
    );

    // After the rescan, updates apply one by one again.
    sim.upsertSession('S-2', { session_state: 'ready' });
    await until(() => sink.events.length >= from + 3);
    expect(sink.summary(from + 2)).toEqual(['agentUpdated:bob:available']);
    expect(sim.queries('sessions')).toBe(scansBefore + 2);
    expect(source.status().reconnects).toBe(0);
  });

  it('replays the updates pushed during the discovery scan', async () => {
    const { sim, source, sink } = await harness();
    // Alice (S-1) is on the first page of sessions; she changes while the second page is read.
    let changed = false;
    sim.onQuery((query) => {
      if (query.objectType !== 'sessions' || query.after === null || changed) return;
      changed = true;
      sim.upsertSession('S-1', { session_state: 'wrap_up', state_date: '2025-03-14T09:30:01Z' });
    });
    await source.start(sink);
    expect(changed).toBe(true);
    expect(sink.snapshots()[0].agents.find((a) => a.agentId === 'alice')?.state).toBe('wrap_up');
    expect(sink.summary()).toEqual([
      'connectionChanged:connecting',
      'snapshot',
      'connectionChanged:connected',
    ]);
  });

  it('scans a view again when an update is lost during the discovery scan', async () => {
    const { sim, source, sink, logger } = await harness();
    let changed = false;
    sim.onQuery((query) => {
      if (query.objectType !== 'sessions' || query.after === null || changed) return;
      changed = true;
      sim.loseUpdates('sessions');
      sim.upsertSession('S-1', { session_state: 'wrap_up' }); // lost
      sim.upsertSession('S-2', { session_state: 'paused' }); // seq 2 after a page at seq 0
    });
    await source.start(sink);
    const agents = sink.snapshots()[0].agents.map((a) => `${a.agentId}:${a.state}`);
    expect(agents).toEqual(['alice:wrap_up', 'bob:paused', 'chloe:available']);
    expect(sim.queries('sessions')).toBe(4);
    expect(logger.count('CCCP sequence gap while scanning; scanning again')).toBe(1);
  });

  it('polls a server that does not push, reporting only the differences', async () => {
    const { sim, source, sink, clock, logger } = await harness({ push: false });
    await source.start(sink);
    expect(sim.views().every((v) => !v.push)).toBe(true);
    expect(
      sim.received.filter((r) => r.type === 'start_view').every((r) => r.message.push === true),
    ).toBe(true);
    const from = sink.events.length;
    const queries = sim.queries();

    sim.upsertSession('S-2', {
      session_state: 'busy',
      call_id: 'C-3',
      connection_state: 'connected',
    });
    sim.upsertTask('T-5', { state: 'done', end_date: '2025-03-14T09:30:07Z' });
    sim.upsertQueueItem('T-6', {
      queue: 'billing',
      state: 'waiting',
      call_id: 'C-4',
      caller: '0611',
    });
    clock.advance(9999);
    expect(sim.queries()).toBe(queries);
    clock.advance(1);
    await until(() => logger.count('CCCP poll applied') === 1);
    expect(sink.summary(from)).toEqual([
      'queueUpdated:billing',
      'agentUpdated:bob:on_call',
      'taskEnded:T-5:completed',
      'callUpdated:C-4:queued',
      'callUpdated:C-3:active',
    ]);

    // Nothing changed: a poll reports nothing.
    const after = sink.events.length;
    clock.advance(10_000);
    await until(() => logger.count('CCCP poll applied') === 2);
    expect(sink.events.length).toBe(after);

    // A queued call gone: the views are read again at the end of the grace before it is ended.
    sim.removeQueueItem('T-6');
    clock.advance(10_000);
    await until(() => logger.count('CCCP poll applied') === 3);
    expect(sink.events.length).toBe(after);
    const beforeConfirm = sim.queries();
    clock.advance(2000);
    await until(() => logger.count('CCCP poll applied') === 4);
    expect(sim.queries()).toBeGreaterThan(beforeConfirm);
    expect(sink.summary(after)).toEqual(['callEnded:C-4:ended']);
  });

  it('reconnects with backoff after a drop and reports a fresh snapshot first', async () => {
    const { sim, source, sink, clock } = await harness();
    await source.start(sink);

    sim.dropConnections();
    await until(() => source.status().state === 'disconnected');
    expect(source.status().lastError).toMatch(/connection (closed|error)/);
    // Attempt 1 after a drop: 1 s, jitter centred by random() = 0.5.
    expect(clock.armed()).toEqual([1000]);
    sim.upsertSession('S-3', { session_state: 'paused' });

    clock.advance(1000);
    await until(() => sink.snapshots().length === 2);
    await until(() => source.status().state === 'connected');
    expect(sink.summary()).toEqual([
      'connectionChanged:connecting',
      'snapshot',
      'connectionChanged:connected',
      'connectionChanged:disconnected',
      'connectionChanged:connecting',
      'snapshot',
      'connectionChanged:connected',
    ]);
    expect(sink.snapshots()[1].agents.find((a) => a.agentId === 'chloe')?.state).toBe('paused');
    expect(source.status()).toMatchObject({ state: 'connected', reconnects: 1 });
    expect(source.status().lastError).toBeUndefined();

    // Retries back off while the server refuses connections: 1 s, then 2 s.
    sim.refuseConnections(2);
    sim.dropConnections();
    await until(() => source.status().state === 'disconnected');
    clock.advance(1000);
    await until(() => clock.armed().includes(2000));
    clock.advance(2000);
    await until(() => clock.armed().includes(4000));
    clock.advance(4000);
    await until(() => sink.snapshots().length === 3);
    expect(sim.connections).toBe(5);
  });

  it('does not report ended a call that ended while disconnected: the snapshot replaces it', async () => {
    const { sim, source, sink, clock } = await harness();
    sim.upsertSession('S-3', {
      session_state: 'busy',
      call_id: 'C-3',
      connection_state: 'connected',
      start_date: '2025-03-14T09:25:00Z',
    });
    await source.start(sink);
    expect(
      sink
        .snapshots()[0]
        .calls.map((c) => c.callId)
        .sort(),
    ).toEqual(['C-1', 'C-2', 'C-3']);

    sim.dropConnections();
    await until(() => source.status().state === 'disconnected');
    // While disconnected: C-1 ends and disappears, C-3 ends but its session still shows it released.
    sim.upsertSession('S-1', { session_state: 'ready', call_id: null, connection_state: null });
    sim.upsertSession('S-3', {
      session_state: 'wrap_up',
      connection_state: 'released',
      end_date: '2025-03-14T09:30:00Z',
    });
    clock.advance(1000);
    await until(() => sink.snapshots().length === 2);
    expect(sink.snapshots()[1].calls.map((c) => c.callId)).toEqual(['C-2']);

    clock.advance(5000); // any grace would have run out
    sim.upsertSession('S-3', { session_state: 'ready' });
    await until(() =>
      sink.events.some((e) => e.kind === 'agentUpdated' && e.agent.agentId === 'chloe'),
    );
    expect(sink.events.filter((e) => e.kind === 'callEnded')).toEqual([]);
  });

  it('reports a refused login clearly, without the password, and waits before retrying', async () => {
    const wrong = 'Wr0ng-pw-also-never-logged';
    const { sim, source, sink, clock, logger } = await harness({}, { password: wrong });
    await source.start(sink);

    const status = source.status();
    expect(status.state).toBe('disconnected');
    expect(status.lastError).toBe(
      `login as 'monitor' on ${sim.url} refused: invalid user or password`,
    );
    expect(sim.logins).toEqual([{ client: 1, user: 'monitor', ok: false }]);
    expect(sink.snapshots()).toEqual([]);
    expect(clock.armed()).toEqual([60_000]);
    const everything = JSON.stringify([logger.entries, sink.events, status, sim.received]);
    expect(everything).not.toContain(wrong);
    expect(everything).not.toContain(PASSWORD);
    expect(logger.entries).toContainEqual(
      expect.objectContaining({ level: 'error', message: 'CCCP login refused' }),
    );
  });

  it('retries a login the server refused and connects once it accepts', async () => {
    const { sim, source, sink, clock } = await harness();
    sim.rejectLogins(1);
    await source.start(sink);
    expect(source.status().state).toBe('disconnected');
    clock.advance(59_999);
    expect(sim.logins.length).toBe(1);
    clock.advance(1);
    await until(() => sink.snapshots().length === 1);
    expect(sim.logins.map((l) => l.ok)).toEqual([false, true]);
    expect(source.status()).toMatchObject({ state: 'connected', reconnects: 0 });
  });

  it('skips a malformed message with a logged reason and keeps going', async () => {
    const { sim, source, sink, logger } = await harness();
    await source.start(sink);
    const from = sink.events.length;

    expect(await sim.sendMalformed()).toBe(1);
    await sim.sendRaw(
      '{"type":"view_update","view_idx":2,"seq":1,"changes":[{"op":"exploded","item_id":"S-2"}]}',
    );
    sim.upsertSession('S-2', { session_state: 'paused' });
    await until(() => sink.events.length > from);

    expect(sink.summary(from)).toEqual(['agentUpdated:bob:paused']);
    const skipped = logger.entries.filter((e) => e.message === 'CCCP message skipped');
    expect(skipped.map((e) => e.context?.reason)).toEqual([
      expect.stringMatching(/^not JSON \(/),
      `view_update: change 0: 'op' should be added, changed or removed but is "exploded"`,
    ]);
    expect(source.status()).toMatchObject({ state: 'connected', reconnects: 0 });

    // A session the mapping cannot read is skipped with its reason, logged once, not per update.
    sim.upsertSession('S-3', { session_state: 'levitating' });
    await until(() => sink.events.some((e) => e.kind === 'agentRemoved'));
    sim.upsertSession('S-2', { session_state: 'ready' });
    await until(() => sink.summary().at(-1) === 'agentUpdated:bob:available');
    const itemSkips = logger.entries.filter((e) => e.message === 'CCCP item skipped');
    expect(itemSkips.map((e) => e.context)).toEqual([
      {
        sourceId: 'cccp-test',
        objectType: 'sessions',
        itemId: 'S-3',
        reason: `sessions item 'S-3': field 'session_state' has an unknown session state "levitating"`,
      },
    ]);
    expect(sink.summary(from)).toEqual([
      'agentUpdated:bob:paused',
      'agentRemoved:chloe',
      'agentUpdated:bob:available',
    ]);
  });

  it('stops: closes the connection, reports stopped and never reconnects', async () => {
    const { sim, source, sink, clock } = await harness();
    await source.start(sink);
    await source.stop();
    expect(source.status().state).toBe('stopped');
    expect(sink.summary().at(-1)).toBe('connectionChanged:stopped');
    await sim.waitUntil(() => sim.loggedInClients === 0);
    clock.advance(120_000);
    expect(sim.connections).toBe(1);
  });
});
