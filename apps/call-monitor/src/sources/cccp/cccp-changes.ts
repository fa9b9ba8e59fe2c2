import {
  type AgentView,
  type CallView,
  type ContactCentreSink,
  type ContactCentreSnapshot,
  type QueueView,
  type TaskView,
} from '../contact-centre-source';
import { type CccpDerivedState, inferDisposition } from './cccp-mapping';

/**
 * What changed between two derived states, as the sink calls to make. Shared by pushed updates,
 * polls and rescans after a sequence gap, so every path reports the same way.
 */

export type CccpChange =
  | { kind: 'queueUpdated'; queue: QueueView }
  | { kind: 'agentUpdated'; agent: AgentView }
  | { kind: 'agentRemoved'; agentId: string }
  | { kind: 'callUpdated'; call: CallView }
  | { kind: 'callEnded'; call: CallView }
  | { kind: 'taskUpdated'; task: TaskView }
  | { kind: 'taskEnded'; task: TaskView };

/** What one connection remembers between diffs; a new connection starts a new memory. */
export interface CccpChangeMemory {
  /** Calls reported ended, or already ended in the snapshot: never reported (ended) again. */
  endedCalls: Set<string>;
  endedTasks: Set<string>;
  /**
   * Calls gone from every view without an end state, waiting out the grace before they are
   * reported ended: a call handed from a queue to an agent may leave one view a moment before
   * it shows in the other. `since` is local clock time (ms), `observedAt` platform time.
   */
  vanishing: Map<string, { call: CallView; since: number; observedAt: Date }>;
}

export function newChangeMemory(): CccpChangeMemory {
  return { endedCalls: new Set(), endedTasks: new Set(), vanishing: new Map() };
}

const isTerminal = (task: TaskView) => task.state === 'completed' || task.state === 'cancelled';

/**
 * The snapshot of a (re)connection: live calls and open tasks only. Calls and tasks already over
 * are remembered as ended so they are never reported ended on this connection: what ended while
 * disconnected is the store's to settle from the snapshot.
 */
export function snapshotOf(
  state: CccpDerivedState,
  memory: CccpChangeMemory,
  at: Date,
): ContactCentreSnapshot {
  memory.vanishing.clear();
  const calls: CallView[] = [];
  for (const call of state.calls.values()) {
    if (call.state === 'ended') memory.endedCalls.add(call.callId);
    else calls.push(call);
  }
  const tasks: TaskView[] = [];
  for (const task of state.tasks.values()) {
    if (isTerminal(task)) memory.endedTasks.add(task.taskId);
    else tasks.push(task);
  }
  return {
    calls,
    agents: [...state.agents.values()],
    queues: [...state.queues.values()],
    tasks,
    at,
  };
}

/** JSON with sorted keys: two views are the same when this is. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) => {
    if (item === null || typeof item !== 'object' || Array.isArray(item)) return item;
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(item).sort())
      sorted[key] = (item as Record<string, unknown>)[key];
    return sorted;
  });
}

export function sameView(a: unknown, b: unknown): boolean {
  return canonical(a) === canonical(b);
}

/** A call that ended: its end time, disposition and completed hold filled in. */
export function endCall(call: CallView, last: CallView | undefined, endedAt: Date): CallView {
  const end = call.endedAt ?? endedAt;
  const ended: CallView = { ...call, state: 'ended', endedAt: end };
  if (ended.holdStartedAt !== undefined) {
    const held = (end.getTime() - ended.holdStartedAt.getTime()) / 1000;
    ended.holdSeconds += Math.max(0, Math.round(held));
    delete ended.holdStartedAt;
  }
  ended.disposition ??= last
    ? inferDisposition(last)
    : inferDisposition({ ...call, state: 'ended' });
  return ended;
}

export interface CccpDiffOptions {
  /** Platform time of the change (end time of calls that vanished). */
  observedAt: Date;
  /** Local clock, ms: measures the grace of vanished calls. */
  now: number;
  /** How long a call may be missing from every view before it is reported ended. */
  endGraceMs: number;
}

/**
 * The changes from `previous` to `next`, in the order a store applies them best: queues, agents,
 * tasks, then calls. Updates only what differs; a call or task is reported ended once.
 */
export function diffCccpStates(
  previous: CccpDerivedState,
  next: CccpDerivedState,
  memory: CccpChangeMemory,
  options: CccpDiffOptions,
): CccpChange[] {
  const changes: CccpChange[] = [];
  for (const [id, queue] of next.queues) {
    const before = previous.queues.get(id);
    if (!before || !sameView(before, queue)) changes.push({ kind: 'queueUpdated', queue });
  }
  for (const [id, agent] of next.agents) {
    const before = previous.agents.get(id);
    if (!before || !sameView(before, agent)) changes.push({ kind: 'agentUpdated', agent });
  }
  for (const id of previous.agents.keys()) {
    if (!next.agents.has(id)) changes.push({ kind: 'agentRemoved', agentId: id });
  }
  for (const [id, task] of next.tasks) {
    if (memory.endedTasks.has(id)) continue;
    if (isTerminal(task)) {
      memory.endedTasks.add(id);
      changes.push({ kind: 'taskEnded', task });
      continue;
    }
    const before = previous.tasks.get(id);
    if (!before || !sameView(before, task)) changes.push({ kind: 'taskUpdated', task });
  }
  for (const [id, call] of next.calls) {
    if (memory.endedCalls.has(id)) continue;
    const before = previous.calls.get(id) ?? memory.vanishing.get(id)?.call;
    memory.vanishing.delete(id);
    if (call.state === 'ended') {
      memory.endedCalls.add(id);
      changes.push({ kind: 'callEnded', call: endCall(call, before, options.observedAt) });
      continue;
    }
    if (!before || !sameView(before, call)) changes.push({ kind: 'callUpdated', call });
  }
  for (const [id, call] of previous.calls) {
    if (next.calls.has(id) || memory.endedCalls.has(id) || memory.vanishing.has(id)) continue;
    memory.vanishing.set(id, { call, since: options.now, observedAt: options.observedAt });
  }
  for (const [id, gone] of memory.vanishing) {
    if (options.now - gone.since < options.endGraceMs) continue;
    memory.vanishing.delete(id);
    memory.endedCalls.add(id);
    changes.push({ kind: 'callEnded', call: endCall(gone.call, gone.call, gone.observedAt) });
  }
  return changes;
}

/** When the next vanished call's grace runs out (local ms), if any call is vanishing. */
export function nextEndDeadline(memory: CccpChangeMemory, endGraceMs: number): number | undefined {
  let earliest: number | undefined;
  for (const gone of memory.vanishing.values()) {
    const deadline = gone.since + endGraceMs;
    if (earliest === undefined || deadline < earliest) earliest = deadline;
  }
  return earliest;
}

/** Hands one change to the sink. */
export function applyChange(sink: ContactCentreSink, change: CccpChange, observedAt: Date): void {
  switch (change.kind) {
    case 'queueUpdated':
      return sink.queueUpdated(change.queue, observedAt);
    case 'agentUpdated':
      return sink.agentUpdated(change.agent, observedAt);
    case 'agentRemoved':
      return sink.agentRemoved(change.agentId, observedAt);
    case 'callUpdated':
      return sink.callUpdated(change.call, observedAt);
    case 'callEnded':
      return sink.callEnded(change.call, observedAt);
    case 'taskUpdated':
      return sink.taskUpdated(change.task, observedAt);
    case 'taskEnded':
      return sink.taskEnded(change.task, observedAt);
  }
}
