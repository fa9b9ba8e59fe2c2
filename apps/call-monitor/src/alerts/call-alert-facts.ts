import { AGENT_STATES, type AgentState } from '../sources/contact-centre-source';
import type { FinishedCall } from './finished-call-window';

/** The live figures of one queue at evaluation time. */
export interface QueueFacts {
  queueId: string;
  sourceId?: string;
  tenantId?: string;
  queueName?: string;
  waitingCalls: number;
  longestWaitSeconds: number;
  agentsLoggedIn: number;
  agentsAvailable: number;
  /**
   * Every call finished in the recent window, when the caller keeps the window itself: replaces
   * what `recordFinishedCall` fed for this queue. Leave it out to use the recorded calls.
   */
  recentFinishedCalls?: readonly FinishedCall[];
}

/** One agent at evaluation time (an `AgentView` fits, plus its source). */
export interface AgentFacts {
  agentId: string;
  sourceId?: string;
  tenantId?: string;
  login?: string;
  name?: string;
  state: AgentState;
  stateSince: Date;
  /** The alert is published on the first queue, whose policy applies. */
  queues: readonly string[];
  /** Agent group standing in for the queue when the agent is in none. */
  profile?: string;
}

/**
 * Everything known now. It is the complete picture: an alert whose queue or agent is missing
 * resolves (except for entries that are present but invalid, which keep their alerts as they are).
 */
export interface ContactCentreFacts {
  queues: readonly QueueFacts[];
  agents: readonly AgentFacts[];
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0;
}

export function isValidDate(value: unknown): value is Date {
  return value instanceof Date && !Number.isNaN(value.getTime());
}

function optionalString(value: unknown): boolean {
  return value === undefined || typeof value === 'string';
}

const QUEUE_COUNTS = [
  'waitingCalls',
  'longestWaitSeconds',
  'agentsLoggedIn',
  'agentsAvailable',
] as const;
const QUEUE_STRINGS = ['sourceId', 'tenantId', 'queueName'] as const;
const AGENT_STRINGS = ['sourceId', 'tenantId', 'login', 'name', 'profile'] as const;

/** What is wrong with a queue entry (first problem, naming the field), or undefined. */
export function queueFactsProblem(facts: QueueFacts | undefined): string | undefined {
  if (typeof facts !== 'object' || facts === null) return 'must be an object';
  if (typeof facts.queueId !== 'string' || facts.queueId === '') {
    return 'queueId must be a non-empty string';
  }
  for (const field of QUEUE_COUNTS) {
    if (!isCount(facts[field])) {
      return `${field} must be a finite number >= 0, got ${String(facts[field])}`;
    }
  }
  for (const field of QUEUE_STRINGS) {
    if (!optionalString(facts[field])) return `${field} must be a string`;
  }
  if (facts.recentFinishedCalls !== undefined && !Array.isArray(facts.recentFinishedCalls)) {
    return 'recentFinishedCalls must be an array';
  }
  return undefined;
}

/** What is wrong with an agent entry (first problem, naming the field), or undefined. */
export function agentFactsProblem(facts: AgentFacts | undefined): string | undefined {
  if (typeof facts !== 'object' || facts === null) return 'must be an object';
  if (typeof facts.agentId !== 'string' || facts.agentId === '') {
    return 'agentId must be a non-empty string';
  }
  if (!AGENT_STATES.includes(facts.state)) {
    return `state must be one of ${AGENT_STATES.join(', ')}, got ${JSON.stringify(facts.state)}`;
  }
  if (!isValidDate(facts.stateSince)) {
    return `stateSince must be a valid Date, got ${String(facts.stateSince)}`;
  }
  if (!Array.isArray(facts.queues)) return 'queues must be an array of queue ids';
  for (const field of AGENT_STRINGS) {
    if (!optionalString(facts[field])) return `${field} must be a string`;
  }
  return undefined;
}
