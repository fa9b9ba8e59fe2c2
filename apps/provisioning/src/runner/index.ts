export {
  AnsibleRunner,
  CALLBACK_PLUGIN,
  PlaybookRun,
  defaultAnsibleDir,
  type AnsibleRunnerOptions,
  type PlaybookRunHandle,
  type PlaybookRunRequest,
  type PlaybookRunResult,
  type PlaybookRunState,
} from './ansible-runner';
export { likelyCauses, type FailureEvidence } from './likely-causes';
export {
  decideOutcome,
  type FailedTask,
  type PlaybookOutcome,
  type RunEvidence,
} from './playbook-outcome';
export { isSecretKey, redactSecrets, redactText, secretValuesOf } from './redaction';
export {
  QueuedRun,
  RunnerPool,
  type PlaybookLauncher,
  type QueuedRunState,
  type RunnerPoolOptions,
} from './runner-pool';
export {
  JobStatus,
  TaskStatus,
  failureMessage,
  parseEventLine,
  type BlockSection,
  type CancelRequestedEvent,
  type FatalErrorEvent,
  type HostStats,
  type JobStatusCode,
  type PlayTaskCount,
  type PlaybookStartEvent,
  type PluginEvent,
  type RunnerEvent,
  type StatsEvent,
  type TaskEvent,
  type TaskOutcome,
  type TaskStartEvent,
  type TaskStatusCode,
} from './task-event';
