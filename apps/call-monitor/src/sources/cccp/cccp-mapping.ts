import {
  type AgentState,
  type AgentView,
  type CallDirection,
  type CallDisposition,
  type CallState,
  type CallView,
  type QueueView,
  type TaskState,
  type TaskView,
} from '../contact-centre-source';
import { type DispatchFieldValue, type DispatchFields } from './dispatch-client';

/**
 * How CCCP objects become platform-neutral views. Three views are read: `sessions` (an agent's
 * login session and its current communication), `queues` (tasks waiting in a queue) and `tasks`.
 * Calls come from sessions and from queued call tasks, merged by call id. Field names and their
 * meaning are listed in PROTOCOL.md; numbers are passed on raw.
 */

export type CccpObjectType = 'sessions' | 'queues' | 'tasks';

/** Read in this order, so a call moving from a queue to an agent is seen in one or the other. */
export const CCCP_OBJECT_TYPES: readonly CccpObjectType[] = ['queues', 'sessions', 'tasks'];

export const SESSION_FIELDS = [
  'login',
  'user_name',
  'profile',
  'session_state',
  'state_date',
  'pause_reason',
  'queues',
  'device',
  'call_id',
  'direction',
  'local_number',
  'remote_number',
  'remote_name',
  'connection_state',
  'queue',
  'priority',
  'start_date',
  'answer_date',
  'hold_date',
  'hold_seconds',
  'end_date',
  'release_cause',
] as const;

export const QUEUE_ITEM_FIELDS = [
  'queue',
  'task_type',
  'state',
  'direction',
  'caller',
  'caller_name',
  'called',
  'priority',
  'creation_date',
  'start_date',
  'call_id',
] as const;

export const TASK_FIELDS = [
  'task_type',
  'state',
  'queue',
  'manager',
  'priority',
  'call_id',
  'creation_date',
  'assign_date',
  'start_date',
  'end_date',
] as const;

export const CCCP_VIEW_FIELDS: Readonly<Record<CccpObjectType, readonly string[]>> = {
  sessions: SESSION_FIELDS,
  queues: QUEUE_ITEM_FIELDS,
  tasks: TASK_FIELDS,
};

/** The seed's state classification: a session's `connection_state` or a queued task's `state`. */
export const CALL_STATE_CLASSIFICATION: Readonly<Record<string, CallState>> = {
  alerting: 'ringing',
  ringing: 'ringing',
  offered: 'ringing',
  offering: 'ringing',
  dialing: 'ringing',
  dialling: 'ringing',
  proceeding: 'ringing',
  waiting: 'queued',
  queued: 'queued',
  pending: 'queued',
  connected: 'active',
  active: 'active',
  talking: 'active',
  established: 'active',
  in_progress: 'active',
  conversation: 'active',
  held: 'on_hold',
  hold: 'on_hold',
  on_hold: 'on_hold',
  released: 'ended',
  ended: 'ended',
  terminated: 'ended',
  disconnected: 'ended',
  hung_up: 'ended',
  completed: 'ended',
  idle: 'ended',
  none: 'ended',
  abandoned: 'ended',
  cancelled: 'ended',
  timeout: 'ended',
  no_answer: 'ended',
  busy: 'ended',
  failed: 'ended',
  rejected: 'ended',
};

/** Ending states that say how the call ended. */
const DISPOSITION_BY_END_STATE: Readonly<Record<string, CallDisposition>> = {
  abandoned: 'abandoned',
  cancelled: 'abandoned',
  timeout: 'no_answer',
  no_answer: 'no_answer',
  busy: 'busy',
  failed: 'failed',
  rejected: 'failed',
};

export const AGENT_STATE_CLASSIFICATION: Readonly<Record<string, AgentState>> = {
  logged_out: 'logged_out',
  logout: 'logged_out',
  disconnected: 'logged_out',
  offline: 'logged_out',
  ready: 'available',
  available: 'available',
  idle: 'available',
  free: 'available',
  ringing: 'ringing',
  alerting: 'ringing',
  offered: 'ringing',
  busy: 'on_call',
  on_call: 'on_call',
  in_call: 'on_call',
  in_communication: 'on_call',
  communicating: 'on_call',
  talking: 'on_call',
  connected: 'on_call',
  wrap_up: 'wrap_up',
  wrapup: 'wrap_up',
  after_call_work: 'wrap_up',
  acw: 'wrap_up',
  post_processing: 'wrap_up',
  paused: 'paused',
  pause: 'paused',
  not_ready: 'paused',
  break: 'paused',
  away: 'paused',
};

