/**
 * How many live changes each AMI frame will cause, found by running the frames through the call
 * monitor's own parser, tracker and live view off line (no socket, no feed), from the same
 * discovery scan the monitor under test will get. The fan-out run uses the counts to pace the
 * stream at a rate of changes, and to know when every subscriber has seen the last one.
 */
import { type AmiFrame, serializeAmiFrame } from '@telcomesh/testing';
import { LiveView } from '../../apps/call-monitor/src/live/live-view';
import type { PhoneNumberNormaliser } from '../../apps/call-monitor/src/numbers/phone-number';
import { AmiCallTracker } from '../../apps/call-monitor/src/sources/ami/ami-call-tracker';
import { type AmiMessage, AmiParser } from '../../apps/call-monitor/src/sources/ami/ami-parser';

export interface DiscoveryFrames {
  /** `CoreShowChannel` items. */
  channels: AmiFrame[];
  /** `QueueParams`, `QueueMember`, `QueueEntry` items. */
  queueStatus: AmiFrame[];
  /** Platform time of the scan. */
  atMs: number;
}

export class ChangeCounter {
  private changes = 0;
  private readonly tracker: AmiCallTracker;
  private readonly parser: AmiParser;

  constructor(scan: DiscoveryFrames, numbers: PhoneNumberNormaliser) {
    const view = new LiveView(numbers);
    view.subscribe(() => {
      this.changes += 1;
    });
    this.tracker = new AmiCallTracker(view.board('change-counter'));
    this.parser = new AmiParser({ onMessage: (message) => this.tracker.handle(message) });
    this.tracker.resync({
      channels: messagesOf(scan.channels),
      queueStatus: messagesOf(scan.queueStatus),
      at: new Date(scan.atMs),
    });
  }

  /** Applies one frame (its wire text) and returns the changes it caused. */
  count(wire: string): number {
    const before = this.changes;
    this.parser.push(wire);
    return this.changes - before;
  }
}

function messagesOf(frames: AmiFrame[]): AmiMessage[] {
  const messages: AmiMessage[] = [];
  const parser = new AmiParser({ onMessage: (message) => messages.push(message) });
  for (const frame of frames) parser.push(serializeAmiFrame(frame));
  parser.end();
  return messages;
}
