/* What the runner reports while a playbook runs. The callback plugin writes snake_case JSON lines
   (see ansible/callback_plugins/telcomesh_events.py); parseEventLine turns them into these types. */

/** Task status codes of seed 002's Provision_Event: 0 ok, 2 failed, 3 failed but ignored. */
export const TaskStatus = { Ok: 0, Failed: 2, FailedIgnored: 3 } as const;
export type TaskStatusCode = (typeof TaskStatus)[keyof typeof TaskStatus];

/** Final job status of seed 002's Provision (1 "running" is the caller's, before the result). */
export const JobStatus = { Success: 0, Failed: 2 } as const;
export type JobStatusCode = (typeof JobStatus)[keyof typeof JobStatus];

/** Skipped tasks carry status 0 (nothing went wrong); unreachable hosts 2, or 3 when ignored. */
export type TaskOutcome = 'ok' | 'failed' | 'ignored' | 'skipped' | 'unreachable';
export type BlockSection = 'block' | 'rescue' | 'always';

export interface PlayTaskCount {
  name: string;
  taskCount: number;
  sections: { main: number; rescue: number; always: number; gatherFacts: number };
}

/** Sent once, before any task: `taskCount` counts every task of every play, block, rescue and
 * always sections included (see the plugin's count_tasks for what is counted). */
export interface PlaybookStartEvent {
  type: 'playbook_start';
  playbook: string;
  taskCount: number;
  plays: PlayTaskCount[];
}

/** A task is about to run (lets a UI show the task in progress). */
export interface TaskStartEvent {
  type: 'task_start';
  taskName: string;
  taskUuid: string;
  action: string;
  section: BlockSection;
  inRescue: boolean;
  inAlways: boolean;
  handler: boolean;
}

/** One task result: the Provision_Event row. `inRescue` marks the rollback tasks. */
export interface TaskEvent {
  type: 'task';
  /** 1-based, in the order the results arrived. */
  eventNumber: number;
  taskName: string;
  taskUuid: string;
  action: string;
  host: string;
  outcome: TaskOutcome;
  status: TaskStatusCode;
  section: BlockSection;
  inRescue: boolean;
  inAlways: boolean;
  /** True for a task of the main block that was failed on purpose because the job was cancelled. */
  cancelled: boolean;
  changed: boolean;
  /** The module's result, redacted. */
  result: Record<string, unknown>;
  /** When the runner received it (ISO 8601). */
  timestamp: string;
}

/** The plugin caught the cancellation (SIGTERM). */
export interface CancelRequestedEvent {
  type: 'cancel_requested';
  reason: string;
  /** The task in flight belongs to a main block and its processes are being terminated; false
   * when it is a rescue, always or handler task, which is left to finish. */
  interruptingTaskInFlight: boolean;
}

export interface HostStats {
  ok: number;
  failures: number;
  unreachable: number;
  changed: number;
  skipped: number;
  rescued: number;
  ignored: number;
}

export interface StatsEvent {
  type: 'stats';
  hosts: Record<string, HostStats>;
}

/** Seed 002's special error event for fatal errors (YAML syntax, undefined variable, missing
 * playbook, Ansible not installed...): everything needed to debug without shell access. */
export interface FatalErrorEvent {
  type: 'error';
  message: string;
  exitCode: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  likelyCauses: string[];
  /** The variables passed to the playbook, redacted. */
  variables: Record<string, unknown>;
}

export type RunnerEvent =
  | PlaybookStartEvent
  | TaskStartEvent
  | TaskEvent
  | CancelRequestedEvent
  | StatsEvent
  | FatalErrorEvent;

/** A line as the plugin wrote it, before the runner numbers and stamps task results. */
export type PluginEvent =
  | PlaybookStartEvent
  | TaskStartEvent
  | Omit<TaskEvent, 'eventNumber' | 'timestamp'>
  | CancelRequestedEvent
  | StatsEvent;

type Wire = Record<string, unknown>;

