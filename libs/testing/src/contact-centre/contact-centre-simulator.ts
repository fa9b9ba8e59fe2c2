import { AmiServer, type AmiActionReply, type AmiServerOptions } from '../ami/ami-server';
import { serializeAmiFrame, type AmiFrame } from '../ami/ami-transcripts';
import { ActionSchedule, type ScheduledAction } from './action-schedule';
import {
  bridgeFields,
  channelFields,
  coreShowChannelFields,
  memberFields,
  queueParamsFields,
  queueStatusMemberFields,
  type AmiFields,
} from './ami-event-fields';
import {
  CallPlanner,
  CallScriptError,
  checkCallScript,
  type CallerScript,
  type ConversationPlan,
  type DirectCallScript,
  type HangupSide,
  type LegPlan,
  type MidCallPlan,
  type OutboundCallScript,
  type QueueCallScript,
  type RingPlan,
} from './call-plans';
import {
  OUTBOUND_NUMBER_MIX,
  UNKNOWN,
  drawCallerIdentity,
  type CallerIdentity,
} from './caller-identities';
import {
  resolveContactCentreConfig,
  type ContactCentreConfig,
  type ResolvedContactCentre,
} from './contact-centre-config';
import {
  type AgentState,
  type CallDirection,
  type CallOutcome,
  type ChannelStateCode,
  type QueueCaller,
  type SimAgent,
  type SimBridge,
  type SimCall,
  type SimChannel,
  type SimQueue,
} from './contact-centre-state';
import { FrameSubscription } from './frame-subscription';
import {
  toFinishedCall,
  toSimulatedAgent,
  toSimulatedCall,
  type ContactCentreGroundTruth,
  type ContactCentreTotals,
  type FinishedCall,
  type FinishedRecord,
  type SimulatedAgent,
  type SimulatedCall,
} from './ground-truth';
import { SeededRandom } from './seeded-random';

