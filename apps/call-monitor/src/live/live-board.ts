import type { PhoneNumberNormaliser } from '../numbers/phone-number';
import { detachedCopy } from '../sources/detached-copy';
import type {
  AgentState,
  AgentView,
  CallState,
  CallView,
  ContactCentreSink,
  ContactCentreSnapshot,
  QueueView,
  SourceConnectionState,
  TaskView,
} from '../sources/contact-centre-source';

/** A call as the monitor shows it: numbers normalised, raw ones kept. */
export interface LiveCall extends CallView {
  sourceId: string;
  remoteNumberRaw?: string;
  localNumberRaw?: string;
}

export interface LiveAgent extends AgentView {
  sourceId: string;
}

/** A queue with the figures computed from its calls and agents. */
export interface LiveQueue extends QueueView {
  sourceId: string;
  waiting: number;
  /** `queuedAt` of the call waiting longest; the longest wait grows with the clock. */
  oldestQueuedAt?: Date;
  agentsLoggedIn: number;
  agentsAvailable: number;
}

export interface LiveTask extends TaskView {
  sourceId: string;
}

/** One change of the live view, in the order it happened on its source. */
export type LiveChange =
  | { kind: 'call_updated' | 'call_ended'; sourceId: string; call: LiveCall; observedAt: Date }
  | { kind: 'agent_updated'; sourceId: string; agent: LiveAgent; observedAt: Date }
  | { kind: 'agent_removed'; sourceId: string; agentId: string; observedAt: Date }
  | { kind: 'queue_updated'; sourceId: string; queue: LiveQueue; observedAt: Date }
  | { kind: 'task_updated' | 'task_ended'; sourceId: string; task: LiveTask; observedAt: Date };

export type LiveChangeListener = (change: LiveChange) => void;

export interface SourceLiveStatus {
  sourceId: string;
  connection: SourceConnectionState;
  connectionDetail?: string;
  /** Platform time of the last change seen. */
  lastObservedAt?: Date;
  /** Receive time minus platform time of the last change, in ms (clock skew included). */
  lastLagMs?: number;
  snapshots: number;
  changes: number;
}

export interface Clock {
  now(): Date;
}

/** Calls ended recently, remembered so a late or repeated report does not end one twice. */
const ENDED_MEMORY = 50_000;

const AVAILABLE: ReadonlySet<AgentState> = new Set(['available']);

/**
 * The live state of one contact-centre source, fed by its adapter through the port. It keeps
 * queue figures incrementally (waiting calls per queue, agents logged in and available), so
 * an event costs O(queues of the agent or call), never a scan of the whole centre.
 */
export class SourceBoard implements ContactCentreSink {
  readonly calls = new Map<string, LiveCall>();
  readonly agents = new Map<string, LiveAgent>();
  readonly queues = new Map<string, LiveQueue>();
  readonly tasks = new Map<string, LiveTask>();
  private readonly queued = new Map<string, Set<string>>();
  private readonly ended = new Set<string>();
  private readonly status: SourceLiveStatus;

  constructor(
    readonly sourceId: string,
    private readonly numbers: PhoneNumberNormaliser,
    private readonly listener: LiveChangeListener,
    private readonly clock: Clock = { now: () => new Date() },
  ) {
    this.status = { sourceId, connection: 'connecting', snapshots: 0, changes: 0 };
  }

  liveStatus(): SourceLiveStatus {
    return { ...this.status };
  }

  snapshot(snapshot: ContactCentreSnapshot): void {
    const at = snapshot.at;
    this.status.snapshots += 1;
    const seenCalls = new Set(snapshot.calls.map((c) => c.callId));
    // Calls we showed that the platform no longer has ended while we were not listening.
    for (const call of [...this.calls.values()]) {
      if (!seenCalls.has(call.callId)) {
        this.callEnded({ ...call, state: 'ended', endedAt: at, disposition: 'unknown' }, at);
      }
    }
    const seenAgents = new Set(snapshot.agents.map((a) => a.agentId));
    for (const agentId of [...this.agents.keys()]) {
      if (!seenAgents.has(agentId)) this.agentRemoved(agentId, at);
    }
    const seenTasks = new Set(snapshot.tasks.map((t) => t.taskId));
    for (const task of [...this.tasks.values()]) {
      if (!seenTasks.has(task.taskId)) this.taskEnded({ ...task, endedAt: at }, at);
    }
    for (const queue of snapshot.queues) this.queueUpdated(queue, at);
    for (const agent of snapshot.agents) this.agentUpdated(agent, at);
    for (const call of snapshot.calls) {
      if (call.state === 'ended') this.callEnded(call, at);
      else this.callUpdated(call, at);
    }
    for (const task of snapshot.tasks) this.taskUpdated(task, at);
  }

