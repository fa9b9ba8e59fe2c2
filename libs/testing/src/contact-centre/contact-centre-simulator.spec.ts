import { type AmiFrame } from '../ami/ami-transcripts';
import { CallScriptError } from './call-plans';
import {
  ContactCentreConfigError,
  demoContactCentreConfig,
  type ContactCentreConfig,
} from './contact-centre-config';
import { ContactCentreSimulator, type RealTimeTimers } from './contact-centre-simulator';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

function field(frame: AmiFrame, key: string): string | undefined {
  return frame.find(([k]) => k === key)?.[1];
}

function collect(simulator: ContactCentreSimulator): AmiFrame[] {
  const frames: AmiFrame[] = [];
  simulator.onFrame((frame) => frames.push(frame));
  return frames;
}

/** Index of the first frame that differs (-1: none); cheaper than a deep equal of thousands. */
function firstDifference(a: readonly AmiFrame[], b: readonly AmiFrame[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i += 1) {
    if (JSON.stringify(a[i]) !== JSON.stringify(b[i])) return i;
  }
  return -1;
}

function quiet(config: Partial<ContactCentreConfig>): ContactCentreSimulator {
  return new ContactCentreSimulator({ seed: 'unit', queues: [], agents: [], ...config });
}

/** What a consumer can derive from the event stream alone. */
class StreamState {
  readonly channelsByCall = new Map<string, Set<string>>();
  readonly waiting = new Map<string, number>();
  readonly paused = new Map<string, string>();
  /** Last device status per interface (QueueMemberStatus). */
  readonly status = new Map<string, string>();
  abandons = 0;

  /** Starts from the snapshot actions, as a consumer does after connecting. */
  constructor(channels: readonly AmiFrame[], queueStatus: readonly AmiFrame[]) {
    for (const item of channels) {
      this.apply([['Event', 'Newchannel'], ...item.slice(1)]);
    }
    for (const item of queueStatus) {
      const get = (key: string) => field(item, key) ?? '';
      if (get('Event') === 'QueueParams') this.waiting.set(get('Queue'), Number(get('Calls')));
      if (get('Event') === 'QueueMember') {
        if (get('Paused') === '1') this.paused.set(get('Location'), get('PausedReason'));
        this.status.set(get('Location'), get('Status'));
      }
    }
  }

  apply(frame: AmiFrame): void {
    const get = (key: string) => field(frame, key) ?? '';
    switch (get('Event')) {
      case 'Newchannel': {
        const channels = this.channelsByCall.get(get('Linkedid')) ?? new Set<string>();
        channels.add(get('Channel'));
        this.channelsByCall.set(get('Linkedid'), channels);
        break;
      }
      case 'Hangup': {
        const channels = this.channelsByCall.get(get('Linkedid'));
        channels?.delete(get('Channel'));
        if (channels?.size === 0) this.channelsByCall.delete(get('Linkedid'));
        break;
      }
      case 'QueueCallerJoin':
        this.waiting.set(get('Queue'), (this.waiting.get(get('Queue')) ?? 0) + 1);
        break;
      case 'QueueCallerLeave':
        this.waiting.set(get('Queue'), (this.waiting.get(get('Queue')) ?? 0) - 1);
        break;
      case 'QueueCallerAbandon':
        this.abandons += 1;
        break;
      case 'QueueMemberPause':
        if (get('Paused') === '1') this.paused.set(get('Interface'), get('PausedReason'));
        else this.paused.delete(get('Interface'));
        break;
      case 'QueueMemberStatus':
        this.status.set(get('Interface'), get('Status'));
        break;
    }
  }
}

