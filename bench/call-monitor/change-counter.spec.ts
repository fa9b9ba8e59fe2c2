import { ContactCentreSimulator, serializeAmiFrame } from '@telcomesh/testing';
import { PhoneNumberNormaliser } from '../../apps/call-monitor/src/numbers/phone-number';
import { ChangeCounter } from './change-counter';
import { busyCentre } from './contact-centres';
import { markerFrame } from './load-generator';

const numbers = new PhoneNumberNormaliser({ defaultRegion: 'FR', extensionMaxDigits: 6 });

function counterOn(simulator: ContactCentreSimulator): ChangeCounter {
  return new ChangeCounter(
    {
      channels: simulator.coreShowChannels(),
      queueStatus: simulator.queueStatus(),
      atMs: simulator.nowEpochMs,
    },
    numbers,
  );
}

describe('ChangeCounter', () => {
  it('counts the changes of each frame alone: a new call is one change, an ignored event none', () => {
    const simulator = new ContactCentreSimulator(busyCentre(20, 'spec'));
    const counter = counterOn(simulator);
    const at = simulator.nowEpochMs + 1;
    expect(counter.count(serializeAmiFrame(markerFrame('bench-marker-spec', at)))).toBe(1);
    const userEvent = serializeAmiFrame([
      ['Event', 'UserEvent'],
      ['Privilege', 'user,all'],
      ['UserEvent', 'Nothing'],
    ]);
    expect(counter.count(userEvent)).toBe(0);
  });

  it('starts from the scan: pausing a known agent in its two queues is three changes, in one frame', () => {
    const simulator = new ContactCentreSimulator(busyCentre(20, 'spec'));
    simulator.advance(60_000);
    const counter = counterOn(simulator);
    const frames: string[] = [];
    simulator.onFrame((frame) => frames.push(serializeAmiFrame(frame)));
    const agent = simulator.agentStates().find((a) => a.state === 'available');
    if (agent === undefined) throw new Error('the spec centre has no available agent');
    expect(agent.queues).toHaveLength(2);

    simulator.pauseAgent(agent.extension, 'Break');
    const pause = frames.splice(0).map((wire) => counter.count(wire));
    simulator.unpauseAgent(agent.extension);
    const unpause = frames.splice(0).map((wire) => counter.count(wire));

    // The agent, and each queue's agents-available figure; an agent unknown to the counter
    // (no scan) would have been reported new as well.
    for (const counts of [pause, unpause]) {
      expect(counts.reduce((a, b) => a + b, 0)).toBe(3);
      expect(counts.filter((n) => n > 0)).toEqual([3]);
    }
  });
});
