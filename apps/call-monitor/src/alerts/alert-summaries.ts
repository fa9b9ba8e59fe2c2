import type { CallAlertRuleName } from './queue-alert-policy';

/**
 * Why an alert resolved (metadata `resolved_reason`):
 * - `cleared`: the value went back past the clear threshold;
 * - `no_data`: a windowed rule's window emptied, so there is nothing left to measure;
 * - `not_reported`: its queue or agent is no longer in the facts;
 * - `no_longer_applies`: the subject is still there but the rule no longer watches it (rule
 *   disabled, the agent changed state or queue).
 */
export type ResolvedReason = 'cleared' | 'no_data' | 'not_reported' | 'no_longer_applies';

export const RULE_LABELS: Record<CallAlertRuleName, string> = {
  longest_wait: 'longest wait',
  waiting_calls: 'waiting calls',
  service_level: 'service level',
  abandonment_rate: 'abandonment rate',
  agents_available: 'agents available',
  agent_state_duration: 'agent state duration',
};

/** How a summary says an agent is in a state: "has been <phrase> for 16 min". */
export const AGENT_STATE_PHRASES: Record<string, string> = {
  logged_out: 'logged out',
  available: 'available',
  ringing: 'ringing',
  on_call: 'on a call',
  wrap_up: 'in wrap-up',
  paused: 'paused',
};

export function formatNumber(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(1);
}

export function formatPercent(value: number): string {
  return `${formatNumber(Math.round(value * 10) / 10)}%`;
}

/** Seconds for people: "45 s", "15 min 1 s", "2 h 5 min" (exact enough to tell 901 s from 900 s). */
export function formatDuration(seconds: number): string {
  const total = Math.round(seconds);
  if (total < 600) return `${total} s`;
  if (total < 7200) {
    const rest = total % 60;
    return `${Math.floor(total / 60)} min${rest ? ` ${rest} s` : ''}`;
  }
  const minutes = Math.floor((total % 3600) / 60);
  return `${Math.floor(total / 3600)} h${minutes ? ` ${minutes} min` : ''}`;
}
