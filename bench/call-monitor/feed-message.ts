/**
 * Reads the three things the fan-out run needs from a live-feed message — its type, its
 * sequence number and its `at` — without parsing the JSON: 500 subscribers at 2,000 changes/s
 * are a million messages a second, and `JSON.parse` of each would make the subscribers' own
 * process the bottleneck being measured. Anything off the fast path falls back to `JSON.parse`.
 */

export type FeedMessageType = 'delta' | 'snapshot' | 'other';

export interface FeedMessageHead {
  type: FeedMessageType;
  /** The feed's sequence number (`seq`), NaN when absent. */
  seq: number;
  /** `at` of a delta in epoch ms, NaN when absent. */
  atMs: number;
}

const DELTA_PREFIX = Buffer.from('{"type":"delta","seq":');
const SNAPSHOT_PREFIX = Buffer.from('{"type":"snapshot","seq":');
const AT_KEY = Buffer.from('"at":"');
/** `2023-11-14T22:13:20.123Z`: what `JSON.stringify` makes of a Date. */
const ISO_LENGTH = 24;

const BATCH_PREFIX = Buffer.from('{"type":"deltas","items":[');

/**
 * Every delta of a feed message: the feed sends a subscriber's deltas together as
 * `{"type":"deltas","items":[{"type":"delta",...},...]}`; a snapshot or other message is one head.
 */
export function readFeedMessages(data: Buffer): FeedMessageHead[] {
  if (!startsWith(data, BATCH_PREFIX)) return [readFeedMessage(data)];
  const heads: FeedMessageHead[] = [];
  let from = BATCH_PREFIX.length;
  for (;;) {
    const start = data.indexOf(DELTA_PREFIX, from);
    if (start < 0) break;
    const seq = digitsAt(data, start + DELTA_PREFIX.length);
    const key = data.indexOf(AT_KEY, start + DELTA_PREFIX.length);
    const at =
      key < 0 ? '' : data.toString('latin1', key + AT_KEY.length, key + AT_KEY.length + ISO_LENGTH);
    const atMs = at.length === ISO_LENGTH ? Date.parse(at) : Number.NaN;
    heads.push({ type: 'delta', seq, atMs });
    from = start + DELTA_PREFIX.length;
  }
  return heads;
}

export function readFeedMessage(data: Buffer): FeedMessageHead {
  if (startsWith(data, DELTA_PREFIX)) {
    const seq = digitsAt(data, DELTA_PREFIX.length);
    const key = data.indexOf(AT_KEY, DELTA_PREFIX.length);
    const at =
      key < 0 ? '' : data.toString('latin1', key + AT_KEY.length, key + AT_KEY.length + ISO_LENGTH);
    const atMs = at.length === ISO_LENGTH ? Date.parse(at) : Number.NaN;
    if (!Number.isNaN(seq) && !Number.isNaN(atMs)) return { type: 'delta', seq, atMs };
  } else if (startsWith(data, SNAPSHOT_PREFIX)) {
    const seq = digitsAt(data, SNAPSHOT_PREFIX.length);
    if (!Number.isNaN(seq)) return { type: 'snapshot', seq, atMs: Number.NaN };
  }
  return parsed(data);
}

function parsed(data: Buffer): FeedMessageHead {
  let message: unknown;
  try {
    message = JSON.parse(data.toString('utf8'));
  } catch {
    return { type: 'other', seq: Number.NaN, atMs: Number.NaN };
  }
  if (typeof message !== 'object' || message === null) {
    return { type: 'other', seq: Number.NaN, atMs: Number.NaN };
  }
  const { type, seq, at } = message as { type?: unknown; seq?: unknown; at?: unknown };
  return {
    type: type === 'delta' || type === 'snapshot' ? type : 'other',
    seq: typeof seq === 'number' ? seq : Number.NaN,
    atMs: typeof at === 'string' ? Date.parse(at) : Number.NaN,
  };
}

function startsWith(data: Buffer, prefix: Buffer): boolean {
  return (
    data.length > prefix.length && data.compare(prefix, 0, prefix.length, 0, prefix.length) === 0
  );
}

/** The non-negative integer written at `offset`, NaN when there is none. */
function digitsAt(data: Buffer, offset: number): number {
  let value = 0;
  let i = offset;
  for (; i < data.length; i++) {
    const c = data[i];
    if (c < 48 || c > 57) break;
    value = value * 10 + (c - 48);
  }
  return i === offset ? Number.NaN : value;
}
