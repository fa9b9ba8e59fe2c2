import { type DispatchFields } from './dispatch-client';
import {
  type CccpRows,
  CccpMappingError,
  classifyAgentState,
  classifyCallState,
  classifyTaskState,
  deriveCccpState,
  endDispositionHint,
  inferDisposition,
  mapQueueItem,
  mapSession,
  mapTask,
} from './cccp-mapping';

const T0 = new Date('2025-03-14T09:30:00Z');

function rows(parts: Partial<Record<keyof CccpRows, Record<string, DispatchFields>>>): CccpRows {
  return {
    sessions: new Map(Object.entries(parts.sessions ?? {})),
    queues: new Map(Object.entries(parts.queues ?? {})),
    tasks: new Map(Object.entries(parts.tasks ?? {})),
  };
}

const aliceOnCall: DispatchFields = {
  login: 'alice',
  user_name: 'Alice Martin',
  profile: 'support',
  session_state: 'In Communication',
  state_date: '2025-03-14T09:20:00+01:00',
  queues: 'support, sales',
  device: 'SIP/1001',
  call_id: '50556',
  direction: 'in',
  local_number: '+33 1 40 00 00 00',
  remote_number: '06 12 34 56 78',
  remote_name: 'Zoé',
  connection_state: 'connected',
  queue: 'support',
  start_date: '2025-03-14T08:18:00Z',
  answer_date: '2025-03-14T08:19:00Z',
  hold_seconds: 7,
  release_cause: null,
};

describe('state classification (the seed: active, ringing, queued, on hold, ended)', () => {
  it.each([
    ['connected', 'active'],
    ['Talking', 'active'],
    ['alerting', 'ringing'],
    ['offered', 'ringing'],
    ['waiting', 'queued'],
    ['On Hold', 'on_hold'],
    ['held', 'on_hold'],
    ['released', 'ended'],
    ['abandoned', 'ended'],
    ['idle', 'ended'],
  ])('call state %s → %s', (raw, state) => {
    expect(classifyCallState(raw)).toBe(state);
  });

  it('does not guess an unknown call state', () => {
    expect(classifyCallState('teleporting')).toBeUndefined();
    expect(classifyCallState('constructor')).toBeUndefined();
  });

  it.each([
    ['ready', 'available'],
    ['not-ready', 'paused'],
    ['busy', 'on_call'],
    ['after call work', 'wrap_up'],
    ['logged_out', 'logged_out'],
    ['alerting', 'ringing'],
  ])('agent state %s → %s', (raw, state) => {
    expect(classifyAgentState(raw)).toBe(state);
  });

  it.each([
    ['new', 'created'],
    ['waiting', 'queued'],
    ['offered', 'assigned'],
    ['processing', 'in_progress'],
    ['done', 'completed'],
    ['expired', 'cancelled'],
  ])('task state %s → %s', (raw, state) => {
    expect(classifyTaskState(raw)).toBe(state);
  });

  it('reads how a call ended from its end state or release cause', () => {
    expect(endDispositionHint('abandoned')).toBe('abandoned');
    expect(endDispositionHint('busy')).toBe('busy');
    expect(endDispositionHint('released', 'User Busy (17)')).toBe('busy');
    expect(endDispositionHint('released', 'Network congestion')).toBe('failed');
    expect(endDispositionHint('released', 'normal clearing')).toBeUndefined();
    expect(endDispositionHint('released')).toBeUndefined();
  });

  it('infers how a call ended from what was last seen', () => {
    const base = {
      callId: 'c',
      direction: 'inbound' as const,
      startedAt: T0,
      holdSeconds: 0,
      transfers: [],
    };
    expect(inferDisposition({ ...base, state: 'active' })).toBe('answered');
    expect(inferDisposition({ ...base, state: 'queued', queueId: 'q' })).toBe('abandoned');
    expect(inferDisposition({ ...base, state: 'ringing', queueId: 'q' })).toBe('abandoned');
    expect(inferDisposition({ ...base, state: 'ringing' })).toBe('no_answer');
    expect(inferDisposition({ ...base, state: 'ringing', answeredAt: T0 })).toBe('answered');
  });
});

