import fc from 'fast-check';
import type { CallView } from '../sources/contact-centre-source';
import {
  FinishedCallWindow,
  finishedCallOf,
  finishedCallProblem,
  type FinishedCall,
  type WindowSpec,
} from './finished-call-window';

const T0 = Date.parse('2025-01-06T09:00:00Z');
const at = (seconds: number): Date => new Date(T0 + seconds * 1000);
const answered = (endedAtSeconds: number, waitSeconds: number): FinishedCall => ({
  outcome: 'answered',
  waitSeconds,
  endedAt: at(endedAtSeconds),
});
const abandoned = (endedAtSeconds: number, waitSeconds: number): FinishedCall => ({
  outcome: 'abandoned',
  waitSeconds,
  endedAt: at(endedAtSeconds),
});

const spec: WindowSpec = { windowMs: 60_000, answerWithinSeconds: 20, shortAbandonSeconds: 5 };

function naive(calls: FinishedCall[], s: WindowSpec, nowMs: number) {
  const inWindow = calls.filter((c) => c.endedAt.getTime() > nowMs - s.windowMs);
  return {
    answered: inWindow.filter((c) => c.outcome === 'answered').length,
    answeredWithin: inWindow.filter(
      (c) => c.outcome === 'answered' && c.waitSeconds <= s.answerWithinSeconds,
    ).length,
    abandoned: inWindow.filter(
      (c) => c.outcome === 'abandoned' && c.waitSeconds > s.shortAbandonSeconds,
    ).length,
  };
}

describe('FinishedCallWindow', () => {
  it('counts answered-within (inclusive) and abandons after the short-abandon grace', () => {
    const window = new FinishedCallWindow(100);
    window.add(answered(1, 20)); // within: exactly at the limit
    window.add(answered(2, 21)); // answered late
    window.add(abandoned(3, 5)); // short abandon: not counted
    window.add(abandoned(4, 6));
    expect(window.counts(spec, at(10).getTime())).toEqual({
      answered: 2,
      answeredWithin: 1,
      abandoned: 1,
    });
  });

  it('slides: a call leaves the window exactly windowMs after it ended', () => {
    const window = new FinishedCallWindow(100);
    window.add(answered(0, 1));
    window.add(answered(30, 1));
    expect(window.counts(spec, at(59.999).getTime()).answered).toBe(2);
    expect(window.counts(spec, at(60).getTime()).answered).toBe(1);
    expect(window.counts(spec, at(90).getTime()).answered).toBe(0);
  });

  it('places a late call by its end time', () => {
    const window = new FinishedCallWindow(100);
    expect(window.counts(spec, at(100).getTime()).answered).toBe(0);
    window.add(answered(100, 1));
    window.add(answered(20, 1)); // arrived late, already outside the window
    window.add(answered(70, 1)); // arrived late, inside
    expect(window.counts(spec, at(100).getTime()).answered).toBe(2);
    expect(window.calls().map((c) => c.endedAt.getTime())).toEqual(
      [20, 70, 100].map((s) => at(s).getTime()),
    );
  });

  it('keeps at most maxCalls, dropping the oldest', () => {
    const window = new FinishedCallWindow(3);
    window.counts(spec, at(0).getTime());
    for (let s = 1; s <= 5; s++) window.add(abandoned(s, 10));
    expect(window.size).toBe(3);
    expect(window.counts(spec, at(6).getTime()).abandoned).toBe(3);
  });

  it('stays right after compacting thousands of dropped calls', () => {
    const window = new FinishedCallWindow(50);
    const all: FinishedCall[] = [];
    for (let s = 0; s < 5000; s++) {
      const call = s % 3 === 0 ? abandoned(s, s % 11) : answered(s, s % 37);
      window.add(call);
      all.push(call);
      if (s % 97 === 0) {
        expect(window.counts(spec, at(s).getTime())).toEqual(
          naive(all.slice(-50), spec, at(s).getTime()),
        );
      }
    }
    expect(window.size).toBe(50);
    expect(window.calls()).toEqual(all.slice(-50));
  });

  it('rebuilds its counts when time goes backwards', () => {
    const window = new FinishedCallWindow(100);
    window.add(answered(10, 1));
    expect(window.counts(spec, at(100).getTime()).answered).toBe(0);
    expect(window.counts(spec, at(50).getTime()).answered).toBe(1);
  });

  it('expires calls older than the retention', () => {
    const window = new FinishedCallWindow(100);
    window.add(answered(0, 1));
    window.add(answered(50, 1));
    window.expire(at(100).getTime(), 60_000);
    expect(window.size).toBe(1);
  });

  it('keeps the same counts as a recount, whatever the order of adds, expiries and ticks', () => {
    const op = fc.oneof(
      fc.record({
        kind: fc.constant('add' as const),
        endedAt: fc.integer({ min: 0, max: 600 }),
        wait: fc.integer({ min: 0, max: 40 }),
        abandoned: fc.boolean(),
      }),
      fc.record({ kind: fc.constant('tick' as const), dt: fc.integer({ min: -30, max: 90 }) }),
      fc.record({ kind: fc.constant('expire' as const) }),
    );
    const specs = fc.array(
      fc.record({
        windowMs: fc.integer({ min: 1, max: 300 }).map((s) => s * 1000),
        answerWithinSeconds: fc.integer({ min: 0, max: 40 }),
        shortAbandonSeconds: fc.integer({ min: 0, max: 10 }),
      }),
      { minLength: 1, maxLength: 3 },
    );
    fc.assert(
      fc.property(
        fc.array(op, { maxLength: 80 }),
        specs,
        fc.integer({ min: 1, max: 30 }),
        (ops, specList, cap) => {
          const window = new FinishedCallWindow(cap);
          const retentionMs = Math.max(...specList.map((s) => s.windowMs));
          let kept: FinishedCall[] = [];
          let now = 300;
          for (const o of ops) {
            if (o.kind === 'add') {
              const call: FinishedCall = {
                outcome: o.abandoned ? 'abandoned' : 'answered',
                waitSeconds: o.wait,
                endedAt: at(o.endedAt),
              };
              window.add(call);
              kept.push(call);
              kept.sort((a, b) => a.endedAt.getTime() - b.endedAt.getTime());
              if (kept.length > cap) kept = kept.slice(kept.length - cap);
            } else if (o.kind === 'tick') {
              now += o.dt;
            } else {
              window.expire(at(now).getTime(), retentionMs);
              kept = kept.filter((c) => c.endedAt.getTime() > at(now).getTime() - retentionMs);
            }
            for (const s of specList) {
              expect(window.counts(s, at(now).getTime())).toEqual(
                naive(kept, s, at(now).getTime()),
              );
            }
          }
          expect(window.size).toBe(kept.length);
        },
      ),
    );
  });
});

