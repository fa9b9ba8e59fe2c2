import { detachedCopy } from '../detached-copy';
import type {
  AgentState,
  AgentView,
  CallDirection,
  CallDisposition,
  CallState,
  CallTransfer,
  CallView,
  ContactCentreSink,
  ContactCentreSnapshot,
  QueueView,
} from '../contact-centre-source';
import type { AmiLogger } from './ami-connection';
import type { AmiMessage } from './ami-parser';

/** Which channels are trunks (the PSTN side): inbound calls start on one, outbound calls reach one. */
export interface AmiTrunkRules {
  /** Channel name prefixes, e.g. `PJSIP/trunk-`, `DAHDI/`. */
  channelPrefixes: readonly string[];
  /** Dialplan contexts a trunk channel is created in, e.g. `from-trunk`, `from-pstn`. */
  contexts: readonly string[];
}

/** FreePBX's conventional trunk contexts; set your own when the dialplan names them otherwise. */
export const DEFAULT_AMI_TRUNK_RULES: AmiTrunkRules = {
  channelPrefixes: [],
  contexts: ['from-trunk', 'from-pstn'],
};

export interface AmiCallTrackerOptions {
  trunks?: Partial<AmiTrunkRules>;
  /**
   * Wrap-up seconds per queue for members that report none: AMI gives a member's own
   * `Wrapuptime` but not the queue's `wrapuptime` setting.
   */
  queueWrapUpSeconds?: Readonly<Record<string, number>>;
  /** Receive time (epoch ms) for events without a `Timestamp`; `Date.now` by default. */
  nowMs?: () => number;
  logger?: AmiLogger;
  /** How many ended call ids are remembered so a late event never revives one; 10 000. */
  endedMemory?: number;
}

/** What the discovery scan after a login returned. */
export interface AmiDiscoveryScan {
  /** `CoreShowChannel` list events. */
  channels: readonly AmiMessage[];
  /** `QueueParams`, `QueueMember` and `QueueEntry` list events of `QueueStatus`. */
  queueStatus: readonly AmiMessage[];
  /** Platform time of the scan. */
  at: Date;
}

export interface AmiCallTrackerStats {
  /** Events handled (any type). */
  events: number;
  /** Events of a tracked type left aside (incomplete, unknown channel...). */
  ignored: number;
  calls: number;
  channels: number;
  agents: number;
}

type Fields = AmiMessage['fields'];

interface Bridge {
  id: string;
  members: Channel[];
}

interface Channel {
  uniqueid: string;
  name: string;
  /** Channel name without its sequence suffix: `PJSIP/1001-0000001a` → `PJSIP/1001`. */
  device: string;
  trunk: boolean;
  call: CallRecord;
  callerNum?: string;
  callerName?: string;
  exten?: string;
  bridge?: Bridge;
  held: boolean;
  /** It was dialled (DialBegin/AgentCalled destination): its hang-up cause explains a failure. */
  callee: boolean;
  /** Time it has existed at a snapshot, in ms (0 when seen live). */
  ageMs: number;
}

interface TransferRecord {
  kind: 'blind' | 'attended';
  at: number;
  fromAgentId?: string;
  to: string;
}

/** A call being tracked; `origin` and `customer` are set right after construction. */
class CallRecord {
  /** This call's Linkedid and those of consult legs folded into it. */
  readonly linkedids: string[];
  direction: CallDirection = 'internal';
  origin!: Channel;
  /** The customer's channel: the trunk side, or the originator of an internal call. */
  customer!: Channel;
  readonly channels: Channel[] = [];
  answeredAt?: number;
  inQueue = false;
  queueId?: string;
  queuedAt?: number;
  /** A queue dial was answered: the leave that follows is the answer, not a way out. */
  dialAnswered = false;
  abandoned = false;
  agentId?: string;
  missedBy?: string[];
  heldChannels = 0;
  holdStartedAt?: number;
  holdMs = 0;
  readonly transfers: TransferRecord[] = [];
  priority?: number;
  /** Agents ringing for or handling this call, so its end releases them without a scan. */
  readonly agents: Agent[] = [];
  customerCauseText?: string;
  calleeCause?: number;
  calleeCauseText?: string;
  lastCause?: number;
  lastCauseText?: string;
  ended = false;
  endedAt?: number;
  disposition?: CallDisposition;
  endCause?: string;
  pending = false;

  constructor(
    readonly callId: string,
    readonly startedAt: number,
  ) {
    this.linkedids = [callId];
  }
}

interface Membership {
  paused: boolean;
  wrapUpSeconds: number;
}

interface Agent {
  agentId: string;
  login: string;
  name?: string;
  device?: string;
  memberships: Map<string, Membership>;
  /** Device state code of the last member event (AMI `Status`), 0 when unknown. */
  deviceStatus: number;
  inCall: boolean;
  pausedReason?: string;
  ringingCallId?: string;
  currentCallId?: string;
  /** The current call came through a queue: it is over at AgentComplete, not at hang-up. */
  viaQueue: boolean;
  wrapUpUntil: number;
  state: AgentState;
  stateSince: number;
  /** Device keys under which this agent is registered. */
  keys: string[];
  pending: boolean;
}

interface QueueRecord {
  queueId: string;
  priority?: number;
  serviceLevelSeconds?: number;
  strategy?: string;
}

const QUEUE_MEMBER_EVENTS = new Set([
  'QueueMember',
  'QueueMemberStatus',
  'QueueMemberPause',
  'QueueMemberAdded',
  'QueueMemberPenalty',
  'QueueMemberRinginuse',
]);

/** Weight in ms of the first three fraction digits of a `Timestamp`. */
const MS_PLACES = [100, 10, 1];

/** Q.850 causes that mean the far end was busy or refused the call. */
const BUSY_CAUSES = new Set([17, 21]);
/** Causes of a call that simply was not answered (cleared, no reply, cancelled). */
const NO_ANSWER_CAUSES = new Set([0, 16, 18, 19, 31]);

/**
 * The Asterisk side of the call monitor as a pure state machine: fed AMI events (and the
 * discovery scan after each login), it tracks channels, bridges and Linkedid groups and
 * reports platform-neutral calls, agents and queues to a `ContactCentreSink`.
 *
 * - A call is a Linkedid group; it ends with its last channel. Consult legs (an agent who is
 *   on an answered call dials again) are folded into the call they consult for, so an
 *   attended transfer keeps the customer's call id.
 * - Direction: inbound when the first channel is a trunk, outbound once a trunk channel
 *   joins, internal otherwise.
 * - An agent is a queue member, keyed by its `Interface`; its device (`StateInterface`)
 *   identifies its channels.
 * - Unknown, incomplete or unexpected events never throw: they are skipped with a debug log.
 *
 * Hot path: one switch on the event name, exact-case field reads and map look-ups; views are
 * built only when something they show changed.
 */
