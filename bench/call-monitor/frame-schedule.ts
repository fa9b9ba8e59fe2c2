/**
 * The fan-out run's stream: AMI frames whose platform time identifies them, sent on a timetable
 * that yields a fixed rate of live changes.
 *
 * - A delta's `at` is the `Timestamp` of the AMI frame that caused it, to the millisecond. The
 *   simulator stamps the frames of one action within the same millisecond, so they are
 *   re-stamped one millisecond apart (`base + index`): a subscriber then finds the frame of any
 *   delta, and its send time, from `at` alone. Platform time runs at one millisecond per frame
 *   instead of the simulated pace; order is kept, and call durations in the payloads shrink.
 * - The feed's rate is one of changes, not frames (a frame yields 0 to ~6 changes), so each
 *   frame is due when the changes before it have used up their share of the rate.
 */
import { type AmiFrame } from '@telcomesh/testing';

/** AMI `Timestamp` text (seconds with microseconds) of an epoch-ms instant. */
export function amiTimestamp(epochMs: number): string {
  if (!Number.isInteger(epochMs) || epochMs < 0) {
    throw new RangeError(`amiTimestamp: epochMs must be a whole number ≥ 0, got ${epochMs}`);
  }
  const seconds = Math.floor(epochMs / 1000);
  return `${seconds}.${String((epochMs % 1000) * 1000).padStart(6, '0')}`;
}

/** `frame` with its `Timestamp` set to `epochMs` (added after `Privilege` when it had none). */
export function restamped(frame: AmiFrame, epochMs: number): AmiFrame {
  const stamp = amiTimestamp(epochMs);
  const index = frame.findIndex(([key]) => key === 'Timestamp');
  if (index >= 0) return frame.map((pair, i) => (i === index ? ['Timestamp', stamp] : pair));
  const after = frame.findIndex(([key]) => key === 'Privilege');
  const out = [...frame];
  out.splice(after >= 0 ? after + 1 : 1, 0, ['Timestamp', stamp]);
  return out;
}

/**
 * When each frame is due, in ms after the start, for `changesPerSecond` live changes a second:
 * frame i goes out once the changes of frames 0..i-1 have had their time.
 */
export function sendOffsets(
  changesPerFrame: ArrayLike<number>,
  changesPerSecond: number,
): Float64Array {
  if (!(changesPerSecond > 0) || !Number.isFinite(changesPerSecond)) {
    throw new RangeError(`sendOffsets: the rate must be > 0 changes/s, got ${changesPerSecond}`);
  }
  const offsets = new Float64Array(changesPerFrame.length);
  let before = 0;
  for (let i = 0; i < changesPerFrame.length; i++) {
    const changes = changesPerFrame[i];
    if (!(changes >= 0)) {
      throw new RangeError(`sendOffsets: frame ${i} has ${changes} changes (want ≥ 0)`);
    }
    offsets[i] = (before * 1000) / changesPerSecond;
    before += changes;
  }
  return offsets;
}

/** Which frame of a stream stamped from `baseMs` a delta's `at` points to, or -1. */
export function frameIndexOf(atMs: number, baseMs: number, frames: number): number {
  const index = atMs - baseMs;
  return Number.isInteger(index) && index >= 0 && index < frames ? index : -1;
}
