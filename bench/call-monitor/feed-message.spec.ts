import { readFeedMessage, readFeedMessages } from './feed-message';

const AT = new Date('2026-11-23T04:10:00.123Z');

/** A delta as `LiveFeed` writes it: `{type, seq, ...payload}` with Dates through JSON.stringify. */
function delta(seq: number, payload: Record<string, unknown>): Buffer {
  return Buffer.from(JSON.stringify({ type: 'delta', seq, ...payload }));
}

describe('readFeedMessage', () => {
  it('reads type, seq and at of a call delta, not the call’s own *At dates', () => {
    const message = delta(4182, {
      kind: 'call_updated',
      at: AT,
      call: { callId: 'c1', startedAt: new Date(0), queuedAt: new Date(1000) },
    });
    expect(readFeedMessage(message)).toEqual({ type: 'delta', seq: 4182, atMs: AT.getTime() });
  });

  it('reads the head of a delta without parsing the rest (which is not even looked at)', () => {
    const cut = Buffer.from(
      `{"type":"delta","seq":12,"kind":"call_updated","at":"${AT.toISOString()}","call":{"callId":`,
    );
    expect(readFeedMessage(cut)).toEqual({ type: 'delta', seq: 12, atMs: AT.getTime() });
  });

  it('reads a call that left the filter (its `at` follows `kind`)', () => {
    const message = delta(7, { kind: 'call_left_filter', at: AT, sourceId: 's', callId: 'c' });
    expect(readFeedMessage(message)).toEqual({ type: 'delta', seq: 7, atMs: AT.getTime() });
  });

  it('reads the seq of a snapshot, which has no delta time', () => {
    const message = Buffer.from(
      JSON.stringify({ type: 'snapshot', seq: 31, at: AT, calls: [], agents: [] }),
    );
    const head = readFeedMessage(message);
    expect(head.type).toBe('snapshot');
    expect(head.seq).toBe(31);
    expect(head.atMs).toBeNaN();
  });

  it('falls back to JSON for a shape off the fast path (keys in another order)', () => {
    const message = Buffer.from(JSON.stringify({ seq: 9, type: 'delta', at: AT }));
    expect(readFeedMessage(message)).toEqual({ type: 'delta', seq: 9, atMs: AT.getTime() });
  });

  it('calls an error message, or text that is no JSON, `other`', () => {
    const error = Buffer.from(JSON.stringify({ type: 'error', reason: 'bad filter' }));
    expect(readFeedMessage(error).type).toBe('other');
    expect(readFeedMessage(Buffer.from('not json')).type).toBe('other');
    expect(readFeedMessage(Buffer.from('{"type":"delta","seq":x')).type).toBe('other');
  });

  it('reads every delta of a batched message', () => {
    const at = (ms: number) => new Date(Date.UTC(2026, 0, 1) + ms).toISOString();
    const batch = Buffer.from(
      `{"type":"deltas","items":[{"type":"delta","seq":7,"kind":"call_updated","at":"${at(1)}"},{"type":"delta","seq":8,"kind":"queue_updated","at":"${at(2)}"}]}`,
    );
    expect(
      readFeedMessages(batch).map((h) => [h.type, h.seq, h.atMs - Date.UTC(2026, 0, 1)]),
    ).toEqual([
      ['delta', 7, 1],
      ['delta', 8, 2],
    ]);
  });
});