export class AmiCallTracker {
  private readonly trunkPrefixes: readonly string[];
  private readonly trunkContexts: ReadonlySet<string>;
  private readonly queueWrapUp: Readonly<Record<string, number>>;
  private readonly nowMs: () => number;
  private readonly logger: AmiLogger | undefined;

  private readonly channels = new Map<string, Channel>();
  private readonly calls = new Map<string, CallRecord>();
  private readonly bridges = new Map<string, Bridge>();
  /** Live non-trunk channels per device, to tell a consult leg from a new call. */
  private readonly deviceChannels = new Map<string, Channel[]>();
  private readonly agents = new Map<string, Agent>();
  private readonly agentsByDevice = new Map<string, Agent>();
  private readonly queues = new Map<string, QueueRecord>();
  private readonly wrappingUp = new Set<Agent>();

  private readonly endedIds: (string | undefined)[];
  private readonly endedSet = new Set<string>();
  private endedNext = 0;

  private readonly pendingCalls: CallRecord[] = [];
  private readonly pendingAgents: Agent[] = [];
  private readonly untrackedLogged = new Set<string>();
  private eventCount = 0;
  private ignoredCount = 0;
  /** Building a snapshot: nothing is reported before the snapshot itself. */
  private scanning = false;

  constructor(
    private readonly sink: ContactCentreSink,
    options: AmiCallTrackerOptions = {},
  ) {
    this.trunkPrefixes = options.trunks?.channelPrefixes ?? DEFAULT_AMI_TRUNK_RULES.channelPrefixes;
    this.trunkContexts = new Set(options.trunks?.contexts ?? DEFAULT_AMI_TRUNK_RULES.contexts);
    this.queueWrapUp = options.queueWrapUpSeconds ?? {};
    this.nowMs = options.nowMs ?? Date.now;
    this.logger = options.logger;
    this.endedIds = new Array<string | undefined>(Math.max(1, options.endedMemory ?? 10_000));
  }

  stats(): AmiCallTrackerStats {
    return {
      events: this.eventCount,
      ignored: this.ignoredCount,
      calls: this.calls.size,
      channels: this.channels.size,
      agents: this.agents.size,
    };
  }

  /** Applies one live event. Never throws. */
  handle(message: AmiMessage): void {
    const event = message.event;
    if (event === undefined) return;
    this.eventCount += 1;
    const fields = message.fields;
    const at = this.timeOf(fields);
    try {
      this.apply(event, fields, at);
    } catch (error) {
      // A shape no handler foresaw must not stop the stream; it is a bug to look at, so warn.
      this.ignoredCount += 1;
      this.logger?.warn('AMI event handler failed', {
        event,
        error: error instanceof Error ? error.message : String(error),
      });
    }
    this.flush(at);
  }

  /**
   * Replaces everything known with the discovery scan (the state after a login) and reports
   * it as the sink's snapshot; live events that follow apply on top of it.
   */
  resync(scan: AmiDiscoveryScan): ContactCentreSnapshot {
    this.reset();
    this.scanning = true;
    try {
      return this.scan(scan);
    } finally {
      this.scanning = false;
    }
  }

  private scan(scan: AmiDiscoveryScan): ContactCentreSnapshot {
    const at = scan.at.getTime();
    const entries = new Map<string, Fields>();
    for (const message of scan.queueStatus) {
      const fields = message.fields;
      if (message.event === 'QueueParams') this.queueParams(fields, at);
      else if (message.event === 'QueueMember') this.member(fields, at, 'QueueMember');
      else if (message.event === 'QueueEntry') {
        const key = text(fields, 'Uniqueid') ?? text(fields, 'Channel');
        if (key !== undefined) entries.set(key, fields);
      }
    }
    this.scanChannels(scan.channels, entries, at);
    for (const agent of this.agents.values()) {
      agent.state = this.agentState(agent, at);
      agent.stateSince = at;
    }
    for (const call of this.pendingCalls) call.pending = false;
    for (const agent of this.pendingAgents) agent.pending = false;
    this.pendingCalls.length = 0;
    this.pendingAgents.length = 0;
    const snapshot: ContactCentreSnapshot = {
      // A consult leg's Linkedid maps to the call it consults for: each call once.
      calls: [...new Set(this.calls.values())].map((call) => this.callView(call)),
      agents: [...this.agents.values()].map((agent) => this.agentView(agent)),
      queues: [...this.queues.values()].map(queueView),
      tasks: [],
      at: scan.at,
    };
    this.sink.snapshot(snapshot);
    return snapshot;
  }

  /** Ends the wrap-ups due by `now` (AMI announces no end of wrap-up). */
  tick(now: Date): void {
    if (this.wrappingUp.size === 0) return;
    const nowMs = now.getTime();
    for (const agent of this.wrappingUp) {
      if (agent.wrapUpUntil > nowMs) continue;
      this.wrappingUp.delete(agent);
      const until = agent.wrapUpUntil;
      agent.wrapUpUntil = 0;
      this.touchAgent(agent, until);
      this.flush(until);
    }
  }

  private reset(): void {
    this.channels.clear();
    this.calls.clear();
    this.bridges.clear();
    this.deviceChannels.clear();
    this.agents.clear();
    this.agentsByDevice.clear();
    this.queues.clear();
    this.wrappingUp.clear();
    this.pendingCalls.length = 0;
    this.pendingAgents.length = 0;
  }

  private apply(event: string, f: Fields, at: number): void {
    switch (event) {
      case 'Newchannel':
        this.newChannel(f, at);
        return;
      case 'NewCallerid':
        this.newCallerId(f);
        return;
      case 'Hangup':
        this.hangup(f, at);
        return;
      case 'DialBegin':
        this.dialBegin(f);
        return;
      case 'DialEnd':
        this.dialEnd(f);
        return;
      case 'BridgeEnter':
        this.bridgeEnter(f, at);
        return;
      case 'BridgeLeave':
        this.bridgeLeave(f);
        return;
      case 'BridgeDestroy':
        this.bridgeDestroy(f);
        return;
      case 'Hold':
        this.hold(f, at);
        return;
      case 'Unhold':
        this.unhold(f, at);
        return;
      case 'QueueCallerJoin':
        this.queueJoin(f, at);
        return;
      case 'QueueCallerLeave':
        this.queueLeave(f);
        return;
      case 'QueueCallerAbandon':
        this.queueAbandon(f);
        return;
      case 'AgentCalled':
        this.agentCalled(f, at);
        return;
      case 'AgentRingNoAnswer':
        this.agentRingNoAnswer(f, at);
        return;
      case 'AgentConnect':
        this.agentConnect(f, at);
        return;
      case 'AgentComplete':
        this.agentComplete(f, at);
        return;
      case 'QueueMemberRemoved':
        this.memberRemoved(f, at);
        return;
      case 'QueueParams':
        this.queueParams(f, at);
        return;
      case 'BlindTransfer':
        this.blindTransfer(f, at);
        return;
      case 'AttendedTransfer':
        this.attendedTransfer(f, at);
        return;
      default:
        if (QUEUE_MEMBER_EVENTS.has(event)) {
          this.member(f, at, event);
          return;
        }
        // Dozens of event types (VarSet, Newexten, RTCP...) say nothing a call view shows.
        if (!this.untrackedLogged.has(event) && this.untrackedLogged.size < 256) {
          this.untrackedLogged.add(event);
          this.logger?.debug('AMI event type not tracked', { event });
        }
    }
  }

