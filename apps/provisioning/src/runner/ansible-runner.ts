import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { type FileHandle, mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { likelyCauses } from './likely-causes';
import { type PlaybookOutcome, decideOutcome } from './playbook-outcome';
import { redactSecrets, redactText, secretValuesOf } from './redaction';
import {
  type FatalErrorEvent,
  type HostStats,
  type RunnerEvent,
  type TaskEvent,
  failureMessage,
  parseEventLine,
} from './task-event';

/** Name the callback plugin is enabled under (its file name in callback_plugins/). */
export const CALLBACK_PLUGIN = 'telcomesh_events';

/** This app's ansible/ folder (callback plugin, playbooks), from the sources or from dist/. */
export function defaultAnsibleDir(): string {
  const candidates = [
    resolve(__dirname, '../../ansible'),
    // dist/apps/provisioning/src/runner only holds compiled code: use the sources' folder.
    resolve(__dirname, '../../../../../apps/provisioning/ansible'),
  ];
  return candidates.find((dir) => existsSync(dir)) ?? candidates[0];
}

export interface AnsibleRunnerOptions {
  /** Folder holding the playbooks, `<name>.yaml` or `<name>.yml`. */
  playbooksDir: string;
  /** The ansible-playbook executable (a name looked up on PATH, or a path). */
  ansiblePlaybook?: string;
  /** Folder holding telcomesh_events.py; defaults to this app's ansible/callback_plugins. */
  callbackPluginsDir?: string;
  /** Where the private per-run folders are created; the OS temp folder by default. */
  tempDir?: string;
  /** How long a cancelled run has to finish its rescue before its process group is killed. */
  cancelGraceMs?: number;
  /** Bytes of stdout and of stderr kept for the error event (head and tail beyond that). */
  maxOutputBytes?: number;
  /** Extra environment for ansible-playbook (ANSIBLE_CONFIG, proxies...). */
  env?: Record<string, string>;
}

export interface PlaybookRunRequest {
  /** Playbook name, without extension, in the playbooks folder (e.g. play_simple_service). */
  playbook: string;
  /** The merged variables (product, request, system), passed with `-e @file`. */
  extraVars: Record<string, unknown>;
  /** Ansible inventory argument; `localhost,` (the controller itself) by default. */
  inventory?: string;
  /** Connection plugin (`local` for playbooks that only call APIs from the controller). */
  connection?: string;
  /** Called for every event in order; a returned promise is awaited before the next event. */
  onEvent?: (event: RunnerEvent) => void | Promise<void>;
}

export interface PlaybookRunResult extends PlaybookOutcome {
  exitCode: number | null;
  signal: string | null;
  /** From the playbook_start event; null when the playbook never started. */
  taskCount: number | null;
  taskEvents: TaskEvent[];
  stats?: Record<string, HostStats>;
  /** The special error event, when the outcome is fatal. */
  error?: FatalErrorEvent;
  /** Errors thrown by onEvent (the run goes on regardless). */
  deliveryErrors: string[];
}

export type PlaybookRunState = 'starting' | 'running' | 'cancelling' | 'finished';

/** The part of a run the pool needs; PlaybookRun implements it. */
export interface PlaybookRunHandle {
  readonly done: Promise<PlaybookRunResult>;
  cancel(): boolean;
}

const PLAYBOOK_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
// Only what Ansible and its modules need: the service's own secrets (database URL, keys) stay out
// of reach of `lookup('env', ...)` in a playbook.
const INHERITED_ENV = [
  'PATH',
  'HOME',
  'USER',
  'LOGNAME',
  'LANG',
  'LC_ALL',
  'LC_CTYPE',
  'TZ',
  'TMPDIR',
  'SSH_AUTH_SOCK',
  'http_proxy',
  'https_proxy',
  'no_proxy',
  'HTTP_PROXY',
  'HTTPS_PROXY',
  'NO_PROXY',
];
const EVENTS_FD = 3;

/** Runs ansible-playbook jobs as child processes, one private process group each. */
export class AnsibleRunner {
  readonly playbooksDir: string;
  readonly ansiblePlaybook: string;
  readonly callbackPluginsDir: string;
  readonly tempDir: string;
  readonly cancelGraceMs: number;
  readonly maxOutputBytes: number;
  readonly env: Record<string, string>;

  constructor(options: AnsibleRunnerOptions) {
    this.playbooksDir = resolve(options.playbooksDir);
    this.ansiblePlaybook = options.ansiblePlaybook ?? 'ansible-playbook';
    this.callbackPluginsDir = resolve(
      options.callbackPluginsDir ?? join(defaultAnsibleDir(), 'callback_plugins'),
    );
    this.tempDir = options.tempDir ?? tmpdir();
    this.cancelGraceMs = options.cancelGraceMs ?? 30_000;
    this.maxOutputBytes = options.maxOutputBytes ?? 256 * 1024;
    this.env = options.env ?? {};
  }

  /** Path of a playbook by name; an unknown name still resolves (Ansible then reports it missing,
   * which gives the seed's error event) but a name that could leave the folder is refused. */
  playbookPath(name: string): string {
    if (!PLAYBOOK_NAME.test(name) || name.includes('..'))
      throw new RangeError(`invalid playbook name: ${JSON.stringify(name)}`);
    const yaml = join(this.playbooksDir, `${name}.yaml`);
    const yml = join(this.playbooksDir, `${name}.yml`);
    return existsSync(yaml) || !existsSync(yml) ? yaml : yml;
  }

  /** Starts a run at once (no queueing: see RunnerPool). Throws only for an invalid playbook name. */
  start(request: PlaybookRunRequest): PlaybookRun {
    return new PlaybookRun(this, request, this.playbookPath(request.playbook));
  }

  /** Environment of ansible-playbook: the allow-listed variables, ANSIBLE_* settings of this
   * process, the configured extras, then what the runner itself needs. */
  childEnv(runDir: string): Record<string, string> {
    const env: Record<string, string> = {};
    for (const [key, value] of Object.entries(process.env)) {
      if (value !== undefined && (INHERITED_ENV.includes(key) || key.startsWith('ANSIBLE_')))
        env[key] = value;
    }
    Object.assign(env, this.env);
    const enabled = (env.ANSIBLE_CALLBACKS_ENABLED ?? '').split(',').filter((c) => c.trim());
    const pluginDirs = (env.ANSIBLE_CALLBACK_PLUGINS ?? '').split(':').filter(Boolean);
    return {
      ...env,
      ANSIBLE_CALLBACK_PLUGINS: [this.callbackPluginsDir, ...pluginDirs].join(':'),
      ANSIBLE_CALLBACKS_ENABLED: [...new Set([CALLBACK_PLUGIN, ...enabled])].join(','),
      // Ansible's own temp files (module payloads) live and die with the run's private folder.
      ANSIBLE_LOCAL_TEMP: join(runDir, 'ansible-tmp'),
      ANSIBLE_RETRY_FILES_ENABLED: 'false',
      ANSIBLE_NOCOLOR: '1',
      ANSIBLE_FORCE_COLOR: '0',
      PYTHONUNBUFFERED: '1',
      // Loading the plugin must not write __pycache__ into the (possibly read-only) app folder.
      PYTHONDONTWRITEBYTECODE: '1',
      TELCOMESH_EVENTS_FD: String(EVENTS_FD),
    };
  }
}

async function readBounded(file: FileHandle, max: number): Promise<string> {
  const { size } = await file.stat();
  if (size <= max) {
    const buffer = Buffer.alloc(size);
    await file.read(buffer, 0, size, 0);
    return buffer.toString('utf8');
  }
  // Keep both ends: a YAML error is printed first, a task failure last.
  const half = Math.floor(max / 2);
  const head = Buffer.alloc(half);
  const tail = Buffer.alloc(half);
  await file.read(head, 0, half, 0);
  await file.read(tail, 0, half, size - half);
  return `${head.toString('utf8')}\n[... ${size - 2 * half} bytes omitted ...]\n${tail.toString('utf8')}`;
}

function errorCode(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' ? code : 'EUNKNOWN';
}

/**
 * One ansible-playbook run. Its extra variables are written to a 0600 file in a private 0700
 * folder (never on the command line, where `ps` shows them) and deleted as soon as Ansible has
 * read them, the folder going at the end whatever happens. ansible-playbook runs detached, as the
 * leader of its own process group, so that the whole tree can be stopped at once; its stdout and
 * stderr go to files in the private folder (a pipe would break and crash Ansible mid-rollback if
 * the service died), and the plugin's events come over an inherited pipe on fd 3.
 */
export class PlaybookRun implements PlaybookRunHandle {
  readonly done: Promise<PlaybookRunResult>;
  private currentState: PlaybookRunState = 'starting';
  private child?: ChildProcess;
  private cancelRequested = false;
  private graceTimer?: NodeJS.Timeout;
  private count: number | null = null;
  private readonly taskEvents: TaskEvent[] = [];
  private stats?: Record<string, HostStats>;
  private readonly deliveryErrors: string[] = [];
  private delivery: Promise<void> = Promise.resolve();
  private readonly knownSecrets: string[];

  constructor(
    private readonly runner: AnsibleRunner,
    private readonly request: PlaybookRunRequest,
    readonly playbookPath: string,
  ) {
    this.knownSecrets = secretValuesOf(request.extraVars);
    this.done = this.execute().catch((error: unknown) => this.internalFailure(error));
  }

  get state(): PlaybookRunState {
    return this.currentState;
  }

  /** Process id of ansible-playbook, which is also its process group id. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Task count announced by the plugin before the first task. */
  get taskCount(): number | null {
    return this.count;
  }

  /**
   * Asks the run to stop. ansible-playbook gets SIGTERM; the TelcoMesh callback plugin catches it
   * and, rather than letting Ansible die (it has no SIGTERM handler: it would stop dead, rescue
   * unrun), fails the main-block tasks that have not started and terminates the processes of the
   * main-block task in flight, so rescue and always sections still run. If the run is still alive
   * after the grace period its whole process group is killed. Returns false once finished.
   */
  cancel(): boolean {
    if (this.currentState === 'finished') return false;
    this.cancelRequested = true;
    if (this.currentState === 'running' && this.child?.pid !== undefined) {
      this.currentState = 'cancelling';
      this.signal(this.child.pid, 'SIGTERM');
      this.graceTimer = setTimeout(() => this.killGroup(), this.runner.cancelGraceMs);
    }
    return true;
  }

  private signal(pid: number, signal: NodeJS.Signals): void {
    try {
      process.kill(pid, signal);
    } catch {
      // ESRCH: already gone.
    }
  }

  private killGroup(): void {
    if (this.child?.pid !== undefined) this.signal(-this.child.pid, 'SIGKILL');
  }

  private emit(event: RunnerEvent): void {
    const { onEvent } = this.request;
    if (!onEvent) return;
    // Serial delivery keeps the events in order even when onEvent writes to a database.
    this.delivery = this.delivery
      .then(() => onEvent(event))
      .catch((error: unknown) => {
        this.deliveryErrors.push(error instanceof Error ? error.message : String(error));
      });
  }

  private async execute(): Promise<PlaybookRunResult> {
    const runDir = await mkdtemp(join(this.runner.tempDir, 'telcomesh-ansible-'));
    try {
      return await this.executeIn(runDir);
    } finally {
      clearTimeout(this.graceTimer);
      await rm(runDir, { recursive: true, force: true });
      this.currentState = 'finished';
    }
  }

  private async executeIn(runDir: string): Promise<PlaybookRunResult> {
    const varsFile = join(runDir, 'extra-vars.json');
    await writeFile(varsFile, JSON.stringify(this.request.extraVars), { mode: 0o600, flag: 'wx' });
    if (this.cancelRequested) return this.finish({ exitCode: null, signal: null }, '', '');

    const stdout = await open(join(runDir, 'stdout.log'), 'w+', 0o600);
    const stderr = await open(join(runDir, 'stderr.log'), 'w+', 0o600);
    try {
      const args = [this.playbookPath, '-i', this.request.inventory ?? 'localhost,'];
      if (this.request.connection) args.push('-c', this.request.connection);
      args.push('-e', `@${varsFile}`);
      const child = spawn(this.runner.ansiblePlaybook, args, {
        cwd: runDir,
        env: this.runner.childEnv(runDir),
        detached: true,
        stdio: ['ignore', stdout.fd, stderr.fd, 'pipe'],
      });
      this.child = child;
      if (child.pid !== undefined) {
        this.currentState = 'running';
        // Cancelled while the files were being prepared: Ansible has not loaded the plugin yet, so
        // SIGTERM ends it before any task runs.
        if (this.cancelRequested) this.cancel();
      }

      const eventsDone = this.readEvents(child.stdio[EVENTS_FD] as Readable | null, varsFile);
      const exit = await new Promise<{
        exitCode: number | null;
        signal: string | null;
        spawnErrorCode?: string;
      }>((done) => {
        let spawnErrorCode: string | undefined;
        child.once('error', (error) => {
          spawnErrorCode = errorCode(error);
          if (child.pid === undefined) done({ exitCode: null, signal: null, spawnErrorCode });
        });
        child.once('exit', () => {
          clearTimeout(this.graceTimer);
          // Nothing of the run may outlive it (a module left behind by a killed worker...).
          this.killGroup();
        });
        child.once('close', (exitCode, signal) =>
          done({
            exitCode: spawnErrorCode ? null : exitCode,
            signal: spawnErrorCode ? null : signal,
            spawnErrorCode,
          }),
        );
      });
      await eventsDone;
      const max = this.runner.maxOutputBytes;
      return await this.finish(
        exit,
        await readBounded(stdout, max),
        await readBounded(stderr, max),
      );
    } finally {
      await stdout.close();
      await stderr.close();
    }
  }

  private async readEvents(stream: Readable | null, varsFile: string): Promise<void> {
    if (!stream) return;
    const lines = createInterface({ input: stream, crlfDelay: Infinity });
    try {
      for await (const line of lines) await this.onLine(line, varsFile);
    } catch {
      // The pipe broke (the process group was killed mid-write): keep the events received so far.
    }
  }

  private async onLine(line: string, varsFile: string): Promise<void> {
    const event = parseEventLine(line);
    if (!event) return;
    if (event.type === 'playbook_start') {
      this.count = event.taskCount;
      // Ansible read its variables before starting the playbook: the secrets leave the disk now.
      await rm(varsFile, { force: true });
      this.emit(event);
    } else if (event.type === 'task') {
      const numbered: TaskEvent = {
        ...event,
        // Belt and braces: the plugin redacts by key; the values we know are secret go too.
        result: redactSecrets(event.result, this.knownSecrets),
        eventNumber: this.taskEvents.length + 1,
        timestamp: new Date().toISOString(),
      };
      this.taskEvents.push(numbered);
      this.emit(numbered);
    } else {
      if (event.type === 'stats') this.stats = event.hosts;
      this.emit(event);
    }
  }

  private async finish(
    exit: { exitCode: number | null; signal: string | null; spawnErrorCode?: string },
    stdout: string,
    stderr: string,
  ): Promise<PlaybookRunResult> {
    const outcome = decideOutcome({
      ...exit,
      cancelled: this.cancelRequested,
      taskEvents: this.taskEvents,
      stats: this.stats,
    });
    let error: FatalErrorEvent | undefined;
    if (outcome.fatal) {
      error = {
        type: 'error',
        message: outcome.reason,
        exitCode: exit.exitCode,
        signal: exit.signal,
        stdout: redactText(stdout, this.knownSecrets),
        stderr: redactText(stderr, this.knownSecrets),
        likelyCauses: likelyCauses({
          ...exit,
          stdout,
          stderr,
          taskMessages: this.taskEvents.filter((e) => e.status === 2).map(failureMessage),
        }),
        variables: redactSecrets(this.request.extraVars, this.knownSecrets),
      };
      this.emit(error);
    }
    await this.delivery;
    return {
      ...outcome,
      exitCode: exit.exitCode,
      signal: exit.signal,
      taskCount: this.count,
      taskEvents: this.taskEvents,
      stats: this.stats,
      error,
      deliveryErrors: this.deliveryErrors,
    };
  }

  /** A failure of the runner itself (temp folder, disk full...) still ends the job, as fatal. */
  private async internalFailure(error: unknown): Promise<PlaybookRunResult> {
    this.currentState = 'finished';
    this.killGroup();
    const message = `runner failure: ${error instanceof Error ? error.message : String(error)}`;
    const fatal: FatalErrorEvent = {
      type: 'error',
      message,
      exitCode: null,
      signal: null,
      stdout: '',
      stderr: '',
      likelyCauses: [message],
      variables: redactSecrets(this.request.extraVars, this.knownSecrets),
    };
    this.emit(fatal);
    await this.delivery;
    return {
      status: 2,
      reason: message,
      rolledBack: false,
      cancelled: this.cancelRequested,
      fatal: true,
      exitCode: null,
      signal: null,
      taskCount: this.count,
      taskEvents: this.taskEvents,
      stats: this.stats,
      error: fatal,
      deliveryErrors: this.deliveryErrors,
    };
  }
}
