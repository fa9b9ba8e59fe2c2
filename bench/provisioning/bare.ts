/**
 * The reference: the same playbook run by hand, `ansible-playbook <file> -i localhost, -c local
 * -e @vars.json`, with or without the TelcoMesh callback plugin, and through the service's
 * AnsibleRunner alone (no HTTP, no database, no pool).
 */
import { spawn } from 'node:child_process';
import { mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import type { AnsibleRunner } from '../../apps/provisioning/src/runner';
import { wallNow } from './probes';

export interface BareRun {
  /** spawn → process closed (stdio included). */
  ms: number;
  exitCode: number | null;
  /** With the plugin: spawn → playbook_start line; spawn → last task line. */
  playbookStartMs?: number;
  lastTaskMs?: number;
  taskResults: number;
  tasksOk: number;
}

const PLUGIN_ENV = ['ANSIBLE_CALLBACK_PLUGINS', 'ANSIBLE_CALLBACKS_ENABLED', 'TELCOMESH_EVENTS_FD'];

/**
 * One bare run in a private folder, with the environment the service gives ansible-playbook
 * (AnsibleRunner#childEnv: allow-listed variables, ANSIBLE_LOCAL_TEMP in the folder, no colour,
 * unbuffered Python); without the plugin its three variables are removed. stdout and stderr go to
 * files as in the service; the plugin's events come on a pipe at fd 3, read and dropped.
 */
export async function runBare(
  runner: AnsibleRunner,
  playbook: string,
  variables: Record<string, unknown>,
  withPlugin: boolean,
): Promise<BareRun> {
  const dir = await mkdtemp(join(tmpdir(), 'bench-provisioning-bare-'));
  try {
    const varsFile = join(dir, 'vars.json');
    await writeFile(varsFile, JSON.stringify(variables), { mode: 0o600 });
    const env = runner.childEnv(dir);
    if (!withPlugin) for (const key of PLUGIN_ENV) delete env[key];
    const stdout = await open(join(dir, 'stdout.log'), 'w', 0o600);
    const stderr = await open(join(dir, 'stderr.log'), 'w', 0o600);
    try {
      const started = wallNow();
      const child = spawn(
        runner.ansiblePlaybook,
        [runner.playbookPath(playbook), '-i', 'localhost,', '-c', 'local', '-e', `@${varsFile}`],
        {
          cwd: dir,
          env,
          detached: true,
          stdio: ['ignore', stdout.fd, stderr.fd, withPlugin ? 'pipe' : 'ignore'],
        },
      );
      const run: BareRun = { ms: 0, exitCode: null, taskResults: 0, tasksOk: 0 };
      const events = (async () => {
        const stream = child.stdio[3] as Readable | null;
        if (!stream) return;
        for await (const line of createInterface({ input: stream, crlfDelay: Infinity })) {
          const at = wallNow() - started;
          let event: { type?: string; status?: number };
          try {
            event = JSON.parse(line) as { type?: string; status?: number };
          } catch {
            continue;
          }
          if (event.type === 'playbook_start') run.playbookStartMs = at;
          if (event.type === 'task') {
            run.lastTaskMs = at;
            run.taskResults++;
            if (event.status === 0) run.tasksOk++;
          }
        }
      })();
      const code = await new Promise<number | null>((resolve, reject) => {
        child.once('error', reject);
        child.once('close', (exitCode) => resolve(exitCode));
      });
      run.ms = wallNow() - started;
      await events;
      run.exitCode = code;
      return run;
    } finally {
      await stdout.close();
      await stderr.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export interface RunnerRun {
  ms: number;
  status: number;
  taskResults: number;
  tasksOk: number;
}

/** The service's AnsibleRunner on its own: private folder, vars file, plugin, event parsing. */
export async function runRunner(
  runner: AnsibleRunner,
  playbook: string,
  variables: Record<string, unknown>,
): Promise<RunnerRun> {
  const started = wallNow();
  const result = await runner.start({
    playbook,
    extraVars: variables,
    inventory: 'localhost,',
    connection: 'local',
    onEvent: () => undefined,
  }).done;
  return {
    ms: wallNow() - started,
    status: result.status,
    taskResults: result.taskEvents.length,
    tasksOk: result.taskEvents.filter((e) => e.status === 0).length,
  };
}