  // --- channels and calls -------------------------------------------------------------

  private newChannel(f: Fields, at: number): void {
    const uniqueid = text(f, 'Uniqueid');
    const name = text(f, 'Channel');
    if (uniqueid === undefined || name === undefined) {
      this.ignore('Newchannel', 'no Uniqueid or Channel');
      return;
    }
    // Already known: the snapshot taken after login saw it before this event was delivered.
    if (this.channels.has(uniqueid)) return;
    const linkedid = text(f, 'Linkedid') ?? uniqueid;
    if (!this.calls.has(linkedid) && this.endedSet.has(linkedid)) {
      this.ignore('Newchannel', `call ${linkedid} has already ended`);
      return;
    }
    this.placeChannel(f, linkedid, uniqueid, name, at, 0);
  }

  /** Adds a channel to its Linkedid's call, to the call it consults for, or to a new call. */
  private placeChannel(
    f: Fields,
    linkedid: string,
    uniqueid: string,
    name: string,
    at: number,
    ageMs: number,
  ): Channel {
    const device = deviceOf(name);
    const trunk = this.isTrunk(name, text(f, 'Context'));
    let call = this.calls.get(linkedid);
    if (call === undefined && !trunk) {
      call = this.consultedCall(device);
      if (call !== undefined) {
        this.calls.set(linkedid, call);
        call.linkedids.push(linkedid);
      }
    }
    const fresh = call === undefined;
    call ??= new CallRecord(linkedid, at - ageMs);
    const channel: Channel = {
      uniqueid,
      name,
      device,
      trunk,
      call,
      callerNum: known(text(f, 'CallerIDNum')),
      callerName: known(text(f, 'CallerIDName')),
      exten: known(text(f, 'Exten')),
      held: false,
      callee: false,
      ageMs,
    };
    if (fresh) {
      call.direction = trunk ? 'inbound' : 'internal';
      call.origin = channel;
      call.customer = channel;
      this.calls.set(linkedid, call);
      const agent = this.agentOf(channel);
      if (agent !== undefined) call.agentId = agent.agentId;
      this.changed(call);
    }
    this.addChannel(call, channel);
    return channel;
  }

  private isTrunk(name: string, context: string | undefined): boolean {
    if (context !== undefined && this.trunkContexts.has(context)) return true;
    for (const prefix of this.trunkPrefixes) if (name.startsWith(prefix)) return true;
    return false;
  }

  /** The answered call a device is on, if any: a new call from it is a consult leg. */
  private consultedCall(device: string): CallRecord | undefined {
    const onDevice = this.deviceChannels.get(device);
    if (onDevice === undefined) return undefined;
    for (const channel of onDevice) {
      const call = channel.call;
      if (call.answeredAt !== undefined && !call.ended) return call;
    }
    return undefined;
  }

  private addChannel(call: CallRecord, channel: Channel): void {
    channel.call = call;
    call.channels.push(channel);
    this.channels.set(channel.uniqueid, channel);
    if (!channel.trunk) {
      const onDevice = this.deviceChannels.get(channel.device);
      if (onDevice === undefined) this.deviceChannels.set(channel.device, [channel]);
      else onDevice.push(channel);
    }
    if (call.direction === 'internal' && channel.trunk) {
      call.direction = 'outbound';
      call.customer = channel;
      this.changed(call);
    }
  }

  private newCallerId(f: Fields): void {
    const channel = this.channelOf(f, 'Uniqueid', 'NewCallerid');
    if (channel === undefined) return;
    channel.callerNum = known(text(f, 'CallerIDNum'));
    channel.callerName = known(text(f, 'CallerIDName'));
    if (channel === channel.call.customer) this.changed(channel.call);
  }

  private hangup(f: Fields, at: number): void {
    const channel = this.channelOf(f, 'Uniqueid', 'Hangup');
    if (channel === undefined) return;
    const call = channel.call;
    const cause = Number(text(f, 'Cause') ?? Number.NaN);
    const causeText = known(text(f, 'Cause-txt'));
    this.leaveBridge(channel);
    if (channel.held) this.release(channel, at);
    this.channels.delete(channel.uniqueid);
    removeFrom(call.channels, channel);
    if (!channel.trunk) {
      const onDevice = this.deviceChannels.get(channel.device);
      if (onDevice !== undefined) {
        removeFrom(onDevice, channel);
        if (onDevice.length === 0) this.deviceChannels.delete(channel.device);
      }
    }
    if (channel === call.customer) call.customerCauseText = causeText;
    if (channel.callee && call.answeredAt === undefined) {
      call.calleeCause = cause;
      call.calleeCauseText = causeText;
    }
    call.lastCause = cause;
    call.lastCauseText = causeText;
    const agent = this.agentOf(channel);
    if (agent !== undefined) {
      if (agent.ringingCallId === call.callId) {
        this.ringFor(agent, undefined);
        stopRinging(agent);
      }
      if (agent.currentCallId === call.callId && !agent.viaQueue) {
        agent.currentCallId = undefined;
        this.changedAgent(agent);
      }
      this.touchAgent(agent, at);
    }
    if (call.channels.length === 0) this.endCall(call, at);
  }

  private endCall(call: CallRecord, at: number): void {
    if (call.ended) return;
    if (call.heldChannels > 0 && call.holdStartedAt !== undefined) {
      call.holdMs += at - call.holdStartedAt;
      call.holdStartedAt = undefined;
    }
    call.ended = true;
    call.endedAt = at;
    call.inQueue = false;
    if (call.answeredAt !== undefined) {
      call.disposition = 'answered';
      call.endCause = call.customerCauseText ?? call.lastCauseText;
    } else if (call.abandoned) {
      call.disposition = 'abandoned';
      call.endCause = call.customerCauseText ?? call.lastCauseText;
    } else if (call.calleeCause !== undefined) {
      call.disposition = dispositionOf(call.calleeCause);
      call.endCause = call.calleeCauseText;
    } else {
      call.disposition = dispositionOf(call.lastCause ?? 0);
      call.endCause = call.lastCauseText;
    }
    for (const id of call.linkedids) {
      if (this.calls.get(id) === call) this.calls.delete(id);
      this.rememberEnded(id);
    }
    for (const agent of call.agents) {
      if (agent.ringingCallId === call.callId) this.ringFor(agent, undefined);
      if (agent.currentCallId === call.callId) {
        agent.currentCallId = undefined;
        agent.viaQueue = false;
        this.changedAgent(agent);
      }
      this.touchAgent(agent, at);
    }
    call.agents.length = 0;
    this.sink.callEnded(this.callView(call), new Date(at));
  }