const OUTCOMES: readonly TaskOutcome[] = ['ok', 'failed', 'ignored', 'skipped', 'unreachable'];
const SECTIONS: readonly BlockSection[] = ['block', 'rescue', 'always'];
const STATUSES: readonly number[] = Object.values(TaskStatus);

const text = (value: unknown): string => (typeof value === 'string' ? value : '');
const count = (value: unknown): number =>
  typeof value === 'number' && Number.isFinite(value) ? value : 0;
const isRecord = (value: unknown): value is Wire =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const section = (value: unknown): BlockSection =>
  SECTIONS.includes(value as BlockSection) ? (value as BlockSection) : 'block';

function hostStats(value: unknown): HostStats {
  const wire = isRecord(value) ? value : {};
  return {
    ok: count(wire.ok),
    failures: count(wire.failures),
    unreachable: count(wire.unreachable),
    changed: count(wire.changed),
    skipped: count(wire.skipped),
    rescued: count(wire.rescued),
    ignored: count(wire.ignored),
  };
}

/** Parses one line of the plugin's output; undefined for anything that is not a known event
 * (a truncated line, a future event type), which the runner skips rather than failing the job. */
export function parseEventLine(line: string): PluginEvent | undefined {
  let wire: unknown;
  try {
    wire = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (!isRecord(wire)) return undefined;
  switch (wire.type) {
    case 'playbook_start':
      return {
        type: 'playbook_start',
        playbook: text(wire.playbook),
        taskCount: count(wire.task_count),
        plays: (Array.isArray(wire.plays) ? wire.plays : []).filter(isRecord).map((play) => {
          const sections = isRecord(play.sections) ? play.sections : {};
          return {
            name: text(play.name),
            taskCount: count(play.task_count),
            sections: {
              main: count(sections.main),
              rescue: count(sections.rescue),
              always: count(sections.always),
              gatherFacts: count(sections.gather_facts),
            },
          };
        }),
      };
    case 'task_start':
      return {
        type: 'task_start',
        taskName: text(wire.task),
        taskUuid: text(wire.task_uuid),
        action: text(wire.action),
        section: section(wire.section),
        inRescue: wire.in_rescue === true,
        inAlways: wire.in_always === true,
        handler: wire.handler === true,
      };
    case 'task': {
      if (!OUTCOMES.includes(wire.outcome as TaskOutcome) || !STATUSES.includes(count(wire.status)))
        return undefined;
      return {
        type: 'task',
        taskName: text(wire.task),
        taskUuid: text(wire.task_uuid),
        action: text(wire.action),
        host: text(wire.host),
        outcome: wire.outcome as TaskOutcome,
        status: count(wire.status) as TaskStatusCode,
        section: section(wire.section),
        inRescue: wire.in_rescue === true,
        inAlways: wire.in_always === true,
        cancelled: wire.cancelled === true,
        changed: wire.changed === true,
        result: isRecord(wire.result) ? wire.result : {},
      };
    }
    case 'cancel_requested':
      return {
        type: 'cancel_requested',
        reason: text(wire.reason),
        interruptingTaskInFlight: wire.interrupting_task_in_flight === true,
      };
    case 'stats': {
      const hosts: Record<string, HostStats> = {};
      if (isRecord(wire.hosts))
        for (const [host, stats] of Object.entries(wire.hosts)) hosts[host] = hostStats(stats);
      return { type: 'stats', hosts };
    }
    default:
      return undefined;
  }
}

/** The most useful error text of a failed task: its `msg`, the first failed loop item's `msg`,
 * or the tail of its stderr. */
export function failureMessage(event: Pick<TaskEvent, 'result'>): string {
  const { result } = event;
  if (typeof result.msg === 'string' && result.msg !== '') return result.msg;
  if (Array.isArray(result.results)) {
    for (const item of result.results) {
      if (isRecord(item) && item.failed === true && typeof item.msg === 'string') return item.msg;
    }
  }
  if (typeof result.stderr === 'string' && result.stderr !== '') return result.stderr.slice(-500);
  return '';
}