describe('mapSession', () => {
  it('maps the agent and its communication, numbers raw', () => {
    const { agent, call, callProblem } = mapSession('S-1', aliceOnCall, undefined, T0);
    expect(callProblem).toBeUndefined();
    expect(agent).toEqual({
      agentId: 'alice',
      login: 'alice',
      name: 'Alice Martin',
      profile: 'support',
      state: 'on_call',
      stateSince: new Date('2025-03-14T08:20:00Z'),
      queues: ['support', 'sales'],
      currentCallId: '50556',
      device: 'SIP/1001',
    });
    expect(call).toEqual({
      callId: '50556',
      direction: 'inbound',
      state: 'active',
      localNumber: '+33 1 40 00 00 00',
      remoteNumber: '06 12 34 56 78',
      remoteName: 'Zoé',
      startedAt: new Date('2025-03-14T08:18:00Z'),
      queueId: 'support',
      answeredAt: new Date('2025-03-14T08:19:00Z'),
      agentId: 'alice',
      holdSeconds: 7,
      transfers: [],
      attributes: { cccpSessionId: 'S-1' },
    });
  });

  it('maps a session without a communication to an agent only', () => {
    const { agent, call } = mapSession(
      'S-2',
      { login: 'bob', session_state: 'paused', pause_reason: 'lunch', call_id: null },
      undefined,
      T0,
    );
    expect(call).toBeUndefined();
    expect(agent.state).toBe('paused');
    expect(agent.pausedReason).toBe('lunch');
    expect(agent.stateSince).toEqual(T0);
    expect(agent.currentCallId).toBeUndefined();
  });

  it('keeps the first-seen state time when the server gives none and the state holds', () => {
    const earlier = new Date('2025-03-14T09:00:00Z');
    const first = mapSession('S-2', { login: 'bob', session_state: 'ready' }, undefined, earlier);
    const previous = deriveCccpState(rows({}), undefined, earlier).state;
    previous.agents.set('bob', first.agent);
    expect(
      mapSession('S-2', { login: 'bob', session_state: 'ready' }, previous, T0).agent.stateSince,
    ).toEqual(earlier);
    expect(
      mapSession('S-2', { login: 'bob', session_state: 'busy' }, previous, T0).agent.stateSince,
    ).toEqual(T0);
  });

  it('marks an ended communication with its end and cause, and no current call', () => {
    const { agent, call } = mapSession(
      'S-1',
      {
        ...aliceOnCall,
        session_state: 'wrap_up',
        connection_state: 'released',
        end_date: '2025-03-14T08:25:00Z',
        release_cause: 'user busy',
      },
      undefined,
      T0,
    );
    expect(agent.currentCallId).toBeUndefined();
    expect(call?.state).toBe('ended');
    expect(call?.endedAt).toEqual(new Date('2025-03-14T08:25:00Z'));
    expect(call?.disposition).toBe('busy');
    expect(call?.endCause).toBe('user busy');
  });

  it('sets the hold start only while on hold', () => {
    const held = mapSession(
      'S-1',
      { ...aliceOnCall, connection_state: 'held', hold_date: '2025-03-14T08:21:00Z' },
      undefined,
      T0,
    );
    expect(held.call?.holdStartedAt).toEqual(new Date('2025-03-14T08:21:00Z'));
    const active = mapSession(
      'S-1',
      { ...aliceOnCall, hold_date: '2025-03-14T08:21:00Z' },
      undefined,
      T0,
    );
    expect(active.call?.holdStartedAt).toBeUndefined();
  });

  it('keeps the agent when only its communication is unreadable, saying which field', () => {
    const { agent, call, callProblem } = mapSession(
      'S-1',
      { ...aliceOnCall, connection_state: 'teleporting' },
      undefined,
      T0,
    );
    expect(agent.login).toBe('alice');
    expect(call).toBeUndefined();
    expect(callProblem).toBe(
      `sessions item 'S-1': field 'connection_state' of call '50556' has an unknown state "teleporting"`,
    );
  });

  it.each([
    [{ session_state: 'ready' }, "sessions item 'S-9': field 'login' is missing"],
    [{ login: 'x' }, "sessions item 'S-9': field 'session_state' (session state) is missing"],
    [
      { login: 'x', session_state: 'dancing' },
      `field 'session_state' has an unknown session state "dancing"`,
    ],
    [
      { login: 'x', session_state: 'ready', state_date: '2025-03-14 09:00' },
      `field 'state_date' should be an ISO 8601 date with a zone but is "2025-03-14 09:00"`,
    ],
    [
      { login: 'x', session_state: 'ready', state_date: '2025-03-14T09:00:00' },
      'should be an ISO 8601 date with a zone',
    ],
  ])('rejects a bad session %j', (fields, message) => {
    expect(() => mapSession('S-9', fields, undefined, T0)).toThrow(CccpMappingError);
    expect(() => mapSession('S-9', fields, undefined, T0)).toThrow(message);
  });
});

