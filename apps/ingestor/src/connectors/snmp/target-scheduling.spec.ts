import { forEachWithLimit, withDeadline } from './target-scheduling';
import { SteppedClock } from './testing/stepped-clock';

const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A promise the test settles by hand. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

describe('forEachWithLimit', () => {
  it('never runs more than the limit and runs every item once, in list order', async () => {
    const started: number[] = [];
    const gates = Array.from({ length: 7 }, () => deferred<void>());
    let running = 0;
    let peak = 0;
    const done = forEachWithLimit([0, 1, 2, 3, 4, 5, 6], 3, async (item) => {
      started.push(item);
      running++;
      peak = Math.max(peak, running);
      await gates[item].promise;
      running--;
    });
    await flush();
    expect(started).toEqual([0, 1, 2]);
    gates[1].resolve();
    await flush();
    expect(started).toEqual([0, 1, 2, 3]);
    for (const gate of gates) gate.resolve();
    await done;
    expect(started).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(peak).toBe(3);
  });

  it('starts nothing more once the signal aborts', async () => {
    const controller = new AbortController();
    const started: number[] = [];
    await forEachWithLimit(
      [0, 1, 2, 3],
      1,
      async (item) => {
        started.push(item);
        if (item === 1) controller.abort();
      },
      controller.signal,
    );
    expect(started).toEqual([0, 1]);
  });
});

describe('withDeadline', () => {
  it('rejects at the deadline and aborts the work, while other work goes on', async () => {
    const clock = new SteppedClock();
    const hung = deferred<string>();
    const quick = deferred<string>();
    let hungSignal: AbortSignal | undefined;
    const slow = withDeadline(
      1_000,
      clock,
      (signal) => {
        hungSignal = signal;
        return hung.promise; // ignores its signal: the deadline must not wait for it
      },
      () => new Error('slow target: deadline'),
    );
    const fast = withDeadline(
      1_000,
      clock,
      () => quick.promise,
      () => new Error('never'),
    );
    const slowOutcome = slow.then(
      () => 'resolved',
      (error: Error) => error.message,
    );
    quick.resolve('answered');
    await expect(fast).resolves.toBe('answered');
    await clock.advance(999);
    expect(hungSignal?.aborted).toBe(false);
    await clock.advance(1);
    await expect(slowOutcome).resolves.toBe('slow target: deadline');
    expect(hungSignal?.aborted).toBe(true);
  });

  it('cancels its timer when the work finishes first', async () => {
    const clock = new SteppedClock();
    await withDeadline(
      5_000,
      clock,
      async () => 'ok',
      () => new Error('late'),
    );
    expect(clock.pending).toBe(0);
  });

  it('passes the work’s own failure through', async () => {
    const clock = new SteppedClock();
    await expect(
      withDeadline(
        5_000,
        clock,
        () => Promise.reject(new Error('auth failed')),
        () => new Error('late'),
      ),
    ).rejects.toThrow('auth failed');
  });

  it('stops at once when the parent signal aborts', async () => {
    const clock = new SteppedClock();
    const parent = new AbortController();
    const never = new Promise<never>(() => undefined);
    const outcome = withDeadline(
      5_000,
      clock,
      () => never,
      () => new Error('late'),
      parent.signal,
    );
    parent.abort(new Error('shutdown'));
    await expect(outcome).rejects.toThrow('shutdown');
  });
});
