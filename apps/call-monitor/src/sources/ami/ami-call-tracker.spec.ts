import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import {
  AMI_TRANSCRIPT_DIR,
  AMI_TRANSCRIPT_NAMES,
  loadAmiTranscript,
  parseAmiTranscript,
  serializeAmiFrame,
  type AmiFrame,
  type AmiTranscriptName,
} from '@telcomesh/testing';
import type { CallView } from '../contact-centre-source';
import { AmiCallTracker, type AmiCallTrackerOptions } from './ami-call-tracker';
import { parseAmi, type AmiMessage } from './ami-parser';
import { RecordingLogger, RecordingSink, stamp } from './ami-test-sink';

/** A transcript as the connection delivers it: its wire bytes through the real parser. */
function events(name: AmiTranscriptName): AmiMessage[] {
  return parse(loadAmiTranscript(name).frames);
}

function parse(frames: AmiFrame[]): AmiMessage[] {
  const out = parseAmi(frames.map(serializeAmiFrame).join(''));
  expect(out.malformed).toEqual([]);
  return out.messages;
}

/** Event-list items of a discovery-scan fixture (`snapshot-channels`, `snapshot-queue-status`). */
function listItems(name: 'snapshot-channels' | 'snapshot-queue-status'): AmiMessage[] {
  const text = readFileSync(join(AMI_TRANSCRIPT_DIR, `${name}.ami`), 'utf8');
  return parse(parseAmiTranscript(text, name).frames);
}

/** Replaces field values in every frame (a variant of a transcript). */
function rewrite(frames: AmiFrame[], edit: (key: string, value: string) => string): AmiFrame[] {
  return frames.map((frame) => frame.map(([key, value]) => [key, edit(key, value)] as const));
}

function tracker(options: AmiCallTrackerOptions = {}) {
  const sink = new RecordingSink();
  const logger = new RecordingLogger();
  const instance = new AmiCallTracker(sink, { logger, nowMs: () => 1_800_000_000_000, ...options });
  return { sink, logger, tracker: instance };
}

/** A tracker that knows the queues and members (as after the scan of a real login). */
function trackerWithMembers(options: AmiCallTrackerOptions = {}) {
  const made = tracker(options);
  made.tracker.resync({
    channels: [],
    queueStatus: listItems('snapshot-queue-status'),
    at: stamp(1_699_999_000),
  });
  return made;
}

function feed(target: AmiCallTracker, messages: AmiMessage[]): void {
  for (const message of messages) target.handle(message);
}

const seconds = (from: Date | undefined, to: Date | undefined) =>
  from && to ? (to.getTime() - from.getTime()) / 1000 : Number.NaN;

