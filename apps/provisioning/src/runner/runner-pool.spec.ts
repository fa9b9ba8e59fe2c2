import type { PlaybookRunHandle, PlaybookRunRequest, PlaybookRunResult } from './ansible-runner';
import { type PlaybookLauncher, RunnerPool } from './runner-pool';

const result = (partial: Partial<PlaybookRunResult> = {}): PlaybookRunResult => ({
  status: 0,
  reason: 'All tasks succeeded',
  rolledBack: false,
  cancelled: false,
  fatal: false,
  exitCode: 0,
  signal: null,
  taskCount: 1,
  taskEvents: [],
  deliveryErrors: [],
  ...partial,
});

interface FakeRun extends PlaybookRunHandle {
  playbook: string;
  cancels: number;
  finish(outcome?: Partial<PlaybookRunResult>): void;
  crash(error: Error): void;
}

/** Starts nothing: each run ends when the test says so. */
class FakeLauncher implements PlaybookLauncher {
  readonly started: FakeRun[] = [];
  refuse?: string;

  start(request: PlaybookRunRequest): PlaybookRunHandle {
    if (request.playbook === this.refuse)
      throw new RangeError(`invalid playbook name: ${request.playbook}`);
    let settle!: (r: PlaybookRunResult) => void;
    let fail!: (e: Error) => void;
    const run: FakeRun = {
      playbook: request.playbook,
      cancels: 0,
      done: new Promise<PlaybookRunResult>((resolve, reject) => {
        settle = resolve;
        fail = reject;
      }),
      cancel: () => {
        run.cancels += 1;
        return true;
      },
      finish: (outcome) => settle(result(outcome)),
      crash: (error) => fail(error),
    };
    this.started.push(run);
    return run;
  }

  names(): string[] {
    return this.started.map((run) => run.playbook);
  }
}

const job = (playbook: string): PlaybookRunRequest => ({ playbook, extraVars: {} });
const settled = () => new Promise((resolve) => setImmediate(resolve));

describe('RunnerPool', () => {
  let launcher: FakeLauncher;

  beforeEach(() => {
    launcher = new FakeLauncher();
  });

  it('starts at most maxParallel runs and the queued ones in submission order', async () => {
    const pool = new RunnerPool(launcher, { maxParallel: 2 });
    const runs = ['p1', 'p2', 'p3', 'p4'].map((name) => pool.submit(job(name)));

    expect(launcher.names()).toEqual(['p1', 'p2']);
    expect(runs.map((r) => r.state)).toEqual(['running', 'running', 'queued', 'queued']);
    expect([pool.runningCount, pool.queuedCount]).toEqual([2, 2]);

    launcher.started[1].finish();
    expect(await runs[1].done).toMatchObject({ status: 0 });
    expect(launcher.names()).toEqual(['p1', 'p2', 'p3']);

    launcher.started[0].finish({ status: 2 });
    expect(await runs[0].done).toMatchObject({ status: 2 });
    expect(launcher.names()).toEqual(['p1', 'p2', 'p3', 'p4']);
    expect([pool.runningCount, pool.queuedCount]).toEqual([2, 0]);
  });

  it('cancels a queued job without ever starting it', async () => {
    const pool = new RunnerPool(launcher, { maxParallel: 1 });
    pool.submit(job('p1'), 'one');
    const queued = pool.submit(job('p2'), 'two');

    expect(queued.cancel()).toBe(true);
    expect(await queued.done).toMatchObject({
      status: 2,
      cancelled: true,
      fatal: false,
      taskEvents: [],
      reason: 'Cancelled while queued; the playbook never started',
    });
    launcher.started[0].finish();
    await settled();
    expect(launcher.names()).toEqual(['p1']);
    expect(pool.cancel('two')).toBe(false);
  });

  it('passes the cancellation of a running job to its run', () => {
    const pool = new RunnerPool(launcher, { maxParallel: 1 });
    pool.submit(job('p1'), 'one');

    expect(pool.cancel('one')).toBe(true);
    expect(launcher.started[0].cancels).toBe(1);
    expect(pool.cancel('unknown')).toBe(false);
  });

  it('fails a job the runner refuses and goes on with the next', async () => {
    launcher.refuse = '../etc/passwd';
    const pool = new RunnerPool(launcher, { maxParallel: 1 });
    const refused = pool.submit(job('../etc/passwd'));
    const next = pool.submit(job('p2'));

    const failed = await refused.done;
    expect(failed).toMatchObject({ status: 2, fatal: true, cancelled: false });
    expect(failed.reason).toMatch(/invalid playbook name/);
    expect(next.state).toBe('running');
    expect(launcher.names()).toEqual(['p2']);
  });

  it('frees the slot of a run whose promise rejects', async () => {
    const pool = new RunnerPool(launcher, { maxParallel: 1 });
    const crashing = pool.submit(job('p1'));
    pool.submit(job('p2'));

    launcher.started[0].crash(new Error('disk full'));
    expect(await crashing.done).toMatchObject({
      status: 2,
      fatal: true,
      reason: 'runner failure: disk full',
    });
    expect(launcher.names()).toEqual(['p1', 'p2']);
  });

  it('cancelAll drops the queue, cancels the running and waits for them', async () => {
    const pool = new RunnerPool(launcher, { maxParallel: 1 });
    const running = pool.submit(job('p1'));
    const queued = pool.submit(job('p2'));
    let stopped = false;
    const stopping = pool.cancelAll().then(() => (stopped = true));

    expect(await queued.done).toMatchObject({ cancelled: true });
    expect(launcher.started[0].cancels).toBe(1);
    await settled();
    expect(stopped).toBe(false);
    launcher.started[0].finish({ status: 2, cancelled: true });
    await stopping;
    expect(await running.done).toMatchObject({ cancelled: true });
    expect(launcher.names()).toEqual(['p1']);
  });

  it('refuses a duplicate id and a pool without slots', () => {
    const pool = new RunnerPool(launcher, { maxParallel: 1 });
    pool.submit(job('p1'), 'same');
    expect(() => pool.submit(job('p2'), 'same')).toThrow(/already in the pool/);
    expect(() => new RunnerPool(launcher, { maxParallel: 0 })).toThrow(RangeError);
  });
});
