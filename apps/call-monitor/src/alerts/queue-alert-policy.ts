import 'reflect-metadata';
import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';
import { CallAlertSeverity } from '@telcomesh/contracts';
import { DomainError, ErrorCode } from '@telcomesh/platform';
import {
  QueueAlertPolicyDto,
  TIMED_AGENT_STATES,
  type AlertSeverityName,
  type QueueAlertPolicy,
} from './queue-alert-policy.dto';
import type { WindowSpec } from './finished-call-window';

export type QueueRuleName =
  'longest_wait' | 'waiting_calls' | 'service_level' | 'abandonment_rate' | 'agents_available';

export type CallAlertRuleName = QueueRuleName | 'agent_state_duration';

/** One rule ready to evaluate: durations in ms, severity as the contract's enum. */
export interface ThresholdRule {
  enabled: boolean;
  severity: CallAlertSeverity;
  forMs: number;
  threshold: number;
  clearThreshold: number;
}

export interface WindowedRule extends ThresholdRule {
  windowMs: number;
  minCalls: number;
  shortAbandonSeconds: number;
}

export interface ServiceLevelRule extends WindowedRule {
  answerWithinSeconds: number;
}

/** The thresholds that apply to one queue once defaults and its override are merged. */
export interface EffectiveAlertPolicy {
  longestWait: ThresholdRule;
  waitingCalls: ThresholdRule;
  serviceLevel: ServiceLevelRule;
  abandonmentRate: WindowedRule;
  /** The abandonment rule's window as the finished-call window counts it. */
  abandonmentWindow: WindowSpec;
  agentsAvailable: ThresholdRule;
  /** Enabled duration rules by agent state. */
  agentStateDuration: ReadonlyMap<string, ThresholdRule>;
  /** How long finished calls must be kept for the windowed rules. */
  retentionMs: number;
}

/**
 * Defaults used when nothing else is configured: a common contact-centre baseline (80/20
 * service level, 10% abandonment, nobody paused more than 15 minutes...).
 */
export const BUILT_IN_ALERT_POLICY: Readonly<QueueAlertPolicy> = {
  longest_wait: { severity: 'major', threshold: 120, clear_threshold: 90, for_seconds: 0 },
  waiting_calls: { severity: 'minor', threshold: 10, clear_threshold: 7, for_seconds: 30 },
  service_level: {
    severity: 'major',
    threshold: 80,
    clear_threshold: 85,
    for_seconds: 60,
    answer_within_seconds: 20,
    window_seconds: 900,
    min_calls: 20,
    short_abandon_seconds: 5,
  },
  abandonment_rate: {
    severity: 'major',
    threshold: 10,
    clear_threshold: 7,
    for_seconds: 60,
    window_seconds: 900,
    min_calls: 20,
    short_abandon_seconds: 5,
  },
  agents_available: { severity: 'critical', threshold: 1, clear_threshold: 1, for_seconds: 30 },
  agent_state_duration: {
    ringing: { severity: 'minor', threshold: 30 },
    on_call: { severity: 'warning', threshold: 1800 },
    wrap_up: { severity: 'warning', threshold: 120 },
    paused: { severity: 'warning', threshold: 900 },
  },
};

const SEVERITY: Record<AlertSeverityName, CallAlertSeverity> = {
  critical: CallAlertSeverity.CRITICAL,
  major: CallAlertSeverity.MAJOR,
  minor: CallAlertSeverity.MINOR,
  warning: CallAlertSeverity.WARNING,
};

/**
 * A policy was refused; `problems` names every bad field (`path: reason`). Maps to HTTP 400
 * through the platform's exception filter.
 */
export class AlertPolicyError extends DomainError {
  constructor(
    readonly subject: string,
    readonly problems: string[],
  ) {
    super(ErrorCode.InvalidInput, `${subject}: invalid alert policy (${problems.join('; ')})`, {
      problems,
    });
    this.name = 'AlertPolicyError';
  }
}

function flatten(errors: ValidationError[], prefix: string, out: string[]): void {
  for (const error of errors) {
    const path = prefix ? `${prefix}.${error.property}` : error.property;
    const messages = Object.values(error.constraints ?? {});
    if (messages.length > 0) out.push(`${path}: ${messages.join(', ')}`);
    if (error.children) flatten(error.children, path, out);
  }
}

/**
 * Checks the shape of a policy (types, ranges, unknown fields); throws `AlertPolicyError`
 * naming each bad field. Cross-field checks need the defaults and happen in `resolvePolicy`.
 */
export function validateQueueAlertPolicy(raw: unknown, subject: string): QueueAlertPolicy {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new AlertPolicyError(subject, ['(root): must be an object']);
  }
  const instance = plainToInstance(QueueAlertPolicyDto, raw);
  const errors = validateSync(instance, {
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
  });
  const problems: string[] = [];
  flatten(errors, '', problems);
  if (problems.length > 0) throw new AlertPolicyError(subject, problems);
  // Plain data without the unset fields: what is stored and shown back by the API.
  return JSON.parse(JSON.stringify(instance)) as QueueAlertPolicy;
}

