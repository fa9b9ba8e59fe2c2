/* RunnerPool with real ansible-playbook runs held at a loopback API gate, so that which jobs are
   running is observable without timing. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AnsibleRunner } from './ansible-runner';
import { type QueuedRun, RunnerPool } from './runner-pool';
import { LoopbackApi } from './testing/loopback-api';

const FIXTURES = join(__dirname, '../../ansible/fixtures');

let api: LoopbackApi;
let tempDir: string;
let runner: AnsibleRunner;

beforeEach(async () => {
  api = await new LoopbackApi().listen();
  tempDir = await mkdtemp(join(tmpdir(), 'pool-it-'));
  runner = new AnsibleRunner({ playbooksDir: FIXTURES, tempDir });
});

afterEach(async () => {
  await api.close();
  await rm(tempDir, { recursive: true, force: true });
});

const gatedJob = (job: string) => ({
  playbook: 'gated',
  connection: 'local',
  extraVars: { api_url: api.url, job, access_token: 'pool-token' },
});
/** The request reaching the API, or an error as soon as the job ends without making it. */
const arrived = (path: string, job: QueuedRun) =>
  Promise.race([
    api.waitFor((r) => r.path === path),
    job.done.then((result) => {
      throw new Error(`job ${job.id} ended before calling ${path}: ${result.reason}`);
    }),
  ]);
const indexOf = (path: string) => api.requests.findIndex((r) => r.path === path);

describe('RunnerPool with the real ansible-playbook', () => {
  it('runs at most maxParallel jobs, queues the rest in order, and drops a cancelled queued job', async () => {
    const pool = new RunnerPool(runner, { maxParallel: 2 });
    const [a, b, c, d] = ['a', 'b', 'c', 'd'].map((job) => pool.submit(gatedJob(job), job));

    await Promise.all([arrived('/gate/a', a), arrived('/gate/b', b)]);
    expect([a.state, b.state, c.state, d.state]).toEqual([
      'running',
      'running',
      'queued',
      'queued',
    ]);
    expect([pool.runningCount, pool.queuedCount]).toEqual([2, 2]);

    expect(pool.cancel('d')).toBe(true);
    const dropped = await d.done;
    expect(dropped).toMatchObject({ status: 2, cancelled: true, taskEvents: [], exitCode: null });
    expect(pool.queuedCount).toBe(1);

    api.release('a');
    expect((await a.done).status).toBe(0);
    await arrived('/gate/c', c); // c took the slot a freed
    expect(indexOf('/gate/c')).toBeGreaterThan(indexOf('/provision/a'));
    api.release('b');
    api.release('c');
    const results = await Promise.all([b.done, c.done]);

    expect(results.map((r) => r.status)).toEqual([0, 0]);
    expect(api.maxHeldAtOnce).toBe(2);
    expect(api.requests.some((r) => r.path.endsWith('/d'))).toBe(false);
    expect([pool.runningCount, pool.queuedCount]).toEqual([0, 0]);
  });

  it('cancels a running job (its rescue runs) and starts the next one in its slot', async () => {
    const pool = new RunnerPool(runner, { maxParallel: 1 });
    const first = pool.submit(gatedJob('first'), 'first');
    const second = pool.submit(gatedJob('second'), 'second');

    await arrived('/gate/first', first);
    expect(second.state).toBe('queued');
    expect(first.cancel()).toBe(true);
    const cancelled = await first.done;

    expect(cancelled).toMatchObject({ status: 2, cancelled: true, rolledBack: true });
    expect(api.paths()).toContain('POST /rollback/first');
    await arrived('/gate/second', second);
    api.release('second');
    expect((await second.done).status).toBe(0);
    expect(pool.cancel('first')).toBe(false);
  });

  it('cancelAll stops running and queued jobs', async () => {
    const pool = new RunnerPool(runner, { maxParallel: 1 });
    const running = pool.submit(gatedJob('r'));
    const queued = pool.submit(gatedJob('q'));
    await arrived('/gate/r', running);

    await pool.cancelAll();

    expect(await running.done).toMatchObject({ status: 2, cancelled: true, rolledBack: true });
    expect(await queued.done).toMatchObject({ status: 2, cancelled: true, exitCode: null });
    expect(api.requests.some((r) => r.path.endsWith('/q'))).toBe(false);
  });
});