  callUpdated(view: CallView, observedAt: Date): void {
    if (this.ended.has(view.callId)) return;
    const call = this.live(view);
    const before = this.calls.get(call.callId);
    this.calls.set(call.callId, call);
    this.track(observedAt);
    this.listener({ kind: 'call_updated', sourceId: this.sourceId, call, observedAt });
    this.requeue(before, call, observedAt);
  }

  callEnded(view: CallView, observedAt: Date): void {
    if (this.ended.has(view.callId)) return;
    this.remember(view.callId);
    const before = this.calls.get(view.callId);
    this.calls.delete(view.callId);
    const call = this.live({
      ...view,
      state: 'ended',
      endedAt: view.endedAt ?? observedAt,
      disposition: view.disposition ?? 'unknown',
    });
    this.track(observedAt);
    this.listener({ kind: 'call_ended', sourceId: this.sourceId, call, observedAt });
    this.requeue(before, undefined, observedAt);
  }

  agentUpdated(view: AgentView, observedAt: Date): void {
    const agent: LiveAgent = { ...view, sourceId: this.sourceId };
    const before = this.agents.get(agent.agentId);
    this.agents.set(agent.agentId, agent);
    this.track(observedAt);
    this.listener({ kind: 'agent_updated', sourceId: this.sourceId, agent, observedAt });
    this.recount(before, agent, observedAt);
  }

  agentRemoved(agentId: string, observedAt: Date): void {
    const before = this.agents.get(agentId);
    if (!before) return;
    this.agents.delete(agentId);
    this.track(observedAt);
    this.listener({ kind: 'agent_removed', sourceId: this.sourceId, agentId, observedAt });
    this.recount(before, undefined, observedAt);
  }

  queueUpdated(view: QueueView, observedAt: Date): void {
    const current = this.queueOf(view.queueId);
    Object.assign(current, view, { sourceId: this.sourceId });
    this.track(observedAt);
    this.emitQueue(current, observedAt);
  }

  taskUpdated(view: TaskView, observedAt: Date): void {
    const task: LiveTask = { ...view, sourceId: this.sourceId };
    this.tasks.set(task.taskId, task);
    this.track(observedAt);
    this.listener({ kind: 'task_updated', sourceId: this.sourceId, task, observedAt });
  }

  taskEnded(view: TaskView, observedAt: Date): void {
    if (!this.tasks.delete(view.taskId) && view.endedAt === undefined) return;
    const task: LiveTask = {
      ...view,
      endedAt: view.endedAt ?? observedAt,
      sourceId: this.sourceId,
    };
    this.track(observedAt);
    this.listener({ kind: 'task_ended', sourceId: this.sourceId, task, observedAt });
  }

  connectionChanged(state: SourceConnectionState, detail?: string): void {
    this.status.connection = state;
    this.status.connectionDetail = detail;
  }

  private live(view: CallView): LiveCall {
    const call: LiveCall = { ...view, sourceId: this.sourceId };
    if (view.remoteNumber !== undefined) {
      call.remoteNumberRaw = view.remoteNumber;
      call.remoteNumber = this.numbers.display(view.remoteNumber);
    }
    if (view.localNumber !== undefined) {
      call.localNumberRaw = view.localNumber;
      call.localNumber = this.numbers.display(view.localNumber);
    }
    return call;
  }

  private track(observedAt: Date): void {
    this.status.changes += 1;
    this.status.lastObservedAt = observedAt;
    this.status.lastLagMs = this.clock.now().getTime() - observedAt.getTime();
  }

  private remember(callId: string): void {
    this.ended.add(detachedCopy(callId));
    if (this.ended.size > ENDED_MEMORY) {
      const oldest = this.ended.values().next().value;
      if (oldest !== undefined) this.ended.delete(oldest);
    }
  }