  private rememberEnded(parsedId: string): void {
    if (this.endedSet.has(parsedId)) return;
    const callId = detachedCopy(parsedId);
    const evicted = this.endedIds[this.endedNext];
    if (evicted !== undefined) this.endedSet.delete(evicted);
    this.endedIds[this.endedNext] = callId;
    this.endedNext = (this.endedNext + 1) % this.endedIds.length;
    this.endedSet.add(callId);
  }

  private dialBegin(f: Fields): void {
    const destination = text(f, 'DestUniqueid');
    const channel = destination === undefined ? undefined : this.channels.get(destination);
    if (channel !== undefined) channel.callee = true;
  }

  private dialEnd(f: Fields): void {
    if (text(f, 'DialStatus') !== 'ANSWER') return;
    const uniqueid = text(f, 'Uniqueid');
    const channel = uniqueid === undefined ? undefined : this.channels.get(uniqueid);
    if (channel !== undefined && channel.call.inQueue) channel.call.dialAnswered = true;
  }

  // --- bridges ------------------------------------------------------------------------

  private bridgeEnter(f: Fields, at: number): void {
    const channel = this.channelOf(f, 'Uniqueid', 'BridgeEnter');
    const bridgeId = text(f, 'BridgeUniqueid');
    if (channel === undefined) return;
    if (bridgeId === undefined) {
      this.ignore('BridgeEnter', 'no BridgeUniqueid');
      return;
    }
    if (channel.bridge?.id === bridgeId) return;
    this.leaveBridge(channel);
    this.enterBridge(channel, bridgeId);
    for (const other of channel.bridge?.members ?? []) {
      if (other === channel) continue;
      if (channel === channel.call.customer) this.connected(channel.call, other, at);
      if (other === other.call.customer) this.connected(other.call, channel, at);
    }
  }

  private enterBridge(channel: Channel, bridgeId: string): void {
    let bridge = this.bridges.get(bridgeId);
    if (bridge === undefined) {
      bridge = { id: bridgeId, members: [] };
      this.bridges.set(bridgeId, bridge);
    }
    bridge.members.push(channel);
    channel.bridge = bridge;
  }

  private leaveBridge(channel: Channel): void {
    const bridge = channel.bridge;
    if (bridge === undefined) return;
    removeFrom(bridge.members, channel);
    channel.bridge = undefined;
  }

  private bridgeLeave(f: Fields): void {
    const uniqueid = text(f, 'Uniqueid');
    const channel = uniqueid === undefined ? undefined : this.channels.get(uniqueid);
    if (channel !== undefined && channel.bridge?.id === text(f, 'BridgeUniqueid')) {
      this.leaveBridge(channel);
    }
  }

  private bridgeDestroy(f: Fields): void {
    const bridgeId = text(f, 'BridgeUniqueid');
    const bridge = bridgeId === undefined ? undefined : this.bridges.get(bridgeId);
    if (bridge === undefined) return;
    for (const member of bridge.members) member.bridge = undefined;
    this.bridges.delete(bridge.id);
  }

  /** The customer's channel is talking to `party`: the call is answered, by its agent if any. */
  private connected(call: CallRecord, party: Channel, at: number): void {
    if (call.answeredAt === undefined) {
      call.answeredAt = at;
      this.changed(call);
    }
    if (call.inQueue) {
      call.inQueue = false;
      this.changed(call);
    }
    const agent = this.agentOf(party);
    if (agent !== undefined) this.assign(call, agent, false, at);
  }

  private assign(call: CallRecord, agent: Agent, viaQueue: boolean, at: number): void {
    if (call.agentId !== agent.agentId) {
      call.agentId = agent.agentId;
      this.changed(call);
    }
    if (agent.ringingCallId === call.callId) agent.ringingCallId = undefined;
    if (agent.currentCallId !== call.callId) {
      agent.currentCallId = call.callId;
      agent.viaQueue = viaQueue;
      this.changedAgent(agent);
    } else if (viaQueue) agent.viaQueue = true;
    this.link(call, agent);
    this.touchAgent(agent, at);
  }

  /** The call an agent rings for; its view shows it only while the agent is on no call. */
  private ringFor(agent: Agent, callId: string | undefined): void {
    if (agent.ringingCallId === callId) return;
    agent.ringingCallId = callId;
    if (agent.currentCallId === undefined) this.changedAgent(agent);
  }

  private link(call: CallRecord, agent: Agent): void {
    if (!call.agents.includes(agent)) call.agents.push(agent);
  }

  // --- hold -----------------------------------------------------------------------------

  private hold(f: Fields, at: number): void {
    const channel = this.channelOf(f, 'Uniqueid', 'Hold');
    if (channel === undefined || channel.held) return;
    channel.held = true;
    const call = channel.call;
    call.heldChannels += 1;
    if (call.heldChannels === 1) {
      call.holdStartedAt = at;
      this.changed(call);
    }
  }

  private unhold(f: Fields, at: number): void {
    const channel = this.channelOf(f, 'Uniqueid', 'Unhold');
    if (channel === undefined) return;
    if (!channel.held) {
      this.ignore('Unhold', `channel ${channel.name} was not on hold (or held before the scan)`);
      return;
    }
    this.release(channel, at);
  }

  private release(channel: Channel, at: number): void {
    channel.held = false;
    const call = channel.call;
    call.heldChannels -= 1;
    if (call.heldChannels > 0 || call.holdStartedAt === undefined) return;
    call.holdMs += at - call.holdStartedAt;
    call.holdStartedAt = undefined;
    this.changed(call);
  }

  // --- queues -----------------------------------------------------------------------------

  private queueJoin(f: Fields, at: number): void {
    const channel = this.channelOf(f, 'Uniqueid', 'QueueCallerJoin');
    const queueId = text(f, 'Queue');
    if (channel === undefined) return;
    if (queueId === undefined) {
      this.ignore('QueueCallerJoin', 'no Queue');
      return;
    }
    const call = channel.call;
    if (this.stale(call, at, 'QueueCallerJoin')) return;
    call.queueId = queueId;
    call.queuedAt = at;
    call.inQueue = true;
    call.dialAnswered = false;
    this.changed(call);
    this.ensureQueue(queueId, at);
  }

  private queueLeave(f: Fields): void {
    const channel = this.channelOf(f, 'Uniqueid', 'QueueCallerLeave');
    if (channel === undefined) return;
    const call = channel.call;
    // Asterisk sends the leave of an answered queue call just before the bridge; the call
    // goes from queued to active there, without a moment of ringing in between.
    if (!call.inQueue || call.dialAnswered) return;
    call.inQueue = false;
    this.changed(call);
  }

  private queueAbandon(f: Fields): void {
    const channel = this.channelOf(f, 'Uniqueid', 'QueueCallerAbandon');
    if (channel === undefined) return;
    // Not reported by itself: the hang-up that comes with it ends the call as abandoned.
    channel.call.abandoned = true;
    channel.call.inQueue = false;
  }