describe('ContactCentreSimulator', () => {
  it('replays the same frames for the same seed, and different ones for another seed', () => {
    const run = (seed: number) => {
      const simulator = new ContactCentreSimulator(demoContactCentreConfig(seed));
      const frames = collect(simulator);
      for (let minute = 0; minute < 120; minute += 1) simulator.advance(MINUTE);
      return { frames, truth: simulator.groundTruth() };
    };
    const first = run(7);
    const again = run(7);
    const other = run(8);
    expect(first.frames.length).toBeGreaterThan(1000);
    expect(firstDifference(again.frames, first.frames)).toBe(-1);
    expect(again.truth).toEqual(first.truth);
    expect(firstDifference(other.frames, first.frames)).toBeLessThan(10);
  });

  it('abandons a waiting caller exactly when the patience runs out', () => {
    const simulator = quiet({
      queues: [{ name: 'support', serviceLevelSeconds: 20 }],
      agents: [
        { extension: '1001', name: 'Alice Dupont', queues: ['support'], pausedReason: 'Lunch' },
      ],
      behaviour: { pauseDuration: 7200 },
    });
    const frames = collect(simulator);
    const callId = simulator.placeQueueCall('support', { patienceSeconds: 30 });
    // 1 s of greeting, then 30 s of patience: still waiting a millisecond before.
    simulator.advance(31_000 - 1);
    expect(simulator.waitingPerQueue()).toEqual({ support: 1 });
    expect(simulator.callsInProgress()).toEqual([
      expect.objectContaining({ callId, state: 'queued', queue: 'support' }),
    ]);
    simulator.advance(1);
    expect(simulator.waitingPerQueue()).toEqual({ support: 0 });
    expect(simulator.callsInProgress()).toEqual([]);
    expect(simulator.finishedCalls()).toEqual([
      expect.objectContaining({ callId, outcome: 'abandoned', waitSeconds: 30 }),
    ]);
    const abandon = frames.find((frame) => field(frame, 'Event') === 'QueueCallerAbandon');
    expect(abandon && field(abandon, 'HoldTime')).toBe('30');
    expect(simulator.totals).toEqual({ started: 1, answered: 0, abandoned: 1, noAnswer: 0 });
    const params = simulator.queueStatus({ queue: 'support' })[0];
    expect(field(params, 'Abandoned')).toBe('1');
    // Abandoned within the 20 s service level? No: 30 s.
    expect(field(params, 'ServicelevelPerf2')).toBe('0.0');
  });

  it('snapshot actions list exactly the calls in progress, all through a busy hour', () => {
    const simulator = new ContactCentreSimulator(demoContactCentreConfig(3));
    let checked = 0;
    let sawWaiting = false;
    for (let step = 0; step < 120; step += 1) {
      simulator.advance(30_000);
      const truth = simulator.groundTruth();
      const channels = simulator.coreShowChannels();
      const listedCalls = new Map<string, string[]>();
      for (const item of channels) {
        expect(field(item, 'Event')).toBe('CoreShowChannel');
        const linkedid = field(item, 'Linkedid') ?? '';
        listedCalls.set(linkedid, [
          ...(listedCalls.get(linkedid) ?? []),
          field(item, 'Channel') ?? '',
        ]);
      }
      expect(new Map(truth.calls.map((call) => [call.callId, call.channels]))).toEqual(listedCalls);

      const status = simulator.queueStatus();
      for (const [queue, waiting] of Object.entries(truth.waiting)) {
        const params = status.find(
          (item) => field(item, 'Event') === 'QueueParams' && field(item, 'Queue') === queue,
        );
        expect(params && field(params, 'Calls')).toBe(String(waiting));
        const entries = status.filter(
          (item) => field(item, 'Event') === 'QueueEntry' && field(item, 'Queue') === queue,
        );
        expect(entries.map((entry) => field(entry, 'Position'))).toEqual(
          Array.from({ length: waiting }, (_, i) => String(i + 1)),
        );
        const queued = truth.calls.filter(
          (call) => call.queue === queue && call.state === 'queued',
        );
        expect(new Set(entries.map((entry) => field(entry, 'Uniqueid')))).toEqual(
          new Set(queued.map((call) => call.callId)),
        );
        sawWaiting ||= waiting > 0;
      }
      for (const agent of truth.agents) {
        for (const queue of agent.queues) {
          const member = status.find(
            (item) =>
              field(item, 'Event') === 'QueueMember' &&
              field(item, 'Queue') === queue &&
              field(item, 'Location') === agent.agentId,
          );
          expect(member && field(member, 'Paused')).toBe(agent.state === 'paused' ? '1' : '0');
        }
      }
      checked += truth.calls.length;
    }
    expect(checked).toBeGreaterThan(100);
    expect(sawWaiting).toBe(true);
  });

  it('keeps the event stream consistent with its ground truth', () => {
    const simulator = new ContactCentreSimulator(demoContactCentreConfig(11));
    // Gaëlle (1007) starts paused: only the snapshot says so, as with a real Asterisk.
    const stream = new StreamState(simulator.coreShowChannels(), simulator.queueStatus());
    expect(stream.paused.get('PJSIP/1007')).toBe('Training');
    simulator.onFrame((frame) => stream.apply(frame));
    for (let step = 0; step < 90; step += 1) {
      simulator.advance(MINUTE);
      const truth = simulator.groundTruth();
      expect(new Set(stream.channelsByCall.keys())).toEqual(
        new Set(truth.calls.map((call) => call.callId)),
      );
      for (const [queue, waiting] of Object.entries(truth.waiting)) {
        expect(stream.waiting.get(queue) ?? 0).toBe(waiting);
      }
      for (const agent of truth.agents.filter((a) => a.queues.length > 0)) {
        expect(stream.paused.get(agent.agentId)).toBe(agent.pausedReason);
        const status = stream.status.get(agent.agentId);
        if (status === undefined) continue;
        const expected = agent.state === 'ringing' ? '6' : agent.state === 'on_call' ? '2' : '1';
        expect(status).toBe(expected);
      }
      expect(stream.abandons).toBe(truth.totals.abandoned);
    }
  });

  it('draws every kind of event and outcome the model has', () => {
    const simulator = new ContactCentreSimulator(demoContactCentreConfig(5));
    const events = new Set<string>();
    const formats = new Set<string>();
    simulator.onFrame((frame) => {
      events.add(field(frame, 'Event') ?? '');
      if (field(frame, 'Event') === 'QueueCallerJoin') {
        const number = field(frame, 'CallerIDNum') ?? '';
        formats.add(
          number === 'anonymous'
            ? 'withheld'
            : number.startsWith('+')
              ? 'international'
              : number.startsWith('00')
                ? 'international-00'
                : number.startsWith('0')
                  ? 'national'
                  : 'extension',
        );
      }
    });
    simulator.advance(8 * HOUR);
    for (const event of [
      'Newchannel',
      'Newstate',
      'QueueCallerJoin',
      'QueueCallerLeave',
      'QueueCallerAbandon',
      'AgentCalled',
      'AgentConnect',
      'AgentComplete',
      'AgentRingNoAnswer',
      'DialBegin',
      'DialEnd',
      'BridgeCreate',
      'BridgeEnter',
      'BridgeLeave',
      'BridgeDestroy',
      'Hold',
      'Unhold',
      'MusicOnHoldStart',
      'MusicOnHoldStop',
      'BlindTransfer',
      'AttendedTransfer',
      'QueueMemberStatus',
      'QueueMemberPause',
      'Hangup',
    ]) {
      expect(events).toContain(event);
    }
    expect(formats).toEqual(
      new Set(['national', 'international', 'international-00', 'extension', 'withheld']),
    );
    const outcomes = new Set(simulator.finishedCalls().map((call) => call.outcome));
    expect(outcomes).toEqual(new Set(['answered', 'abandoned', 'no_answer']));
    const directions = new Set(simulator.finishedCalls().map((call) => call.direction));
    expect(directions).toEqual(new Set(['inbound', 'outbound', 'internal']));
  });

  it('gives an agent its wrap-up before offering the next caller', () => {
    const simulator = quiet({
      queues: [{ name: 'support', wrapUpSeconds: 30 }],
      agents: [{ extension: '1001', name: 'Alice Dupont', queues: ['support'] }],
    });
    simulator.placeQueueCall('support', { patienceSeconds: Infinity, rings: [2], talkSeconds: 60 });
    simulator.placeQueueCall('support', { patienceSeconds: Infinity, rings: [2], talkSeconds: 60 });
    // Greeting 1 s, ring 2 s, talk 60 s: the first call ends at 63 s.
    simulator.advance(63_000);
    expect(simulator.agentStates()[0]).toEqual(
      expect.objectContaining({ state: 'wrap_up', callsTaken: 1, since: new Date(simulator.now) }),
    );
    expect(simulator.waitingPerQueue()).toEqual({ support: 1 });
    simulator.advance(30_000 - 1);
    expect(simulator.agentStates()[0].state).toBe('wrap_up');
    simulator.advance(1);
    expect(simulator.agentStates()[0]).toEqual(
      expect.objectContaining({
        state: 'ringing',
        currentCallId: simulator.callsInProgress()[0].callId,
      }),
    );
    expect(simulator.callsInProgress()[0].state).toBe('queued');
  });

  it('ends a call unanswered on a queue timeout and on an unanswered outbound call', () => {
    const simulator = quiet({
      queues: [{ name: 'billing', maxWaitSeconds: 120 }],
      agents: [{ extension: '1002', name: 'Bob Leroy' }],
    });
    const queued = simulator.placeQueueCall('billing', { patienceSeconds: Infinity });
    const outbound = simulator.placeOutboundCall('1002', { answered: false, ringSeconds: 25 });
    expect(simulator.agentStates()[0]).toEqual(
      expect.objectContaining({ state: 'on_call', currentCallId: outbound }),
    );
    simulator.advance(HOUR);
    expect(simulator.finishedCalls()).toEqual([
      expect.objectContaining({ callId: outbound, direction: 'outbound', outcome: 'no_answer' }),
      expect.objectContaining({ callId: queued, outcome: 'no_answer', waitSeconds: 120 }),
    ]);
    expect(simulator.agentStates()[0].state).toBe('available');
    expect(simulator.totals.noAnswer).toBe(2);
  });

  it('flood hands over exactly N frames: the start of the same seed’s stream', async () => {
    const flooded = new ContactCentreSimulator(demoContactCentreConfig(21));
    const frames = collect(flooded);
    const result = await flooded.flood(5000, { batchSize: 333 });
    expect(result.frames).toBe(5000);
    expect(frames).toHaveLength(5000);
    expect(flooded.framesDelivered).toBe(5000);
    expect(result.simulatedMs).toBeGreaterThan(0);

    const stepped = new ContactCentreSimulator(demoContactCentreConfig(21));
    const reference = collect(stepped);
    while (reference.length < 7000) stepped.advance(MINUTE);
    expect(firstDifference(frames, reference.slice(0, 5000))).toBe(-1);
    // The next flood carries on where this one stopped, pending frames first.
    await flooded.flood(2000);
    expect(firstDifference(frames, reference.slice(0, 7000))).toBe(-1);

    const timestamps = frames.map((frame) => Number(field(frame, 'Timestamp')));
    expect(timestamps.every((t, i) => i === 0 || t > timestamps[i - 1])).toBe(true);
  });

  it('flood waits for a slow iterator instead of buffering without bound', async () => {
    const simulator = new ContactCentreSimulator(demoContactCentreConfig(4));
    const iterator = simulator.frames({ highWaterMark: 100 });
    let finished = false;
    const flood = simulator.flood(1000, { batchSize: 50 }).then(() => {
      finished = true;
    });
    await new Promise((resolve) => setImmediate(resolve));
    // Batches of 50 go out until more than 100 are unread, then the flood waits.
    expect(simulator.framesDelivered).toBe(150);
    expect(finished).toBe(false);
    const read: AmiFrame[] = [];
    while (read.length < 1000) read.push((await iterator.next()).value as AmiFrame);
    await flood;
    expect(finished).toBe(true);
    expect(read.every((frame) => frame[0][0] === 'Event')).toBe(true);
    await simulator.close();
  });

  it('refuses a flood when nothing can ever happen', async () => {
    const simulator = quiet({ agents: [{ extension: '1001', name: 'Alice Dupont' }] });
    await expect(simulator.flood(10)).rejects.toThrow('nothing is scheduled after 0 of 10 frames');
  });

  it('runs in real time on the given timers at the given speed', () => {
    let now = 0;
    const pending: { at: number; callback: () => void }[] = [];
    const timers: RealTimeTimers = {
      now: () => now,
      setTimeout: (callback, ms) => {
        const timer = { at: now + ms, callback };
        pending.push(timer);
        return timer;
      },
      clearTimeout: (handle) => {
        const index = pending.indexOf(handle as (typeof pending)[number]);
        if (index >= 0) pending.splice(index, 1);
      },
    };
    /** Moves the fake wall clock, firing due timers in order. */
    const elapse = (ms: number) => {
      const end = now + ms;
      for (;;) {
        pending.sort((a, b) => a.at - b.at);
        const due = pending[0];
        if (!due || due.at > end) break;
        pending.shift();
        now = Math.max(now, due.at);
        due.callback();
      }
      now = end;
    };
    const simulator = new ContactCentreSimulator(demoContactCentreConfig(2));
    const frames = collect(simulator);
    const start = simulator.nowEpochMs;
    const run = simulator.run({ speed: 60, timers });
    elapse(10_000);
    // 10 real seconds at 60× are 10 simulated minutes (up to the last due action).
    expect(simulator.nowEpochMs - start).toBeGreaterThan(9 * MINUTE);
    expect(simulator.nowEpochMs - start).toBeLessThanOrEqual(10 * MINUTE);
    expect(frames.length).toBeGreaterThan(0);
    expect(() => simulator.run({ timers })).toThrow('already running');
    run.stop();
    expect(run.running).toBe(false);
    expect(pending).toHaveLength(0);
    const count = frames.length;
    elapse(60_000);
    expect(frames.length).toBe(count);
  });

  it('streams frames through an async iterator until closed', async () => {
    const simulator = quiet({
      queues: [{ name: 'support' }],
      agents: [{ extension: '1001', name: 'Alice Dupont', queues: ['support'] }],
    });
    const iterator = simulator.frames();
    simulator.pauseAgent('1001', 'Break');
    const first = await iterator.next();
    const second = await iterator.next();
    expect([first.value, second.value].map((frame) => field(frame as AmiFrame, 'Event'))).toEqual([
      'QueueMemberPause',
      'QueueMemberStatus',
    ]);
    const waiting = iterator.next();
    simulator.unpauseAgent('1001');
    expect(field((await waiting).value as AmiFrame, 'Paused')).toBe('0');
    await simulator.close();
    expect(await iterator.next()).toEqual({ value: expect.anything() as unknown, done: false });
    expect(await iterator.next()).toEqual({ value: undefined, done: true });
  });

  it('explains bad configuration with the path of the field', () => {
    const base = demoContactCentreConfig(1);
    const cases: [ContactCentreConfig, string][] = [
      [
        { ...base, agents: [{ extension: '1001', name: 'A', queues: ['nope'] }] },
        "agents[0].queues[0] names unknown queue 'nope'",
      ],
      [
        { ...base, queues: [{ name: 'q', callsPerHour: -1 }], agents: [] },
        'queues[0].callsPerHour',
      ],
      [
        { ...base, behaviour: { holdProbability: 0.6, blindTransferProbability: 0.6 } },
        'must not exceed 1',
      ],
      [{ ...base, behaviour: { answerDelay: { kind: 'uniform', min: 5, max: 1 } } }, 'answerDelay'],
      [{ ...base, agents: [{ extension: 'PJSIP/1001', name: 'A' }] }, 'agents[0].extension'],
    ];
    for (const [config, message] of cases) {
      expect(() => new ContactCentreSimulator(config)).toThrow(ContactCentreConfigError);
      expect(() => new ContactCentreSimulator(config)).toThrow(message);
    }
  });

  it('refuses scripts it cannot play, saying why', () => {
    const simulator = quiet({
      queues: [{ name: 'support' }],
      agents: [{ extension: '1001', name: 'Alice Dupont', queues: ['support'] }],
    });
    expect(() => simulator.placeQueueCall('sales')).toThrow('unknown queue (queues: support)');
    expect(() => simulator.placeQueueCall('support', { talkSeconds: -5 })).toThrow(
      'script.talkSeconds must be a number of seconds ≥ 0',
    );
    expect(() =>
      simulator.placeQueueCall('support', { midCall: { kind: 'blind-transfer', to: '1999' } }),
    ).toThrow("unknown extension '1999'");
    simulator.placeOutboundCall('1001', { answered: true, talkSeconds: 60 });
    expect(() => simulator.placeDirectCall('1001')).toThrow(CallScriptError);
    expect(() => simulator.placeDirectCall('1001')).toThrow('agent 1001 is on_call');
    expect(() => simulator.advance(-1)).toThrow(RangeError);
  });
});