  private queueOf(queueId: string): LiveQueue {
    let queue = this.queues.get(queueId);
    if (!queue) {
      queue = {
        queueId,
        name: queueId,
        sourceId: this.sourceId,
        waiting: 0,
        agentsLoggedIn: 0,
        agentsAvailable: 0,
      };
      this.queues.set(queueId, queue);
    }
    return queue;
  }

  /** Moves a call between queues' waiting sets when its queue or state changed. */
  private requeue(before: LiveCall | undefined, after: LiveCall | undefined, at: Date): void {
    const wasIn = before && isWaiting(before.state) ? before.queueId : undefined;
    const isIn = after && isWaiting(after.state) ? after.queueId : undefined;
    if (wasIn === isIn && (wasIn === undefined || before?.queuedAt === after?.queuedAt)) return;
    const callId = (after ?? before)?.callId ?? '';
    if (wasIn !== undefined) this.queued.get(wasIn)?.delete(callId);
    if (isIn !== undefined) {
      let set = this.queued.get(isIn);
      if (!set) this.queued.set(isIn, (set = new Set()));
      set.add(callId);
    }
    for (const queueId of new Set([wasIn, isIn])) {
      if (queueId !== undefined) this.refreshWaiting(queueId, at);
    }
  }

  private refreshWaiting(queueId: string, at: Date): void {
    const queue = this.queueOf(queueId);
    const waiting = this.queued.get(queueId);
    let oldest: Date | undefined;
    for (const callId of waiting ?? []) {
      const queuedAt = this.calls.get(callId)?.queuedAt;
      if (queuedAt && (!oldest || queuedAt < oldest)) oldest = queuedAt;
    }
    queue.waiting = waiting?.size ?? 0;
    queue.oldestQueuedAt = oldest;
    this.emitQueue(queue, at);
  }

  /** Updates agents-logged-in/available of the queues an agent joined, left or changed state in. */
  private recount(before: LiveAgent | undefined, after: LiveAgent | undefined, at: Date): void {
    const touched = new Set<string>();
    const apply = (agent: LiveAgent | undefined, sign: 1 | -1) => {
      if (!agent || agent.state === 'logged_out') return;
      for (const queueId of agent.queues) {
        const queue = this.queueOf(queueId);
        queue.agentsLoggedIn += sign;
        if (AVAILABLE.has(agent.state)) queue.agentsAvailable += sign;
        touched.add(queueId);
      }
    };
    apply(before, -1);
    apply(after, 1);
    for (const queueId of touched) {
      const queue = this.queueOf(queueId);
      const wasLoggedIn = countIn(before, queueId, false);
      const isLoggedIn = countIn(after, queueId, false);
      const wasAvailable = countIn(before, queueId, true);
      const isAvailable = countIn(after, queueId, true);
      if (wasLoggedIn !== isLoggedIn || wasAvailable !== isAvailable) this.emitQueue(queue, at);
    }
  }

  private emitQueue(queue: LiveQueue, observedAt: Date): void {
    this.listener({
      kind: 'queue_updated',
      sourceId: this.sourceId,
      queue: { ...queue },
      observedAt,
    });
  }
}

function isWaiting(state: CallState): boolean {
  return state === 'queued';
}

function countIn(agent: LiveAgent | undefined, queueId: string, available: boolean): number {
  if (!agent || agent.state === 'logged_out' || !agent.queues.includes(queueId)) return 0;
  return available && !AVAILABLE.has(agent.state) ? 0 : 1;
}

/** Seconds a call waited: from entering the queue (or starting) to answer, or to its end. */
export function waitSecondsOf(call: CallView, now: Date): number {
  const from = call.queuedAt ?? call.startedAt;
  const to = call.answeredAt ?? call.endedAt ?? now;
  return Math.max(0, (to.getTime() - from.getTime()) / 1000);
}

/** Seconds from answer to hang-up (holds included), 0 when never answered. */
export function talkSecondsOf(call: CallView, now: Date): number {
  if (!call.answeredAt) return 0;
  const to = call.endedAt ?? now;
  return Math.max(0, (to.getTime() - call.answeredAt.getTime()) / 1000);
}

/** Hold seconds so far, the hold in progress included. */
export function holdSecondsOf(call: CallView, now: Date): number {
  const running = call.holdStartedAt ? (now.getTime() - call.holdStartedAt.getTime()) / 1000 : 0;
  return call.holdSeconds + Math.max(0, running);
}