/** Wall-clock timers of the real-time mode (a fake one in tests). */
export interface RealTimeTimers {
  /** Milliseconds on a monotonic clock. */
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemTimers: RealTimeTimers = {
  now: () => performance.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

export interface RunOptions {
  /** Simulated milliseconds per real millisecond; 1 (real time) by default, 60 = a minute a second. */
  speed?: number;
  timers?: RealTimeTimers;
}

export interface RealTimeRun {
  readonly running: boolean;
  stop(): void;
}

export interface FloodOptions {
  /** Frames handed over per batch (one TCP write per batch); 512. */
  batchSize?: number;
}

export interface FloodResult {
  frames: number;
  /** Simulated time the frames span. */
  simulatedMs: number;
}

export interface FrameStreamOptions {
  /** Frames buffered for a slow reader before a flood waits for it; 10 000. */
  highWaterMark?: number;
}

export type FrameListener = (frame: AmiFrame) => void;

const CALL = 'call,all';
const AGENT = 'agent,all';
/** A direct-line call rings this long before it is given up (no voicemail is simulated). */
const DIRECT_RING_TIMEOUT_MS = 20_000;
/** Between placing a call and the far side's channel appearing, as in the transcripts. */
const SETUP_MS = 1000;
/** Frames held by `advance` before handing them over, to bound memory on long jumps. */
const DELIVERY_CHUNK = 10_000;
/** Longest real-time sleep, so a stopped clock or a new scripted call is noticed. */
const MAX_IDLE_MS = 1000;

interface ChannelSpec {
  endpoint: string;
  state: ChannelStateCode;
  callerNum: string;
  callerName: string;
  connectedNum: string;
  connectedName: string;
  context: string;
  exten: string;
  application: string;
  applicationData: string;
}

interface QueueLeg {
  queue: SimQueue;
  holdSeconds: number;
  connectedAtMs: number;
  completed: boolean;
}

/** Two parties bridged: the customer (or the other party) and an agent's channel. */
interface Conversation {
  call: SimCall;
  bridge: SimBridge;
  customer: SimChannel;
  agentCh: SimChannel;
  agent: SimAgent;
  queueLeg: QueueLeg | undefined;
}

interface RingRequest {
  call: SimCall;
  from: SimChannel;
  target: SimAgent;
  ring: RingPlan;
  timeoutMs: number;
  onAnswer: (targetCh: SimChannel, bridge: SimBridge) => void;
  onNoAnswer: () => void;
}

/**
 * A contact centre that speaks Asterisk AMI: queues, agents, Poisson arrivals, patience and
 * abandonment, ring-no-answer, holds, blind and attended transfers, pauses, outbound and
 * direct calls, all drawn from one seeded random source, so a seed replays the same frames.
 *
 * Time is simulated: `advance(ms)` moves it in tests, `run({ speed })` ties it to the wall
 * clock for demos, `flood(n)` jumps from action to action to produce `n` frames as fast as
 * possible. Frames (in the exact shapes of `libs/testing/src/ami/transcripts`) go to
 * `onFrame` listeners, `frames()` iterators and attached `AmiServer`s, which also answer
 * `CoreShowChannels` and `QueueStatus` from the simulated state. `groundTruth()` is what a
 * consumer's derived state should match.
 */
export class ContactCentreSimulator {
  readonly config: ResolvedContactCentre;
  private readonly random: SeededRandom;
  private readonly planner: CallPlanner;
  private readonly schedule = new ActionSchedule();
  private nowMs: number;
  private lastMicros = 0;
  private channelCounter = 0;
  private readonly queues: SimQueue[];
  private readonly queueByName = new Map<string, SimQueue>();
  private readonly agents: SimAgent[];
  private readonly agentByExtension = new Map<string, SimAgent>();
  /** Live channels in creation order. */
  private readonly channels = new Map<string, SimChannel>();
  /** Calls in progress by Linkedid. */
  private readonly calls = new Map<string, SimCall>();
  private finished: FinishedRecord[] = [];
  private readonly counts: ContactCentreTotals = {
    started: 0,
    answered: 0,
    abandoned: 0,
    noAnswer: 0,
  };
  private dispatchRequested = false;
  /** Frames generated and not yet handed over. */
  private outbox: AmiFrame[] = [];
  private delivered = 0;
  private readonly listeners = new Set<FrameListener>();
  private readonly subscriptions = new Set<FrameSubscription>();
  private readonly servers = new Set<AmiServer>();
  private readonly ownedServers = new Set<AmiServer>();
  private readonly writes = new Set<Promise<void>>();
  private deliveryError: unknown;
  private realTime: RealTimeRun | undefined;
  private flooding = false;

  constructor(config: ContactCentreConfig) {
    this.config = resolveContactCentreConfig(config);
    this.random = new SeededRandom(this.config.seed);
    this.planner = new CallPlanner(this.random, this.config.behaviour);
    this.nowMs = this.config.startTimeMs;
    this.queues = this.config.queues.map((queue) => ({
      config: queue,
      name: queue.name,
      members: [],
      waiting: [],
      stats: {
        completed: 0,
        completedInServiceLevel: 0,
        abandoned: 0,
        abandonedInServiceLevel: 0,
        holdTimeAverage: 0,
        talkTimeAverage: 0,
      },
    }));
    for (const queue of this.queues) this.queueByName.set(queue.name, queue);
    const startSec = Math.floor(this.nowMs / 1000);
    this.agents = this.config.agents.map((agent) => {
      const queues = agent.queues.map((name) => this.queueByName.get(name) as SimQueue);
      const simAgent: SimAgent = {
        config: agent,
        extension: agent.extension,
        interface: `PJSIP/${agent.extension}`,
        name: agent.name,
        queues,
        state: agent.pausedReason === undefined ? 'available' : 'paused',
        stateSinceMs: this.nowMs,
        idleSinceMs: this.nowMs,
        pausedReason: agent.pausedReason,
        lastPauseSec: agent.pausedReason === undefined ? 0 : startSec,
        loginTimeSec: startSec - 3600,
        lastCallSec: 0,
        callsTaken: new Map(queues.map((queue) => [queue.name, 0])),
        inCallQueue: undefined,
        wrapUpUntilMs: 0,
        currentCall: undefined,
      };
      for (const queue of queues) queue.members.push(simAgent);
      this.agentByExtension.set(agent.extension, simAgent);
      return simAgent;
    });
    this.startRandomProcesses();
  }

  // ---- time ---------------------------------------------------------------------------

  /** Simulated time now. */
  get now(): Date {
    return new Date(this.nowMs);
  }

  get nowEpochMs(): number {
    return this.nowMs;
  }

  /** Frames handed to listeners, iterators and servers so far. */
  get framesDelivered(): number {
    return this.delivered;
  }

  /** Frames generated but not handed over yet (a flood stops mid-action). */
  get pendingFrames(): number {
    return this.outbox.length;
  }

  /** Runs everything due in the next `ms` simulated milliseconds, then hands the frames over. */
  advance(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) {
      throw new RangeError(`advance: ms must be a finite number ≥ 0, got ${ms}`);
    }
    this.advanceTo(this.nowMs + ms);
  }

  /**
   * Ties simulated time to the wall clock: `speed` simulated ms per real ms. Frames are handed
   * over as their actions come due. `stop()` (or `close()`) ends it.
   */
  run(options: RunOptions = {}): RealTimeRun {
    if (this.realTime?.running) throw new Error('run: the simulator is already running');
    if (this.flooding) throw new Error('run: a flood is in progress');
    const speed = options.speed ?? 1;
    if (!Number.isFinite(speed) || speed <= 0) {
      throw new RangeError(`run: speed must be a finite number > 0, got ${speed}`);
    }
    const timers = options.timers ?? systemTimers;
    const realStart = timers.now();
    const simStart = this.nowMs;
    let stopped = false;
    let handle: unknown;
    const tick = () => {
      if (stopped) return;
      this.advanceTo(Math.max(this.nowMs, simStart + (timers.now() - realStart) * speed));
      const next = this.schedule.peekTime();
      const wait = next === undefined ? MAX_IDLE_MS : (next - this.nowMs) / speed;
      handle = timers.setTimeout(tick, Math.min(MAX_IDLE_MS, Math.max(0, wait)));
    };
    handle = timers.setTimeout(tick, 0);
    const run: RealTimeRun = {
      get running() {
        return !stopped;
      },
      stop: () => {
        if (stopped) return;
        stopped = true;
        timers.clearTimeout(handle);
      },
    };
    this.realTime = run;
    return run;
  }

  /**
   * Generates exactly `count` frames as fast as possible (simulated time jumps from one action
   * to the next) and hands them over in batches, waiting for attached servers' writes and slow
   * iterators between batches. Frames of the last action beyond `count` stay pending and go out
   * first on the next `advance` or `flood`.
   */
  async flood(count: number, options: FloodOptions = {}): Promise<FloodResult> {
    if (!Number.isInteger(count) || count < 0) {
      throw new RangeError(`flood: count must be a whole number ≥ 0, got ${count}`);
    }
    const batchSize = options.batchSize ?? 512;
    if (!Number.isInteger(batchSize) || batchSize < 1) {
      throw new RangeError(`flood: batchSize must be a whole number ≥ 1, got ${batchSize}`);
    }
    if (this.realTime?.running) throw new Error('flood: stop the real-time run first');
    if (this.flooding) throw new Error('flood: a flood is already in progress');
    this.flooding = true;
    const startMs = this.nowMs;
    let sent = 0;
    try {
      while (sent < count) {
        const want = Math.min(batchSize, count - sent);
        while (this.outbox.length < want) {
          if (!this.step()) {
            throw new Error(
              `flood: nothing is scheduled after ${sent + this.outbox.length} of ${count} frames ` +
                '(every arrival rate is zero and no call is in progress)',
            );
          }
        }
        sent += this.deliver(want);
        await this.backpressure();
      }
    } finally {
      this.flooding = false;
    }
    return { frames: sent, simulatedMs: this.nowMs - startMs };
  }

  // ---- output -------------------------------------------------------------------------

  /** Calls `listener` with every frame from now on, synchronously; returns the unsubscribe. */
  onFrame(listener: FrameListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Every frame from now on, as an async iterator (ends on `close()` or `return()`). */
  frames(options: FrameStreamOptions = {}): AsyncIterableIterator<AmiFrame> {
    const subscription = new FrameSubscription(options.highWaterMark ?? 10_000, (closed) =>
      this.subscriptions.delete(closed),
    );
    this.subscriptions.add(subscription);
    return subscription;
  }

  /**
   * Makes `server` serve the simulation: frames go to its logged-in clients, and its
   * `CoreShowChannels` / `QueueStatus` answer with the simulated state. Returns the detach.
   */
  attach(server: AmiServer): () => void {
    server.handle('CoreShowChannels', () => {
      // Frames still pending go out first, so the list and the stream agree on this socket.
      this.deliver();
      return eventListReply(
        'Channels will follow',
        this.coreShowChannels(),
        'CoreShowChannelsComplete',
      );
    });
    server.handle('QueueStatus', (action) => {
      this.deliver();
      return eventListReply(
        'Queue status will follow',
        this.queueStatus({ queue: action.get('Queue'), member: action.get('Member') }),
        'QueueStatusComplete',
      );
    });
    this.servers.add(server);
    return () => {
      server.handle('CoreShowChannels', undefined);
      server.handle('QueueStatus', undefined);
      this.servers.delete(server);
    };
  }

  /** Starts an `AmiServer` on 127.0.0.1 serving the simulation (stopped by `close()`). */
  async serve(options: AmiServerOptions = {}): Promise<AmiServer> {
    const server = new AmiServer(options);
    this.attach(server);
    this.ownedServers.add(server);
    await server.start();
    return server;
  }

  /** Resolves once every frame handed to servers is written; throws a write failure. */
  async drain(): Promise<void> {
    while (this.writes.size > 0) await Promise.all([...this.writes]);
    if (this.deliveryError !== undefined) {
      const error = this.deliveryError;
      this.deliveryError = undefined;
      throw asError(error);
    }
  }

  /** Stops the real-time run, ends the iterators and stops the servers `serve` started. */
  async close(): Promise<void> {
    this.realTime?.stop();
    for (const subscription of [...this.subscriptions]) subscription.close();
    await this.drain();
    for (const server of this.ownedServers) {
      this.servers.delete(server);
      await server.stop();
    }
    this.ownedServers.clear();
  }

  // ---- snapshots ----------------------------------------------------------------------

  /** `CoreShowChannel` items for the live channels, oldest first. */
  coreShowChannels(): AmiFrame[] {
    return [...this.channels.values()].map((channel) =>
      coreShowChannelFields(channel, this.config.language, this.nowMs),
    );
  }

  /**
   * `QueueStatus` items: per queue its `QueueParams`, `QueueMember`s and `QueueEntry`s, as
   * Asterisk orders them; `queue` and `member` (an interface) filter like Asterisk's.
   */
  queueStatus(filter: { queue?: string; member?: string } = {}): AmiFrame[] {
    const items: AmiFields[] = [];
    for (const queue of this.queues) {
      if (filter.queue !== undefined && filter.queue !== '' && filter.queue !== queue.name)
        continue;
      items.push(queueParamsFields(queue));
      for (const agent of queue.members) {
        if (
          filter.member !== undefined &&
          filter.member !== '' &&
          filter.member !== agent.interface
        ) {
          continue;
        }
        items.push(queueStatusMemberFields(agent, queue));
      }
      queue.waiting.forEach((caller, index) => {
        const channel = caller.channel;
        items.push([
          ['Event', 'QueueEntry'],
          ['Queue', queue.name],
          ['Position', String(index + 1)],
          ['Channel', channel.name],
          ['Uniqueid', channel.uniqueid],
          ['CallerIDNum', channel.callerNum],
          ['CallerIDName', channel.callerName],
          ['ConnectedLineNum', channel.connectedNum],
          ['ConnectedLineName', channel.connectedName],
          ['Wait', String(Math.floor((this.nowMs - caller.joinedAtMs) / 1000))],
          ['Priority', '0'],
        ]);
      });
    }
    return items;
  }

  // ---- ground truth -------------------------------------------------------------------

  groundTruth(): ContactCentreGroundTruth {
    return {
      at: this.now,
      calls: this.callsInProgress(),
      waiting: this.waitingPerQueue(),
      finished: this.finishedCalls(),
      agents: this.agentStates(),
      totals: { ...this.counts },
    };
  }

  callsInProgress(): SimulatedCall[] {
    return [...this.calls.values()].map(toSimulatedCall);
  }

  waitingPerQueue(): Record<string, number> {
    return Object.fromEntries(this.queues.map((queue) => [queue.name, queue.waiting.length]));
  }

  finishedCalls(): FinishedCall[] {
    return this.finished.slice(-this.config.keepFinishedCalls).map(toFinishedCall);
  }

  agentStates(): SimulatedAgent[] {
    return this.agents.map(toSimulatedAgent);
  }

  get totals(): ContactCentreTotals {
    return { ...this.counts };
  }

  // ---- scripted scenarios -------------------------------------------------------------

  /**
   * A caller dials `queue`'s number now; what `script` leaves out is drawn. The first frames
   * are handed over at once. Returns the call id (Linkedid).
   */
  placeQueueCall(queue: string, script?: QueueCallScript): string {
    const where = `placeQueueCall('${queue}')`;
    const target = this.queueByName.get(queue);
    if (!target) {
      throw new CallScriptError(
        where,
        `unknown queue (queues: ${this.queues.map((q) => q.name).join(', ') || 'none'})`,
      );
    }
    checkCallScript(where, script);
    this.checkTransferTarget(where, script?.midCall);
    return this.scripted(() => this.startQueueCall(target, script));
  }

  /** A customer dials the direct line of an available agent now. */
  placeDirectCall(extension: string, script?: DirectCallScript): string {
    const where = `placeDirectCall('${extension}')`;
    const agent = this.agentFor(where, extension);
    this.requireState(where, agent, ['available']);
    checkCallScript(where, script);
    this.checkTransferTarget(where, script?.midCall);
    return this.scripted(() => this.startDirectCall(agent, script));
  }

  /** An available agent dials out now. */
  placeOutboundCall(extension: string, script?: OutboundCallScript): string {
    const where = `placeOutboundCall('${extension}')`;
    const agent = this.agentFor(where, extension);
    this.requireState(where, agent, ['available']);
    checkCallScript(where, script);
    if (script?.number !== undefined && !/^(\+|00)?\d{2,15}$/.test(script.number)) {
      throw new CallScriptError(
        where,
        `script.number must be a dialable number, got '${script.number}'`,
      );
    }
    return this.scripted(() => this.startOutboundCall(agent, script));
  }

  /** Pauses an available (or wrapping-up) agent in all its queues now. */
  pauseAgent(extension: string, reason: string): void {
    const where = `pauseAgent('${extension}')`;
    const agent = this.agentFor(where, extension);
    if (agent.queues.length === 0) {
      throw new CallScriptError(where, 'the agent is in no queue (Asterisk pauses queue members)');
    }
    this.requireState(where, agent, ['available', 'wrap_up']);
    this.scripted(() => this.pause(agent, reason));
  }

  unpauseAgent(extension: string): void {
    const where = `unpauseAgent('${extension}')`;
    const agent = this.agentFor(where, extension);
    this.requireState(where, agent, ['paused']);
    this.scripted(() => this.unpause(agent));
  }

  // ---- engine -------------------------------------------------------------------------

  private scripted<T>(action: () => T): T {
    const result = action();
    this.settle();
    this.deliver();
    return result;
  }

  private at(delayMs: number, run: () => void): ScheduledAction {
    return this.schedule.add(this.nowMs + Math.max(0, Math.round(delayMs)), run);
  }

  private step(): boolean {
    const action = this.schedule.pop();
    if (!action) return false;
    if (action.atMs > this.nowMs) this.nowMs = action.atMs;
    action.run();
    this.settle();
    return true;
  }

  private advanceTo(targetMs: number): void {
    for (;;) {
      const next = this.schedule.peekTime();
      if (next === undefined || next > targetMs) break;
      this.step();
      if (this.outbox.length >= DELIVERY_CHUNK) this.deliver();
    }
    if (targetMs > this.nowMs) this.nowMs = targetMs;
    this.deliver();
  }

  /** Dispatch runs after an action, never in the middle of its frames. */
  private settle(): void {
    while (this.dispatchRequested) {
      this.dispatchRequested = false;
      this.dispatch();
    }
  }

  private requestDispatch(): void {
    this.dispatchRequested = true;
  }

  private deliver(limit = Number.POSITIVE_INFINITY): number {
    const count = Math.min(limit, this.outbox.length);
    if (count === 0) return 0;
    const frames = count === this.outbox.length ? this.outbox : this.outbox.slice(0, count);
    this.outbox = count === this.outbox.length ? [] : this.outbox.slice(count);
    this.delivered += count;
    for (const subscription of this.subscriptions) subscription.push(frames);
    if (this.servers.size > 0) {
      const wire = frames.map(serializeAmiFrame).join('');
      for (const server of this.servers) this.track(server.sendRaw(wire));
    }
    let listenerError: unknown;
    for (const frame of frames) {
      for (const listener of this.listeners) {
        try {
          listener(frame);
        } catch (error) {
          // Every frame still reaches every listener; the first failure surfaces afterwards.
          listenerError ??= error;
        }
      }
    }
    if (listenerError !== undefined) throw asError(listenerError);
    return count;
  }

  private track(write: Promise<void>): void {
    const tracked: Promise<void> = write.then(
      () => {
        this.writes.delete(tracked);
      },
      (error: unknown) => {
        this.writes.delete(tracked);
        this.deliveryError ??= error;
      },
    );
    this.writes.add(tracked);
  }

  private async backpressure(): Promise<void> {
    await Promise.all([
      ...this.writes,
      ...[...this.subscriptions].map((subscription) => subscription.belowHighWaterMark()),
    ]);
    if (this.deliveryError !== undefined) await this.drain();
  }

  private emit(event: string, privilege: string, fields: AmiFields): void {
    this.outbox.push([
      ['Event', event],
      ['Privilege', privilege],
      ['Timestamp', this.timestamp()],
      ...fields,
    ]);
  }

  /** Simulated time with microseconds, strictly increasing so frames keep their order. */
  private timestamp(): string {
    const micros = Math.max(this.lastMicros + 1, this.nowMs * 1000);
    this.lastMicros = micros;
    return `${Math.floor(micros / 1_000_000)}.${String(micros % 1_000_000).padStart(6, '0')}`;
  }

  // ---- random processes ---------------------------------------------------------------

  private startRandomProcesses(): void {
    for (const queue of this.queues) {
      const rate = queue.config.callsPerHour;
      if (rate > 0) this.poisson(rate, () => this.startQueueCall(queue, undefined));
    }
    for (const agent of this.agents) {
      const { pausesPerHour, outboundCallsPerHour, directCallsPerHour, pausedReason } =
        agent.config;
      if (pausedReason !== undefined) {
        this.at(this.planner.seconds(this.config.behaviour.pauseDuration) * 1000, () => {
          if (agent.state === 'paused') this.unpause(agent);
        });
      }
      if (pausesPerHour > 0 && agent.queues.length > 0) {
        this.poisson(pausesPerHour, () => {
          if (agent.state !== 'available') return;
          this.pause(agent, this.random.pick(this.config.behaviour.pauseReasons));
          this.at(this.planner.seconds(this.config.behaviour.pauseDuration) * 1000, () => {
            if (agent.state === 'paused') this.unpause(agent);
          });
        });
      }
      if (outboundCallsPerHour > 0) {
        this.poisson(outboundCallsPerHour, () => {
          if (agent.state === 'available') this.startOutboundCall(agent, undefined);
        });
      }
      if (directCallsPerHour > 0) {
        this.poisson(directCallsPerHour, () => {
          // A busy agent's line would go to voicemail, which is not simulated.
          if (agent.state === 'available') this.startDirectCall(agent, undefined);
        });
      }
    }
  }

  /** Runs `event` at Poisson times of `perHour` rate, forever. */
  private poisson(perHour: number, event: () => void): void {
    const meanMs = 3_600_000 / perHour;
    const next = () => {
      this.at(this.random.exponential(meanMs), () => {
        event();
        next();
      });
    };
    next();
  }

  // ---- channels, calls, bridges -------------------------------------------------------

  private newChannel(spec: ChannelSpec, call: SimCall | undefined): SimChannel {
    this.channelCounter += 1;
    const counter = this.channelCounter;
    const uniqueid = `${Math.floor(this.nowMs / 1000)}.${counter}`;
    const channel: SimChannel = {
      name: `PJSIP/${spec.endpoint}-${counter.toString(16).padStart(8, '0')}`,
      uniqueid,
      linkedid: call?.callId ?? uniqueid,
      state: spec.state,
      callerNum: spec.callerNum,
      callerName: spec.callerName,
      connectedNum: spec.connectedNum,
      connectedName: spec.connectedName,
      context: spec.context,
      exten: spec.exten,
      priority: 1,
      createdAtMs: this.nowMs,
      bridge: undefined,
      application: spec.application,
      applicationData: spec.applicationData,
    };
    this.channels.set(channel.name, channel);
    call?.channels.add(channel);
    this.emit('Newchannel', CALL, channelFields(channel, this.config.language));
    return channel;
  }

  /** A channel that starts a call of its own (its Uniqueid becomes the Linkedid). */
  private startCall(
    spec: ChannelSpec,
    call: {
      direction: CallDirection;
      queue?: string;
      remoteNumber: string;
      remoteName: string;
      localNumber: string;
      agent?: SimAgent;
    },
  ): { call: SimCall; channel: SimChannel } {
    const channel = this.newChannel(spec, undefined);
    const record: SimCall = {
      callId: channel.linkedid,
      direction: call.direction,
      state: 'ringing',
      queue: call.queue,
      remoteNumber: call.remoteNumber,
      remoteName: call.remoteName,
      localNumber: call.localNumber,
      startedAtMs: this.nowMs,
      queuedAtMs: undefined,
      leftQueueAtMs: undefined,
      answeredAtMs: undefined,
      agent: call.agent,
      missedBy: [],
      holdMs: 0,
      holdStartedAtMs: undefined,
      transfers: [],
      channels: new Set([channel]),
      outcome: undefined,
    };
    this.calls.set(record.callId, record);
    this.counts.started += 1;
    return { call: record, channel };
  }

  private hangup(channel: SimChannel, cause: number, causeText: string): void {
    this.emit('Hangup', CALL, [
      ...channelFields(channel, this.config.language),
      ['Cause', String(cause)],
      ['Cause-txt', causeText],
    ]);
    this.channels.delete(channel.name);
    const call = this.calls.get(channel.linkedid);
    if (!call) return;
    call.channels.delete(channel);
    if (call.channels.size === 0) this.finishCall(call);
  }

  private finishCall(call: SimCall): void {
    this.endHold(call);
    const outcome: CallOutcome =
      call.outcome ?? (call.answeredAtMs !== undefined ? 'answered' : 'no_answer');
    call.outcome = outcome;
    this.calls.delete(call.callId);
    if (outcome === 'answered') this.counts.answered += 1;
    else if (outcome === 'abandoned') this.counts.abandoned += 1;
    else this.counts.noAnswer += 1;
    const keep = this.config.keepFinishedCalls;
    if (keep === 0) return;
    this.finished.push({ call, outcome, endedAtMs: this.nowMs });
    // Trimmed in chunks: a flood finishes calls by the hundred thousand.
    if (this.finished.length > keep * 2) this.finished = this.finished.slice(-keep);
  }

  private newstate(channel: SimChannel, state: ChannelStateCode): void {
    channel.state = state;
    this.emit('Newstate', CALL, channelFields(channel, this.config.language));
  }

  private dialBegin(from: SimChannel, to: SimChannel, dialString: string): void {
    const language = this.config.language;
    this.emit('DialBegin', CALL, [
      ...channelFields(from, language),
      ...channelFields(to, language, 'Dest'),
      ['DialString', dialString],
    ]);
  }

  private dialEnd(from: SimChannel, to: SimChannel, status: string): void {
    const language = this.config.language;
    this.emit('DialEnd', CALL, [
      ...channelFields(from, language),
      ...channelFields(to, language, 'Dest'),
      ['DialStatus', status],
    ]);
  }

  private createBridge(): SimBridge {
    const bridge: SimBridge = { id: this.random.uuid(), channels: [] };
    this.emit('BridgeCreate', CALL, bridgeFields(bridge, 0));
    return bridge;
  }

  private enterBridge(bridge: SimBridge, channel: SimChannel): void {
    bridge.channels.push(channel);
    channel.bridge = bridge;
    this.emit('BridgeEnter', CALL, [
      ...bridgeFields(bridge, bridge.channels.length),
      ...channelFields(channel, this.config.language),
    ]);
  }

  private leaveBridge(bridge: SimBridge, channel: SimChannel): void {
    bridge.channels = bridge.channels.filter((member) => member !== channel);
    channel.bridge = undefined;
    this.emit('BridgeLeave', CALL, [
      ...bridgeFields(bridge, bridge.channels.length),
      ...channelFields(channel, this.config.language),
    ]);
  }

  private destroyBridge(bridge: SimBridge): void {
    this.emit('BridgeDestroy', CALL, bridgeFields(bridge, 0));
  }

  private endHold(call: SimCall): void {
    if (call.holdStartedAtMs === undefined) return;
    call.holdMs += this.nowMs - call.holdStartedAtMs;
    call.holdStartedAtMs = undefined;
  }

  // ---- agents -------------------------------------------------------------------------

  private setAgentState(agent: SimAgent, state: AgentState): void {
    if (agent.state === state) return;
    agent.state = state;
    agent.stateSinceMs = this.nowMs;
  }

  /** `QueueMemberStatus` in every queue of the agent (Asterisk follows the device). */
  private memberStatus(agent: SimAgent): void {
    for (const queue of agent.queues)
      this.emit('QueueMemberStatus', AGENT, memberFields(agent, queue));
  }

  /** The agent is off the phone: wrap-up after a queue call, otherwise available at once. */
  private releaseAgent(agent: SimAgent, queueLeg: QueueLeg | undefined): void {
    agent.currentCall = undefined;
    agent.inCallQueue = undefined;
    agent.idleSinceMs = this.nowMs;
    const wrapUpMs = (queueLeg?.queue.config.wrapUpSeconds ?? 0) * 1000;
    if (wrapUpMs > 0) {
      this.setAgentState(agent, 'wrap_up');
      agent.wrapUpUntilMs = this.nowMs + wrapUpMs;
      this.at(wrapUpMs, () => {
        if (agent.state !== 'wrap_up' || this.nowMs < agent.wrapUpUntilMs) return;
        this.setAgentState(agent, 'available');
        this.requestDispatch();
      });
    } else {
      this.setAgentState(agent, 'available');
    }
    this.memberStatus(agent);
    this.requestDispatch();
  }

  private pause(agent: SimAgent, reason: string): void {
    agent.pausedReason = reason;
    agent.lastPauseSec = Math.floor(this.nowMs / 1000);
    this.setAgentState(agent, 'paused');
    for (const queue of agent.queues) {
      this.emit('QueueMemberPause', AGENT, memberFields(agent, queue));
      this.emit('QueueMemberStatus', AGENT, memberFields(agent, queue));
    }
  }

  private unpause(agent: SimAgent): void {
    agent.pausedReason = undefined;
    this.setAgentState(agent, this.nowMs < agent.wrapUpUntilMs ? 'wrap_up' : 'available');
    for (const queue of agent.queues) {
      this.emit('QueueMemberPause', AGENT, memberFields(agent, queue));
      this.emit('QueueMemberStatus', AGENT, memberFields(agent, queue));
    }
    this.requestDispatch();
  }

  /** Holds `target` for a transfer or a direct call, so no queue offers it meanwhile. */
  private reserve(agent: SimAgent, call: SimCall): void {
    this.setAgentState(agent, 'ringing');
    agent.currentCall = call;
  }

  private transferTarget(from: SimAgent, to: string | undefined): SimAgent | undefined {
    if (to !== undefined) {
      const agent = this.agentByExtension.get(to);
      return agent && agent !== from && agent.state === 'available' ? agent : undefined;
    }
    const candidates = this.agents.filter((agent) => agent !== from && agent.state === 'available');
    return candidates.length > 0 ? this.random.pick(candidates) : undefined;
  }

  // ---- queue calls --------------------------------------------------------------------

  private callerIdentity(script: CallerScript | undefined): CallerIdentity {
    const drawn = drawCallerIdentity(this.random, this.config.behaviour.callerNumberMix);
    if (script?.number === undefined && script?.name === undefined) return drawn;
    const number = script.number ?? drawn.number;
    const format = isExtension(number)
      ? 'extension'
      : number === 'anonymous'
        ? 'withheld'
        : number.startsWith('+')
          ? 'international'
          : number.startsWith('00')
            ? 'international-00'
            : 'national';
    const name = script.name ?? (script.number !== undefined ? UNKNOWN : drawn.name);
    return { number, name, format };
  }

  private startQueueCall(queue: SimQueue, script: QueueCallScript | undefined): string {
    const identity = this.callerIdentity(script?.caller);
    const internal = identity.format === 'extension';
    const patienceMs = Math.round(
      (script?.patienceSeconds ?? this.planner.seconds(queue.config.patience, 0)) * 1000,
    );
    const plan = this.planner.conversation(queue.config.handleTime, script, true);
    const { call, channel } = this.startCall(
      {
        endpoint: internal ? identity.number : this.config.trunk,
        state: 0,
        callerNum: identity.number,
        callerName: identity.name,
        connectedNum: UNKNOWN,
        connectedName: UNKNOWN,
        context: internal ? 'from-internal' : 'from-trunk',
        exten: queue.config.number,
        application: 'Playback',
        applicationData: 'custom/welcome',
      },
      {
        direction: internal ? 'internal' : 'inbound',
        queue: queue.name,
        remoteNumber: identity.number,
        remoteName: identity.name,
        localNumber: queue.config.number,
      },
    );
    this.at(this.config.behaviour.greetingSeconds * 1000, () => {
      channel.priority = 2;
      this.newstate(channel, 6);
      channel.priority = 3;
      channel.application = 'Queue';
      channel.applicationData = queue.name;
      const caller: QueueCaller = {
        call,
        channel,
        queue,
        joinedAtMs: this.nowMs,
        originalPosition: queue.waiting.length + 1,
        offer: undefined,
        notBeforeMs: this.nowMs,
        missed: new Set(),
        plan,
        ringScripts: [...(script?.rings ?? [])],
        timers: [],
      };
      queue.waiting.push(caller);
      call.state = 'queued';
      call.queuedAtMs = this.nowMs;
      this.emit('QueueCallerJoin', AGENT, [
        ...channelFields(channel, this.config.language),
        ['Queue', queue.name],
        ['Position', String(queue.waiting.length)],
        ['Count', String(queue.waiting.length)],
      ]);
      if (Number.isFinite(patienceMs)) {
        caller.timers.push(this.at(patienceMs, () => this.abandon(caller)));
      }
      if (queue.config.maxWaitSeconds !== undefined) {
        caller.timers.push(
          this.at(queue.config.maxWaitSeconds * 1000, () => this.queueTimeout(caller)),
        );
      }
      this.requestDispatch();
    });
    return call.callId;
  }

  /** Offers waiting callers to free agents: heavier queues first, then longest waiting. */
  private dispatch(): void {
    const ready = this.queues
      .flatMap((queue) => queue.waiting)
      .filter((caller) => !caller.offer && caller.notBeforeMs <= this.nowMs)
      .sort((a, b) => b.queue.config.weight - a.queue.config.weight || a.joinedAtMs - b.joinedAtMs);
    for (const caller of ready) {
      const agent = this.pickAgent(caller);
      if (agent) this.offer(caller, agent);
    }
  }

  /** Least recently busy free member, preferring one who has not let this caller ring out. */
  private pickAgent(caller: QueueCaller): SimAgent | undefined {
    const free = caller.queue.members.filter((agent) => agent.state === 'available');
    if (free.length === 0) return undefined;
    const fresh = free.filter((agent) => !caller.missed.has(agent));
    const pool = fresh.length > 0 ? fresh : free;
    return pool.reduce((best, agent) => (agent.idleSinceMs < best.idleSinceMs ? agent : best));
  }

  private offer(caller: QueueCaller, agent: SimAgent): void {
    const { call, channel: callerCh, queue } = caller;
    const language = this.config.language;
    this.reserve(agent, call);
    const agentCh = this.newChannel(
      {
        endpoint: agent.extension,
        state: 0,
        callerNum: agent.extension,
        callerName: agent.name,
        connectedNum: callerCh.callerNum,
        connectedName: callerCh.callerName,
        context: 'from-internal',
        exten: queue.config.number,
        application: 'AppQueue',
        applicationData: '(Outgoing Line)',
      },
      call,
    );
    this.emit('AgentCalled', AGENT, [
      ...channelFields(callerCh, language),
      ...channelFields(agentCh, language, 'Dest'),
      ['Queue', queue.name],
      ['Interface', agent.interface],
      ['MemberName', agent.name],
    ]);
    this.dialBegin(callerCh, agentCh, agent.extension);
    this.memberStatus(agent);
    this.newstate(agentCh, 5);
    const ring = this.planner.ring(caller.ringScripts.shift());
    const timeoutMs = queue.config.ringTimeoutSeconds * 1000;
    const timer =
      ring === 'no-answer' || ring >= timeoutMs
        ? this.at(timeoutMs, () => this.ringNoAnswer(caller))
        : this.at(ring, () => this.answerOffer(caller));
    caller.offer = {
      agent,
      channel: agentCh,
      startedAtMs: this.nowMs,
      cancel: () => timer.cancel(),
    };
  }

  private ringNoAnswer(caller: QueueCaller): void {
    const offer = caller.offer;
    if (!offer) return;
    caller.offer = undefined;
    const { agent, channel: agentCh } = offer;
    const { queue, channel: callerCh } = caller;
    const language = this.config.language;
    this.emit('AgentRingNoAnswer', AGENT, [
      ...channelFields(callerCh, language),
      ...channelFields(agentCh, language, 'Dest'),
      ['Queue', queue.name],
      ['Interface', agent.interface],
      ['MemberName', agent.name],
      ['RingTime', String(Math.round((this.nowMs - offer.startedAtMs) / 1000))],
    ]);
    this.dialEnd(callerCh, agentCh, 'NOANSWER');
    agent.currentCall = undefined;
    this.setAgentState(agent, 'available');
    this.hangup(agentCh, 19, 'No user responding');
    this.memberStatus(agent);
    caller.missed.add(agent);
    caller.call.missedBy.push(agent.interface);
    const retryMs = queue.config.retrySeconds * 1000;
    caller.notBeforeMs = this.nowMs + retryMs;
    this.at(retryMs, () => this.requestDispatch());
    this.requestDispatch();
  }

  private answerOffer(caller: QueueCaller): void {
    const offer = caller.offer;
    if (!offer) return;
    caller.offer = undefined;
    const { agent, channel: agentCh } = offer;
    const { call, channel: callerCh, queue } = caller;
    const language = this.config.language;
    const ringSeconds = Math.round((this.nowMs - offer.startedAtMs) / 1000);
    this.newstate(agentCh, 6);
    callerCh.connectedNum = agent.extension;
    callerCh.connectedName = agent.name;
    this.dialEnd(callerCh, agentCh, 'ANSWER');
    this.leaveQueue(caller);
    const holdSeconds = Math.round((this.nowMs - caller.joinedAtMs) / 1000);
    const bridge = this.createBridge();
    this.enterBridge(bridge, agentCh);
    this.enterBridge(bridge, callerCh);
    this.emit('AgentConnect', AGENT, [
      ...channelFields(callerCh, language),
      ...channelFields(agentCh, language, 'Dest'),
      ['Queue', queue.name],
      ['Interface', agent.interface],
      ['MemberName', agent.name],
      ['HoldTime', String(holdSeconds)],
      ['RingTime', String(ringSeconds)],
    ]);
    this.setAgentState(agent, 'on_call');
    agent.inCallQueue = queue.name;
    this.memberStatus(agent);
    call.state = 'active';
    call.answeredAtMs = this.nowMs;
    call.agent = agent;
    queue.stats.holdTimeAverage = (3 * queue.stats.holdTimeAverage + holdSeconds) / 4;
    this.converse(
      {
        call,
        bridge,
        customer: callerCh,
        agentCh,
        agent,
        queueLeg: { queue, holdSeconds, connectedAtMs: this.nowMs, completed: false },
      },
      caller.plan,
    );
  }

  private leaveQueue(caller: QueueCaller): void {
    const { queue } = caller;
    const index = queue.waiting.indexOf(caller);
    if (index < 0) return;
    queue.waiting.splice(index, 1);
    for (const timer of caller.timers) timer.cancel();
    caller.call.leftQueueAtMs = this.nowMs;
    this.emit('QueueCallerLeave', AGENT, [
      ...channelFields(caller.channel, this.config.language),
      ['Queue', queue.name],
      ['Count', String(queue.waiting.length)],
      ['Position', String(index + 1)],
    ]);
  }

  /** The caller gives up while an agent may be ringing. */
  private cancelOffer(caller: QueueCaller): void {
    const offer = caller.offer;
    if (!offer) return;
    caller.offer = undefined;
    offer.cancel();
    this.dialEnd(caller.channel, offer.channel, 'CANCEL');
    offer.agent.currentCall = undefined;
    this.setAgentState(offer.agent, 'available');
    this.hangup(offer.channel, 0, 'Unknown');
    this.memberStatus(offer.agent);
  }

  private abandon(caller: QueueCaller): void {
    const { call, channel, queue } = caller;
    this.cancelOffer(caller);
    const waited = Math.round((this.nowMs - caller.joinedAtMs) / 1000);
    this.emit('QueueCallerAbandon', AGENT, [
      ...channelFields(channel, this.config.language),
      ['Queue', queue.name],
      ['Position', String(queue.waiting.indexOf(caller) + 1)],
      ['OriginalPosition', String(caller.originalPosition)],
      ['HoldTime', String(waited)],
    ]);
    queue.stats.abandoned += 1;
    if (waited <= queue.config.serviceLevelSeconds) queue.stats.abandonedInServiceLevel += 1;
    this.leaveQueue(caller);
    call.outcome = 'abandoned';
    this.hangup(channel, 16, 'Normal Clearing');
    this.requestDispatch();
  }

  /** The queue's `maxWaitSeconds` ran out: the caller leaves unanswered. */
  private queueTimeout(caller: QueueCaller): void {
    this.cancelOffer(caller);
    this.leaveQueue(caller);
    caller.call.outcome = 'no_answer';
    this.hangup(caller.channel, 16, 'Normal Clearing');
    this.requestDispatch();
  }

  // ---- conversations ------------------------------------------------------------------

  private converse(conversation: Conversation, plan: ConversationPlan): void {
    const end = (afterMs: number) =>
      this.at(Math.max(1000, afterMs), () => this.endConversation(conversation, plan.hangsUp));
    const mid: MidCallPlan = plan.midCall;
    switch (mid.kind) {
      case 'none':
        end(plan.talkMs);
        return;
      case 'hold':
        this.at(mid.atMs, () => {
          this.startHold(conversation);
          this.at(mid.holdMs, () => {
            this.stopHold(conversation);
            end(plan.talkMs - mid.atMs - mid.holdMs);
          });
        });
        return;
      case 'blind-transfer':
        this.at(mid.atMs, () => {
          if (!this.blindTransfer(conversation, mid)) end(plan.talkMs - mid.atMs);
        });
        return;
      case 'attended-transfer':
        this.at(mid.atMs, () => {
          if (!this.attendedTransfer(conversation, mid)) end(plan.talkMs - mid.atMs);
        });
        return;
    }
  }

  private startHold({ call, agentCh, customer }: Conversation): void {
    const language = this.config.language;
    this.emit('Hold', CALL, [...channelFields(agentCh, language), ['MusicClass', 'default']]);
    this.emit('MusicOnHoldStart', CALL, [
      ...channelFields(customer, language),
      ['Class', 'default'],
    ]);
    call.state = 'on_hold';
    call.holdStartedAtMs = this.nowMs;
  }

  private stopHold({ call, agentCh, customer }: Conversation): void {
    const language = this.config.language;
    this.emit('MusicOnHoldStop', CALL, channelFields(customer, language));
    this.emit('Unhold', CALL, channelFields(agentCh, language));
    this.endHold(call);
    call.state = 'active';
  }

  /** The side that hangs up leaves first (`AgentComplete` between the two, as Asterisk does). */
  private endConversation(conversation: Conversation, hangsUp: HangupSide): void {
    const { bridge, customer, agentCh, agent, queueLeg } = conversation;
    const [first, second] = hangsUp === 'customer' ? [customer, agentCh] : [agentCh, customer];
    this.leaveBridge(bridge, first);
    this.hangup(first, 16, 'Normal Clearing');
    if (queueLeg) this.agentComplete(conversation, hangsUp === 'customer' ? 'caller' : 'agent');
    this.leaveBridge(bridge, second);
    this.destroyBridge(bridge);
    this.hangup(second, 16, 'Normal Clearing');
    this.releaseAgent(agent, queueLeg);
  }

  private agentComplete(
    { customer, agentCh, agent, queueLeg }: Conversation,
    reason: 'caller' | 'agent' | 'transfer',
  ): void {
    if (!queueLeg || queueLeg.completed) return;
    queueLeg.completed = true;
    const { queue } = queueLeg;
    const language = this.config.language;
    const talkSeconds = Math.round((this.nowMs - queueLeg.connectedAtMs) / 1000);
    this.emit('AgentComplete', AGENT, [
      ...channelFields(customer, language),
      ...channelFields(agentCh, language, 'Dest'),
      ['Queue', queue.name],
      ['Interface', agent.interface],
      ['MemberName', agent.name],
      ['HoldTime', String(queueLeg.holdSeconds)],
      ['TalkTime', String(talkSeconds)],
      ['Reason', reason],
    ]);
    queue.stats.completed += 1;
    if (queueLeg.holdSeconds <= queue.config.serviceLevelSeconds) {
      queue.stats.completedInServiceLevel += 1;
    }
    queue.stats.talkTimeAverage = (3 * queue.stats.talkTimeAverage + talkSeconds) / 4;
    agent.callsTaken.set(queue.name, (agent.callsTaken.get(queue.name) ?? 0) + 1);
    agent.lastCallSec = Math.floor(this.nowMs / 1000);
  }

  /** Rings `target` from `from` (a direct line, a blind transfer's second leg, a consultation). */
  private ringAgent(request: RingRequest): void {
    const { call, from, target, ring, timeoutMs } = request;
    this.reserve(target, call);
    const targetCh = this.newChannel(
      {
        endpoint: target.extension,
        state: 0,
        callerNum: target.extension,
        callerName: target.name,
        connectedNum: from.callerNum,
        connectedName: from.callerName,
        context: 'from-internal',
        exten: target.extension,
        application: 'AppDial',
        applicationData: '(Outgoing Line)',
      },
      call,
    );
    this.dialBegin(from, targetCh, target.extension);
    this.memberStatus(target);
    this.newstate(targetCh, 5);
    if (ring === 'no-answer' || ring >= timeoutMs) {
      this.at(timeoutMs, () => {
        this.dialEnd(from, targetCh, 'NOANSWER');
        target.currentCall = undefined;
        this.setAgentState(target, 'available');
        this.hangup(targetCh, 19, 'No user responding');
        this.memberStatus(target);
        call.missedBy.push(target.interface);
        this.requestDispatch();
        request.onNoAnswer();
      });
      return;
    }
    this.at(ring, () => {
      this.newstate(targetCh, 6);
      // The calling side is answered with it (no Newstate of its own, as in the transcripts).
      from.state = 6;
      from.connectedNum = target.extension;
      from.connectedName = target.name;
      this.dialEnd(from, targetCh, 'ANSWER');
      const bridge = this.createBridge();
      this.enterBridge(bridge, targetCh);
      this.enterBridge(bridge, from);
      this.setAgentState(target, 'on_call');
      this.memberStatus(target);
      call.state = 'active';
      call.answeredAtMs ??= this.nowMs;
      request.onAnswer(targetCh, bridge);
    });
  }

  private blindTransfer(
    conversation: Conversation,
    mid: Extract<MidCallPlan, { kind: 'blind-transfer' }>,
  ): boolean {
    const target = this.transferTarget(conversation.agent, mid.to);
    if (!target) return false;
    const { call, bridge, customer, agentCh, agent, queueLeg } = conversation;
    const language = this.config.language;
    this.emit('BlindTransfer', CALL, [
      ['Result', 'Success'],
      ...channelFields(agentCh, language, 'Transferer'),
      ...channelFields(customer, language, 'Transferee'),
      ...bridgeFields(bridge, bridge.channels.length),
      ['IsExternal', 'No'],
      ['Context', 'from-internal'],
      ['Extension', target.extension],
    ]);
    this.reserve(target, call);
    this.agentComplete(conversation, 'transfer');
    call.transfers.push({
      kind: 'blind',
      atMs: this.nowMs,
      from: agent.interface,
      to: target.extension,
    });
    this.leaveBridge(bridge, agentCh);
    this.hangup(agentCh, 16, 'Normal Clearing');
    this.leaveBridge(bridge, customer);
    this.destroyBridge(bridge);
    this.releaseAgent(agent, queueLeg);
    // The customer's channel now runs the target extension's dialplan.
    customer.context = 'from-internal';
    customer.exten = target.extension;
    customer.priority = 1;
    customer.connectedNum = UNKNOWN;
    customer.connectedName = UNKNOWN;
    customer.application = 'Dial';
    customer.applicationData = `PJSIP/${target.extension},30`;
    call.state = 'ringing';
    call.agent = target;
    this.ringAgent({
      call,
      from: customer,
      target,
      ring: mid.ringMs,
      timeoutMs: DIRECT_RING_TIMEOUT_MS,
      onAnswer: (targetCh, bridge2) =>
        this.converse(
          {
            call,
            bridge: bridge2,
            customer,
            agentCh: targetCh,
            agent: target,
            queueLeg: undefined,
          },
          { ...mid.next, midCall: { kind: 'none' } },
        ),
      onNoAnswer: () => this.hangup(customer, 16, 'Normal Clearing'),
    });
    return true;
  }

  private attendedTransfer(
    conversation: Conversation,
    mid: Extract<MidCallPlan, { kind: 'attended-transfer' }>,
  ): boolean {
    const target = this.transferTarget(conversation.agent, mid.to);
    if (!target) return false;
    const { call, bridge: bridge1, customer, agent } = conversation;
    const language = this.config.language;
    // As in the attended-transfer transcript: the customer's channel reports the hold.
    this.emit('Hold', CALL, [...channelFields(customer, language), ['MusicClass', 'default']]);
    call.state = 'on_hold';
    call.holdStartedAtMs = this.nowMs;
    // The consultation is a call of its own: the agent's second line gets a new Linkedid.
    const { call: consult, channel: consultCh } = this.startCall(
      {
        endpoint: agent.extension,
        state: 4,
        callerNum: agent.extension,
        callerName: agent.name,
        connectedNum: target.extension,
        connectedName: UNKNOWN,
        context: 'from-internal',
        exten: target.extension,
        application: 'Dial',
        applicationData: `PJSIP/${target.extension},30`,
      },
      {
        direction: 'internal',
        remoteNumber: target.extension,
        remoteName: target.name,
        localNumber: agent.extension,
        agent,
      },
    );
    this.reserve(target, consult);
    this.at(SETUP_MS, () =>
      this.ringAgent({
        call: consult,
        from: consultCh,
        target,
        ring: mid.ringMs,
        timeoutMs: Number.POSITIVE_INFINITY,
        onAnswer: (targetCh, bridge2) =>
          this.at(mid.consultMs, () =>
            this.completeAttendedTransfer(conversation, mid.next, {
              target,
              targetCh,
              consultCh,
              bridge1,
              bridge2,
            }),
          ),
        onNoAnswer: () => undefined,
      }),
    );
    return true;
  }

  private completeAttendedTransfer(
    conversation: Conversation,
    next: LegPlan,
    legs: {
      target: SimAgent;
      targetCh: SimChannel;
      consultCh: SimChannel;
      bridge1: SimBridge;
      bridge2: SimBridge;
    },
  ): void {
    const { call, customer, agentCh, agent, queueLeg } = conversation;
    const { target, targetCh, consultCh, bridge1, bridge2 } = legs;
    const language = this.config.language;
    this.emit('AttendedTransfer', CALL, [
      ['Result', 'Success'],
      ...channelFields(agentCh, language, 'OrigTransferer'),
      ...bridgeFields(bridge1, bridge1.channels.length, 'Orig'),
      ...channelFields(consultCh, language, 'SecondTransferer'),
      ...bridgeFields(bridge2, bridge2.channels.length, 'Second'),
      ...channelFields(customer, language, 'Transferee'),
      ...channelFields(targetCh, language, 'TransferTarget'),
      ['IsExternal', 'No'],
      ['DestType', 'Bridge'],
      ['DestBridgeUniqueid', bridge2.id],
    ]);
    this.agentComplete(conversation, 'transfer');
    call.transfers.push({
      kind: 'attended',
      atMs: this.nowMs,
      from: agent.interface,
      to: target.extension,
    });
    this.leaveBridge(bridge1, agentCh);
    this.leaveBridge(bridge2, consultCh);
    this.leaveBridge(bridge1, customer);
    this.enterBridge(bridge2, customer);
    this.destroyBridge(bridge1);
    this.emit('Unhold', CALL, channelFields(customer, language));
    this.endHold(call);
    call.state = 'active';
    this.hangup(agentCh, 16, 'Normal Clearing');
    this.hangup(consultCh, 16, 'Normal Clearing');
    this.releaseAgent(agent, queueLeg);
    call.agent = target;
    target.currentCall = call;
    this.converse(
      { call, bridge: bridge2, customer, agentCh: targetCh, agent: target, queueLeg: undefined },
      { ...next, midCall: { kind: 'none' } },
    );
  }

  // ---- direct and outbound calls ------------------------------------------------------

  private startDirectCall(agent: SimAgent, script: DirectCallScript | undefined): string {
    const identity = this.callerIdentity(script?.caller);
    const internal = identity.format === 'extension';
    const plan = this.planner.conversation(this.config.behaviour.outboundHandleTime, script, true);
    const ring = this.planner.ring(script?.ring);
    const { call, channel: callerCh } = this.startCall(
      {
        endpoint: internal ? identity.number : this.config.trunk,
        state: 6,
        callerNum: identity.number,
        callerName: identity.name,
        connectedNum: UNKNOWN,
        connectedName: UNKNOWN,
        context: internal ? 'from-internal' : 'from-trunk',
        exten: agent.extension,
        application: 'Dial',
        applicationData: `PJSIP/${agent.extension},20`,
      },
      {
        direction: internal ? 'internal' : 'inbound',
        remoteNumber: identity.number,
        remoteName: identity.name,
        localNumber: agent.extension,
        agent,
      },
    );
    this.reserve(agent, call);
    this.at(SETUP_MS, () =>
      this.ringAgent({
        call,
        from: callerCh,
        target: agent,
        ring,
        timeoutMs: DIRECT_RING_TIMEOUT_MS,
        onAnswer: (agentCh, bridge) =>
          this.converse(
            { call, bridge, customer: callerCh, agentCh, agent, queueLeg: undefined },
            plan,
          ),
        onNoAnswer: () => this.hangup(callerCh, 16, 'Normal Clearing'),
      }),
    );
    return call.callId;
  }

  private startOutboundCall(agent: SimAgent, script: OutboundCallScript | undefined): string {
    const behaviour = this.config.behaviour;
    const number = script?.number ?? drawCallerIdentity(this.random, OUTBOUND_NUMBER_MIX).number;
    const answered = script?.answered ?? this.random.chance(behaviour.outboundAnswerProbability);
    const ringMs = Math.round(
      (script?.ringSeconds ?? this.planner.seconds(behaviour.outboundRingDuration)) * 1000,
    );
    const hold = script?.hold;
    const plan = this.planner.conversation(
      behaviour.outboundHandleTime,
      {
        talkSeconds: script?.talkSeconds,
        hangsUp: script?.hangsUp,
        midCall:
          hold === null
            ? { kind: 'none' }
            : hold !== undefined
              ? { kind: 'hold', ...hold }
              : undefined,
      },
      false,
    );
    const dialString = `${this.config.trunk}/sip:${number}@${this.config.trunkHost}`;
    const { call, channel: agentCh } = this.startCall(
      {
        endpoint: agent.extension,
        state: 4,
        callerNum: agent.extension,
        callerName: agent.name,
        connectedNum: number,
        connectedName: UNKNOWN,
        context: 'from-internal',
        exten: number,
        application: 'Dial',
        applicationData: `PJSIP/${dialString},60`,
      },
      {
        direction: 'outbound',
        remoteNumber: number,
        remoteName: UNKNOWN,
        localNumber: agent.extension,
        agent,
      },
    );
    this.setAgentState(agent, 'on_call');
    agent.currentCall = call;
    this.memberStatus(agent);
    this.at(SETUP_MS, () => {
      const trunkCh = this.newChannel(
        {
          endpoint: this.config.trunk,
          state: 0,
          callerNum: number,
          callerName: UNKNOWN,
          connectedNum: agent.extension,
          connectedName: agent.name,
          context: 'from-trunk',
          exten: 's',
          application: 'AppDial',
          applicationData: '(Outgoing Line)',
        },
        call,
      );
      this.dialBegin(agentCh, trunkCh, dialString);
      this.newstate(trunkCh, 5);
      this.at(ringMs, () => {
        if (!answered) {
          this.dialEnd(agentCh, trunkCh, 'NOANSWER');
          this.hangup(trunkCh, 19, 'No user responding');
          agent.currentCall = undefined;
          agent.idleSinceMs = this.nowMs;
          this.setAgentState(agent, 'available');
          this.hangup(agentCh, 16, 'Normal Clearing');
          this.memberStatus(agent);
          this.requestDispatch();
          return;
        }
        this.newstate(trunkCh, 6);
        agentCh.state = 6;
        this.dialEnd(agentCh, trunkCh, 'ANSWER');
        const bridge = this.createBridge();
        this.enterBridge(bridge, trunkCh);
        this.enterBridge(bridge, agentCh);
        call.state = 'active';
        call.answeredAtMs = this.nowMs;
        this.converse(
          { call, bridge, customer: trunkCh, agentCh, agent, queueLeg: undefined },
          plan,
        );
      });
    });
    return call.callId;
  }

  // ---- script checks ------------------------------------------------------------------

  private agentFor(where: string, extension: string): SimAgent {
    const agent = this.agentByExtension.get(extension);
    if (!agent) {
      throw new CallScriptError(
        where,
        `unknown agent extension (agents: ${[...this.agentByExtension.keys()].join(', ') || 'none'})`,
      );
    }
    return agent;
  }

  private requireState(where: string, agent: SimAgent, states: AgentState[]): void {
    if (!states.includes(agent.state)) {
      throw new CallScriptError(
        where,
        `agent ${agent.extension} is ${agent.state}; needs ${states.join(' or ')}`,
      );
    }
  }

  private checkTransferTarget(where: string, mid: { kind: string; to?: string } | undefined): void {
    if (mid?.to !== undefined && !this.agentByExtension.has(mid.to)) {
      throw new CallScriptError(where, `script.midCall.to names unknown extension '${mid.to}'`);
    }
  }
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

/** An internal phone (no leading 0 or +), which calls in over its own channel. */
function isExtension(number: string): boolean {
  return /^[1-9]\d{1,5}$/.test(number);
}

function eventListReply(
  message: string,
  items: readonly AmiFrame[],
  completeEvent: string,
): AmiActionReply {
  return {
    response: [
      ['EventList', 'start'],
      ['Message', message],
    ],
    events: [
      ...items,
      [
        ['Event', completeEvent],
        ['EventList', 'Complete'],
        ['ListItems', String(items.length)],
      ],
    ],
  };
}