  private queueParams(f: Fields, at: number): void {
    const queueId = text(f, 'Queue');
    if (queueId === undefined) {
      this.ignore('QueueParams', 'no Queue');
      return;
    }
    const weight = numberOf(text(f, 'Weight'));
    const serviceLevel = numberOf(text(f, 'ServiceLevel') ?? text(f, 'Servicelevel'));
    const strategy = known(text(f, 'Strategy'));
    const existing = this.queues.get(queueId);
    if (
      existing !== undefined &&
      existing.priority === weight &&
      existing.serviceLevelSeconds === serviceLevel &&
      existing.strategy === strategy
    ) {
      return;
    }
    const queue: QueueRecord = { queueId };
    if (weight !== undefined) queue.priority = weight;
    if (serviceLevel !== undefined) queue.serviceLevelSeconds = serviceLevel;
    if (strategy !== undefined) queue.strategy = strategy;
    this.queues.set(queueId, queue);
    if (!this.scanning) this.sink.queueUpdated(queueView(queue), new Date(at));
  }

  /** A queue named by an event before any QueueParams: reported so the store knows it. */
  private ensureQueue(queueId: string, at: number): void {
    if (this.queues.has(queueId)) return;
    const queue: QueueRecord = { queueId };
    this.queues.set(queueId, queue);
    if (!this.scanning) this.sink.queueUpdated(queueView(queue), new Date(at));
  }

  // --- agents -------------------------------------------------------------------------------

  private agentCalled(f: Fields, at: number): void {
    const call = this.callOf(f, 'AgentCalled');
    if (call === undefined || this.stale(call, at, 'AgentCalled')) return;
    const agent = this.memberOf(f, at, 'AgentCalled');
    if (agent === undefined) return;
    const destination = text(f, 'DestUniqueid');
    const channel = destination === undefined ? undefined : this.channels.get(destination);
    if (channel !== undefined) channel.callee = true;
    this.ringFor(agent, call.callId);
    this.link(call, agent);
    this.touchAgent(agent, at);
  }

  private agentRingNoAnswer(f: Fields, at: number): void {
    const call = this.callOf(f, 'AgentRingNoAnswer');
    if (call === undefined) return;
    const agent = this.memberOf(f, at, 'AgentRingNoAnswer');
    if (agent === undefined) return;
    (call.missedBy ??= []).push(agent.agentId);
    this.changed(call);
    if (agent.ringingCallId === call.callId) this.ringFor(agent, undefined);
    stopRinging(agent);
    this.touchAgent(agent, at);
  }

  private agentConnect(f: Fields, at: number): void {
    const call = this.callOf(f, 'AgentConnect');
    if (call === undefined) return;
    const agent = this.memberOf(f, at, 'AgentConnect');
    if (agent === undefined) return;
    if (call.answeredAt === undefined) {
      call.answeredAt = at;
      this.changed(call);
    }
    if (call.inQueue) {
      call.inQueue = false;
      this.changed(call);
    }
    this.assign(call, agent, true, at);
  }

  private agentComplete(f: Fields, at: number): void {
    const agent = this.memberOf(f, at, 'AgentComplete');
    if (agent === undefined) return;
    const callId = text(f, 'Linkedid');
    if (
      agent.currentCallId !== undefined &&
      (callId === undefined || this.sameCall(agent, callId))
    ) {
      agent.currentCallId = undefined;
      agent.viaQueue = false;
      this.changedAgent(agent);
    }
    // Likewise the in-use status of the last member event predates the end of this call.
    agent.inCall = false;
    if (agent.deviceStatus === 2 || agent.deviceStatus === 3 || agent.deviceStatus === 8) {
      agent.deviceStatus = 1;
    }
    const queueId = text(f, 'Queue');
    const wrapUp = queueId === undefined ? 0 : this.wrapUpSeconds(agent, queueId);
    if (wrapUp > 0) {
      agent.wrapUpUntil = at + wrapUp * 1000;
      this.wrappingUp.add(agent);
    }
    this.touchAgent(agent, at);
  }

  private sameCall(agent: Agent, linkedid: string): boolean {
    const call = this.calls.get(linkedid);
    return agent.currentCallId === (call?.callId ?? linkedid);
  }

  private wrapUpSeconds(agent: Agent, queueId: string): number {
    const own = agent.memberships.get(queueId)?.wrapUpSeconds ?? 0;
    return own > 0 ? own : (this.queueWrapUp[queueId] ?? 0);
  }

  /** Queue member events (live and the scan's QueueMember): membership, pause, device state. */
  private member(f: Fields, at: number, event: string): void {
    const queueId = text(f, 'Queue');
    if (queueId === undefined) {
      this.ignore(event, 'no Queue');
      return;
    }
    const agent = this.memberOf(f, at, event);
    const membership = agent?.memberships.get(queueId);
    if (agent === undefined || membership === undefined) return;
    const paused = text(f, 'Paused');
    if (paused !== undefined) membership.paused = paused === '1';
    const reason = known(text(f, 'PausedReason') ?? text(f, 'Reason'));
    if (membership.paused && reason !== undefined && reason !== agent.pausedReason) {
      agent.pausedReason = reason;
      if (pausedEverywhere(agent)) this.changedAgent(agent);
    }
    membership.wrapUpSeconds = numberOf(text(f, 'Wrapuptime')) ?? membership.wrapUpSeconds;
    const status = numberOf(text(f, 'Status'));
    if (status !== undefined) agent.deviceStatus = status;
    const inCall = text(f, 'InCall');
    if (inCall !== undefined) agent.inCall = inCall === '1';
    this.touchAgent(agent, at);
  }

  private memberRemoved(f: Fields, at: number): void {
    const agentId = text(f, 'Interface') ?? text(f, 'Location');
    const queueId = text(f, 'Queue');
    const agent = agentId === undefined ? undefined : this.agents.get(agentId);
    if (agent === undefined || queueId === undefined) {
      this.ignore('QueueMemberRemoved', 'unknown member or no Queue');
      return;
    }
    if (!agent.memberships.delete(queueId)) return;
    if (agent.memberships.size > 0) {
      this.changedAgent(agent);
      this.touchAgent(agent, at);
      return;
    }
    this.agents.delete(agent.agentId);
    for (const key of agent.keys) {
      if (this.agentsByDevice.get(key) === agent) this.agentsByDevice.delete(key);
    }
    this.wrappingUp.delete(agent);
    agent.pending = false;
    this.sink.agentRemoved(agent.agentId, new Date(at));
  }

  /**
   * The member an event names (`Interface`, or `Location` in QueueStatus), created if new,
   * and a member of the event's `Queue`.
   */
  private memberOf(f: Fields, at: number, event: string): Agent | undefined {
    const agentId = text(f, 'Interface') ?? text(f, 'Location');
    if (agentId === undefined) {
      this.ignore(event, 'no Interface');
      return undefined;
    }
    const agent = this.agentNamed(f, agentId, at);
    const queueId = text(f, 'Queue');
    if (queueId !== undefined && !agent.memberships.has(queueId)) {
      agent.memberships.set(queueId, { paused: false, wrapUpSeconds: 0 });
      this.changedAgent(agent);
      this.ensureQueue(queueId, at);
    }
    return agent;
  }

