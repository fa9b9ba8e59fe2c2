import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** One AMI frame as `[key, value]` pairs in wire order (a key may repeat). */
export type AmiFrame = readonly (readonly [string, string])[];

/** A recorded AMI event stream: its frames, and the exact bytes a server sends for them. */
export interface AmiTranscript {
  name: string;
  frames: AmiFrame[];
  /** The frames as Asterisk writes them: `Key: Value\r\n` lines, each frame ended by `\r\n`. */
  wire: string;
}

/**
 * The transcripts under `transcripts/`, captured in the shape Asterisk 18/20 writes them
 * (`timestampevents = yes`):
 * - `queue-call-answered`: an inbound call queues on `support`, Alice (PJSIP/1001) is rung,
 *   answers, talks 95 s, the caller hangs up (Newchannel, QueueCallerJoin, AgentCalled,
 *   DialBegin/End, QueueCallerLeave, BridgeEnter, AgentConnect, BridgeLeave, Hangup,
 *   AgentComplete, QueueMemberStatus).
 * - `queue-call-abandoned`: the caller hangs up while Alice rings (QueueCallerAbandon).
 * - `queue-ring-no-answer`: Alice does not answer in 15 s (AgentRingNoAnswer), Bob (PJSIP/1002)
 *   answers and hangs up first.
 * - `hold-unhold`: Bob calls out through the trunk and holds the call 40 s (Hold, MusicOnHold,
 *   Unhold).
 * - `blind-transfer`: a direct inbound call to Alice, blind transferred to 1002 (BlindTransfer).
 * - `attended-transfer`: Alice holds the caller, consults Bob on a second channel and completes
 *   the transfer (AttendedTransfer, bridge move).
 * - `queue-member-pause`: Alice pauses (reason Lunch) on `support` and `sales`, then unpauses
 *   (QueueMemberPause, QueueMemberStatus).
 * - `outbound-busy`: Bob calls out through the trunk, the far end is busy (Hangup cause 17,
 *   DialStatus BUSY).
 */
export const AMI_TRANSCRIPT_NAMES = [
  'queue-call-answered',
  'queue-call-abandoned',
  'queue-ring-no-answer',
  'hold-unhold',
  'blind-transfer',
  'attended-transfer',
  'queue-member-pause',
  'outbound-busy',
] as const;

export type AmiTranscriptName = (typeof AMI_TRANSCRIPT_NAMES)[number];

/**
 * Event-list items a discovery scan gets back, in the same `.ami` form (list items carry no
 * `Privilege` nor `Timestamp`; a server adds the ActionID and the closing event):
 * - `snapshot-channels`: `CoreShowChannel` items: an inbound call answered by Bob through
 *   `support` (Linkedid 1700009000.200), a caller waiting in `support` (1700009100.202), and
 *   the call of `queue-call-answered` while Alice talks (1700000000.16).
 * - `snapshot-queue-status`: `QueueStatus` items: `QueueParams` of `support` and `sales`,
 *   `QueueMember` Alice (both queues) and Bob (`support`, in use), the waiting caller's
 *   `QueueEntry` (Wait 12).
 */
export const AMI_SNAPSHOT_FIXTURE_NAMES = ['snapshot-channels', 'snapshot-queue-status'] as const;

export type AmiSnapshotFixtureName = (typeof AMI_SNAPSHOT_FIXTURE_NAMES)[number];

/** Loads the list items of `transcripts/<name>.ami`. */
export function loadAmiSnapshotFixture(name: AmiSnapshotFixtureName): AmiFrame[] {
  return parseAmiTranscript(readFileSync(join(AMI_TRANSCRIPT_DIR, `${name}.ami`), 'utf8'), name)
    .frames;
}

/** Where the `.ami` files are. */
export const AMI_TRANSCRIPT_DIR = join(__dirname, 'transcripts');

/** Loads `transcripts/<name>.ami`. */
export function loadAmiTranscript(name: AmiTranscriptName): AmiTranscript {
  return parseAmiTranscript(readFileSync(join(AMI_TRANSCRIPT_DIR, `${name}.ami`), 'utf8'), name);
}

/** Every transcript, by name. */
export function loadAmiTranscripts(): AmiTranscript[] {
  return AMI_TRANSCRIPT_NAMES.map((name) => loadAmiTranscript(name));
}

/**
 * Reads a transcript in AMI's text form: `Key: Value` lines (LF or CRLF), frames separated by
 * blank lines. `Key:` with nothing after it is an empty value.
 */
export function parseAmiTranscript(text: string, name = 'inline'): AmiTranscript {
  const frames: AmiFrame[] = [];
  let frame: [string, string][] = [];
  const lines = text.split(/\r?\n/);
  lines.forEach((line, index) => {
    if (line.trim() === '') {
      if (frame.length > 0) frames.push(frame);
      frame = [];
      return;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) {
      throw new Error(
        `transcript ${name}, line ${index + 1}: no 'Key:' in ${JSON.stringify(line)}`,
      );
    }
    frame.push([line.slice(0, colon), line.slice(colon + 1).replace(/^ /, '')]);
  });
  if (frame.length > 0) frames.push(frame);
  return { name, frames, wire: frames.map(serializeAmiFrame).join('') };
}

/** One frame on the wire: `Key: Value\r\n` per pair, then `\r\n`. */
export function serializeAmiFrame(frame: AmiFrame): string {
  return `${frame.map(([key, value]) => `${key}: ${value}\r\n`).join('')}\r\n`;
}

/**
 * A frame as the AMI parser of a client reports it: a key once → its value, a key repeated →
 * all its values.
 */
export function amiFrameToRecord(frame: AmiFrame): Record<string, string | string[]> {
  const record: Record<string, string | string[]> = {};
  for (const [key, value] of frame) {
    const existing = record[key];
    if (existing === undefined) record[key] = value;
    else if (Array.isArray(existing)) existing.push(value);
    else record[key] = [existing, value];
  }
  return record;
}