describe('AmiCallTracker on the Asterisk transcripts', () => {
  it('queue-call-answered: ringing, queued, answered by Alice, ended once', () => {
    const { sink, tracker: t } = tracker();
    feed(t, events('queue-call-answered'));

    const base: CallView = {
      callId: '1700000000.16',
      direction: 'inbound',
      state: 'ringing',
      localNumber: '0140000000',
      remoteNumber: '0612345678',
      remoteName: 'Zoé Martin',
      startedAt: stamp(1700000000.127919),
      holdSeconds: 0,
      transfers: [],
      attributes: { channel: 'PJSIP/trunk-operator-00000010', uniqueid: '1700000000.16' },
    };
    const queued = { queuedAt: stamp(1700000001.143757), queueId: 'support' };
    const answered = { answeredAt: stamp(1700000007.230866), agentId: 'PJSIP/1001' };
    expect(sink.updates()).toEqual([
      base,
      { ...base, state: 'queued', ...queued },
      { ...base, state: 'active', ...queued, ...answered },
    ]);
    const ended = {
      ...base,
      ...queued,
      ...answered,
      state: 'ended',
      endedAt: stamp(1700000102.294218),
      disposition: 'answered',
      endCause: 'Normal Clearing',
    };
    expect(sink.ended()).toEqual([ended]);
    const report = sink.reports.find((r) => r.kind === 'callEnded');
    expect(report?.kind === 'callEnded' && report.at).toEqual(stamp(1700000102.294218));

    // Wait and talk follow from the times; talk matches Asterisk's own TalkTime (95).
    expect(seconds(ended.queuedAt, ended.answeredAt)).toBeCloseTo(6.087, 3);
    expect(Math.round(seconds(ended.answeredAt, ended.endedAt))).toBe(95);

    expect(sink.agentStates('PJSIP/1001')).toEqual([
      { state: 'ringing', since: stamp(1700000002.159595) },
      { state: 'on_call', since: stamp(1700000007.230866) },
      { state: 'available', since: stamp(1700000102.270461) },
    ]);
    expect(sink.agentUpdates('PJSIP/1001').map((a) => a.currentCallId)).toEqual([
      '1700000000.16',
      '1700000000.16',
      undefined,
    ]);
    expect(sink.agentUpdates('PJSIP/1001')[0]).toEqual({
      agentId: 'PJSIP/1001',
      login: '1001',
      name: 'Alice Dupont',
      state: 'ringing',
      stateSince: stamp(1700000002.159595),
      queues: ['support'],
      currentCallId: '1700000000.16',
      device: 'PJSIP/1001',
    });
  });

  it('queue-call-abandoned: the caller hangs up in the queue while Alice rings', () => {
    const { sink, tracker: t } = tracker();
    feed(t, events('queue-call-abandoned'));

    expect(sink.updates().map((c) => c.state)).toEqual(['ringing', 'queued']);
    expect(sink.ended()).toEqual([
      {
        callId: '1700001000.32',
        direction: 'inbound',
        state: 'ended',
        localNumber: '0140000000',
        remoteNumber: '+41791234567',
        startedAt: stamp(1700001000.127919),
        queuedAt: stamp(1700001001.143757),
        queueId: 'support',
        holdSeconds: 0,
        transfers: [],
        endedAt: stamp(1700001023.230866),
        disposition: 'abandoned',
        endCause: 'Normal Clearing',
        attributes: { channel: 'PJSIP/trunk-operator-00000020', uniqueid: '1700001000.32' },
      },
    ]);
    expect(sink.agentStates('PJSIP/1001')).toEqual([
      { state: 'ringing', since: stamp(1700001002.159595) },
      { state: 'available', since: stamp(1700001023.19919) },
    ]);
  });

  it('queue-ring-no-answer: Alice misses the call, Bob answers it', () => {
    const { sink, tracker: t } = tracker();
    feed(t, events('queue-ring-no-answer'));

    expect(sink.updates().map((c) => [c.state, c.missedBy, c.agentId])).toEqual([
      ['ringing', undefined, undefined],
      ['queued', undefined, undefined],
      ['queued', ['PJSIP/1001'], undefined],
      ['active', ['PJSIP/1001'], 'PJSIP/1002'],
    ]);
    const [ended] = sink.ended();
    expect(ended).toMatchObject({
      callId: '1700002000.48',
      state: 'ended',
      disposition: 'answered',
      agentId: 'PJSIP/1002',
      missedBy: ['PJSIP/1001'],
      queueId: 'support',
      queuedAt: stamp(1700002001.143757),
      answeredAt: stamp(1700002022.302137),
      endedAt: stamp(1700002084.365489),
      endCause: 'Normal Clearing',
    });
    expect(sink.ended()).toHaveLength(1);
    expect(Math.round(seconds(ended.answeredAt, ended.endedAt))).toBe(62);
    expect(sink.agentStates('PJSIP/1001')).toEqual([
      { state: 'ringing', since: stamp(1700002002.159595) },
      { state: 'available', since: stamp(1700002017.191271) },
    ]);
    expect(sink.agentStates('PJSIP/1002')).toEqual([
      { state: 'ringing', since: stamp(1700002018.230866) },
      { state: 'on_call', since: stamp(1700002022.302137) },
      { state: 'available', since: stamp(1700002084.341732) },
    ]);
  });

  it('hold-unhold: an outbound call by Bob held 40 s', () => {
    const { sink, tracker: t } = trackerWithMembers();
    feed(t, events('hold-unhold'));

    const updates = sink.updates();
    expect(updates.map((c) => [c.direction, c.state, c.holdSeconds])).toEqual([
      ['internal', 'ringing', 0],
      ['outbound', 'ringing', 0],
      ['outbound', 'active', 0],
      ['outbound', 'on_hold', 0],
      ['outbound', 'active', 40],
    ]);
    expect(updates[3].holdStartedAt).toEqual(stamp(1700003034.19919));
    expect(updates[4].holdStartedAt).toBeUndefined();
    expect(sink.ended()).toEqual([
      {
        callId: '1700003000.64',
        direction: 'outbound',
        state: 'ended',
        localNumber: '1002',
        remoteNumber: '0698765432',
        startedAt: stamp(1700003000.127919),
        answeredAt: stamp(1700003004.191271),
        agentId: 'PJSIP/1002',
        holdSeconds: 40,
        transfers: [],
        endedAt: stamp(1700003094.262542),
        disposition: 'answered',
        endCause: 'Normal Clearing',
        attributes: { channel: 'PJSIP/trunk-operator-00000041', uniqueid: '1700003001.65' },
      },
    ]);
  });

  it('blind-transfer: Alice answers, transfers to 1002, Bob ends the call', () => {
    const { sink, tracker: t } = trackerWithMembers();
    feed(t, events('blind-transfer'));

    expect(sink.callIds()).toEqual(['1700004000.80']);
    expect(sink.updates().map((c) => [c.state, c.agentId, c.transfers.length])).toEqual([
      ['ringing', undefined, 0],
      ['active', 'PJSIP/1001', 0],
      ['active', 'PJSIP/1001', 1],
      ['active', 'PJSIP/1002', 1],
    ]);
    expect(sink.ended()).toEqual([
      {
        callId: '1700004000.80',
        direction: 'inbound',
        state: 'ended',
        localNumber: '1001',
        remoteNumber: '0755512345',
        remoteName: 'Léa Bernard',
        startedAt: stamp(1700004000.127919),
        answeredAt: stamp(1700004004.191271),
        agentId: 'PJSIP/1002',
        holdSeconds: 0,
        transfers: [
          { kind: 'blind', at: stamp(1700004049.19919), fromAgentId: 'PJSIP/1001', to: '1002' },
        ],
        endedAt: stamp(1700004135.333813),
        disposition: 'answered',
        endCause: 'Normal Clearing',
        attributes: { channel: 'PJSIP/trunk-operator-00000050', uniqueid: '1700004000.80' },
      },
    ]);
    expect(sink.agentStates('PJSIP/1001').map((s) => s.state)).toEqual(['on_call', 'available']);
  });

  it('attended-transfer: one call id throughout, the consult leg is not a call of its own', () => {
    const { sink, tracker: t } = trackerWithMembers();
    feed(t, events('attended-transfer'));

    expect(sink.callIds()).toEqual(['1700005000.96']);
    expect(sink.updates().map((c) => [c.state, c.agentId, c.transfers.length])).toEqual([
      ['ringing', undefined, 0],
      ['active', 'PJSIP/1001', 0],
      ['on_hold', 'PJSIP/1001', 0],
      ['on_hold', 'PJSIP/1001', 1],
      ['on_hold', 'PJSIP/1002', 1],
      ['active', 'PJSIP/1002', 1],
    ]);
    expect(sink.ended()).toEqual([
      {
        callId: '1700005000.96',
        direction: 'inbound',
        state: 'ended',
        localNumber: '1001',
        remoteNumber: '0612345678',
        remoteName: 'Zoé Martin',
        startedAt: stamp(1700005000.127919),
        answeredAt: stamp(1700005004.191271),
        agentId: 'PJSIP/1002',
        // Held from 5054.199190 to 5088.325894 while Alice consulted Bob.
        holdSeconds: 34,
        transfers: [
          { kind: 'attended', at: stamp(1700005088.27838), fromAgentId: 'PJSIP/1001', to: '1002' },
        ],
        endedAt: stamp(1700005208.381327),
        disposition: 'answered',
        endCause: 'Normal Clearing',
        attributes: { channel: 'PJSIP/trunk-operator-00000060', uniqueid: '1700005000.96' },
      },
    ]);
  });

  it('attended-transfer consulted from another device: the consult call merges into the call', () => {
    const { sink, tracker: t } = trackerWithMembers();
    // Alice consults from a second phone, so nothing ties the consult leg to her first call.
    const frames = rewrite(loadAmiTranscript('attended-transfer').frames, (_key, value) =>
      value === 'PJSIP/1001-00000062' ? 'PJSIP/1011-00000062' : value,
    );
    feed(t, parse(frames));

    expect(sink.callIds()).toEqual(['1700005000.96', '1700005052.98']);
    expect(sink.ended('1700005052.98')).toEqual([
      expect.objectContaining({
        direction: 'internal',
        disposition: 'answered',
        endedAt: stamp(1700005088.27838),
        endCause: 'merged into 1700005000.96 by an attended transfer',
      }),
    ]);
    expect(sink.ended('1700005000.96')).toEqual([
      expect.objectContaining({
        agentId: 'PJSIP/1002',
        endedAt: stamp(1700005208.381327),
        transfers: [
          { kind: 'attended', at: stamp(1700005088.27838), fromAgentId: 'PJSIP/1001', to: '1002' },
        ],
      }),
    ]);
  });

  it('queue-member-pause: paused once every queue is paused, with the reason', () => {
    const { sink, tracker: t } = trackerWithMembers();
    feed(t, events('queue-member-pause'));

    expect(sink.agentUpdates('PJSIP/1001')).toEqual([
      {
        agentId: 'PJSIP/1001',
        login: '1001',
        name: 'Alice Dupont',
        state: 'paused',
        stateSince: stamp(1700006000.143757),
        queues: ['support', 'sales'],
        pausedReason: 'Lunch',
        device: 'PJSIP/1001',
      },
      {
        agentId: 'PJSIP/1001',
        login: '1001',
        name: 'Alice Dupont',
        state: 'available',
        stateSince: stamp(1700007800.159595),
        queues: ['support', 'sales'],
        device: 'PJSIP/1001',
      },
    ]);
  });

  it('queue-member-pause without a scan: the member is learnt queue by queue', () => {
    const { sink, tracker: t } = tracker();
    feed(t, events('queue-member-pause'));

    expect(sink.agentUpdates('PJSIP/1001').map((a) => [a.state, a.queues, a.pausedReason])).toEqual(
      [
        ['paused', ['support'], 'Lunch'],
        ['paused', ['support', 'sales'], 'Lunch'],
        ['available', ['support', 'sales'], undefined],
      ],
    );
    expect(sink.reports.flatMap((r) => (r.kind === 'queueUpdated' ? [r.queue] : []))).toEqual([
      { queueId: 'support', name: 'support' },
      { queueId: 'sales', name: 'sales' },
    ]);
  });

  it('outbound-busy: busy from the far end hang-up cause', () => {
    const { sink, tracker: t } = tracker();
    feed(t, events('outbound-busy'));

    expect(sink.ended()).toEqual([
      {
        callId: '1700008000.112',
        direction: 'outbound',
        state: 'ended',
        localNumber: '1002',
        remoteNumber: '0611223344',
        startedAt: stamp(1700008000.127919),
        holdSeconds: 0,
        transfers: [],
        endedAt: stamp(1700008001.167514),
        disposition: 'busy',
        endCause: 'User busy',
        attributes: { channel: 'PJSIP/trunk-operator-00000071', uniqueid: '1700008000.113' },
      },
    ]);
  });

  it.each([
    ['34', 'Circuit/channel congestion', 'failed'],
    ['19', 'No answer', 'no_answer'],
    ['21', 'Call Rejected', 'busy'],
  ])('maps far-end cause %s (%s) to %s', (cause, text, disposition) => {
    const { sink, tracker: t } = tracker();
    const frames = rewrite(loadAmiTranscript('outbound-busy').frames, (key, value) => {
      if (key === 'Cause' && value === '17') return cause;
      return key === 'Cause-txt' && value === 'User busy' ? text : value;
    });
    feed(t, parse(frames));
    expect(sink.ended()).toEqual([expect.objectContaining({ disposition, endCause: text })]);
  });

  it('classifies direction by the configured trunks', () => {
    const byPrefix = tracker({ trunks: { contexts: [], channelPrefixes: ['PJSIP/trunk-'] } });
    feed(byPrefix.tracker, events('queue-call-answered'));
    expect(byPrefix.sink.ended()[0].direction).toBe('inbound');

    const none = tracker({ trunks: { contexts: [], channelPrefixes: [] } });
    feed(none.tracker, events('queue-call-answered'));
    feed(none.tracker, events('hold-unhold'));
    expect(none.sink.ended().map((c) => c.direction)).toEqual(['internal', 'internal']);
  });

  it('puts an agent in wrap-up after a queue call when the member has a wrap-up time', () => {
    const { sink, tracker: t } = tracker();
    const frames = rewrite(loadAmiTranscript('queue-call-answered').frames, (key, value) =>
      key === 'Wrapuptime' ? '10' : value,
    );
    feed(t, parse(frames));
    expect(sink.agentStates('PJSIP/1001')).toEqual([
      { state: 'ringing', since: stamp(1700000002.159595) },
      { state: 'on_call', since: stamp(1700000007.230866) },
      { state: 'wrap_up', since: stamp(1700000102.270461) },
    ]);

    t.tick(stamp(1700000112.26));
    expect(sink.agentStates('PJSIP/1001')).toHaveLength(3);
    t.tick(stamp(1700000112.5));
    expect(sink.agentStates('PJSIP/1001')[3]).toEqual({
      state: 'available',
      since: stamp(1700000112.270461),
    });
  });

  it('takes the wrap-up of a queue from the options when members report none', () => {
    const { sink, tracker: t } = tracker({ queueWrapUpSeconds: { support: 5 } });
    feed(t, events('queue-call-answered'));
    expect(sink.agentStates('PJSIP/1001').at(-1)).toEqual({
      state: 'wrap_up',
      since: stamp(1700000102.270461),
    });
    t.tick(stamp(1700000107.3));
    expect(sink.agentStates('PJSIP/1001').at(-1)?.state).toBe('available');
  });
});

