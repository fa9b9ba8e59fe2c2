import { loadAmiTranscript, type AmiFrame, type AmiTranscriptName } from '../ami/ami-transcripts';
import { type ContactCentreConfig } from './contact-centre-config';
import { ContactCentreSimulator } from './contact-centre-simulator';

/** Values that depend on when or how often (times, counters) rather than on the call's shape. */
const TIME_KEYS = new Set([
  'Timestamp',
  'HoldTime',
  'TalkTime',
  'RingTime',
  'LastCall',
  'LastPause',
  'LoginTime',
  'CallsTaken',
]);

/**
 * A frame list with its ids renamed in order of first appearance (`id1`, `PJSIP/1001-ch2`...)
 * and its times blanked: two streams normalise equal when they have the same events, fields,
 * values and links between channels, calls and bridges.
 */
function normalise(frames: readonly AmiFrame[]): [string, string][][] {
  const ids = new Map<string, string>();
  const suffixes = new Map<string, string>();
  const rename = (map: Map<string, string>, value: string, prefix: string) => {
    if (!map.has(value)) map.set(value, `${prefix}${map.size + 1}`);
    return map.get(value) as string;
  };
  return frames.map((frame) =>
    frame.map(([key, value]): [string, string] => {
      if (TIME_KEYS.has(key)) return [key, '<t>'];
      if (/(Uniqueid|Linkedid)$/.test(key)) return [key, rename(ids, value, 'id')];
      const channel = /^(.*)-([0-9a-f]{8})$/.exec(value);
      if (key.endsWith('Channel') && channel) {
        return [key, `${channel[1]}-${rename(suffixes, channel[2], 'ch')}`];
      }
      return [key, value];
    }),
  );
}

const ALICE = { extension: '1001', name: 'Alice Dupont' };
const BOB = { extension: '1002', name: 'Bob Leroy' };

/** No random arrivals, pauses or calls: only what the test scripts happens. */
function scripted(config: Partial<ContactCentreConfig>): {
  simulator: ContactCentreSimulator;
  frames: AmiFrame[];
} {
  const simulator = new ContactCentreSimulator({
    seed: 'transcripts',
    queues: [],
    agents: [],
    ...config,
  });
  const frames: AmiFrame[] = [];
  simulator.onFrame((frame) => frames.push(frame));
  return { simulator, frames };
}

function expectTranscript(name: AmiTranscriptName, frames: readonly AmiFrame[]): void {
  const transcript = loadAmiTranscript(name).frames;
  expect(frames.map((frame) => frame[0][1])).toEqual(transcript.map((frame) => frame[0][1]));
  expect(normalise(frames)).toEqual(normalise(transcript));
}

const SUPPORT = { name: 'support', number: '0140000000', wrapUpSeconds: 0 };

