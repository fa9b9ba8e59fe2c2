import { type CallView } from '../contact-centre-source';
import {
  type CccpChange,
  diffCccpStates,
  endCall,
  newChangeMemory,
  nextEndDeadline,
  sameView,
  snapshotOf,
} from './cccp-changes';
import { type CccpDerivedState, deriveCccpState } from './cccp-mapping';
import { type DispatchFields } from './dispatch-client';

const T0 = new Date('2025-03-14T09:30:00Z');
const T1 = new Date('2025-03-14T09:30:10Z');

function derive(
  parts: {
    sessions?: Record<string, DispatchFields>;
    queues?: Record<string, DispatchFields>;
    tasks?: Record<string, DispatchFields>;
  },
  previous?: CccpDerivedState,
  at = T0,
): CccpDerivedState {
  const { state, problems } = deriveCccpState(
    {
      sessions: new Map(Object.entries(parts.sessions ?? {})),
      queues: new Map(Object.entries(parts.queues ?? {})),
      tasks: new Map(Object.entries(parts.tasks ?? {})),
    },
    previous,
    at,
  );
  expect(problems).toEqual([]);
  return state;
}

const kinds = (changes: CccpChange[]) =>
  changes.map((c) => {
    switch (c.kind) {
      case 'queueUpdated':
        return `${c.kind}:${c.queue.queueId}`;
      case 'agentUpdated':
        return `${c.kind}:${c.agent.agentId}`;
      case 'agentRemoved':
        return `${c.kind}:${c.agentId}`;
      case 'callUpdated':
      case 'callEnded':
        return `${c.kind}:${c.call.callId}`;
      case 'taskUpdated':
      case 'taskEnded':
        return `${c.kind}:${c.task.taskId}`;
    }
  });

const ready = { login: 'bob', session_state: 'ready', state_date: '2025-03-14T09:00:00Z' };
const aliceTalking: DispatchFields = {
  login: 'alice',
  session_state: 'busy',
  state_date: '2025-03-14T09:10:00Z',
  call_id: 'C-1',
  connection_state: 'connected',
  queue: 'support',
  start_date: '2025-03-14T09:09:00Z',
  answer_date: '2025-03-14T09:10:00Z',
};
const options = (now: number, endGraceMs = 0) => ({ observedAt: T1, now, endGraceMs });

describe('snapshotOf', () => {
  it('reports live calls and open tasks only, remembering the finished ones as ended', () => {
    const state = derive({
      sessions: {
        'S-1': aliceTalking,
        'S-2': { ...ready, call_id: 'C-0', connection_state: 'released' },
      },
      tasks: { 'T-1': { state: 'done' }, 'T-2': { state: 'waiting' } },
    });
    const memory = newChangeMemory();
    const snapshot = snapshotOf(state, memory, T0);
    expect(snapshot.calls.map((c) => c.callId)).toEqual(['C-1']);
    expect(snapshot.tasks.map((t) => t.taskId)).toEqual(['T-2']);
    expect(snapshot.agents.map((a) => a.agentId)).toEqual(['alice', 'bob']);
    expect(snapshot.queues.map((q) => q.queueId)).toEqual(['support']);
    expect(snapshot.at).toBe(T0);
    expect([...memory.endedCalls]).toEqual(['C-0']);
    expect([...memory.endedTasks]).toEqual(['T-1']);
    // What the snapshot already showed ended is never reported ended afterwards.
    expect(diffCccpStates(state, state, memory, options(0))).toEqual([]);
  });
});