describe('AmiCallTracker discovery scan', () => {
  const at = stamp(1700000060);
  const before = (s: number) => new Date(at.getTime() - s * 1000);

  function scanned() {
    const made = tracker();
    const snapshot = made.tracker.resync({
      channels: listItems('snapshot-channels'),
      queueStatus: listItems('snapshot-queue-status'),
      at,
    });
    return { ...made, snapshot };
  }

  it('builds calls from channels grouped by Linkedid, agents from members, queues from params', () => {
    const { sink, snapshot } = scanned();
    expect(sink.reports).toEqual([{ kind: 'snapshot', snapshot }]);
    expect(snapshot).toEqual({
      at,
      tasks: [],
      calls: [
        {
          callId: '1700009000.200',
          direction: 'inbound',
          state: 'active',
          localNumber: '0140000000',
          remoteNumber: '0611111111',
          remoteName: 'Martin Durand',
          startedAt: before(125),
          queueId: 'support',
          // The answering leg appeared 115 s ago: the answer came at most that long ago.
          answeredAt: before(115),
          agentId: 'PJSIP/1002',
          holdSeconds: 0,
          transfers: [],
          attributes: { channel: 'PJSIP/trunk-operator-00000090', uniqueid: '1700009000.200' },
        },
        {
          callId: '1700000000.16',
          direction: 'inbound',
          state: 'active',
          localNumber: '0140000000',
          remoteNumber: '0612345678',
          remoteName: 'Zoé Martin',
          startedAt: before(60),
          queueId: 'support',
          answeredAt: before(58),
          agentId: 'PJSIP/1001',
          holdSeconds: 0,
          transfers: [],
          attributes: { channel: 'PJSIP/trunk-operator-00000010', uniqueid: '1700000000.16' },
        },
        {
          callId: '1700009100.202',
          direction: 'inbound',
          state: 'queued',
          localNumber: '0140000000',
          remoteNumber: '0622222222',
          remoteName: 'Sophie Petit',
          startedAt: before(14),
          queueId: 'support',
          queuedAt: before(12),
          priority: 0,
          holdSeconds: 0,
          transfers: [],
          attributes: { channel: 'PJSIP/trunk-operator-00000092', uniqueid: '1700009100.202' },
        },
      ],
      agents: [
        {
          agentId: 'PJSIP/1001',
          login: '1001',
          name: 'Alice Dupont',
          state: 'on_call',
          stateSince: at,
          queues: ['support', 'sales'],
          currentCallId: '1700000000.16',
          device: 'PJSIP/1001',
        },
        {
          agentId: 'PJSIP/1002',
          login: '1002',
          name: 'Bob Leroy',
          state: 'on_call',
          stateSince: at,
          queues: ['support'],
          currentCallId: '1700009000.200',
          device: 'PJSIP/1002',
        },
      ],
      queues: [
        {
          queueId: 'support',
          name: 'support',
          priority: 10,
          serviceLevelSeconds: 20,
          strategy: 'rrmemory',
        },
        {
          queueId: 'sales',
          name: 'sales',
          priority: 0,
          serviceLevelSeconds: 30,
          strategy: 'ringall',
        },
      ],
    });
  });

  it('applies live events on top: the rest of a call in progress ends it once', () => {
    const { sink, tracker: t } = scanned();
    const all = events('queue-call-answered');
    const rest = all.slice(all.findIndex((m) => m.event === 'BridgeLeave'));
    feed(t, rest);
    expect(sink.ended()).toEqual([
      expect.objectContaining({
        callId: '1700000000.16',
        disposition: 'answered',
        agentId: 'PJSIP/1001',
        answeredAt: before(58),
        endedAt: stamp(1700000102.294218),
      }),
    ]);
    expect(sink.agentStates('PJSIP/1001')).toEqual([
      { state: 'available', since: stamp(1700000102.270461) },
    ]);
  });

  it('events already reflected in the scan are not applied twice', () => {
    const { sink, tracker: t } = scanned();
    // The whole call, as if every event had been held during the scan and delivered after it.
    feed(t, events('queue-call-answered'));
    expect(sink.callIds()).toEqual(['1700009000.200', '1700000000.16', '1700009100.202']);
    expect(sink.ended()).toHaveLength(1);
    expect(sink.ended()[0].callId).toBe('1700000000.16');
    // The join and the ringing that came before the answer do not take it back to the queue.
    expect(sink.updates('1700000000.16').map((c) => c.state)).not.toContain('queued');
    expect(sink.agentStates('PJSIP/1001').map((s) => s.state)).toEqual(['available']);
    expect(t.stats()).toMatchObject({ calls: 2, channels: 3 });
  });

  it('a resync replaces everything: calls gone from the scan are not reported by the tracker', () => {
    const { sink, tracker: t } = scanned();
    const second = t.resync({
      channels: listItems('snapshot-channels').filter(
        (m) => m.fields.Linkedid !== '1700009000.200',
      ),
      queueStatus: listItems('snapshot-queue-status'),
      at: stamp(1700000090),
    });
    expect(second.calls.map((c) => c.callId)).toEqual(['1700000000.16', '1700009100.202']);
    expect(sink.ended()).toEqual([]);
    expect(sink.snapshots()).toHaveLength(2);
    // Bob's call is gone: he is on no call of ours (his device still says in use).
    expect(second.agents.find((a) => a.agentId === 'PJSIP/1002')?.currentCallId).toBeUndefined();
  });
});