export const TASK_STATE_CLASSIFICATION: Readonly<Record<string, TaskState>> = {
  created: 'created',
  new: 'created',
  queued: 'queued',
  waiting: 'queued',
  pending: 'queued',
  assigned: 'assigned',
  offered: 'assigned',
  alerting: 'assigned',
  ringing: 'assigned',
  in_progress: 'in_progress',
  processing: 'in_progress',
  handling: 'in_progress',
  active: 'in_progress',
  started: 'in_progress',
  connected: 'in_progress',
  completed: 'completed',
  done: 'completed',
  closed: 'completed',
  finished: 'completed',
  ended: 'completed',
  released: 'completed',
  terminated: 'completed',
  cancelled: 'cancelled',
  canceled: 'cancelled',
  abandoned: 'cancelled',
  expired: 'cancelled',
  rejected: 'cancelled',
  failed: 'cancelled',
  timeout: 'cancelled',
};

const DIRECTION_CLASSIFICATION: Readonly<Record<string, CallDirection>> = {
  in: 'inbound',
  inbound: 'inbound',
  incoming: 'inbound',
  out: 'outbound',
  outbound: 'outbound',
  outgoing: 'outbound',
  internal: 'internal',
  local: 'internal',
};

/** `On Hold`, `on-hold` and `ON_HOLD` read the same. */
function stateKey(raw: string): string {
  return raw
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, '_');
}

function lookup<T>(table: Readonly<Record<string, T>>, raw: string): T | undefined {
  const key = stateKey(raw);
  return Object.hasOwn(table, key) ? table[key] : undefined;
}

export function classifyCallState(raw: string): CallState | undefined {
  return lookup(CALL_STATE_CLASSIFICATION, raw);
}

export function classifyAgentState(raw: string): AgentState | undefined {
  return lookup(AGENT_STATE_CLASSIFICATION, raw);
}

export function classifyTaskState(raw: string): TaskState | undefined {
  return lookup(TASK_STATE_CLASSIFICATION, raw);
}

/**
 * How an ended call ended, when its end state or release cause says (`busy`, `abandoned`...);
 * undefined when only its history can tell (see `inferDisposition`).
 */
export function endDispositionHint(
  rawState: string,
  releaseCause?: string,
): CallDisposition | undefined {
  const byState = lookup(DISPOSITION_BY_END_STATE, rawState);
  if (byState) return byState;
  if (releaseCause === undefined) return undefined;
  if (/busy/i.test(releaseCause)) return 'busy';
  if (/no.?answer|timeout/i.test(releaseCause)) return 'no_answer';
  if (/abandon/i.test(releaseCause)) return 'abandoned';
  if (/congest|fail|unreachable|reject|error/i.test(releaseCause)) return 'failed';
  return undefined;
}

/**
 * How a call ended judging from what was last seen of it: answered once active or answered,
 * abandoned when it left a queue (or rang an agent from a queue) unanswered, no answer when it
 * rang without a queue.
 */
export function inferDisposition(last: CallView): CallDisposition {
  if (last.answeredAt !== undefined) return 'answered';
  switch (last.state) {
    case 'active':
    case 'on_hold':
      return 'answered';
    case 'queued':
      return 'abandoned';
    case 'ringing':
      return last.queueId !== undefined ? 'abandoned' : 'no_answer';
    case 'ended':
      return last.disposition ?? 'unknown';
  }
}

/** A value of one item that cannot be mapped: says which view, item and field, and why. */
export class CccpMappingError extends Error {
  override name = 'CccpMappingError';
  constructor(
    readonly objectType: CccpObjectType,
    readonly itemId: string,
    detail: string,
  ) {
    super(`${objectType} item '${itemId}': ${detail}`);
  }
}

export interface CccpMappingProblem {
  objectType: CccpObjectType;
  itemId: string;
  reason: string;
}

/** The objects of the three views, by item id. */
export type CccpRows = Readonly<Record<CccpObjectType, ReadonlyMap<string, DispatchFields>>>;

/** Everything the source knows, as views, by id. */
export interface CccpDerivedState {
  calls: Map<string, CallView>;
  agents: Map<string, AgentView>;
  tasks: Map<string, TaskView>;
  queues: Map<string, QueueView>;
}

export function emptyDerivedState(): CccpDerivedState {
  return { calls: new Map(), agents: new Map(), tasks: new Map(), queues: new Map() };
}

const ISO_DATE_WITH_ZONE =
  /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/i;

