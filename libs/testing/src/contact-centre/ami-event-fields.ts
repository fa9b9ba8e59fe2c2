import {
  CHANNEL_STATE_DESC,
  type SimAgent,
  type SimBridge,
  type SimChannel,
  type SimQueue,
} from './contact-centre-state';

/** Fields of one frame in wire order. */
export type AmiFields = [string, string][];

/**
 * A channel snapshot as Asterisk 18/20 writes it, every key prefixed (`Dest`, `Transferee`...):
 * Channel, ChannelState, ChannelStateDesc, CallerIDNum/Name, ConnectedLineNum/Name, Language,
 * AccountCode, Context, Exten, Priority, Uniqueid, Linkedid.
 */
export function channelFields(channel: SimChannel, language: string, prefix = ''): AmiFields {
  return [
    [`${prefix}Channel`, channel.name],
    [`${prefix}ChannelState`, String(channel.state)],
    [`${prefix}ChannelStateDesc`, CHANNEL_STATE_DESC[channel.state]],
    [`${prefix}CallerIDNum`, channel.callerNum],
    [`${prefix}CallerIDName`, channel.callerName],
    [`${prefix}ConnectedLineNum`, channel.connectedNum],
    [`${prefix}ConnectedLineName`, channel.connectedName],
    [`${prefix}Language`, language],
    [`${prefix}AccountCode`, ''],
    [`${prefix}Context`, channel.context],
    [`${prefix}Exten`, channel.exten],
    [`${prefix}Priority`, String(channel.priority)],
    [`${prefix}Uniqueid`, channel.uniqueid],
    [`${prefix}Linkedid`, channel.linkedid],
  ];
}

/** A bridge snapshot (`Orig`, `Second`... prefixes for transfers). */
export function bridgeFields(bridge: SimBridge, numChannels: number, prefix = ''): AmiFields {
  return [
    [`${prefix}BridgeUniqueid`, bridge.id],
    [`${prefix}BridgeType`, 'basic'],
    [`${prefix}BridgeTechnology`, 'simple_bridge'],
    [`${prefix}BridgeCreator`, '<unknown>'],
    [`${prefix}BridgeName`, '<unknown>'],
    [`${prefix}BridgeNumChannels`, String(numChannels)],
    [`${prefix}BridgeVideoSourceMode`, 'none'],
  ];
}

/** Asterisk device states of a queue member. */
export const DEVICE_NOT_INUSE = 1;
export const DEVICE_INUSE = 2;
export const DEVICE_RINGING = 6;

/** Device state of an agent's phone as Asterisk sees it. */
export function deviceStatus(agent: SimAgent): number {
  switch (agent.state) {
    case 'ringing':
      return DEVICE_RINGING;
    case 'on_call':
      return DEVICE_INUSE;
    case 'available':
    case 'wrap_up':
    case 'paused':
      // A paused agent can still be on the phone (an outbound call placed before pausing).
      return agent.currentCall ? DEVICE_INUSE : DEVICE_NOT_INUSE;
  }
}

/**
 * A queue membership as `QueueMemberStatus` / `QueueMemberPause` carry it. `wrapUpSeconds` is
 * the member's `Wrapuptime` (the simulator gives each member its queue's wrap-up).
 */
export function memberFields(agent: SimAgent, queue: SimQueue): AmiFields {
  return [
    ['Queue', queue.name],
    ['MemberName', agent.name],
    ['Interface', agent.interface],
    ['StateInterface', agent.interface],
    ['Membership', 'dynamic'],
    ['Penalty', '0'],
    ['CallsTaken', String(agent.callsTaken.get(queue.name) ?? 0)],
    ['LastCall', String(agent.lastCallSec)],
    ['LastPause', String(agent.lastPauseSec)],
    ['LoginTime', String(agent.loginTimeSec)],
    ['InCall', agent.inCallQueue === queue.name ? '1' : '0'],
    ['Status', String(deviceStatus(agent))],
    ['Paused', agent.pausedReason === undefined ? '0' : '1'],
    ['PausedReason', agent.pausedReason ?? ''],
    ['Ringinuse', '0'],
    ['Wrapuptime', String(queue.config.wrapUpSeconds)],
  ];
}

/** `QueueMember` of a `QueueStatus` answer (Asterisk 18: `Name`/`Location`, no `Ringinuse`). */
export function queueStatusMemberFields(agent: SimAgent, queue: SimQueue): AmiFields {
  return [
    ['Event', 'QueueMember'],
    ['Queue', queue.name],
    ['Name', agent.name],
    ['Location', agent.interface],
    ['StateInterface', agent.interface],
    ['Membership', 'dynamic'],
    ['Penalty', '0'],
    ['CallsTaken', String(agent.callsTaken.get(queue.name) ?? 0)],
    ['LastCall', String(agent.lastCallSec)],
    ['LastPause', String(agent.lastPauseSec)],
    ['LoginTime', String(agent.loginTimeSec)],
    ['InCall', agent.inCallQueue === queue.name ? '1' : '0'],
    ['Status', String(deviceStatus(agent))],
    ['Paused', agent.pausedReason === undefined ? '0' : '1'],
    ['PausedReason', agent.pausedReason ?? ''],
    ['Wrapuptime', String(queue.config.wrapUpSeconds)],
  ];
}

/** `QueueParams` of a `QueueStatus` answer. */
export function queueParamsFields(queue: SimQueue): AmiFields {
  const { stats } = queue;
  const perf = stats.completed > 0 ? (100 * stats.completedInServiceLevel) / stats.completed : 0;
  const offered = stats.completed + stats.abandoned;
  const perf2 =
    offered > 0
      ? (100 * (stats.completedInServiceLevel + stats.abandonedInServiceLevel)) / offered
      : 0;
  return [
    ['Event', 'QueueParams'],
    ['Queue', queue.name],
    ['Max', '0'],
    ['Strategy', 'leastrecent'],
    ['Calls', String(queue.waiting.length)],
    ['Holdtime', String(Math.round(stats.holdTimeAverage))],
    ['TalkTime', String(Math.round(stats.talkTimeAverage))],
    ['Completed', String(stats.completed)],
    ['Abandoned', String(stats.abandoned)],
    ['ServiceLevel', String(queue.config.serviceLevelSeconds)],
    ['ServicelevelPerf', perf.toFixed(1)],
    ['ServicelevelPerf2', perf2.toFixed(1)],
    ['Weight', String(queue.config.weight)],
  ];
}

/** `CoreShowChannel` of a `CoreShowChannels` answer. */
export function coreShowChannelFields(
  channel: SimChannel,
  language: string,
  nowMs: number,
): AmiFields {
  return [
    ['Event', 'CoreShowChannel'],
    ...channelFields(channel, language),
    ['BridgeId', channel.bridge?.id ?? ''],
    ['Application', channel.application],
    ['ApplicationData', channel.applicationData],
    ['Duration', hms(Math.max(0, Math.floor((nowMs - channel.createdAtMs) / 1000)))],
  ];
}

/** `HH:MM:SS`, as Asterisk formats channel durations. */
export function hms(totalSeconds: number): string {
  const h = Math.floor(totalSeconds / 3600);
  const m = Math.floor((totalSeconds % 3600) / 60);
  const s = totalSeconds % 60;
  return [h, m, s].map((n) => String(n).padStart(2, '0')).join(':');
}