type RuleFields = {
  enabled?: boolean;
  severity?: AlertSeverityName;
  for_seconds?: number;
  threshold?: number;
  clear_threshold?: number;
  window_seconds?: number;
  min_calls?: number;
  short_abandon_seconds?: number;
  answer_within_seconds?: number;
};

/**
 * Later layers win field by field. A layer that sets `threshold` without `clear_threshold`
 * clears at that threshold: a clear threshold inherited from another threshold would be
 * meaningless (and often on the wrong side of the new one).
 */
function mergeRule(layers: (RuleFields | undefined)[]): RuleFields | undefined {
  let merged: RuleFields | undefined;
  for (const layer of layers) {
    if (!layer) continue;
    merged = { ...merged };
    for (const [key, value] of Object.entries(layer) as [keyof RuleFields, unknown][]) {
      if (value !== undefined) Object.assign(merged, { [key]: value });
    }
    if (layer.threshold !== undefined && layer.clear_threshold === undefined) {
      merged.clear_threshold = layer.threshold;
    }
  }
  return merged;
}

type Direction = 'above' | 'below';

function toThresholdRule(
  fields: RuleFields | undefined,
  path: string,
  direction: Direction,
  problems: string[],
): ThresholdRule {
  const threshold = fields?.threshold;
  if (threshold === undefined) problems.push(`${path}.threshold: required`);
  const clear = fields?.clear_threshold ?? threshold ?? 0;
  if (threshold !== undefined) {
    if (direction === 'above' && clear > threshold) {
      problems.push(`${path}.clear_threshold: ${clear} must be at most threshold ${threshold}`);
    }
    if (direction === 'below' && clear < threshold) {
      problems.push(`${path}.clear_threshold: ${clear} must be at least threshold ${threshold}`);
    }
  }
  return {
    enabled: fields?.enabled ?? true,
    severity: SEVERITY[fields?.severity ?? 'warning'],
    forMs: (fields?.for_seconds ?? 0) * 1000,
    threshold: threshold ?? 0,
    clearThreshold: clear,
  };
}

function required(
  fields: RuleFields | undefined,
  key: keyof RuleFields,
  path: string,
  problems: string[],
): number {
  const value = fields?.[key];
  if (typeof value === 'number') return value;
  problems.push(`${path}.${key}: required`);
  return 0;
}

function toWindowedRule(
  fields: RuleFields | undefined,
  path: string,
  direction: Direction,
  problems: string[],
): WindowedRule {
  return {
    ...toThresholdRule(fields, path, direction, problems),
    windowMs: required(fields, 'window_seconds', path, problems) * 1000,
    minCalls: required(fields, 'min_calls', path, problems),
    shortAbandonSeconds: fields?.short_abandon_seconds ?? 0,
  };
}

/**
 * Merges built-in defaults, global defaults and a queue's override into the rules evaluated
 * for that queue; `problems` name fields relative to the policy (e.g. `longest_wait.clear_threshold`).
 */
export function resolvePolicy(
  defaults: QueueAlertPolicy | undefined,
  override: QueueAlertPolicy | undefined,
): { policy: EffectiveAlertPolicy; problems: string[] } {
  const layers = [BUILT_IN_ALERT_POLICY, defaults, override];
  const problems: string[] = [];
  const rule = (key: QueueRuleName): RuleFields | undefined =>
    mergeRule(layers.map((layer) => layer?.[key]));

  const serviceLevelFields = rule('service_level');
  const serviceLevel: ServiceLevelRule = {
    ...toWindowedRule(serviceLevelFields, 'service_level', 'below', problems),
    answerWithinSeconds: required(
      serviceLevelFields,
      'answer_within_seconds',
      'service_level',
      problems,
    ),
  };
  const abandonmentRate = toWindowedRule(
    rule('abandonment_rate'),
    'abandonment_rate',
    'above',
    problems,
  );

  const agentStateDuration = new Map<string, ThresholdRule>();
  for (const state of TIMED_AGENT_STATES) {
    const fields = mergeRule(layers.map((layer) => layer?.agent_state_duration?.[state]));
    if (!fields) continue;
    const stateRule = toThresholdRule(fields, `agent_state_duration.${state}`, 'above', problems);
    if (stateRule.enabled) agentStateDuration.set(state, stateRule);
  }

  const windows = [serviceLevel, abandonmentRate].filter((r) => r.enabled).map((r) => r.windowMs);
  return {
    policy: {
      longestWait: toThresholdRule(rule('longest_wait'), 'longest_wait', 'above', problems),
      waitingCalls: toThresholdRule(rule('waiting_calls'), 'waiting_calls', 'above', problems),
      serviceLevel,
      abandonmentRate,
      abandonmentWindow: {
        windowMs: abandonmentRate.windowMs,
        answerWithinSeconds: 0,
        shortAbandonSeconds: abandonmentRate.shortAbandonSeconds,
      },
      agentsAvailable: toThresholdRule(
        rule('agents_available'),
        'agents_available',
        'below',
        problems,
      ),
      agentStateDuration,
      retentionMs: Math.max(0, ...windows),
    },
    problems,
  };
}