  private agentNamed(f: Fields, agentId: string, at: number): Agent {
    let agent = this.agents.get(agentId);
    const name = known(text(f, 'MemberName') ?? text(f, 'Name'));
    const stateInterface = known(text(f, 'StateInterface'));
    if (agent === undefined) {
      agent = {
        agentId,
        login: loginOf(agentId),
        memberships: new Map(),
        deviceStatus: 0,
        inCall: false,
        viaQueue: false,
        wrapUpUntil: 0,
        state: 'available',
        stateSince: at,
        keys: [],
        pending: false,
      };
      if (name !== undefined) agent.name = name;
      agent.device = stateInterface ?? agentId;
      this.agents.set(agentId, agent);
      this.register(agent, agentId);
      if (agentId.endsWith('/n')) this.register(agent, agentId.slice(0, -2));
      if (stateInterface !== undefined) this.register(agent, stateInterface);
      this.changedAgent(agent);
      return agent;
    }
    if (name !== undefined && name !== agent.name) {
      agent.name = name;
      this.changedAgent(agent);
    }
    if (stateInterface !== undefined && stateInterface !== agent.device) {
      agent.device = stateInterface;
      this.register(agent, stateInterface);
      this.changedAgent(agent);
    }
    return agent;
  }

  private register(agent: Agent, key: string): void {
    this.agentsByDevice.set(key, agent);
    if (!agent.keys.includes(key)) agent.keys.push(key);
  }

  private agentOf(channel: Channel): Agent | undefined {
    return channel.trunk ? undefined : this.agentsByDevice.get(channel.device);
  }

  private agentState(agent: Agent, at: number): AgentState {
    const status = agent.deviceStatus;
    if (agent.currentCallId !== undefined) return 'on_call';
    if (agent.ringingCallId !== undefined || status === 6 || status === 7) return 'ringing';
    if (agent.inCall || status === 2 || status === 3 || status === 8) return 'on_call';
    if (status === 4 || status === 5) return 'logged_out';
    if (pausedEverywhere(agent)) return 'paused';
    if (agent.wrapUpUntil > at) return 'wrap_up';
    return 'available';
  }

  private touchAgent(agent: Agent, at: number): void {
    const state = this.agentState(agent, at);
    if (state === agent.state) return;
    agent.state = state;
    agent.stateSince = at;
    this.changedAgent(agent);
  }

  // --- transfers ---------------------------------------------------------------------------

  private blindTransfer(f: Fields, at: number): void {
    if (text(f, 'Result') !== 'Success') {
      this.ignore('BlindTransfer', `result ${text(f, 'Result') ?? 'missing'}`);
      return;
    }
    const transferee = this.channelAt(f, 'TransfereeUniqueid');
    const transferer = this.channelAt(f, 'TransfererUniqueid');
    const call = transferee?.call ?? transferer?.call;
    if (call === undefined) {
      this.ignore('BlindTransfer', 'neither transferee nor transferer channel is known');
      return;
    }
    const transfer: TransferRecord = {
      kind: 'blind',
      at,
      to: known(text(f, 'Extension')) ?? 'unknown',
    };
    const from = transferer === undefined ? undefined : this.agentOf(transferer);
    if (from !== undefined) transfer.fromAgentId = from.agentId;
    call.transfers.push(transfer);
    this.changed(call);
  }

  private attendedTransfer(f: Fields, at: number): void {
    if (text(f, 'Result') !== 'Success') {
      this.ignore('AttendedTransfer', `result ${text(f, 'Result') ?? 'missing'}`);
      return;
    }
    const transferee = this.channelAt(f, 'TransfereeUniqueid');
    const transferer = this.channelAt(f, 'OrigTransfererUniqueid');
    const call = transferee?.call ?? transferer?.call;
    if (call === undefined) {
      this.ignore('AttendedTransfer', 'neither transferee nor transferer channel is known');
      return;
    }
    const consult =
      this.channelAt(f, 'SecondTransfererUniqueid')?.call ??
      this.channelAt(f, 'TransferTargetUniqueid')?.call;
    if (consult !== undefined && consult !== call) this.fold(consult, call, at);
    const transfer: TransferRecord = {
      kind: 'attended',
      at,
      to:
        known(text(f, 'SecondTransfererExten')) ??
        known(text(f, 'TransferTargetCallerIDNum')) ??
        'unknown',
    };
    const from = transferer === undefined ? undefined : this.agentOf(transferer);
    if (from !== undefined) transfer.fromAgentId = from.agentId;
    call.transfers.push(transfer);
    this.changed(call);
  }

  /**
   * A consult leg that was taken for a call of its own (dialled from another device than the
   * consulting call's) joins the customer's call at the transfer; the leg ends as merged.
   */
  private fold(consult: CallRecord, into: CallRecord, at: number): void {
    this.absorb(consult, into);
    consult.ended = true;
    consult.endedAt = at;
    consult.disposition = consult.answeredAt === undefined ? 'no_answer' : 'answered';
    consult.endCause = `merged into ${into.callId} by an attended transfer`;
    this.rememberEnded(consult.callId);
    this.sink.callEnded(this.callView(consult), new Date(at));
  }

  /** Moves a call's channels, Linkedids and agents into another call. */
  private absorb(from: CallRecord, into: CallRecord): void {
    for (const channel of from.channels) {
      channel.call = into;
      into.channels.push(channel);
      if (!channel.held) continue;
      // A held leg keeps its hold running, now on the call it joined.
      into.heldChannels += 1;
      if (into.heldChannels === 1) into.holdStartedAt = from.holdStartedAt;
    }
    from.channels.length = 0;
    from.heldChannels = 0;
    for (const id of from.linkedids) {
      this.calls.set(id, into);
      into.linkedids.push(id);
    }
    from.linkedids.length = 0;
    for (const agent of from.agents) this.link(into, agent);
    from.agents.length = 0;
  }

  // --- the discovery scan ------------------------------------------------------------------

