import { type ScheduledAction } from './action-schedule';
import { type ConversationPlan, type RingScript } from './call-plans';
import { type ResolvedAgent, type ResolvedQueue } from './contact-centre-config';

/** Asterisk channel states the simulator uses: Down, Ring, Ringing, Up. */
export type ChannelStateCode = 0 | 4 | 5 | 6;

export const CHANNEL_STATE_DESC: Record<ChannelStateCode, string> = {
  0: 'Down',
  4: 'Ring',
  5: 'Ringing',
  6: 'Up',
};

/** One live Asterisk channel (mutable: its fields are what the next event shows). */
export interface SimChannel {
  name: string;
  uniqueid: string;
  linkedid: string;
  state: ChannelStateCode;
  callerNum: string;
  callerName: string;
  connectedNum: string;
  connectedName: string;
  context: string;
  exten: string;
  priority: number;
  createdAtMs: number;
  bridge: SimBridge | undefined;
  /** What `CoreShowChannel` reports as running on it. */
  application: string;
  applicationData: string;
}

export interface SimBridge {
  id: string;
  channels: SimChannel[];
}

export type AgentState = 'available' | 'ringing' | 'on_call' | 'wrap_up' | 'paused';

export type CallDirection = 'inbound' | 'outbound' | 'internal';

/** Where a call is (the call monitor's classification). */
export type CallState = 'ringing' | 'queued' | 'active' | 'on_hold';

/**
 * How a finished call ended: `answered` (by an agent or the called party, transferred or not),
 * `abandoned` (the caller hung up waiting in a queue), `no_answer` (nobody answered: queue
 * timeout, unanswered direct or outbound call).
 */
export type CallOutcome = 'answered' | 'abandoned' | 'no_answer';

export interface SimTransfer {
  kind: 'blind' | 'attended';
  atMs: number;
  /** Interface of the agent who transferred. */
  from: string;
  /** Extension the call went to. */
  to: string;
}

export interface SimCall {
  /** The Linkedid. */
  callId: string;
  direction: CallDirection;
  state: CallState;
  queue: string | undefined;
  /** The customer's (or the other internal party's) number and name. */
  remoteNumber: string;
  remoteName: string;
  /** Our side: the DID dialled, or the agent's extension. */
  localNumber: string;
  startedAtMs: number;
  queuedAtMs: number | undefined;
  leftQueueAtMs: number | undefined;
  answeredAtMs: number | undefined;
  agent: SimAgent | undefined;
  missedBy: string[];
  holdMs: number;
  holdStartedAtMs: number | undefined;
  transfers: SimTransfer[];
  channels: Set<SimChannel>;
  outcome: CallOutcome | undefined;
}

export interface SimAgent {
  config: ResolvedAgent;
  extension: string;
  interface: string;
  name: string;
  queues: SimQueue[];
  state: AgentState;
  stateSinceMs: number;
  /** When the agent last became free of calls (least-recent dispatch). */
  idleSinceMs: number;
  pausedReason: string | undefined;
  /** Epoch seconds, as Asterisk reports them. */
  lastPauseSec: number;
  loginTimeSec: number;
  lastCallSec: number;
  callsTaken: Map<string, number>;
  /** Queue whose call the agent is on (`InCall: 1` for that membership only). */
  inCallQueue: string | undefined;
  /** End of the wrap-up in progress (an unpause before it returns to wrap-up). */
  wrapUpUntilMs: number;
  currentCall: SimCall | undefined;
}

export interface QueueStats {
  completed: number;
  completedInServiceLevel: number;
  abandoned: number;
  abandonedInServiceLevel: number;
  /** Asterisk's running averages, seconds: `(3 × old + new) / 4`. */
  holdTimeAverage: number;
  talkTimeAverage: number;
}

export interface SimQueue {
  config: ResolvedQueue;
  name: string;
  members: SimAgent[];
  waiting: QueueCaller[];
  stats: QueueStats;
}

/** A caller in a queue (between `QueueCallerJoin` and `QueueCallerLeave`). */
export interface QueueCaller {
  call: SimCall;
  channel: SimChannel;
  queue: SimQueue;
  joinedAtMs: number;
  originalPosition: number;
  offer: QueueOffer | undefined;
  /** Not offered again before this (the queue's retry after a ring-no-answer). */
  notBeforeMs: number;
  missed: Set<SimAgent>;
  plan: ConversationPlan;
  /** Scripted offers still to come; later offers are drawn. */
  ringScripts: RingScript[];
  /** Abandon and queue-timeout timers, cancelled when the caller leaves. */
  timers: ScheduledAction[];
}

export interface QueueOffer {
  agent: SimAgent;
  channel: SimChannel;
  startedAtMs: number;
  cancel: () => void;
}
