import { type AmiFrame } from '@telcomesh/testing';
import { amiTimestamp, frameIndexOf, restamped, sendOffsets } from './frame-schedule';

const FRAME: AmiFrame = [
  ['Event', 'Newstate'],
  ['Privilege', 'call,all'],
  ['Timestamp', '1700000000.000017'],
  ['Channel', 'PJSIP/1001-00000001'],
];

describe('amiTimestamp', () => {
  it('writes seconds and microseconds as Asterisk does', () => {
    expect(amiTimestamp(1_700_000_000_123)).toBe('1700000000.123000');
    expect(amiTimestamp(1_700_000_001_007)).toBe('1700000001.007000');
  });

  it('refuses an instant that is not whole milliseconds', () => {
    expect(() => amiTimestamp(1.5)).toThrow(/whole number/);
    expect(() => amiTimestamp(-1)).toThrow(/≥ 0/);
  });
});

describe('restamped', () => {
  it('replaces the Timestamp in place and leaves the original frame alone', () => {
    const out = restamped(FRAME, 1_800_000_000_042);
    expect(out).toEqual([
      ['Event', 'Newstate'],
      ['Privilege', 'call,all'],
      ['Timestamp', '1800000000.042000'],
      ['Channel', 'PJSIP/1001-00000001'],
    ]);
    expect(FRAME[2][1]).toBe('1700000000.000017');
  });

  it('adds a Timestamp after Privilege to a frame that had none', () => {
    const out = restamped(
      [
        ['Event', 'Hangup'],
        ['Privilege', 'call,all'],
        ['Uniqueid', '1.1'],
      ],
      1000,
    );
    expect(out.map(([k]) => k)).toEqual(['Event', 'Privilege', 'Timestamp', 'Uniqueid']);
    expect(out[2][1]).toBe('1.000000');
  });
});

describe('sendOffsets', () => {
  it('makes frame i due when the changes before it have had their share of the rate', () => {
    // 1,000 changes/s: one change is 1 ms; frames with no change go out with the next one.
    expect([...sendOffsets([2, 0, 1, 3, 0], 1000)]).toEqual([0, 2, 2, 3, 6]);
  });

  it('spreads N changes over N / rate seconds', () => {
    const perFrame = Array.from({ length: 5000 }, (_, i) => i % 3);
    const offsets = sendOffsets(perFrame, 2000);
    const total = perFrame.reduce((a, b) => a + b, 0);
    const own = perFrame[perFrame.length - 1];
    // The last frame starts once all changes but its own are spent: 2,000 a second.
    expect(offsets[offsets.length - 1]).toBeCloseTo(((total - own) * 1000) / 2000, 9);
  });

  it('refuses a rate that is not positive and a negative change count, saying which frame', () => {
    expect(() => sendOffsets([1], 0)).toThrow(/rate must be > 0/);
    expect(() => sendOffsets([1, -1], 10)).toThrow(/frame 1 has -1 changes/);
  });
});

describe('frameIndexOf', () => {
  it('maps a delta time back to the frame stamped with it, and anything else to -1', () => {
    expect(frameIndexOf(1_000_042, 1_000_000, 100)).toBe(42);
    expect(frameIndexOf(999_999, 1_000_000, 100)).toBe(-1);
    expect(frameIndexOf(1_000_100, 1_000_000, 100)).toBe(-1);
    expect(frameIndexOf(Number.NaN, 1_000_000, 100)).toBe(-1);
  });
});