/** Typed reads of one item's fields; a bad value throws a `CccpMappingError` naming the field. */
class ItemReader {
  constructor(
    readonly objectType: CccpObjectType,
    readonly itemId: string,
    private readonly fields: DispatchFields,
  ) {}

  error(detail: string): CccpMappingError {
    return new CccpMappingError(this.objectType, this.itemId, detail);
  }

  private raw(field: string): DispatchFieldValue | undefined {
    return Object.hasOwn(this.fields, field) ? this.fields[field] : undefined;
  }

  /** The field as text; empty and null read as absent. */
  text(field: string): string | undefined {
    const value = this.raw(field);
    if (value === undefined || value === null) return undefined;
    const text = String(value).trim();
    return text === '' ? undefined : text;
  }

  integer(field: string): number | undefined {
    const text = this.text(field);
    if (text === undefined) return undefined;
    const value = Number(text);
    if (!Number.isInteger(value)) {
      throw this.error(`field '${field}' should be an integer but is ${JSON.stringify(text)}`);
    }
    return value;
  }

  date(field: string): Date | undefined {
    const text = this.text(field);
    if (text === undefined) return undefined;
    const date = ISO_DATE_WITH_ZONE.test(text) ? new Date(text) : undefined;
    if (!date || Number.isNaN(date.getTime())) {
      throw this.error(
        `field '${field}' should be an ISO 8601 date with a zone but is ${JSON.stringify(text)}`,
      );
    }
    return date;
  }

  list(field: string): string[] {
    const text = this.text(field);
    if (text === undefined) return [];
    return text
      .split(',')
      .map((part) => part.trim())
      .filter((part) => part !== '');
  }

  classified<T>(field: string, table: Readonly<Record<string, T>>, what: string): T {
    const text = this.text(field);
    if (text === undefined) throw this.error(`field '${field}' (${what}) is missing`);
    const value = lookup(table, text);
    if (value === undefined) {
      throw this.error(`field '${field}' has an unknown ${what} ${JSON.stringify(text)}`);
    }
    return value;
  }

  direction(): CallDirection {
    const text = this.text('direction');
    if (text === undefined) return 'inbound';
    const value = lookup(DIRECTION_CLASSIFICATION, text);
    if (value === undefined) {
      throw this.error(`field 'direction' has an unknown direction ${JSON.stringify(text)}`);
    }
    return value;
  }
}

/** Drops the keys whose value is undefined, so equal views compare equal. */
function compact<T extends object>(value: T): T {
  for (const key of Object.keys(value) as (keyof T)[]) {
    if (value[key] === undefined) delete value[key];
  }
  return value;
}

export interface MappedSession {
  agent: AgentView;
  /** The session's current (or last) communication, when it has a call id. */
  call?: CallView;
  /** Why the communication could not be mapped (the agent still is). */
  callProblem?: string;
}

/**
 * A session: the agent (by login) and its communication. `previous` keeps times the server does
 * not give stable (a state's start first seen at `observedAt`).
 */
export function mapSession(
  itemId: string,
  fields: DispatchFields,
  previous: CccpDerivedState | undefined,
  observedAt: Date,
): MappedSession {
  const item = new ItemReader('sessions', itemId, fields);
  const login = item.text('login');
  if (login === undefined) throw item.error("field 'login' is missing");
  const state = item.classified('session_state', AGENT_STATE_CLASSIFICATION, 'session state');
  const before = previous?.agents.get(login);
  let call: CallView | undefined;
  let callProblem: string | undefined;
  try {
    call = mapSessionCall(item, login, previous, observedAt);
  } catch (error) {
    if (!(error instanceof CccpMappingError)) throw error;
    callProblem = error.message;
  }
  const agent = compact<AgentView>({
    agentId: login,
    login,
    name: item.text('user_name'),
    profile: item.text('profile'),
    state,
    stateSince:
      item.date('state_date') ??
      (before?.state === state ? before.stateSince : undefined) ??
      observedAt,
    queues: item.list('queues'),
    pausedReason: state === 'paused' ? item.text('pause_reason') : undefined,
    currentCallId: call && call.state !== 'ended' ? call.callId : undefined,
    device: item.text('device'),
  });
  return compact<MappedSession>({ agent, call, callProblem });
}

