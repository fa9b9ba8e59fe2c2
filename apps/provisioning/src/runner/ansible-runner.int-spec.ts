/* The runner against the real ansible-playbook (ansible-core), on the fixtures and the shipped
   example playbook, with a loopback node:http server standing in for the CRM and OCS APIs. */
import {
  chmod,
  copyFile,
  mkdir,
  mkdtemp,
  readFile,
  readdir,
  rm,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AnsibleRunner, type PlaybookRun, type PlaybookRunRequest } from './ansible-runner';
import type { CancelRequestedEvent, RunnerEvent, TaskEvent } from './task-event';
import { LoopbackApi, type ReceivedRequest } from './testing/loopback-api';

const ANSIBLE_DIR = join(__dirname, '../../ansible');
const FIXTURES = join(ANSIBLE_DIR, 'fixtures');
const PLAYBOOKS = join(ANSIBLE_DIR, 'playbooks');

const ACCESS_TOKEN = 'job-token-5f2c1e9a7b';
const SIM_KI = '465B5CE8B199B49FAA5F0A2EE238A6BC';
const SIM_OPC = 'CD63CB71954A9F4E48A5994E37A02BAF';

let tempDir: string;

beforeEach(async () => {
  tempDir = await mkdtemp(join(tmpdir(), 'runner-it-'));
});

afterEach(async () => {
  await rm(tempDir, { recursive: true, force: true });
});

function runnerFor(playbooksDir: string, options: { cancelGraceMs?: number } = {}) {
  return new AnsibleRunner({ playbooksDir, tempDir, ...options });
}

/** Starts a run that records its events; `on` lets a test act on one event. */
function startRecorded(
  runner: AnsibleRunner,
  request: Omit<PlaybookRunRequest, 'onEvent'>,
  on?: (event: RunnerEvent, run: PlaybookRun) => void | Promise<void>,
) {
  const events: RunnerEvent[] = [];
  const holder: { run?: PlaybookRun } = {};
  const run = runner.start({
    connection: 'local',
    ...request,
    onEvent: async (event) => {
      events.push(event);
      await on?.(event, holder.run!);
    },
  });
  holder.run = run;
  return { run, events };
}

const tasks = (events: RunnerEvent[]) => events.filter((e): e is TaskEvent => e.type === 'task');
const names = (events: RunnerEvent[]) => tasks(events).map((e) => e.taskName);
const byName = (events: RunnerEvent[], name: string) => {
  const found = tasks(events).find((e) => e.taskName === name);
  if (!found) throw new Error(`no event for task ${name}; got ${names(events).join(', ')}`);
  return found;
};

/** Processes of a process group that are still alive. Killed processes whose parent died first
 * linger as zombies until init reaps them: they run nothing and are not counted. */
/** The request reaching the API, or an error as soon as the run ends without making it (rather
 * than waiting for the test timeout). */
function reached(api: LoopbackApi, path: string, run: PlaybookRun): Promise<ReceivedRequest> {
  return Promise.race([
    api.waitFor((r) => r.path === path),
    run.done.then((result) => {
      throw new Error(`the run ended before calling ${path}: ${result.reason}`);
    }),
  ]);
}

async function liveProcessesIn(pgid: number): Promise<number[]> {
  const live: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = await readFile(`/proc/${entry}/stat`, 'utf8');
      const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(pgrp) === pgid && state !== 'Z') live.push(Number(entry));
    } catch {
      // exited meanwhile
    }
  }
  return live;
}

