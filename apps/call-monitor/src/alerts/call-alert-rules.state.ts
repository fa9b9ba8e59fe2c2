import { CallAlertSeverity } from '@telcomesh/contracts';
import type { CallAlertRuleName } from './queue-alert-policy';

/** One pending or firing alert as exported for a fail-over replica. */
export interface TrackedAlertState {
  alertId: string;
  rule: CallAlertRuleName;
  status: 'pending' | 'firing';
  queueId: string;
  sourceId: string;
  tenantId: string;
  queueName: string;
  subjectLabel: string;
  agentId?: string;
  agentState?: string;
  /** When the condition started to hold (epoch ms). */
  sinceMs: number;
  /** When FIRING was reported (epoch ms); 0 while pending. */
  firedAtMs: number;
  severity: CallAlertSeverity;
  threshold: number;
  unit: string;
  observedValue: number;
  observedAtMs: number;
  summary: string;
  metadata: Record<string, string>;
}

/** `[endedAtMs, waitSeconds, abandoned ? 1 : 0]`: compact, windows can hold thousands. */
export type SavedFinishedCall = [number, number, 0 | 1];

export interface CallAlertRulesState {
  version: 1;
  alerts: TrackedAlertState[];
  windows: { sourceId: string; queueId: string; calls: SavedFinishedCall[] }[];
}

const RULES: readonly CallAlertRuleName[] = [
  'longest_wait',
  'waiting_calls',
  'service_level',
  'abandonment_rate',
  'agents_available',
  'agent_state_duration',
];

const UNITS = ['s', 'calls', '%', 'agents'];

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

function alertProblem(raw: unknown, path: string): string | undefined {
  if (!isRecord(raw)) return `${path}: must be an object`;
  for (const field of [
    'alertId',
    'queueId',
    'sourceId',
    'tenantId',
    'queueName',
    'subjectLabel',
    'summary',
  ]) {
    if (typeof raw[field] !== 'string') return `${path}.${field}: must be a string`;
  }
  if (raw.alertId === '') return `${path}.alertId: must not be empty`;
  if (!RULES.includes(raw.rule as CallAlertRuleName)) {
    return `${path}.rule: must be one of ${RULES.join(', ')}`;
  }
  if (raw.status !== 'pending' && raw.status !== 'firing') {
    return `${path}.status: must be "pending" or "firing"`;
  }
  for (const field of ['sinceMs', 'firedAtMs', 'threshold', 'observedValue', 'observedAtMs']) {
    if (!isFiniteNumber(raw[field])) return `${path}.${field}: must be a finite number`;
  }
  if (
    typeof raw.severity !== 'number' ||
    !Object.values(CallAlertSeverity).includes(raw.severity)
  ) {
    return `${path}.severity: must be a CallAlertSeverity number`;
  }
  if (!UNITS.includes(raw.unit as string))
    return `${path}.unit: must be one of ${UNITS.join(', ')}`;
  const isAgentRule = raw.rule === 'agent_state_duration';
  if (isAgentRule && (typeof raw.agentId !== 'string' || typeof raw.agentState !== 'string')) {
    return `${path}.agentId/agentState: required strings for agent_state_duration`;
  }
  if (!isAgentRule && (raw.agentId !== undefined || raw.agentState !== undefined)) {
    return `${path}.agentId: only agent_state_duration alerts have an agent`;
  }
  if (!isRecord(raw.metadata) || Object.values(raw.metadata).some((v) => typeof v !== 'string')) {
    return `${path}.metadata: must be an object of strings`;
  }
  return undefined;
}

function windowProblem(raw: unknown, path: string): string | undefined {
  if (!isRecord(raw)) return `${path}: must be an object`;
  if (typeof raw.sourceId !== 'string') return `${path}.sourceId: must be a string`;
  if (typeof raw.queueId !== 'string' || raw.queueId === '') {
    return `${path}.queueId: must be a non-empty string`;
  }
  if (!Array.isArray(raw.calls)) return `${path}.calls: must be an array`;
  for (let i = 0; i < raw.calls.length; i++) {
    const call: unknown = raw.calls[i];
    if (
      !Array.isArray(call) ||
      call.length !== 3 ||
      !isFiniteNumber(call[0]) ||
      !isFiniteNumber(call[1]) ||
      call[1] < 0 ||
      (call[2] !== 0 && call[2] !== 1)
    ) {
      return `${path}.calls[${i}]: must be [endedAtMs, waitSeconds >= 0, 0 | 1]`;
    }
  }
  return undefined;
}

/** Checks an export of `CallAlertRules.toJSON`; returns it typed, or the first problem found. */
export function parseRulesState(raw: unknown): CallAlertRulesState | string {
  if (!isRecord(raw)) return '(root): must be an object';
  if (raw.version !== 1) return `version: must be 1, got ${JSON.stringify(raw.version)}`;
  if (!Array.isArray(raw.alerts)) return 'alerts: must be an array';
  if (!Array.isArray(raw.windows)) return 'windows: must be an array';
  const ids = new Set<string>();
  for (let i = 0; i < raw.alerts.length; i++) {
    const problem = alertProblem(raw.alerts[i], `alerts[${i}]`);
    if (problem) return problem;
    const id = (raw.alerts[i] as TrackedAlertState).alertId;
    if (ids.has(id)) return `alerts[${i}].alertId: ${JSON.stringify(id)} listed twice`;
    ids.add(id);
  }
  for (let i = 0; i < raw.windows.length; i++) {
    const problem = windowProblem(raw.windows[i], `windows[${i}]`);
    if (problem) return problem;
  }
  return raw as unknown as CallAlertRulesState;
}