  private scanChannels(
    list: readonly AmiMessage[],
    entries: ReadonlyMap<string, Fields>,
    at: number,
  ): void {
    const groups = new Map<string, { fields: Fields; uniqueid: string; ageMs: number }[]>();
    for (const message of list) {
      const fields = message.fields;
      const uniqueid = text(fields, 'Uniqueid');
      if (uniqueid === undefined || text(fields, 'Channel') === undefined) {
        this.ignore('CoreShowChannel', 'no Uniqueid or Channel');
        continue;
      }
      const linkedid = text(fields, 'Linkedid') ?? uniqueid;
      const item = { fields, uniqueid, ageMs: durationMs(text(fields, 'Duration')) };
      const group = groups.get(linkedid);
      if (group === undefined) groups.set(linkedid, [item]);
      else group.push(item);
    }
    // Oldest call first, so a consult leg finds the call it consults for already there.
    const ordered = [...groups.entries()]
      .map(([linkedid, items]) => {
        items.sort(
          (a, b) =>
            Number(b.uniqueid === linkedid) - Number(a.uniqueid === linkedid) || b.ageMs - a.ageMs,
        );
        return { linkedid, items };
      })
      .sort((a, b) => b.items[0].ageMs - a.items[0].ageMs);
    /** Channels running Queue(): the queue an answered call came through. */
    const inQueueApp = new Map<Channel, string>();
    for (const { linkedid, items } of ordered) {
      for (const item of items) {
        const name = text(item.fields, 'Channel') ?? item.uniqueid;
        const channel = this.placeChannel(
          item.fields,
          linkedid,
          item.uniqueid,
          name,
          at,
          item.ageMs,
        );
        if (text(item.fields, 'Application') === 'Queue') {
          const queueId = known(text(item.fields, 'ApplicationData')?.split(',')[0]);
          if (queueId !== undefined) inQueueApp.set(channel, queueId);
        }
        const bridgeId = known(text(item.fields, 'BridgeId'));
        if (bridgeId !== undefined) this.enterBridge(channel, bridgeId);
        if (channel.call.answeredAt === undefined) this.scanAnswer(channel.call, at);
      }
    }
    const calls = new Set(this.calls.values());
    for (const call of calls) {
      if (call.origin.uniqueid !== call.callId && this.scanOrphan(call)) calls.delete(call);
    }
    for (const call of calls) {
      if (call.answeredAt === undefined) this.scanAnswer(call, at);
      this.scanQueue(call, entries, inQueueApp.get(call.customer), at);
    }
  }

  /**
   * A group whose originator is gone and that is bridged with another call's customer is what
   * is left of a transfer (the target keeps the consult leg's Linkedid): it joins that call.
   */
  private scanOrphan(orphan: CallRecord): boolean {
    for (const channel of orphan.channels) {
      for (const other of channel.bridge?.members ?? []) {
        if (other.call !== orphan && other === other.call.customer) {
          this.absorb(orphan, other.call);
          return true;
        }
      }
    }
    return false;
  }

  /** Answered when the customer shares a bridge; at about when the younger side appeared. */
  private scanAnswer(call: CallRecord, at: number): void {
    const customer = call.customer;
    for (const other of customer.bridge?.members ?? []) {
      if (other === customer) continue;
      call.answeredAt = at - Math.min(customer.ageMs, other.ageMs);
      const agent = this.agentOf(other);
      if (agent !== undefined) this.assign(call, agent, false, at);
      return;
    }
  }

  private scanQueue(
    call: CallRecord,
    entries: ReadonlyMap<string, Fields>,
    appQueueId: string | undefined,
    at: number,
  ): void {
    const customer = call.customer;
    const entry = entries.get(customer.uniqueid) ?? entries.get(customer.name);
    if (entry === undefined) {
      // Answered through a queue (Queue() still runs on the caller's channel) or still in it.
      if (appQueueId === undefined) return;
      call.queueId = appQueueId;
      if (call.answeredAt === undefined) {
        call.inQueue = true;
        call.queuedAt = at - customer.ageMs;
      }
      if (!this.queues.has(appQueueId)) this.queues.set(appQueueId, { queueId: appQueueId });
      return;
    }
    const queueId = text(entry, 'Queue');
    if (queueId === undefined) return;
    call.queueId = queueId;
    const wait = numberOf(text(entry, 'Wait'));
    // Without a wait the channel's age bounds it from above (IVR time included).
    call.queuedAt = wait === undefined ? at - customer.ageMs : at - wait * 1000;
    const priority = numberOf(text(entry, 'Priority'));
    if (priority !== undefined) call.priority = priority;
    if (call.answeredAt === undefined) call.inQueue = true;
    if (!this.queues.has(queueId)) this.queues.set(queueId, { queueId });
  }

  // --- reporting ---------------------------------------------------------------------------

  private changed(call: CallRecord): void {
    if (call.pending) return;
    call.pending = true;
    this.pendingCalls.push(call);
  }

  private changedAgent(agent: Agent): void {
    if (agent.pending) return;
    agent.pending = true;
    this.pendingAgents.push(agent);
  }

  private flush(at: number): void {
    if (this.pendingCalls.length === 0 && this.pendingAgents.length === 0) return;
    const observedAt = new Date(at);
    for (let i = 0; i < this.pendingCalls.length; i += 1) {
      const call = this.pendingCalls[i];
      call.pending = false;
      if (!call.ended) this.sink.callUpdated(this.callView(call), observedAt);
    }
    this.pendingCalls.length = 0;
    for (let i = 0; i < this.pendingAgents.length; i += 1) {
      const agent = this.pendingAgents[i];
      agent.pending = false;
      if (this.agents.get(agent.agentId) === agent) {
        this.sink.agentUpdated(this.agentView(agent), observedAt);
      }
    }
    this.pendingAgents.length = 0;
  }

  private callView(call: CallRecord): CallView {
    const view: CallView = {
      callId: call.callId,
      direction: call.direction,
      state: callState(call),
      startedAt: new Date(call.startedAt),
      // Whole seconds: event times carry milliseconds of PBX scheduling, not hold.
      holdSeconds: Math.round(call.holdMs / 1000),
      transfers: call.transfers.map(transferView),
    };
    const customer = call.customer;
    if (call.direction === 'inbound') {
      setIf(view, 'localNumber', customer.exten);
      setIf(view, 'remoteNumber', customer.callerNum);
      setIf(view, 'remoteName', customer.callerName);
    } else {
      setIf(view, 'localNumber', call.origin.callerNum);
      setIf(view, 'remoteNumber', call.origin.exten);
    }
    if (call.queuedAt !== undefined) view.queuedAt = new Date(call.queuedAt);
    setIf(view, 'queueId', call.queueId);
    if (call.answeredAt !== undefined) view.answeredAt = new Date(call.answeredAt);
    setIf(view, 'agentId', call.agentId);
    if (call.missedBy !== undefined) view.missedBy = [...call.missedBy];
    if (call.holdStartedAt !== undefined) view.holdStartedAt = new Date(call.holdStartedAt);
    setIf(view, 'priority', call.priority);
    if (call.endedAt !== undefined) view.endedAt = new Date(call.endedAt);
    setIf(view, 'disposition', call.disposition);
    setIf(view, 'endCause', call.endCause);
    view.attributes = { channel: customer.name, uniqueid: customer.uniqueid };
    return view;
  }

  private agentView(agent: Agent): AgentView {
    const view: AgentView = {
      agentId: agent.agentId,
      login: agent.login,
      state: agent.state,
      stateSince: new Date(agent.stateSince),
      queues: [...agent.memberships.keys()],
    };
    setIf(view, 'name', agent.name);
    if (pausedEverywhere(agent)) setIf(view, 'pausedReason', agent.pausedReason);
    setIf(view, 'currentCallId', agent.currentCallId ?? agent.ringingCallId);
    setIf(view, 'device', agent.device);
    return view;
  }

