import { PollScheduler, type PollOutcome, type SchedulerTimers } from './poll-scheduler';

/* Jest's fake timers drive the scheduler's clock: time only moves when a test advances it. */
const fakeTimers: SchedulerTimers = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });

interface Run {
  sourceId: string;
  start: number;
  end?: number;
  aborted?: boolean;
}

function recorder(durationMs: (sourceId: string) => number, outcome?: () => PollOutcome) {
  const runs: Run[] = [];
  let running = 0;
  let maxRunning = 0;
  const task = async (sourceId: string, signal: AbortSignal): Promise<PollOutcome | void> => {
    const run: Run = { sourceId, start: Date.now() };
    runs.push(run);
    running++;
    maxRunning = Math.max(maxRunning, running);
    const duration = durationMs(sourceId);
    if (duration > 0) await sleep(duration, signal);
    running--;
    run.end = Date.now();
    run.aborted = signal.aborted;
    return outcome?.();
  };
  return { runs, task, maxRunning: () => maxRunning };
}

describe('PollScheduler', () => {
  beforeEach(() => jest.useFakeTimers({ now: 0 }));
  afterEach(() => jest.useRealTimers());

  it('polls every interval, moved by at most the jitter', async () => {
    let r = 0;
    const randoms = [0.5, 0, 1, 0, 1];
    const { runs, task } = recorder(() => 100);
    const scheduler = new PollScheduler(task, {
      maxConcurrent: 4,
      jitter: 0.1,
      random: () => randoms[r++ % randoms.length],
      timers: fakeTimers,
      onError: () => undefined,
    });
    scheduler.add('a', 10_000);
    await jest.advanceTimersByTimeAsync(40_000);
    await scheduler.stop();
    // First at 0.5 × 10% of the interval, then interval × (1 ± 10%) from each start.
    expect(runs.map((run) => run.start)).toEqual(
      [500, 9500, 20_500, 29_500, 40_500].filter((t) => t <= 40_000),
    );
  });

  it('starts a long-interval source within the start spread cap, not a jitter of its interval', async () => {
    const { runs, task } = recorder(() => 10);
    const scheduler = new PollScheduler(task, {
      maxConcurrent: 4,
      jitter: 0.1,
      random: () => 1,
      timers: fakeTimers,
      onError: () => undefined,
    });
    scheduler.add('hourly', 3_600_000);
    const small = new PollScheduler(task, {
      maxConcurrent: 4,
      jitter: 0.1,
      maxStartSpreadMs: 2_000,
      random: () => 1,
      timers: fakeTimers,
      onError: () => undefined,
    });
    small.add('small-cap', 3_600_000);
    small.add('short', 5_000);
    await jest.advanceTimersByTimeAsync(10_000);
    await scheduler.stop();
    await small.stop();
    // Default cap 10 s; a 2 s cap; and a 5 s interval keeps its own 10 % (0.5 s) spread.
    expect(runs.map((run) => [run.sourceId, run.start]).slice(0, 3)).toEqual([
      ['short', 500],
      ['small-cap', 2000],
      ['short', 6000],
    ]);
    expect(runs.find((run) => run.sourceId === 'hourly')?.start).toBe(10_000);
  });

  it('queues a source with a backlog again at once by default, behind sources already due', async () => {
    const starts: [string, number][] = [];
    let backlog = 3;
    const scheduler = new PollScheduler(
      async (sourceId) => {
        starts.push([sourceId, Date.now()]);
        await sleep(100);
        return sourceId === 'backlog' && backlog-- > 0 ? { soon: true } : {};
      },
      { maxConcurrent: 1, jitter: 0, timers: fakeTimers, onError: () => undefined },
    );
    scheduler.add('backlog', 60_000, 0);
    scheduler.add('other', 60_000, 50);
    await jest.advanceTimersByTimeAsync(1_000);
    await scheduler.stop();
    // `other` fell due while the backlog drained, so it goes first; then no pause between polls
    // (the 0 ms repoll timer fires within a millisecond of the previous poll's end).
    expect(starts.map(([id]) => id)).toEqual(['backlog', 'other', 'backlog', 'backlog', 'backlog']);
    for (let i = 1; i < starts.length; i++)
      expect(starts[i][1] - starts[i - 1][1]).toBeLessThanOrEqual(101);
  });

  it('never overlaps a source with itself: a slow poll is followed, not joined', async () => {
    const { runs, task, maxRunning } = recorder(() => 25_000);
    const scheduler = new PollScheduler(task, {
      maxConcurrent: 4,
      jitter: 0,
      timers: fakeTimers,
      onError: () => undefined,
    });
    scheduler.add('slow', 10_000);
    await jest.advanceTimersByTimeAsync(80_000);
    await scheduler.stop();
    expect(maxRunning()).toBe(1);
    for (let i = 1; i < runs.length; i++) {
      expect(runs[i].start).toBeGreaterThanOrEqual(runs[i - 1].end ?? Number.POSITIVE_INFINITY);
    }
    // The next poll starts as soon as the slow one ends (a 0 ms timer), because it is overdue.
    for (let i = 1; i < runs.length; i++) {
      expect(runs[i].start - (runs[i - 1].end ?? 0)).toBeLessThanOrEqual(1);
    }
    expect(runs.length).toBeGreaterThanOrEqual(3);
  });

  it('runs at most maxConcurrent polls at once, the others in the order they fell due', async () => {
    const { runs, task, maxRunning } = recorder(() => 1000);
    const scheduler = new PollScheduler(task, {
      maxConcurrent: 2,
      jitter: 0,
      timers: fakeTimers,
      onError: () => undefined,
    });
    for (const [i, id] of ['a', 'b', 'c', 'd', 'e'].entries()) scheduler.add(id, 60_000, i);
    await jest.advanceTimersByTimeAsync(5000);
    expect(maxRunning()).toBe(2);
    expect(runs.map((run) => [run.sourceId, run.start])).toEqual([
      ['a', 0],
      ['b', 1],
      ['c', 1000],
      ['d', 1001],
      ['e', 2000],
    ]);
    expect(scheduler.runningCount).toBe(0);
    await scheduler.stop();
  });

  it('removing a source aborts its running poll, waits for it, and polls it no more', async () => {
    const { runs, task } = recorder(() => 30_000);
    const scheduler = new PollScheduler(task, {
      maxConcurrent: 1,
      jitter: 0,
      timers: fakeTimers,
      onError: () => undefined,
    });
    scheduler.add('a', 10_000);
    await jest.advanceTimersByTimeAsync(1000);
    await scheduler.remove('a');
    expect(runs).toEqual([{ sourceId: 'a', start: 0, end: 1000, aborted: true }]);
    await jest.advanceTimersByTimeAsync(100_000);
    expect(runs).toHaveLength(1);
    expect(scheduler.has('a')).toBe(false);
  });

  it('polls again shortly when more is waiting, and not before a time the source gives', async () => {
    const outcomes: PollOutcome[] = [{ soon: true }, { notBefore: 200_000 }];
    let call = 0;
    const { runs, task } = recorder(
      () => 0,
      () => outcomes[call++] ?? {},
    );
    const scheduler = new PollScheduler(task, {
      maxConcurrent: 1,
      jitter: 0,
      soonMs: 500,
      timers: fakeTimers,
      onError: () => undefined,
    });
    scheduler.add('a', 60_000, 10_000);
    await jest.advanceTimersByTimeAsync(300_000);
    await scheduler.stop();
    expect(runs.map((run) => run.start).slice(0, 4)).toEqual([10_000, 10_500, 200_000, 260_000]);
  });

  it('retries sooner than the interval when a poll asks to, never later than it', async () => {
    const outcomes: PollOutcome[] = [{ retryInMs: 5_000 }, { retryInMs: 90_000 }, {}];
    let call = 0;
    const { runs, task } = recorder(
      () => 100,
      () => outcomes[call++] ?? {},
    );
    const scheduler = new PollScheduler(task, {
      maxConcurrent: 1,
      jitter: 0,
      timers: fakeTimers,
      onError: () => undefined,
    });
    scheduler.add('a', 60_000, 0);
    await jest.advanceTimersByTimeAsync(200_000);
    await scheduler.stop();
    // 5 s after the first poll ended; then the interval caps a 90 s retry; then the interval.
    expect(runs.map((run) => run.start).slice(0, 4)).toEqual([0, 5_100, 65_200, 125_200]);
  });

  it('reports a poll that throws and keeps the source on its schedule', async () => {
    const errors: string[] = [];
    let calls = 0;
    const scheduler = new PollScheduler(
      () => {
        calls++;
        return Promise.reject(new Error('database down'));
      },
      {
        maxConcurrent: 1,
        jitter: 0,
        timers: fakeTimers,
        onError: (sourceId, error) => errors.push(`${sourceId}: ${(error as Error).message}`),
      },
    );
    scheduler.add('a', 1000);
    await jest.advanceTimersByTimeAsync(2500);
    await scheduler.stop();
    expect(calls).toBe(3);
    expect(errors).toEqual(['a: database down', 'a: database down', 'a: database down']);
  });
});