describe('AmiCallTracker robustness', () => {
  it('skips incomplete and unknown events with a logged reason, never throwing', () => {
    const { sink, logger, tracker: t } = tracker();
    const bad: Record<string, string>[] = [
      { Event: 'Hangup', Timestamp: '1700000000.5' },
      { Event: 'Hangup', Uniqueid: 'nope.1', Cause: '16' },
      { Event: 'Newchannel', Uniqueid: 'x.1' },
      { Event: 'BridgeEnter', Uniqueid: 'x.2', BridgeUniqueid: 'b' },
      { Event: 'AgentConnect', Uniqueid: 'x.3' },
      { Event: 'QueueMemberStatus', Interface: 'PJSIP/1009' },
      { Event: 'QueueCallerJoin' },
      { Event: 'BlindTransfer', Result: 'Fail' },
      { Event: 'AttendedTransfer', Result: 'Success' },
      { Event: 'QueueParams' },
      { Event: 'VarSet', Variable: 'X', Value: '1' },
      { Event: 'Hangup', Uniqueid: ['a', 'b'] as unknown as string },
    ];
    for (const fields of bad) {
      expect(() => t.handle({ fields, event: fields.Event })).not.toThrow();
    }
    expect(t.stats().ignored).toBe(11);
    expect(logger.at('warn')).toEqual([]);
    expect(logger.at('debug').map((l) => l.context)).toEqual([
      { event: 'Hangup', reason: 'no Uniqueid' },
      { event: 'Hangup', reason: 'unknown channel nope.1' },
      { event: 'Newchannel', reason: 'no Uniqueid or Channel' },
      { event: 'BridgeEnter', reason: 'unknown channel x.2' },
      { event: 'AgentConnect', reason: 'unknown call x.3' },
      { event: 'QueueMemberStatus', reason: 'no Queue' },
      { event: 'QueueCallerJoin', reason: 'no Uniqueid' },
      { event: 'BlindTransfer', reason: 'result Fail' },
      { event: 'AttendedTransfer', reason: 'neither transferee nor transferer channel is known' },
      { event: 'QueueParams', reason: 'no Queue' },
      { event: 'VarSet' },
      { event: 'Hangup', reason: 'unknown channel a' },
    ]);
    expect(sink.reports).toEqual([]);
  });

  it('takes observedAt from Timestamp, or the receive time without a usable one', () => {
    const { sink, tracker: t } = tracker({ nowMs: () => 1_800_000_000_123 });
    const newChannel = (uniqueid: string, timestamp?: string): AmiMessage => {
      const fields: Record<string, string> = {
        Event: 'Newchannel',
        Channel: `PJSIP/1001-${uniqueid}`,
        Uniqueid: uniqueid,
        Linkedid: uniqueid,
      };
      if (timestamp !== undefined) fields.Timestamp = timestamp;
      return { fields, event: 'Newchannel' };
    };
    t.handle(newChannel('1', '1700000000.1235'));
    t.handle(newChannel('2', '1700000000'));
    t.handle(newChannel('3'));
    t.handle(newChannel('4', '17000x'));
    expect(sink.reports.map((r) => r.kind === 'callUpdated' && r.at.getTime())).toEqual([
      1_700_000_000_124, 1_700_000_000_000, 1_800_000_000_123, 1_800_000_000_123,
    ]);
  });

  it('never revives an ended call from a late event', () => {
    const { sink, tracker: t } = tracker();
    const all = events('queue-call-answered');
    feed(t, all);
    feed(t, all.slice(0, 3));
    expect(sink.ended()).toHaveLength(1);
    expect(sink.updates()).toHaveLength(3);
  });

  it('property: any subsequence of transcript events, fields dropped, never ends a call twice', () => {
    const pool = AMI_TRANSCRIPT_NAMES.flatMap((name) => events(name));
    const keys = [...new Set(pool.flatMap((m) => Object.keys(m.fields)))];
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            index: fc.nat({ max: pool.length - 1 }),
            drop: fc.option(fc.constantFrom(...keys), { nil: undefined }),
          }),
          { maxLength: 300 },
        ),
        (picks) => {
          const { sink, logger, tracker: t } = tracker();
          for (const { index, drop } of picks) {
            const source = pool[index];
            const fields = { ...source.fields };
            if (drop !== undefined) delete fields[drop];
            t.handle({ fields, event: source.event });
          }
          expect(logger.at('warn')).toEqual([]);
          const ended = sink.ended().map((c) => c.callId);
          expect(new Set(ended).size).toBe(ended.length);
          for (const call of sink.ended()) {
            expect(call.state).toBe('ended');
            expect(call.endedAt).toBeInstanceOf(Date);
            expect(call.disposition).toBeDefined();
          }
        },
      ),
      { numRuns: 300, seed: 7 },
    );
  });
});
