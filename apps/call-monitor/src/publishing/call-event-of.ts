import { create } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import {
  type CallEvent,
  CallEvent_AgentSchema,
  CallEvent_CallSchema,
  CallEvent_QueueSchema,
  CallEvent_TaskSchema,
  CallEventKind,
  CallEventSchema,
} from '@telcomesh/contracts';
import { randomUUID } from 'node:crypto';
import {
  holdSecondsOf,
  type LiveAgent,
  type LiveCall,
  type LiveChange,
  type LiveQueue,
  type LiveTask,
  waitSecondsOf,
} from '../live/live-board';

const ts = (date: Date | undefined) => (date ? timestampFromDate(date) : undefined);

export function callMessageOf(call: LiveCall, now: Date) {
  return create(CallEvent_CallSchema, {
    callId: call.callId,
    direction: call.direction,
    state: call.state,
    localNumber: call.localNumber ?? '',
    remoteNumber: call.remoteNumber ?? '',
    remoteName: call.remoteName ?? '',
    queueId: call.queueId ?? '',
    agentId: call.agentId ?? '',
    startedAt: ts(call.startedAt),
    queuedAt: ts(call.queuedAt),
    answeredAt: ts(call.answeredAt),
    endedAt: ts(call.endedAt),
    waitSeconds: waitSecondsOf(call, call.endedAt ?? now),
    holdSeconds: holdSecondsOf(call, call.endedAt ?? now),
    transfers: call.transfers.length,
    disposition: call.disposition ?? '',
  });
}

function agentMessageOf(agent: LiveAgent) {
  return create(CallEvent_AgentSchema, {
    agentId: agent.agentId,
    login: agent.login,
    name: agent.name ?? '',
    profile: agent.profile ?? '',
    state: agent.state,
    stateSince: ts(agent.stateSince),
    queues: agent.queues,
    pausedReason: agent.pausedReason ?? '',
    currentCallId: agent.currentCallId ?? '',
  });
}

function queueMessageOf(queue: LiveQueue, now: Date) {
  return create(CallEvent_QueueSchema, {
    queueId: queue.queueId,
    name: queue.name,
    waiting: queue.waiting,
    longestWaitSeconds: queue.oldestQueuedAt
      ? Math.max(0, (now.getTime() - queue.oldestQueuedAt.getTime()) / 1000)
      : 0,
    agentsLoggedIn: queue.agentsLoggedIn,
    agentsAvailable: queue.agentsAvailable,
    priority: queue.priority ?? 0,
  });
}

function taskMessageOf(task: LiveTask) {
  return create(CallEvent_TaskSchema, {
    taskId: task.taskId,
    type: task.type,
    state: task.state,
    queueId: task.queueId ?? '',
    managerId: task.managerId ?? '',
    priority: task.priority ?? 0,
    createdAt: ts(task.createdAt),
    startedAt: ts(task.startedAt),
    endedAt: ts(task.endedAt),
  });
}

/** "<source>/<kind>/<id>": the partition key that keeps one entity's changes in order. */
export function entityKeyOf(change: LiveChange): string {
  switch (change.kind) {
    case 'call_updated':
    case 'call_ended':
      return `${change.sourceId}/call/${change.call.callId}`;
    case 'agent_updated':
      return `${change.sourceId}/agent/${change.agent.agentId}`;
    case 'agent_removed':
      return `${change.sourceId}/agent/${change.agentId}`;
    case 'queue_updated':
      return `${change.sourceId}/queue/${change.queue.queueId}`;
    case 'task_updated':
    case 'task_ended':
      return `${change.sourceId}/task/${change.task.taskId}`;
  }
}

/** The `calls.events.v1` message for one live change. */
export function callEventOf(change: LiveChange, tenantId: string, now: Date): CallEvent {
  const base = {
    eventId: randomUUID(),
    entityKey: entityKeyOf(change),
    tenantId,
    sourceId: change.sourceId,
    observedAt: timestampFromDate(change.observedAt),
  };
  switch (change.kind) {
    case 'call_updated':
      return create(CallEventSchema, {
        ...base,
        kind: CallEventKind.CALL_UPDATED,
        call: callMessageOf(change.call, now),
      });
    case 'call_ended':
      return create(CallEventSchema, {
        ...base,
        kind: CallEventKind.CALL_ENDED,
        call: callMessageOf(change.call, now),
      });
    case 'agent_updated':
      return create(CallEventSchema, {
        ...base,
        kind: CallEventKind.AGENT_UPDATED,
        agent: agentMessageOf(change.agent),
      });
    case 'agent_removed':
      return create(CallEventSchema, {
        ...base,
        kind: CallEventKind.AGENT_REMOVED,
        agent: create(CallEvent_AgentSchema, { agentId: change.agentId }),
      });
    case 'queue_updated':
      return create(CallEventSchema, {
        ...base,
        kind: CallEventKind.QUEUE_UPDATED,
        queue: queueMessageOf(change.queue, now),
      });
    case 'task_updated':
      return create(CallEventSchema, {
        ...base,
        kind: CallEventKind.TASK_UPDATED,
        task: taskMessageOf(change.task),
      });
    case 'task_ended':
      return create(CallEventSchema, {
        ...base,
        kind: CallEventKind.TASK_ENDED,
        task: taskMessageOf(change.task),
      });
  }
}
