import { PhoneNumberNormaliser } from '../numbers/phone-number';
import type { AgentView, CallView, ContactCentreSnapshot } from '../sources/contact-centre-source';
import type { LiveChange } from './live-board';
import { holdSecondsOf, talkSecondsOf, waitSecondsOf } from './live-board';
import { LiveView } from './live-view';

const t = (s: number) => new Date(Date.UTC(2026, 10, 23, 9, 0, s));

function call(id: string, patch: Partial<CallView> = {}): CallView {
  return {
    callId: id,
    direction: 'inbound',
    state: 'queued',
    remoteNumber: '0612345678',
    startedAt: t(0),
    queuedAt: t(1),
    queueId: 'support',
    holdSeconds: 0,
    transfers: [],
    ...patch,
  };
}

function agent(id: string, patch: Partial<AgentView> = {}): AgentView {
  return {
    agentId: id,
    login: id.toLowerCase(),
    state: 'available',
    stateSince: t(0),
    queues: ['support'],
    ...patch,
  };
}

function setup() {
  let now = t(0);
  const view = new LiveView(
    new PhoneNumberNormaliser({ defaultRegion: 'FR', extensionMaxDigits: 6 }),
    {
      now: () => now,
    },
  );
  const changes: LiveChange[] = [];
  view.subscribe((c) => changes.push(c));
  const board = view.board('pbx-1');
  return { view, board, changes, at: (s: number) => (now = t(s)) };
}

const snapshot = (patch: Partial<ContactCentreSnapshot>): ContactCentreSnapshot => ({
  calls: [],
  agents: [],
  queues: [],
  tasks: [],
  at: t(0),
  ...patch,
});

