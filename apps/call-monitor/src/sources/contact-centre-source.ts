/**
 * The port every contact-centre platform plugs into (Asterisk AMI, view-based dispatch
 * servers such as CCCP, the simulator). A source speaks its platform's protocol and reports
 * what it sees as platform-neutral views of calls, agents, queues and tasks; the live state,
 * call records, alerts and feeds are built once on top of these views. A new platform is one
 * class implementing `ContactCentreSource`.
 *
 * Two rules every source keeps:
 * - After each (re)connection it reports a full `snapshot` (the discovery scan) before any
 *   update, so state lost while disconnected is replaced, never merged or double-counted.
 * - A call is reported ended exactly once per connection; the store also deduplicates by
 *   `callId`, so a call seen ended again after a resync is not recorded twice.
 */

/** What an agent is doing now. */
export type AgentState = 'logged_out' | 'available' | 'ringing' | 'on_call' | 'wrap_up' | 'paused';

export const AGENT_STATES: readonly AgentState[] = [
  'logged_out',
  'available',
  'ringing',
  'on_call',
  'wrap_up',
  'paused',
];

/** Where a call is: the seed's classification of sessions (active, ringing, waiting...). */
export type CallState = 'ringing' | 'queued' | 'active' | 'on_hold' | 'ended';

export const CALL_STATES: readonly CallState[] = [
  'ringing',
  'queued',
  'active',
  'on_hold',
  'ended',
];

export type CallDirection = 'inbound' | 'outbound' | 'internal';

/**
 * How a finished call ended:
 * - `answered`: an agent (or the called party) answered it, transferred or not;
 * - `abandoned`: the caller hung up while waiting in a queue;
 * - `no_answer`: nobody answered (ring timeout, queue timeout without answer);
 * - `busy` / `failed`: the platform reported busy or congestion;
 * - `unknown`: the call disappeared while the source was disconnected (seen in no snapshot).
 */
export type CallDisposition =
  'answered' | 'abandoned' | 'no_answer' | 'busy' | 'failed' | 'unknown';

export interface CallTransfer {
  kind: 'blind' | 'attended';
  at: Date;
  /** Agent who transferred, when known. */
  fromAgentId?: string;
  /** Extension, number or agent the call went to. */
  to: string;
}

/** One call as a source sees it. Numbers are raw as the platform gives them. */
export interface CallView {
  /** Stable id across the call's life on this source (AMI: the Linkedid). */
  callId: string;
  direction: CallDirection;
  state: CallState;
  /** Our side: the DID dialled in, or the agent's extension / caller id going out. */
  localNumber?: string;
  /** The customer's side. */
  remoteNumber?: string;
  remoteName?: string;
  startedAt: Date;
  /** When it entered its (current) queue. */
  queuedAt?: Date;
  queueId?: string;
  /** When an agent or called party answered (first answer). */
  answeredAt?: Date;
  /** Agent handling it now (or last, once ended). */
  agentId?: string;
  /** Agents rung who did not answer, in order. */
  missedBy?: string[];
  /** Start of the hold in progress, if on hold. */
  holdStartedAt?: Date;
  /** Seconds of completed holds. */
  holdSeconds: number;
  transfers: CallTransfer[];
  priority?: number;
  endedAt?: Date;
  disposition?: CallDisposition;
  /** Platform cause text, e.g. AMI `Cause-txt`. */
  endCause?: string;
  /** Platform-specific extras (channel names, unique ids, CCCP session id...). */
  attributes?: Record<string, string>;
}

export interface AgentView {
  agentId: string;
  /** Login / user name on the platform. */
  login: string;
  name?: string;
  /** Profile or skill group (CCCP profile, Asterisk member name prefix...). */
  profile?: string;
  state: AgentState;
  stateSince: Date;
  /** Queues the agent is a member of. */
  queues: string[];
  pausedReason?: string;
  currentCallId?: string;
  /** Device / interface (AMI `Interface`, e.g. PJSIP/1001). */
  device?: string;
}

/**
 * A queue's configuration as the platform reports it; live figures (waiting, longest wait,
 * agents available) are computed by the store from calls and agents, the same way for
 * every source.
 */
export interface QueueView {
  queueId: string;
  name: string;
  /** Higher is served first when a platform orders queues (AMI `Weight`). */
  priority?: number;
  /** Answer target in seconds the platform itself uses (AMI `ServicelevelPerf` window). */
  serviceLevelSeconds?: number;
  strategy?: string;
}

export type TaskState =
  'created' | 'queued' | 'assigned' | 'in_progress' | 'completed' | 'cancelled';

/** A unit of work of a dispatch platform (CCCP tasks): a call, e-mail, callback... */
export interface TaskView {
  taskId: string;
  /** "call", "email", "callback", "chat"... */
  type: string;
  state: TaskState;
  queueId?: string;
  /** Agent (manager) assigned to it. */
  managerId?: string;
  priority?: number;
  callId?: string;
  createdAt: Date;
  assignedAt?: Date;
  startedAt?: Date;
  endedAt?: Date;
}

export interface ContactCentreSnapshot {
  calls: CallView[];
  agents: AgentView[];
  queues: QueueView[];
  tasks: TaskView[];
  /** Platform time of the scan. */
  at: Date;
}

export type SourceConnectionState = 'connecting' | 'connected' | 'disconnected' | 'stopped';

/**
 * Where a source reports. `observedAt` is the platform's time of the change (AMI
 * `Timestamp`), used for event lag; sources that have no platform time pass their receive time.
 */
export interface ContactCentreSink {
  /** Full state after a (re)connection: replaces everything known for this source. */
  snapshot(snapshot: ContactCentreSnapshot): void;
  callUpdated(call: CallView, observedAt: Date): void;
  /** The call is over: `state` is `ended`, `endedAt` and `disposition` are set. */
  callEnded(call: CallView, observedAt: Date): void;
  agentUpdated(agent: AgentView, observedAt: Date): void;
  agentRemoved(agentId: string, observedAt: Date): void;
  queueUpdated(queue: QueueView, observedAt: Date): void;
  taskUpdated(task: TaskView, observedAt: Date): void;
  /** The task reached `completed` or `cancelled`. */
  taskEnded(task: TaskView, observedAt: Date): void;
  connectionChanged(state: SourceConnectionState, detail?: string): void;
}

export interface SourceStatus {
  state: SourceConnectionState;
  since: Date;
  lastEventAt?: Date;
  lastError?: string;
  reconnects: number;
}

export interface ContactCentreSource {
  readonly sourceId: string;
  /** Adapter kind: `ami`, `cccp`, `simulator`... */
  readonly kind: string;
  /** Connects (retrying on its own until `stop`) and reports to `sink`. */
  start(sink: ContactCentreSink): Promise<void>;
  stop(): Promise<void>;
  status(): SourceStatus;
}