describe('mapQueueItem and mapTask', () => {
  it('maps a waiting call task to a queued call', () => {
    expect(
      mapQueueItem(
        'T-77',
        {
          queue: 'support',
          task_type: 'call',
          state: 'waiting',
          caller: '0612345678',
          called: '0140000000',
          priority: '3',
          creation_date: '2025-03-14T09:29:00Z',
          start_date: '2025-03-14T09:29:05Z',
          call_id: '53619',
        },
        undefined,
        T0,
      ),
    ).toEqual({
      callId: '53619',
      direction: 'inbound',
      state: 'queued',
      localNumber: '0140000000',
      remoteNumber: '0612345678',
      startedAt: new Date('2025-03-14T09:29:00Z'),
      queuedAt: new Date('2025-03-14T09:29:05Z'),
      queueId: 'support',
      priority: 3,
      holdSeconds: 0,
      transfers: [],
      attributes: { cccpTaskId: 'T-77' },
    });
  });

  it('uses the task id as call id when there is none, and skips non-call tasks', () => {
    expect(mapQueueItem('T-1', { queue: 'q' }, undefined, T0)?.callId).toBe('T-1');
    expect(mapQueueItem('T-2', { queue: 'q', task_type: 'email' }, undefined, T0)).toBeUndefined();
  });

  it('rejects a bad priority naming the field', () => {
    expect(() => mapQueueItem('T-3', { priority: 'high' }, undefined, T0)).toThrow(
      `queues item 'T-3': field 'priority' should be an integer but is "high"`,
    );
  });

  it('maps a task', () => {
    expect(
      mapTask(
        'T-5',
        {
          task_type: 'callback',
          state: 'processing',
          queue: 'sales',
          manager: 'alice',
          priority: 2,
          creation_date: '2025-03-14T09:00:00Z',
          assign_date: '2025-03-14T09:01:00Z',
          start_date: '2025-03-14T09:02:00Z',
        },
        undefined,
        T0,
      ),
    ).toEqual({
      taskId: 'T-5',
      type: 'callback',
      state: 'in_progress',
      queueId: 'sales',
      managerId: 'alice',
      priority: 2,
      createdAt: new Date('2025-03-14T09:00:00Z'),
      assignedAt: new Date('2025-03-14T09:01:00Z'),
      startedAt: new Date('2025-03-14T09:02:00Z'),
    });
  });

  it('gives a finished task an end time (the server one, else when first seen finished)', () => {
    expect(
      mapTask('T-6', { state: 'done', end_date: '2025-03-14T09:10:00Z' }, undefined, T0).endedAt,
    ).toEqual(new Date('2025-03-14T09:10:00Z'));
    expect(mapTask('T-6', { state: 'done' }, undefined, T0).endedAt).toEqual(T0);
    expect(() => mapTask('T-7', { state: 'sleeping' }, undefined, T0)).toThrow(
      `tasks item 'T-7': field 'state' has an unknown task state "sleeping"`,
    );
  });
});