  // --- lookups -------------------------------------------------------------------------------

  private channelOf(f: Fields, key: string, event: string): Channel | undefined {
    const uniqueid = text(f, key);
    if (uniqueid === undefined) {
      this.ignore(event, `no ${key}`);
      return undefined;
    }
    const channel = this.channels.get(uniqueid);
    if (channel === undefined) this.ignore(event, `unknown channel ${uniqueid}`);
    return channel;
  }

  private channelAt(f: Fields, key: string): Channel | undefined {
    const uniqueid = text(f, key);
    return uniqueid === undefined ? undefined : this.channels.get(uniqueid);
  }

  /** The call of a queue event: its caller channel's, else the call its Linkedid names. */
  private callOf(f: Fields, event: string): CallRecord | undefined {
    const uniqueid = text(f, 'Uniqueid');
    const channel = uniqueid === undefined ? undefined : this.channels.get(uniqueid);
    if (channel !== undefined) return channel.call;
    const linkedid = text(f, 'Linkedid');
    const call = linkedid === undefined ? undefined : this.calls.get(linkedid);
    if (call === undefined) this.ignore(event, `unknown call ${linkedid ?? uniqueid ?? '?'}`);
    return call;
  }

  /**
   * An event older than the call's answer cannot take it back to waiting or ringing: it is one
   * the discovery scan already reflects, delivered after it (events are held during the scan).
   */
  private stale(call: CallRecord, at: number, event: string): boolean {
    if (call.answeredAt === undefined || at >= call.answeredAt) return false;
    this.ignore(event, `older than the answer of call ${call.callId}`);
    return true;
  }

  private ignore(event: string, reason: string): void {
    this.ignoredCount += 1;
    this.logger?.debug('AMI event ignored', { event, reason });
  }

  private timeOf(f: Fields): number {
    const stamp = text(f, 'Timestamp');
    const ms = stamp === undefined ? -1 : stampMs(stamp);
    return ms > 0 ? ms : this.nowMs();
  }
}

function text(f: Fields, key: string): string | undefined {
  const value = f[key];
  return typeof value === 'string' ? value : value?.[0];
}

/**
 * `1700000000.127919` (epoch seconds) to epoch ms, rounded; -1 when it is not such a number.
 * Read digit by digit: `Number()` on the fraction was the tracker's largest cost per event.
 */
function stampMs(stamp: string): number {
  let seconds = 0;
  let i = 0;
  const length = stamp.length;
  for (; i < length; i += 1) {
    const digit = stamp.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) break;
    seconds = seconds * 10 + digit;
  }
  if (i === 0) return -1;
  let ms = seconds * 1000;
  if (i === length) return ms;
  if (stamp.charCodeAt(i) !== 46) return -1;
  // Fraction digits 1-3 are milliseconds, the 4th rounds, later ones are below a millisecond.
  for (let place = 0, j = i + 1; j < length; j += 1, place += 1) {
    const digit = stamp.charCodeAt(j) - 48;
    if (digit < 0 || digit > 9) return -1;
    if (place < 3) ms += digit * MS_PLACES[place];
    else if (place === 3 && digit >= 5) ms += 1;
  }
  return ms;
}

/** Asterisk's placeholders for "nothing" read as absent. */
function known(value: string | undefined): string | undefined {
  return value === undefined || value === '' || value === '<unknown>' ? undefined : value;
}

function numberOf(value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  const parsed = Number(value);
  return Number.isFinite(parsed) ? parsed : undefined;
}

/** `HH:MM:SS` (hours may exceed 24) to ms; 0 when unreadable. */
function durationMs(value: string | undefined): number {
  if (value === undefined) return 0;
  const parts = value.split(':');
  let seconds = 0;
  for (const part of parts) {
    const n = Number(part);
    if (!Number.isFinite(n)) return 0;
    seconds = seconds * 60 + n;
  }
  return seconds * 1000;
}

/** `PJSIP/1001-0000001a` → `PJSIP/1001`; `Local/1001@from-queue-00000012;1` → `Local/1001@from-queue`. */
function deviceOf(name: string): string {
  const semicolon = name.lastIndexOf(';');
  const base = semicolon > 0 ? name.slice(0, semicolon) : name;
  const dash = base.lastIndexOf('-');
  return dash > base.indexOf('/') ? base.slice(0, dash) : base;
}

/** The extension of an interface: `PJSIP/1001` → `1001`, `Local/1001@agents/n` → `1001`. */
function loginOf(agentId: string): string {
  const slash = agentId.indexOf('/');
  let rest = slash >= 0 ? agentId.slice(slash + 1) : agentId;
  const at = rest.indexOf('@');
  if (at >= 0) rest = rest.slice(0, at);
  return rest === '' ? agentId : rest;
}

function removeFrom<T>(list: T[], item: T): void {
  const index = list.indexOf(item);
  if (index >= 0) list.splice(index, 1);
}

/**
 * The ringing status of the member's last event is over (its ringing channel answered, hung up
 * or timed out); a later QueueMemberStatus corrects it if the device rings for something else.
 */
function stopRinging(agent: Agent): void {
  if (agent.deviceStatus === 6) agent.deviceStatus = 1;
  else if (agent.deviceStatus === 7) agent.deviceStatus = 2;
}

function pausedEverywhere(agent: Agent): boolean {
  if (agent.memberships.size === 0) return false;
  for (const membership of agent.memberships.values()) if (!membership.paused) return false;
  return true;
}

function dispositionOf(cause: number): CallDisposition {
  if (BUSY_CAUSES.has(cause)) return 'busy';
  if (Number.isNaN(cause) || NO_ANSWER_CAUSES.has(cause)) return 'no_answer';
  return 'failed';
}

function callState(call: CallRecord): CallState {
  if (call.ended) return 'ended';
  if (call.inQueue) return 'queued';
  if (call.answeredAt === undefined) return 'ringing';
  return call.heldChannels > 0 ? 'on_hold' : 'active';
}

function transferView(transfer: TransferRecord): CallTransfer {
  const view: CallTransfer = { kind: transfer.kind, at: new Date(transfer.at), to: transfer.to };
  if (transfer.fromAgentId !== undefined) view.fromAgentId = transfer.fromAgentId;
  return view;
}

function queueView(queue: QueueRecord): QueueView {
  const view: QueueView = { queueId: queue.queueId, name: queue.queueId };
  setIf(view, 'priority', queue.priority);
  setIf(view, 'serviceLevelSeconds', queue.serviceLevelSeconds);
  setIf(view, 'strategy', queue.strategy);
  return view;
}

/** Sets an optional property only when there is a value, so views carry no `undefined` keys. */
function setIf<T extends object, K extends keyof T>(target: T, key: K, value: T[K] | undefined) {
  if (value !== undefined) target[key] = value;
}