function mapSessionCall(
  item: ItemReader,
  login: string,
  previous: CccpDerivedState | undefined,
  observedAt: Date,
): CallView | undefined {
  const callId = item.text('call_id');
  if (callId === undefined) return undefined;
  const rawState = item.text('connection_state');
  if (rawState === undefined) {
    throw item.error(`call '${callId}' has no 'connection_state'`);
  }
  const state = classifyCallState(rawState);
  if (state === undefined) {
    throw item.error(
      `field 'connection_state' of call '${callId}' has an unknown state ${JSON.stringify(rawState)}`,
    );
  }
  const before = previous?.calls.get(callId);
  const releaseCause = item.text('release_cause');
  return compact<CallView>({
    callId,
    direction: item.direction(),
    state,
    localNumber: item.text('local_number'),
    remoteNumber: item.text('remote_number'),
    remoteName: item.text('remote_name'),
    startedAt: item.date('start_date') ?? before?.startedAt ?? observedAt,
    queueId: item.text('queue'),
    answeredAt: item.date('answer_date') ?? before?.answeredAt,
    agentId: login,
    holdStartedAt:
      state === 'on_hold'
        ? (item.date('hold_date') ??
          (before?.state === 'on_hold' ? before.holdStartedAt : undefined))
        : undefined,
    holdSeconds: item.integer('hold_seconds') ?? 0,
    transfers: [],
    priority: item.integer('priority'),
    endedAt: state === 'ended' ? item.date('end_date') : undefined,
    disposition: state === 'ended' ? endDispositionHint(rawState, releaseCause) : undefined,
    endCause: releaseCause,
    attributes: { cccpSessionId: item.itemId },
  });
}

/**
 * A task waiting in a queue, as a call when it is a call task (`task_type` absent or `call`);
 * undefined for other tasks (e-mails, callbacks...), which show in the tasks view. The call id is
 * the task's `call_id`, or the task id when it has none.
 */
export function mapQueueItem(
  itemId: string,
  fields: DispatchFields,
  previous: CccpDerivedState | undefined,
  observedAt: Date,
): CallView | undefined {
  const item = new ItemReader('queues', itemId, fields);
  const type = item.text('task_type') ?? 'call';
  if (type.toLowerCase() !== 'call') return undefined;
  const callId = item.text('call_id') ?? itemId;
  const rawState = item.text('state') ?? 'waiting';
  const state = classifyCallState(rawState);
  if (state === undefined) {
    throw item.error(`field 'state' has an unknown state ${JSON.stringify(rawState)}`);
  }
  const createdAt =
    item.date('creation_date') ?? previous?.calls.get(callId)?.startedAt ?? observedAt;
  return compact<CallView>({
    callId,
    direction: item.direction(),
    state,
    localNumber: item.text('called'),
    remoteNumber: item.text('caller'),
    remoteName: item.text('caller_name'),
    startedAt: createdAt,
    queuedAt: item.date('start_date') ?? createdAt,
    queueId: item.text('queue'),
    holdSeconds: 0,
    transfers: [],
    priority: item.integer('priority'),
    disposition: state === 'ended' ? endDispositionHint(rawState) : undefined,
    attributes: { cccpTaskId: itemId },
  });
}

export function mapTask(
  itemId: string,
  fields: DispatchFields,
  previous: CccpDerivedState | undefined,
  observedAt: Date,
): TaskView {
  const item = new ItemReader('tasks', itemId, fields);
  const state = item.classified('state', TASK_STATE_CLASSIFICATION, 'task state');
  const before = previous?.tasks.get(itemId);
  const terminal = state === 'completed' || state === 'cancelled';
  return compact<TaskView>({
    taskId: itemId,
    type: item.text('task_type') ?? 'unknown',
    state,
    queueId: item.text('queue'),
    managerId: item.text('manager'),
    priority: item.integer('priority'),
    callId: item.text('call_id'),
    createdAt: item.date('creation_date') ?? before?.createdAt ?? observedAt,
    assignedAt: item.date('assign_date'),
    startedAt: item.date('start_date'),
    endedAt: item.date('end_date') ?? (terminal ? (before?.endedAt ?? observedAt) : undefined),
  });
}

const CALL_STATE_RANK: Readonly<Record<CallState, number>> = {
  active: 5,
  on_hold: 4,
  ringing: 3,
  queued: 2,
  ended: 1,
};

interface CallCandidate {
  call: CallView;
  fromSession: boolean;
}

/**
 * One view per call from every object that mentions it: the liveliest wins (active over on hold
 * over ringing over queued over ended; a session over a queued task at equal state), and fills
 * what it lacks from the others (queue, queue time, priority, caller name, earliest start).
 */