describe('LiveView', () => {
  it('normalises numbers and keeps the raw ones', () => {
    const { view, board } = setup();
    board.callUpdated(call('c1'), t(1));
    const [live] = view.calls();
    expect(live?.remoteNumber).toBe('+33612345678');
    expect(live?.remoteNumberRaw).toBe('0612345678');
  });

  it('counts waiting calls and the oldest wait per queue as calls queue and are answered', () => {
    const { view, board } = setup();
    board.callUpdated(call('c1', { queuedAt: t(5) }), t(5));
    board.callUpdated(call('c2', { queuedAt: t(2) }), t(6));
    expect(view.queues()[0]).toMatchObject({
      queueId: 'support',
      waiting: 2,
      oldestQueuedAt: t(2),
    });
    board.callUpdated(call('c2', { state: 'active', answeredAt: t(9), agentId: 'A1' }), t(9));
    expect(view.queues()[0]).toMatchObject({ waiting: 1, oldestQueuedAt: t(5) });
    board.callEnded(
      call('c1', { state: 'ended', endedAt: t(12), disposition: 'abandoned' }),
      t(12),
    );
    expect(view.queues()[0]).toMatchObject({ waiting: 0, oldestQueuedAt: undefined });
  });

  it('counts agents logged in and available per queue incrementally', () => {
    const { view, board } = setup();
    board.agentUpdated(agent('A1', { queues: ['support', 'sales'] }), t(1));
    board.agentUpdated(agent('A2'), t(1));
    board.agentUpdated(agent('A2', { state: 'on_call' }), t(2));
    const byId = Object.fromEntries(view.queues().map((q) => [q.queueId, q]));
    expect(byId.support).toMatchObject({ agentsLoggedIn: 2, agentsAvailable: 1 });
    expect(byId.sales).toMatchObject({ agentsLoggedIn: 1, agentsAvailable: 1 });
    board.agentUpdated(agent('A1', { state: 'paused', queues: ['support', 'sales'] }), t(3));
    board.agentRemoved('A2', t(4));
    expect(view.queues().find((q) => q.queueId === 'support')).toMatchObject({
      agentsLoggedIn: 1,
      agentsAvailable: 0,
    });
  });

  it('ends a call once, whatever reports it again', () => {
    const { board, changes } = setup();
    board.callUpdated(call('c1'), t(1));
    const ended = call('c1', { state: 'ended', endedAt: t(8), disposition: 'abandoned' });
    board.callEnded(ended, t(8));
    board.callEnded(ended, t(9));
    board.callUpdated(call('c1', { state: 'active' }), t(10));
    expect(changes.filter((c) => c.kind === 'call_ended')).toHaveLength(1);
    expect(board.calls.size).toBe(0);
  });

  it('a resync snapshot ends what vanished while disconnected and keeps what is still there', () => {
    const { view, board, changes } = setup();
    board.callUpdated(call('gone'), t(1));
    board.callUpdated(call('stays'), t(1));
    board.agentUpdated(agent('A1'), t(1));
    board.agentUpdated(agent('A9'), t(1));
    changes.length = 0;
    board.snapshot(
      snapshot({
        calls: [call('stays', { state: 'active', answeredAt: t(20) }), call('new')],
        agents: [agent('A1')],
        at: t(30),
      }),
    );
    const ended = changes.filter((c) => c.kind === 'call_ended');
    expect(ended).toHaveLength(1);
    expect(ended[0]).toMatchObject({
      call: { callId: 'gone', disposition: 'unknown', endedAt: t(30) },
    });
    expect(
      view
        .calls()
        .map((c) => c.callId)
        .sort(),
    ).toEqual(['new', 'stays']);
    expect(changes.filter((c) => c.kind === 'agent_removed')).toEqual([
      expect.objectContaining({ agentId: 'A9' }),
    ]);
    // The same snapshot again changes nothing that is counted: no call ends twice.
    changes.length = 0;
    board.snapshot(
      snapshot({
        calls: [call('stays', { state: 'active' }), call('new')],
        agents: [agent('A1')],
        at: t(31),
      }),
    );
    expect(changes.filter((c) => c.kind === 'call_ended')).toHaveLength(0);
  });

  it('filters calls by queue, agent login, profile and state; agents by queue and state', () => {
    const { view, board } = setup();
    board.agentUpdated(agent('A1', { login: 'alice', profile: 'tier1', state: 'on_call' }), t(1));
    board.agentUpdated(agent('A2', { login: 'bob', profile: 'tier2', queues: ['sales'] }), t(1));
    board.callUpdated(call('c1', { state: 'active', agentId: 'A1' }), t(2));
    board.callUpdated(call('c2', { queueId: 'sales' }), t(2));
    expect(view.calls({ agent: 'alice' }).map((c) => c.callId)).toEqual(['c1']);
    expect(view.calls({ profile: 'tier1' }).map((c) => c.callId)).toEqual(['c1']);
    expect(view.calls({ queueId: 'sales', states: ['queued'] }).map((c) => c.callId)).toEqual([
      'c2',
    ]);
    expect(view.calls({ states: ['on_hold'] })).toEqual([]);
    expect(view.agents({ queueId: 'sales' }).map((a) => a.login)).toEqual(['bob']);
    expect(view.agents({ states: ['on_call'] }).map((a) => a.login)).toEqual(['alice']);
    expect(view.calls({ sourceId: 'other' })).toEqual([]);
  });

  it('reports event lag per source from platform time', () => {
    const { view, board, at } = setup();
    at(10);
    board.callUpdated(call('c1'), t(7));
    expect(view.statuses()[0]).toMatchObject({ sourceId: 'pbx-1', lastLagMs: 3000, changes: 1 });
  });

  it('a failing listener does not stop the others', () => {
    const errors: unknown[] = [];
    const view = new LiveView(
      new PhoneNumberNormaliser({ defaultRegion: 'FR', extensionMaxDigits: 6 }),
      undefined,
      (e) => errors.push(e),
    );
    const seen: string[] = [];
    view.subscribe(() => {
      throw new Error('feed down');
    });
    view.subscribe((c) => seen.push(c.kind));
    view.board('s').callUpdated(call('c1'), t(1));
    expect(seen).toContain('call_updated');
    expect(errors.length).toBeGreaterThan(0);
  });

  it('computes wait, talk and hold seconds', () => {
    const c = call('c1', { queuedAt: t(10), answeredAt: t(25), endedAt: t(85), holdSeconds: 20 });
    expect(waitSecondsOf(c, t(100))).toBe(15);
    expect(talkSecondsOf(c, t(100))).toBe(60);
    expect(holdSecondsOf({ ...c, holdStartedAt: t(90) }, t(100))).toBe(30);
  });
});