describe('diffCccpStates', () => {
  it('reports only what changed', () => {
    const before = derive({ sessions: { 'S-1': aliceTalking, 'S-2': ready } });
    const after = derive(
      {
        sessions: {
          'S-1': aliceTalking,
          'S-2': { ...ready, session_state: 'paused', state_date: '2025-03-14T09:30:05Z' },
        },
      },
      before,
    );
    expect(kinds(diffCccpStates(before, after, newChangeMemory(), options(0)))).toEqual([
      'agentUpdated:bob',
    ]);
    expect(
      diffCccpStates(
        after,
        derive(
          {
            sessions: {
              'S-1': aliceTalking,
              'S-2': { ...ready, session_state: 'paused', state_date: '2025-03-14T09:30:05Z' },
            },
          },
          after,
        ),
        newChangeMemory(),
        options(0),
      ),
    ).toEqual([]);
  });

  it('reports new and removed agents, new queues and tasks', () => {
    const before = derive({ sessions: { 'S-2': ready } });
    const after = derive(
      {
        sessions: { 'S-1': aliceTalking },
        tasks: { 'T-1': { state: 'new', queue: 'backoffice' } },
      },
      before,
    );
    expect(kinds(diffCccpStates(before, after, newChangeMemory(), options(0)))).toEqual([
      'queueUpdated:backoffice',
      'queueUpdated:support',
      'agentUpdated:alice',
      'agentRemoved:bob',
      'taskUpdated:T-1',
      'callUpdated:C-1',
    ]);
  });

  it('reports an explicit end once, with its disposition from what came before', () => {
    const memory = newChangeMemory();
    const before = derive({ sessions: { 'S-1': aliceTalking } });
    const endedFields = {
      ...aliceTalking,
      session_state: 'wrap_up',
      connection_state: 'released',
      end_date: '2025-03-14T09:30:08Z',
    };
    const after = derive({ sessions: { 'S-1': endedFields } }, before);
    const changes = diffCccpStates(before, after, memory, options(0));
    expect(kinds(changes)).toEqual(['agentUpdated:alice', 'callEnded:C-1']);
    const ended = changes[1];
    expect(ended.kind === 'callEnded' && ended.call).toMatchObject({
      state: 'ended',
      endedAt: new Date('2025-03-14T09:30:08Z'),
      disposition: 'answered',
    });
    // The session keeps showing its last call as released: not reported again.
    const again = derive({ sessions: { 'S-1': endedFields } }, after);
    expect(diffCccpStates(after, again, memory, options(1000))).toEqual([]);
    expect(
      diffCccpStates(
        again,
        derive({ sessions: { 'S-1': { ...endedFields, session_state: 'ready' } } }, again),
        memory,
        options(2000),
      ).map((c) => c.kind),
    ).toEqual(['agentUpdated']);
  });

  it('waits out the grace before reporting a vanished call ended (a hand-over is not an end)', () => {
    const memory = newChangeMemory();
    const queued = derive({
      queues: {
        'T-1': {
          queue: 'support',
          state: 'waiting',
          call_id: 'C-9',
          creation_date: '2025-03-14T09:29:00Z',
        },
      },
    });
    const gone = derive({}, queued);
    expect(kinds(diffCccpStates(queued, gone, memory, options(10_000, 2000)))).toEqual([]);
    expect(nextEndDeadline(memory, 2000)).toBe(12_000);
    // It shows up ringing at an agent within the grace: an update, no end.
    const offered = derive(
      {
        sessions: {
          'S-1': {
            login: 'alice',
            session_state: 'ringing',
            state_date: '2025-03-14T09:30:00Z',
            call_id: 'C-9',
            connection_state: 'alerting',
            queue: 'support',
            start_date: '2025-03-14T09:29:00Z',
          },
        },
      },
      gone,
    );
    const changes = diffCccpStates(gone, offered, memory, options(11_000, 2000));
    expect(kinds(changes)).toEqual(['agentUpdated:alice', 'callUpdated:C-9']);
    expect(memory.vanishing.size).toBe(0);
    expect(nextEndDeadline(memory, 2000)).toBeUndefined();
  });

  it('reports a vanished call ended once the grace is over, as abandoned when it was queued', () => {
    const memory = newChangeMemory();
    const queued = derive({
      queues: {
        'T-1': {
          queue: 'support',
          state: 'waiting',
          call_id: 'C-9',
          creation_date: '2025-03-14T09:29:00Z',
        },
      },
    });
    const gone = derive({}, queued);
    diffCccpStates(queued, gone, memory, { observedAt: T0, now: 10_000, endGraceMs: 2000 });
    expect(diffCccpStates(gone, gone, memory, options(11_999, 2000))).toEqual([]);
    const changes = diffCccpStates(gone, gone, memory, options(12_000, 2000));
    expect(kinds(changes)).toEqual(['callEnded:C-9']);
    const ended = changes[0];
    // Ended when it was first seen gone, not when the grace ran out.
    expect(ended.kind === 'callEnded' && ended.call).toMatchObject({
      state: 'ended',
      endedAt: T0,
      disposition: 'abandoned',
      queueId: 'support',
    });
    expect(diffCccpStates(gone, gone, memory, options(20_000, 2000))).toEqual([]);
  });

  it('reports a call first seen already ended (a short call between two polls) once', () => {
    const memory = newChangeMemory();
    const before = derive({ sessions: { 'S-2': ready } });
    const after = derive(
      {
        sessions: {
          'S-2': {
            ...ready,
            call_id: 'C-5',
            connection_state: 'busy',
            start_date: '2025-03-14T09:30:01Z',
          },
        },
      },
      before,
    );
    const changes = diffCccpStates(before, after, memory, options(0));
    expect(kinds(changes)).toEqual(['callEnded:C-5']);
    expect(changes[0].kind === 'callEnded' && changes[0].call.disposition).toBe('busy');
  });

  it('reports a task ending once', () => {
    const memory = newChangeMemory();
    const before = derive({ tasks: { 'T-1': { state: 'in_progress' } } });
    const after = derive(
      { tasks: { 'T-1': { state: 'closed', end_date: '2025-03-14T09:30:09Z' } } },
      before,
    );
    expect(kinds(diffCccpStates(before, after, memory, options(0)))).toEqual(['taskEnded:T-1']);
    expect(
      diffCccpStates(
        after,
        derive(
          { tasks: { 'T-1': { state: 'closed', end_date: '2025-03-14T09:30:09Z', priority: 1 } } },
          after,
        ),
        memory,
        options(0),
      ),
    ).toEqual([]);
  });
});

describe('endCall', () => {
  it('adds the hold in progress to the hold time', () => {
    const call: CallView = {
      callId: 'C-1',
      direction: 'inbound',
      state: 'on_hold',
      startedAt: T0,
      holdStartedAt: new Date('2025-03-14T09:30:04Z'),
      holdSeconds: 10,
      transfers: [],
    };
    const ended = endCall(call, call, T1);
    expect(ended).toMatchObject({
      state: 'ended',
      endedAt: T1,
      holdSeconds: 16,
      disposition: 'answered',
    });
    expect(ended.holdStartedAt).toBeUndefined();
  });
});

describe('sameView', () => {
  it('ignores key order but not values', () => {
    expect(sameView({ a: 1, b: { c: new Date(0) } }, { b: { c: new Date(0) }, a: 1 })).toBe(true);
    expect(sameView({ a: 1, b: [1, 2] }, { a: 1, b: [2, 1] })).toBe(false);
  });
});