describe('deriveCccpState', () => {
  it('merges a queued task and the agent session offering the same call', () => {
    const { state, problems } = deriveCccpState(
      rows({
        queues: {
          'T-1': {
            queue: 'support',
            state: 'waiting',
            caller: '0612345678',
            caller_name: 'Zoé',
            priority: 4,
            creation_date: '2025-03-14T09:20:00Z',
            start_date: '2025-03-14T09:20:02Z',
            call_id: 'C-1',
          },
        },
        sessions: {
          'S-1': {
            login: 'alice',
            session_state: 'ringing',
            call_id: 'C-1',
            connection_state: 'alerting',
            remote_number: '0612345678',
            start_date: '2025-03-14T09:25:00Z',
          },
        },
      }),
      undefined,
      T0,
    );
    expect(problems).toEqual([]);
    expect(state.calls.get('C-1')).toEqual({
      callId: 'C-1',
      direction: 'inbound',
      state: 'ringing',
      remoteNumber: '0612345678',
      remoteName: 'Zoé',
      startedAt: new Date('2025-03-14T09:20:00Z'),
      queuedAt: new Date('2025-03-14T09:20:02Z'),
      queueId: 'support',
      priority: 4,
      agentId: 'alice',
      holdSeconds: 0,
      transfers: [],
      attributes: { cccpTaskId: 'T-1', cccpSessionId: 'S-1' },
    });
    expect(state.agents.get('alice')?.currentCallId).toBe('C-1');
  });

  it('prefers the session at an equal state: the agent offered the call holds it', () => {
    const { state } = deriveCccpState(
      rows({
        queues: { 'T-1': { queue: 'support', state: 'offered', call_id: 'C-1' } },
        sessions: {
          'S-1': {
            login: 'alice',
            session_state: 'ringing',
            call_id: 'C-1',
            connection_state: 'alerting',
          },
        },
      }),
      undefined,
      T0,
    );
    expect(state.calls.get('C-1')).toMatchObject({
      state: 'ringing',
      agentId: 'alice',
      queueId: 'support',
    });
  });

  it('keeps a call queued when the agent leg ended but the queue still holds it', () => {
    const { state } = deriveCccpState(
      rows({
        queues: { 'T-1': { queue: 'support', state: 'waiting', call_id: 'C-1' } },
        sessions: {
          'S-1': {
            login: 'alice',
            session_state: 'ready',
            call_id: 'C-1',
            connection_state: 'released',
          },
        },
      }),
      undefined,
      T0,
    );
    expect(state.calls.get('C-1')?.state).toBe('queued');
  });

  it('skips a bad item with its reason and maps the others', () => {
    const { state, problems } = deriveCccpState(
      rows({
        sessions: {
          'S-1': aliceOnCall,
          'S-2': { login: 'bob', session_state: 'on the moon' },
          'S-3': { login: 'chloe', session_state: 'ready' },
        },
        tasks: { 'T-1': { state: '???' }, 'T-2': { state: 'waiting', queue: 'billing' } },
      }),
      undefined,
      T0,
    );
    expect([...state.agents.keys()]).toEqual(['alice', 'chloe']);
    expect([...state.tasks.keys()]).toEqual(['T-2']);
    expect(problems).toEqual([
      {
        objectType: 'sessions',
        itemId: 'S-2',
        reason: `sessions item 'S-2': field 'session_state' has an unknown session state "on the moon"`,
      },
      {
        objectType: 'tasks',
        itemId: 'T-1',
        reason: `tasks item 'T-1': field 'state' has an unknown task state "???"`,
      },
    ]);
    expect([...state.queues.keys()]).toEqual(['billing', 'sales', 'support']);
  });

  it('prefers the logged-in session when a login has two', () => {
    const { state } = deriveCccpState(
      rows({
        sessions: {
          'S-1': { login: 'alice', session_state: 'logged_out' },
          'S-2': { login: 'alice', session_state: 'ready' },
        },
      }),
      undefined,
      T0,
    );
    expect(state.agents.get('alice')?.state).toBe('available');
  });
});