describe('ContactCentreSimulator frames match the Asterisk transcripts', () => {
  it('answered queue call: the same events in the same order as queue-call-answered', () => {
    const { simulator, frames } = scripted({
      queues: [SUPPORT],
      agents: [{ ...ALICE, queues: ['support'] }],
    });
    const callId = simulator.placeQueueCall('support', {
      caller: { number: '0612345678', name: 'Zoé Martin' },
      patienceSeconds: Infinity,
      rings: [5],
      talkSeconds: 95,
      hangsUp: 'customer',
      midCall: { kind: 'none' },
    });
    simulator.advance(3_600_000);

    expect(frames.map((frame) => frame[0][1])).toEqual([
      'Newchannel',
      'Newstate',
      'QueueCallerJoin',
      'Newchannel',
      'AgentCalled',
      'DialBegin',
      'QueueMemberStatus',
      'Newstate',
      'Newstate',
      'DialEnd',
      'QueueCallerLeave',
      'BridgeCreate',
      'BridgeEnter',
      'BridgeEnter',
      'AgentConnect',
      'QueueMemberStatus',
      'BridgeLeave',
      'Hangup',
      'AgentComplete',
      'BridgeLeave',
      'BridgeDestroy',
      'Hangup',
      'QueueMemberStatus',
    ]);
    expectTranscript('queue-call-answered', frames);
    const connect = frames.find((frame) => frame[0][1] === 'AgentConnect') ?? [];
    expect(connect).toContainEqual(['RingTime', '5']);
    // Rung the moment the caller joins, answered 5 s later.
    expect(connect).toContainEqual(['HoldTime', '5']);
    expect(frames.find((frame) => frame[0][1] === 'AgentComplete')).toContainEqual([
      'TalkTime',
      '95',
    ]);
    expect(simulator.finishedCalls()).toEqual([
      expect.objectContaining({
        callId,
        outcome: 'answered',
        agentId: 'PJSIP/1001',
        waitSeconds: 5,
      }),
    ]);
  });

  it('abandoned queue call: queue-call-abandoned', () => {
    const { simulator, frames } = scripted({
      queues: [{ ...SUPPORT, ringTimeoutSeconds: 30 }],
      agents: [{ ...ALICE, queues: ['support'] }],
    });
    simulator.placeQueueCall('support', {
      caller: { number: '+41791234567' },
      patienceSeconds: 22,
      rings: ['no-answer'],
    });
    simulator.advance(3_600_000);
    expectTranscript('queue-call-abandoned', frames);
    expect(simulator.finishedCalls()[0]).toEqual(
      expect.objectContaining({ outcome: 'abandoned', waitSeconds: 22 }),
    );
  });

  it('ring-no-answer then a second agent: queue-ring-no-answer', () => {
    const { simulator, frames } = scripted({
      queues: [{ ...SUPPORT, retrySeconds: 1 }],
      agents: [
        { ...ALICE, queues: ['support'] },
        { ...BOB, queues: ['support'] },
      ],
    });
    simulator.placeQueueCall('support', {
      caller: { number: '0145678901', name: 'SARL Dubois' },
      patienceSeconds: Infinity,
      rings: ['no-answer', 4],
      talkSeconds: 62,
      hangsUp: 'agent',
      midCall: { kind: 'none' },
    });
    simulator.advance(3_600_000);
    expectTranscript('queue-ring-no-answer', frames);
    expect(simulator.finishedCalls()[0]).toEqual(
      expect.objectContaining({
        outcome: 'answered',
        agentId: 'PJSIP/1002',
        missedBy: ['PJSIP/1001'],
      }),
    );
  });

  it('outbound call with a hold: hold-unhold', () => {
    const { simulator, frames } = scripted({ agents: [BOB] });
    simulator.placeOutboundCall('1002', {
      number: '0698765432',
      answered: true,
      ringSeconds: 3,
      talkSeconds: 90,
      hold: { atSeconds: 30, holdSeconds: 40 },
      hangsUp: 'agent',
    });
    simulator.advance(3_600_000);
    expectTranscript('hold-unhold', frames);
    expect(simulator.finishedCalls()[0]).toEqual(
      expect.objectContaining({ direction: 'outbound', outcome: 'answered', holdSeconds: 40 }),
    );
  });

  it('direct call blind transferred: blind-transfer', () => {
    const { simulator, frames } = scripted({ agents: [ALICE, BOB] });
    simulator.placeDirectCall('1001', {
      caller: { number: '0755512345', name: 'Léa Bernard' },
      ring: 3,
      midCall: {
        kind: 'blind-transfer',
        to: '1002',
        atSeconds: 45,
        ringSeconds: 6,
        then: { talkSeconds: 80, hangsUp: 'customer' },
      },
    });
    simulator.advance(3_600_000);
    expectTranscript('blind-transfer', frames);
    expect(simulator.finishedCalls()[0]).toEqual(
      expect.objectContaining({
        agentId: 'PJSIP/1002',
        transfers: [expect.objectContaining({ kind: 'blind', from: 'PJSIP/1001', to: '1002' })],
      }),
    );
  });

  it('direct call attended transferred: attended-transfer', () => {
    const { simulator, frames } = scripted({ agents: [ALICE, BOB] });
    simulator.placeDirectCall('1001', {
      caller: { number: '0612345678', name: 'Zoé Martin' },
      ring: 3,
      midCall: {
        kind: 'attended-transfer',
        to: '1002',
        atSeconds: 50,
        ringSeconds: 3,
        consultSeconds: 30,
        then: { talkSeconds: 120, hangsUp: 'agent' },
      },
    });
    simulator.advance(3_600_000);
    expectTranscript('attended-transfer', frames);
    const finished = simulator.finishedCalls();
    // The consultation is its own (internal) call, as its own Linkedid makes it on the wire.
    expect(finished.map((call) => [call.direction, call.outcome])).toEqual([
      ['internal', 'answered'],
      ['inbound', 'answered'],
    ]);
    // On hold from the consult dial to the transfer: 1 s setup + 3 s ring + 30 s consult.
    expect(finished[1]).toEqual(
      expect.objectContaining({ agentId: 'PJSIP/1002', holdSeconds: 34 }),
    );
  });

  it('pause and unpause in two queues: queue-member-pause', () => {
    const { simulator, frames } = scripted({
      queues: [SUPPORT, { name: 'sales', wrapUpSeconds: 0 }],
      agents: [{ ...ALICE, queues: ['support', 'sales'] }],
    });
    simulator.pauseAgent('1001', 'Lunch');
    expect(simulator.agentStates()[0]).toEqual(
      expect.objectContaining({ state: 'paused', pausedReason: 'Lunch' }),
    );
    simulator.advance(1_800_000);
    simulator.unpauseAgent('1001');
    expectTranscript('queue-member-pause', frames);
    expect(simulator.agentStates()[0].state).toBe('available');
  });
});
