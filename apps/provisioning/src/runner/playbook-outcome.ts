import {
  type HostStats,
  type JobStatusCode,
  JobStatus,
  type TaskEvent,
  TaskStatus,
  failureMessage,
} from './task-event';

/** Everything the final status is decided from. */
export interface RunEvidence {
  exitCode: number | null;
  signal: string | null;
  /** Set when ansible-playbook could not be started at all (ENOENT...). */
  spawnErrorCode?: string;
  cancelled: boolean;
  taskEvents: readonly TaskEvent[];
  stats?: Record<string, HostStats>;
}

export interface FailedTask {
  taskName: string;
  message: string;
  inRescue: boolean;
}

export interface PlaybookOutcome {
  status: JobStatusCode;
  reason: string;
  /** A rescue section ran: the provisioning was rolled back (or deprovisioned on purpose). */
  rolledBack: boolean;
  cancelled: boolean;
  /** The run failed in a way that calls for seed 002's special error event. */
  fatal: boolean;
  /** The failure that sent the run to rescue, or that ended it. */
  failedTask?: FailedTask;
  /** The last failed task when it is not `failedTask`: typically the rescue's final assert. */
  finalFailure?: FailedTask;
}

const UNDEFINED_VARIABLE = /is undefined|AnsibleUndefinedVariable|undefined variable/i;

const describe = (event: TaskEvent): FailedTask => ({
  taskName: event.taskName,
  message: failureMessage(event),
  inRescue: event.inRescue,
});

const quote = (task: FailedTask): string =>
  task.message ? `"${task.taskName}" (${task.message.split('\n')[0]})` : `"${task.taskName}"`;

/**
 * Seed 002's rules. Ansible's exit code decides: 0 is success (status 0), anything else failure
 * (status 2). A failure in a block runs its rescue (the rollback); the seed's rescue ends with
 * `assert: that: action == "deprovision"`, so a provisioning that failed half-way exits non-zero
 * after its rollback (status 2), while a deprovision goes through the same rescue and passes the
 * assert (status 0). Tasks failed with ignore_errors (status 3) never fail the job. A cancelled job
 * is failed whatever the playbook returned. A run that failed without any failed task to explain
 * it (the playbook could not be parsed or found, Ansible is missing or was killed) is fatal, and so
 * is a task failing on an undefined variable: both get the special error event.
 */
export function decideOutcome(evidence: RunEvidence): PlaybookOutcome {
  const failures = evidence.taskEvents.filter((e) => e.status === TaskStatus.Failed);
  const rescued = Object.values(evidence.stats ?? {}).some((host) => host.rescued > 0);
  const rolledBack =
    rescued || evidence.taskEvents.some((e) => e.inRescue && e.outcome !== 'skipped');
  const trigger = failures.find((e) => !e.inRescue && !e.inAlways) ?? failures[0];
  const last = failures.at(-1);
  const failedTask = trigger && describe(trigger);
  const finalFailure = last && last !== trigger ? describe(last) : undefined;
  const base = { rolledBack, cancelled: evidence.cancelled, failedTask, finalFailure };

  if (evidence.spawnErrorCode)
    return {
      ...base,
      status: JobStatus.Failed,
      fatal: true,
      reason: `ansible-playbook could not be started (${evidence.spawnErrorCode})`,
    };

  if (evidence.cancelled)
    return {
      ...base,
      status: JobStatus.Failed,
      fatal: false,
      reason: rolledBack
        ? 'Cancelled; the rescue section rolled back what had been provisioned'
        : evidence.taskEvents.length > 0
          ? 'Cancelled; no rescue section ran'
          : 'Cancelled before any task ran',
    };

  if (evidence.exitCode === 0 && evidence.signal === null)
    return {
      ...base,
      status: JobStatus.Success,
      fatal: false,
      reason: rolledBack
        ? 'Succeeded through the rescue section (a deprovision, or a failure the rescue handled)'
        : 'All tasks succeeded',
    };

  if (!failedTask) {
    const how = evidence.signal
      ? `was killed by ${evidence.signal}`
      : `exited with code ${evidence.exitCode}`;
    return {
      ...base,
      status: JobStatus.Failed,
      fatal: true,
      reason: `ansible-playbook ${how} without a failed task to explain it (fatal error)`,
    };
  }

  const fatal =
    evidence.signal !== null || failures.some((e) => UNDEFINED_VARIABLE.test(failureMessage(e)));
  let reason = `Task ${quote(failedTask)} failed`;
  if (rolledBack && finalFailure?.inRescue)
    reason += `; the rescue section rolled back and ended failing on ${quote(finalFailure)}`;
  else if (rolledBack) reason += '; the rescue section rolled back';
  else if (finalFailure) reason += `; then ${quote(finalFailure)} failed`;
  if (evidence.signal) reason += `; ansible-playbook was killed by ${evidence.signal}`;
  return { ...base, status: JobStatus.Failed, fatal, reason };
}