describe('AnsibleRunner with the real ansible-playbook', () => {
  it('streams one event per task in order, with the task count known before the first task', async () => {
    const { run, events } = startRecorded(runnerFor(FIXTURES), {
      playbook: 'ok_play',
      extraVars: {
        customer_id: 456,
        sim_card: { iccid: '8991101200003204510', ki: SIM_KI, opc: SIM_OPC },
      },
    });
    const result = await run.done;

    expect(events[0]).toMatchObject({ type: 'playbook_start', taskCount: 6 });
    expect(result.taskCount).toBe(6);
    expect(names(events)).toEqual([
      'Announce the customer',
      'Show the SIM card',
      'Mention the Ki in a message',
      'Only when deprovisioning',
      'Tidy up',
    ]);
    expect(tasks(events).map((e) => [e.eventNumber, e.outcome, e.status])).toEqual([
      [1, 'ok', 0],
      [2, 'ok', 0],
      [3, 'ok', 0],
      [4, 'skipped', 0],
      [5, 'ok', 0],
    ]);
    expect(byName(events, 'Tidy up')).toMatchObject({ section: 'always', inAlways: true });
    // Each result is announced by its task_start first.
    for (const event of tasks(events)) {
      const started = events.findIndex(
        (e) => e.type === 'task_start' && e.taskUuid === event.taskUuid,
      );
      expect(started).toBeGreaterThanOrEqual(0);
      expect(started).toBeLessThan(events.indexOf(event));
    }
    expect(events.at(-1)).toMatchObject({
      type: 'stats',
      hosts: { localhost: { ok: 4, skipped: 1 } },
    });
    expect(result).toMatchObject({
      status: 0,
      rolledBack: false,
      cancelled: false,
      fatal: false,
      exitCode: 0,
    });
    expect(result.error).toBeUndefined();
    expect(result.taskEvents).toEqual(tasks(events));
  });

  it('redacts secrets in task results, by key in the plugin and by known value in the runner', async () => {
    const { run, events } = startRecorded(runnerFor(FIXTURES), {
      playbook: 'ok_play',
      extraVars: {
        customer_id: 456,
        sim_card: { iccid: '8991101200003204510', ki: SIM_KI, opc: SIM_OPC },
      },
    });
    await run.done;

    expect(byName(events, 'Show the SIM card').result).toEqual({
      changed: false,
      sim_card: { iccid: '8991101200003204510', ki: '[REDACTED]', opc: '[REDACTED]' },
    });
    expect(byName(events, 'Mention the Ki in a message').result.msg).toBe('SIM Ki is [REDACTED]');
    const everything = JSON.stringify(events);
    expect(everything).not.toContain(SIM_KI);
    expect(everything).not.toContain(SIM_OPC);
  });

  it('passes the variables in a private file that is gone once Ansible has read it, and removes the run folder', async () => {
    const seen: string[][] = [];
    const { run } = startRecorded(
      runnerFor(FIXTURES),
      { playbook: 'ok_play', extraVars: { customer_id: 1, sim_card: { ki: SIM_KI } } },
      async (event) => {
        if (event.type !== 'playbook_start') return;
        const [runDir] = await readdir(tempDir);
        seen.push([runDir, ...(await readdir(join(tempDir, runDir)))]);
      },
    );
    expect((await run.done).status).toBe(0);

    expect(seen).toHaveLength(1);
    expect(seen[0][0]).toMatch(/^telcomesh-ansible-/);
    expect(seen[0]).not.toContain('extra-vars.json');
    expect(await readdir(tempDir)).toEqual([]);
  });

  it('writes the variables file 0600 in a 0700 folder and keeps the service environment from Ansible', async () => {
    // A stand-in for ansible-playbook that reports what it was given, then fails.
    const fake = join(tempDir, 'fake-ansible-playbook');
    await writeFile(
      fake,
      [
        '#!/bin/sh',
        'for arg in "$@"; do case "$arg" in @*) vars="${arg#@}";; esac; done',
        'echo "file mode $(stat -c %a "$vars")"',
        'echo "folder mode $(stat -c %a "$(dirname "$vars")")"',
        'echo "vars $(cat "$vars")"',
        'echo "events fd $TELCOMESH_EVENTS_FD, callbacks $ANSIBLE_CALLBACKS_ENABLED"',
        'echo "service secret [$RUNNER_IT_SERVICE_SECRET]"',
        'exit 1',
      ].join('\n'),
    );
    await chmod(fake, 0o755);
    process.env.RUNNER_IT_SERVICE_SECRET = 'database-password';
    try {
      const runner = new AnsibleRunner({ playbooksDir: FIXTURES, tempDir, ansiblePlaybook: fake });
      const result = await runner.start({
        playbook: 'ok_play',
        extraVars: { customer_id: 7, access_token: ACCESS_TOKEN },
      }).done;

      expect(result.error?.stdout).toContain('file mode 600');
      expect(result.error?.stdout).toContain('folder mode 700');
      expect(result.error?.stdout).toContain('events fd 3, callbacks telcomesh_events');
      expect(result.error?.stdout).toContain('service secret []');
      // The variables did reach the process, and the error event does not repeat the token.
      expect(result.error?.stdout).toContain('"customer_id":7');
      expect(result.error?.stdout).not.toContain(ACCESS_TOKEN);
      expect((await readdir(tempDir)).filter((f) => f.startsWith('telcomesh-ansible-'))).toEqual(
        [],
      );
    } finally {
      delete process.env.RUNNER_IT_SERVICE_SECRET;
    }
  });

  it('reports a task failed with ignore_errors as status 3 and still succeeds', async () => {
    const { run, events } = startRecorded(runnerFor(FIXTURES), {
      playbook: 'ignored_failure',
      extraVars: {},
    });
    const result = await run.done;

    expect(tasks(events).map((e) => [e.taskName, e.outcome, e.status])).toEqual([
      ['Send the optional welcome SMS', 'ignored', 3],
      ['Carry on', 'ok', 0],
    ]);
    expect(result).toMatchObject({ status: 0, fatal: false, exitCode: 0 });
  });

  describe('fatal errors give the special error event', () => {
    const vars = { customer_id: 456, access_token: ACCESS_TOKEN, sim_card: { ki: SIM_KI } };

    it('a YAML syntax error', async () => {
      const playbooks = join(tempDir, 'playbooks');
      await mkdir(playbooks);
      await copyFile(
        join(FIXTURES, 'syntax_error.yml.fixture'),
        join(playbooks, 'syntax_error.yml'),
      );
      const { run, events } = startRecorded(runnerFor(playbooks), {
        playbook: 'syntax_error',
        extraVars: vars,
      });
      const result = await run.done;

      expect(tasks(events)).toEqual([]);
      expect(result).toMatchObject({ status: 2, fatal: true, exitCode: 4, taskCount: null });
      expect(events.at(-1)).toEqual(result.error);
      expect(result.error).toMatchObject({
        type: 'error',
        exitCode: 4,
        variables: { customer_id: 456, access_token: '[REDACTED]', sim_card: { ki: '[REDACTED]' } },
      });
      expect(result.error?.stderr).toContain('Syntax Error while loading YAML');
      expect(result.error?.likelyCauses[0]).toMatch(/YAML syntax error/);
      expect(JSON.stringify(result.error)).not.toContain(ACCESS_TOKEN);
    });

    it('an undefined variable', async () => {
      const { run, events } = startRecorded(runnerFor(FIXTURES), {
        playbook: 'undefined_var',
        extraVars: vars,
      });
      const result = await run.done;

      expect(tasks(events).map((e) => [e.taskName, e.status])).toEqual([
        ['Get Product information from CRM API', 2],
      ]);
      expect(result).toMatchObject({ status: 2, fatal: true, exitCode: 2 });
      expect(result.error?.likelyCauses).toEqual(
        expect.arrayContaining([expect.stringMatching(/Undefined variable 'crm_url'/)]),
      );
      expect(result.error?.stdout).toContain("'crm_url' is undefined");
    });

    it('a missing playbook', async () => {
      const { run, events } = startRecorded(runnerFor(FIXTURES), {
        playbook: 'no_such_play',
        extraVars: vars,
      });
      const result = await run.done;

      expect(tasks(events)).toEqual([]);
      expect(result).toMatchObject({ status: 2, fatal: true, exitCode: 1 });
      expect(result.error?.stderr).toContain('could not be found');
      expect(result.error?.likelyCauses[0]).toMatch(/Missing file/);
    });

    it('ansible-playbook not installed', async () => {
      const runner = new AnsibleRunner({
        playbooksDir: FIXTURES,
        tempDir,
        ansiblePlaybook: '/nonexistent/bin/ansible-playbook',
      });
      const events: RunnerEvent[] = [];
      const result = await runner.start({
        playbook: 'ok_play',
        extraVars: vars,
        onEvent: (e) => void events.push(e),
      }).done;

      expect(result).toMatchObject({ status: 2, fatal: true, exitCode: null, signal: null });
      expect(events).toEqual([result.error]);
      expect(result.error?.likelyCauses).toEqual([expect.stringMatching(/not installed/)]);
      expect(await readdir(tempDir)).toEqual([]);
    });
  });

  describe('play_simple_service against a loopback CRM and OCS', () => {
    let api: LoopbackApi;
    let failServiceCreation: boolean;
    const body = (r: ReceivedRequest) =>
      r.body as { method?: string; params?: { Account?: string }[] };
    const ocsCalls = () =>
      api.requests
        .filter((r) => r.path === '/jsonrpc')
        .map((r) => [body(r).method, body(r).params?.[0]?.Account]);

    beforeEach(async () => {
      failServiceCreation = false;
      api = await new LoopbackApi([
        (r) =>
          r.path === '/crm/product/product_id/7'
            ? {
                status: 200,
                body: { product_name: 'Mobile 10GB', retail_setup_cost: 20, retail_cost: 35.5 },
              }
            : undefined,
        (r) =>
          r.path === '/jsonrpc'
            ? { status: 200, body: { id: 1, result: 'OK', error: null } }
            : undefined,
        (r) =>
          r.path === '/crm/service/'
            ? failServiceCreation
              ? { status: 500, body: { message: 'database unavailable' } }
              : { status: 200, body: { service_id: 42 } }
            : undefined,
        (r) =>
          r.path === '/crm/transaction/' ? { status: 200, body: { transaction_id: 9 } } : undefined,
      ]).listen();
    });

    afterEach(() => api.close());

    const request = (extra: Record<string, unknown> = {}) => ({
      playbook: 'play_simple_service',
      extraVars: {
        crm_config: {
          crm: { base_url: api.url },
          ocs: { OCS: new URL(api.url).host, ocsTenant: 'telcomesh' },
        },
        access_token: ACCESS_TOKEN,
        product_id: 7,
        customer_id: 456,
        ...extra,
      },
    });

    it('provisions: every API called in order, status 0, no rollback', async () => {
      const { run, events } = startRecorded(runnerFor(PLAYBOOKS), request());
      const result = await run.done;

      expect(result).toMatchObject({ status: 0, rolledBack: false, taskCount: 10 });
      expect(names(events)).toEqual([
        'Go straight to the rescue when deprovisioning',
        'Get Product information from CRM API',
        'Set package facts',
        'Generate Service UUID',
        'Create account in OCS',
        'Check the OCS accepted the account',
        'Add Service via API',
        'Add Setup Cost Transaction',
      ]);
      expect(tasks(events).map((e) => e.status)).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
      expect(byName(events, 'Go straight to the rescue when deprovisioning').outcome).toBe(
        'skipped',
      );
      expect(api.paths()).toEqual([
        'GET /crm/product/product_id/7',
        'POST /jsonrpc',
        'PUT /crm/service/',
        'PUT /crm/transaction/',
      ]);
      expect(api.requests[0].headers.authorization).toBe(`Bearer ${ACCESS_TOKEN}`);
      // Ansible templates body values to strings (no jinja2_native): the API must accept "42".
      expect(api.requests[3].body).toMatchObject({
        service_id: '42',
        title: 'Mobile 10GB - Setup Costs',
      });
      expect(ocsCalls()).toEqual([['ApierV2.SetAccount', expect.stringMatching(/^Service_/)]]);
      expect(JSON.stringify(events)).not.toContain(ACCESS_TOKEN);
    });

    it('fails half-way: the rescue removes the OCS account, then the job fails (status 2)', async () => {
      failServiceCreation = true;
      const { run, events } = startRecorded(runnerFor(PLAYBOOKS), request());
      const result = await run.done;

      expect(tasks(events).map((e) => [e.taskName, e.status, e.inRescue])).toEqual([
        ['Go straight to the rescue when deprovisioning', 0, false],
        ['Get Product information from CRM API', 0, false],
        ['Set package facts', 0, false],
        ['Generate Service UUID', 0, false],
        ['Create account in OCS', 0, false],
        ['Check the OCS accepted the account', 0, false],
        ['Add Service via API', 2, false],
        ['Remove account in OCS', 0, true],
        ['Set status to "Success" if Manual deprovision / Fail if failed provision', 2, true],
      ]);
      const [[, created], removed] = ocsCalls();
      expect(removed).toEqual(['ApierV1.RemoveAccount', created]);
      expect(api.paths()).not.toContain('PUT /crm/transaction/');
      expect(result).toMatchObject({
        status: 2,
        rolledBack: true,
        fatal: false,
        failedTask: { taskName: 'Add Service via API', inRescue: false },
        finalFailure: {
          taskName: 'Set status to "Success" if Manual deprovision / Fail if failed provision',
          inRescue: true,
        },
      });
      expect(result.reason).toMatch(/Add Service via API.*rolled back/);
      expect(result.error).toBeUndefined();
    });

    it('deprovisions through the same rescue and succeeds (status 0)', async () => {
      const { run, events } = startRecorded(
        runnerFor(PLAYBOOKS),
        request({ action: 'deprovision', service_uuid: 'Service_abc123' }),
      );
      const result = await run.done;

      expect(tasks(events).map((e) => [e.taskName, e.status, e.inRescue])).toEqual([
        ['Go straight to the rescue when deprovisioning', 2, false],
        ['Remove account in OCS', 0, true],
        ['Set status to "Success" if Manual deprovision / Fail if failed provision', 0, true],
      ]);
      expect(ocsCalls()).toEqual([['ApierV1.RemoveAccount', 'Service_abc123']]);
      expect(result).toMatchObject({ status: 0, rolledBack: true, exitCode: 0 });
    });
  });

  describe('cancellation', () => {
    let api: LoopbackApi;

    beforeEach(async () => {
      api = await new LoopbackApi().listen();
    });

    afterEach(() => api.close());

    const gated = (playbook: string, job: string) => ({
      playbook,
      extraVars: { api_url: api.url, job, access_token: ACCESS_TOKEN },
    });

    it('interrupts the main-block task in flight, runs rescue and always, and leaves no process behind', async () => {
      const { run, events } = startRecorded(runnerFor(FIXTURES), gated('gated', 'c1'));
      await reached(api, '/gate/c1', run);
      const pid = run.pid!;
      expect(run.cancel()).toBe(true);
      const result = await run.done;

      expect(tasks(events).map((e) => [e.taskName, e.status, e.inRescue])).toEqual([
        ['Wait at the gate', 2, false],
        ['Roll back', 0, true],
        ['Fail unless deprovisioning', 2, true],
        ['Report the end', 0, false],
      ]);
      expect(events).toContainEqual<CancelRequestedEvent>({
        type: 'cancel_requested',
        reason: 'SIGTERM',
        interruptingTaskInFlight: true,
      });
      expect(api.paths()).toEqual(['GET /gate/c1', 'POST /rollback/c1', 'POST /always/c1']);
      expect(result).toMatchObject({ status: 2, cancelled: true, rolledBack: true, fatal: false });
      expect(result.reason).toMatch(/Cancelled; the rescue section rolled back/);
      expect(await liveProcessesIn(pid)).toEqual([]);
      expect(await readdir(tempDir)).toEqual([]);
    });

    it('fails the main-block tasks that had not started instead of running them', async () => {
      const { run, events } = startRecorded(
        runnerFor(FIXTURES),
        gated('pause_then_provision', 'c2'),
        (event, self) => {
          if (event.type === 'task_start' && event.taskName === 'Wait for the network')
            self.cancel();
        },
      );
      const result = await run.done;

      expect(byName(events, 'Provision')).toMatchObject({
        status: 2,
        cancelled: true,
        action: 'ansible.builtin.uri',
      });
      expect(byName(events, 'Roll back')).toMatchObject({ status: 0, inRescue: true });
      expect(api.paths()).toEqual(['POST /rollback/c2']);
      expect(result).toMatchObject({ status: 2, cancelled: true, rolledBack: true });
    });

    it('lets a rescue step in flight finish', async () => {
      let acknowledge!: () => void;
      const acknowledged = new Promise<void>((resolve) => (acknowledge = resolve));
      const { run, events } = startRecorded(
        runnerFor(FIXTURES),
        gated('rescue_gate', 'c3'),
        (event) => {
          if (event.type === 'cancel_requested') acknowledge();
        },
      );
      await reached(api, '/gate/c3', run);
      run.cancel();
      await Promise.race([acknowledged, run.done]); // the plugin has handled SIGTERM while the rollback step is in flight
      api.release('c3');
      const result = await run.done;

      expect(events).toContainEqual<CancelRequestedEvent>({
        type: 'cancel_requested',
        reason: 'SIGTERM',
        interruptingTaskInFlight: false,
      });
      expect(tasks(events).map((e) => [e.taskName, e.outcome, e.inRescue])).toEqual([
        ['Provision fails', 'failed', false],
        ['Slow rollback step', 'ok', true],
        ['Last rollback step', 'ok', true],
      ]);
      expect(api.paths()).toEqual(['GET /gate/c3', 'POST /rollback/c3']);
      expect(result).toMatchObject({ status: 2, cancelled: true, rolledBack: true });
    });

    it('kills the whole process group when the rescue outlasts the grace period', async () => {
      const { run } = startRecorded(
        runnerFor(FIXTURES, { cancelGraceMs: 300 }),
        gated('rescue_gate', 'c4'),
      );
      await reached(api, '/gate/c4', run);
      const pid = run.pid!;
      run.cancel(); // the gate is never released: the rollback step hangs
      const result = await run.done;

      expect(result).toMatchObject({
        status: 2,
        cancelled: true,
        signal: 'SIGKILL',
        exitCode: null,
      });
      expect(await liveProcessesIn(pid)).toEqual([]);
      expect(await readdir(tempDir)).toEqual([]);
    });

    it('never starts ansible-playbook when cancelled before it was spawned', async () => {
      const { run, events } = startRecorded(runnerFor(FIXTURES), {
        playbook: 'ok_play',
        extraVars: {},
      });
      expect(run.cancel()).toBe(true);
      const result = await run.done;

      expect(run.pid).toBeUndefined();
      expect(events).toEqual([]);
      expect(result).toMatchObject({ status: 2, cancelled: true, exitCode: null, taskEvents: [] });
      expect(run.cancel()).toBe(false);
      expect(await readdir(tempDir)).toEqual([]);
    });
  });
});