function mergeCall(candidates: CallCandidate[]): CallView {
  const ordered = [...candidates].sort(
    (a, b) =>
      CALL_STATE_RANK[b.call.state] - CALL_STATE_RANK[a.call.state] ||
      Number(b.fromSession) - Number(a.fromSession),
  );
  const merged: CallView = { ...ordered[0].call };
  const attributes: Record<string, string> = {};
  for (const { call } of [...ordered].reverse()) Object.assign(attributes, call.attributes);
  for (const { call } of ordered.slice(1)) {
    if (call.startedAt < merged.startedAt) merged.startedAt = call.startedAt;
    merged.queuedAt ??= call.queuedAt;
    merged.queueId ??= call.queueId;
    merged.priority ??= call.priority;
    merged.remoteName ??= call.remoteName;
    merged.localNumber ??= call.localNumber;
    merged.remoteNumber ??= call.remoteNumber;
    merged.answeredAt ??= call.answeredAt;
  }
  merged.attributes = attributes;
  return compact(merged);
}

/**
 * What a call was keeps true when the object that said it is gone: once a queued task is handed
 * to an agent, the call still came through that queue at that time, from that caller.
 */
function carryHistory(call: CallView, before: CallView | undefined): CallView {
  if (!before) return call;
  const carried: CallView = { ...call };
  if (before.startedAt < carried.startedAt) carried.startedAt = before.startedAt;
  carried.queuedAt ??= before.queuedAt;
  carried.queueId ??= before.queueId;
  carried.priority ??= before.priority;
  carried.remoteName ??= before.remoteName;
  carried.remoteNumber ??= before.remoteNumber;
  carried.localNumber ??= before.localNumber;
  carried.answeredAt ??= before.answeredAt;
  if (before.attributes) carried.attributes = { ...before.attributes, ...call.attributes };
  return compact(carried);
}

function sortedEntries(map: ReadonlyMap<string, DispatchFields>): [string, DispatchFields][] {
  return [...map.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * The views of everything in `rows`. A bad item is left out and reported in `problems` (with
 * what is wrong and where); the others are mapped. `previous` keeps fallback times stable and the
 * queues already known. Queues are the names the objects mention.
 */
export function deriveCccpState(
  rows: CccpRows,
  previous: CccpDerivedState | undefined,
  observedAt: Date,
): { state: CccpDerivedState; problems: CccpMappingProblem[] } {
  const state = emptyDerivedState();
  const problems: CccpMappingProblem[] = [];
  const candidates = new Map<string, CallCandidate[]>();
  const queueNames = new Set<string>();
  const addCall = (call: CallView, fromSession: boolean) => {
    const list = candidates.get(call.callId) ?? [];
    list.push({ call, fromSession });
    candidates.set(call.callId, list);
    if (call.queueId !== undefined) queueNames.add(call.queueId);
  };
  const attempt = (objectType: CccpObjectType, itemId: string, map: () => void) => {
    try {
      map();
    } catch (error) {
      if (!(error instanceof CccpMappingError)) throw error;
      problems.push({ objectType, itemId, reason: error.message });
    }
  };

  for (const [itemId, fields] of sortedEntries(rows.queues)) {
    attempt('queues', itemId, () => {
      const call = mapQueueItem(itemId, fields, previous, observedAt);
      if (call) addCall(call, false);
    });
  }
  for (const [itemId, fields] of sortedEntries(rows.sessions)) {
    attempt('sessions', itemId, () => {
      const { agent, call, callProblem } = mapSession(itemId, fields, previous, observedAt);
      if (callProblem !== undefined)
        problems.push({ objectType: 'sessions', itemId, reason: callProblem });
      if (call) addCall(call, true);
      for (const queue of agent.queues) queueNames.add(queue);
      // One login with two sessions: the one logged in wins, else the first by session id.
      const existing = state.agents.get(agent.agentId);
      if (!existing || (existing.state === 'logged_out' && agent.state !== 'logged_out')) {
        state.agents.set(agent.agentId, agent);
      }
    });
  }
  for (const [itemId, fields] of sortedEntries(rows.tasks)) {
    attempt('tasks', itemId, () => {
      const task = mapTask(itemId, fields, previous, observedAt);
      state.tasks.set(task.taskId, task);
      if (task.queueId !== undefined) queueNames.add(task.queueId);
    });
  }
  for (const [callId, list] of candidates) {
    state.calls.set(callId, carryHistory(mergeCall(list), previous?.calls.get(callId)));
  }
  // The sink has no queue removal: a queue once seen stays known until the next snapshot.
  for (const name of previous?.queues.keys() ?? []) queueNames.add(name);
  for (const name of [...queueNames].sort()) state.queues.set(name, { queueId: name, name });
  return { state, problems };
}
