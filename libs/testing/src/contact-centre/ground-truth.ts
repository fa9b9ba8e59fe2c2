import { UNKNOWN } from './caller-identities';
import {
  type AgentState,
  type CallDirection,
  type CallOutcome,
  type CallState,
  type SimAgent,
  type SimCall,
} from './contact-centre-state';

export interface SimulatedTransfer {
  kind: 'blind' | 'attended';
  at: Date;
  /** Interface of the agent who transferred (`PJSIP/1001`). */
  from: string;
  /** Extension the call went to. */
  to: string;
}

/**
 * A call in progress, as the model knows it. One call is one Asterisk `Linkedid` (the
 * `callId`); it lasts while any channel of that Linkedid is up. The consultation leg of an
 * attended transfer is its own `internal` call, as Asterisk gives it its own Linkedid.
 */
export interface SimulatedCall {
  callId: string;
  direction: CallDirection;
  state: CallState;
  queue?: string;
  /** The customer's number as Asterisk shows it (the dialled number for outbound calls). */
  remoteNumber: string;
  remoteName?: string;
  /** The queue DID, or the agent's extension. */
  localNumber: string;
  startedAt: Date;
  queuedAt?: Date;
  answeredAt?: Date;
  /** Interface of the agent handling it now (after a transfer: the target). */
  agentId?: string;
  /** Agents rung who did not answer, in order. */
  missedBy: string[];
  /** Completed holds. */
  holdSeconds: number;
  onHoldSince?: Date;
  transfers: SimulatedTransfer[];
  /** Names of its live channels. */
  channels: string[];
}

export interface FinishedCall extends Omit<SimulatedCall, 'state' | 'onHoldSince' | 'channels'> {
  outcome: CallOutcome;
  endedAt: Date;
  /** Queue calls: seconds from joining the queue to leaving it (answer, abandon, timeout). */
  waitSeconds?: number;
}

export interface SimulatedAgent {
  /** The device interface, `PJSIP/1001`. */
  agentId: string;
  extension: string;
  name: string;
  queues: string[];
  state: AgentState;
  since: Date;
  pausedReason?: string;
  currentCallId?: string;
  /** Queue calls completed, over all its queues. */
  callsTaken: number;
}

export interface ContactCentreTotals {
  /** Calls started (each Linkedid once). */
  started: number;
  answered: number;
  abandoned: number;
  noAnswer: number;
}

/** Everything the model knows at `at`: what a consumer's derived state should match. */
export interface ContactCentreGroundTruth {
  at: Date;
  calls: SimulatedCall[];
  /** Callers waiting in each queue (being rung included), every queue listed. */
  waiting: Record<string, number>;
  /** The most recent finished calls, oldest first (`keepFinishedCalls` of them at most). */
  finished: FinishedCall[];
  agents: SimulatedAgent[];
  totals: ContactCentreTotals;
}

export interface FinishedRecord {
  call: SimCall;
  outcome: CallOutcome;
  endedAtMs: number;
}

function callBase(call: SimCall): Omit<SimulatedCall, 'state' | 'onHoldSince' | 'channels'> {
  const base: Omit<SimulatedCall, 'state' | 'onHoldSince' | 'channels'> = {
    callId: call.callId,
    direction: call.direction,
    remoteNumber: call.remoteNumber,
    localNumber: call.localNumber,
    startedAt: new Date(call.startedAtMs),
    missedBy: [...call.missedBy],
    holdSeconds: call.holdMs / 1000,
    transfers: call.transfers.map((transfer) => ({
      kind: transfer.kind,
      at: new Date(transfer.atMs),
      from: transfer.from,
      to: transfer.to,
    })),
  };
  if (call.queue !== undefined) base.queue = call.queue;
  if (call.remoteName !== UNKNOWN) base.remoteName = call.remoteName;
  if (call.queuedAtMs !== undefined) base.queuedAt = new Date(call.queuedAtMs);
  if (call.answeredAtMs !== undefined) base.answeredAt = new Date(call.answeredAtMs);
  if (call.agent) base.agentId = call.agent.interface;
  return base;
}

export function toSimulatedCall(call: SimCall): SimulatedCall {
  const view: SimulatedCall = {
    ...callBase(call),
    state: call.state,
    channels: [...call.channels].map((channel) => channel.name),
  };
  if (call.holdStartedAtMs !== undefined) view.onHoldSince = new Date(call.holdStartedAtMs);
  return view;
}

export function toFinishedCall(record: FinishedRecord): FinishedCall {
  const { call } = record;
  const view: FinishedCall = {
    ...callBase(call),
    outcome: record.outcome,
    endedAt: new Date(record.endedAtMs),
  };
  if (call.queuedAtMs !== undefined && call.leftQueueAtMs !== undefined) {
    view.waitSeconds = (call.leftQueueAtMs - call.queuedAtMs) / 1000;
  }
  return view;
}

export function toSimulatedAgent(agent: SimAgent): SimulatedAgent {
  const view: SimulatedAgent = {
    agentId: agent.interface,
    extension: agent.extension,
    name: agent.name,
    queues: agent.queues.map((queue) => queue.name),
    state: agent.state,
    since: new Date(agent.stateSinceMs),
    callsTaken: [...agent.callsTaken.values()].reduce((sum, n) => sum + n, 0),
  };
  if (agent.pausedReason !== undefined) view.pausedReason = agent.pausedReason;
  if (agent.currentCall) view.currentCallId = agent.currentCall.callId;
  return view;
}