describe('finishedCallProblem', () => {
  it('names the bad field', () => {
    expect(finishedCallProblem({ outcome: 'lost', waitSeconds: 1, endedAt: at(0) })).toMatch(
      /^outcome must be one of answered, abandoned/,
    );
    expect(finishedCallProblem({ outcome: 'answered', waitSeconds: NaN, endedAt: at(0) })).toMatch(
      /^waitSeconds/,
    );
    expect(
      finishedCallProblem({ outcome: 'answered', waitSeconds: 1, endedAt: new Date('x') }),
    ).toMatch(/^endedAt/);
    expect(finishedCallProblem(answered(0, 3))).toBeUndefined();
  });
});

describe('finishedCallOf', () => {
  const base: CallView = {
    callId: 'c1',
    direction: 'inbound',
    state: 'ended',
    startedAt: at(0),
    queuedAt: at(5),
    queueId: 'sales',
    answeredAt: at(35),
    endedAt: at(100),
    disposition: 'answered',
    holdSeconds: 0,
    transfers: [],
  };

  it('waits until the answer for an answered call and until the end for an abandoned one', () => {
    expect(finishedCallOf(base)).toEqual({
      queueId: 'sales',
      outcome: 'answered',
      waitSeconds: 30,
      endedAt: at(100),
    });
    expect(
      finishedCallOf({ ...base, disposition: 'abandoned', answeredAt: undefined, endedAt: at(17) }),
    ).toEqual({ queueId: 'sales', outcome: 'abandoned', waitSeconds: 12, endedAt: at(17) });
  });

  it('leaves out calls that were not queued or ended otherwise', () => {
    expect(finishedCallOf({ ...base, queueId: undefined })).toBeUndefined();
    expect(finishedCallOf({ ...base, disposition: 'no_answer' })).toBeUndefined();
    expect(finishedCallOf({ ...base, endedAt: undefined })).toBeUndefined();
  });
});
