/** What the benchmark (the call monitor under test) and its load-generator process say over IPC. */
import { type LatencyPercentiles } from './latency-histogram';

/** The AMI user the simulated PBX accepts (its secret is made up per run). */
export const AMI_USERNAME = 'bench';

export interface PbxRequest {
  /** Agents of the simulated centre (about as many calls are in progress). */
  agents: number;
  seed: string;
  /** Simulated minutes run before the monitor connects, so it starts on a busy centre. */
  warmUpMinutes: number;
  /** The AMI login's secret (never logged). */
  secret: string;
}

export interface PbxReport {
  port: number;
  callsInProgress: number;
  agents: number;
}

export interface FloodRequest {
  frames: number;
  /** Linkedid of the call whose `Newchannel` follows the last frame: the end marker. */
  marker: string;
}

export interface FloodReport {
  frames: number;
  /** From the flood's start until every frame and the marker were written to the socket. */
  writeMs: number;
  /** CPU of the load generator meanwhile. */
  cpuMs: number;
  simulatedMs: number;
}

export interface FanOutPrepareRequest extends PbxRequest {
  /** Calls wanted in progress when the stream starts. */
  calls: number;
  changesPerSecond: number;
  seconds: number;
}

export interface FanOutPlan extends PbxReport {
  /** Frames in the stream and the live changes they will cause. */
  frames: number;
  expectedChanges: number;
  /** Planned length of the stream. */
  plannedSeconds: number;
  prepareMs: number;
}

export interface SubscribeRequest {
  url: string;
  count: number;
  /** Connections opened at a time (each first receives a full snapshot). */
  concurrency: number;
}

export interface SubscribeReport {
  connected: number;
  ms: number;
  snapshotBytesEach: number;
  /** The feed's sequence number in the snapshots (all equal while nothing changes). */
  seq: number;
}

export interface FanOutRunRequest {
  /**
   * Once the monitor has reported every change of the stream (`monitor-caught-up`), stop waiting
   * for deliveries after this long without one.
   */
  stallMs: number;
  /** Guard against a hung run (not a figure). */
  limitMs: number;
}

/** Told to the load generator while a request runs (not queued behind it). */
export interface GeneratorNotice {
  /** The monitor has handed the stream's last change to the feed: deliveries still missing are late or lost. */
  notice: 'monitor-caught-up';
}

export interface FanOutReport {
  subscribers: number;
  frames: number;
  expectedChanges: number;
  /** First to last frame handed to the AMI socket. */
  sendWindowMs: number;
  achievedChangesPerSec: number;
  /** Actual − planned send time of each frame: how well the load generator kept its timetable. */
  sendLateness: LatencyPercentiles;
  /** AMI frame handed to the socket → delta received by a subscriber, per delivery. */
  latency: LatencyPercentiles;
  /** Same, for the first-connected and the last-connected subscriber alone. */
  firstSubscriberLatency: LatencyPercentiles;
  lastSubscriberLatency: LatencyPercentiles;
  deltas: number;
  expectedDeltas: number;
  /** Snapshots sent instead of deltas to subscribers that fell behind (`maxBufferedBytes`). */
  resyncSnapshots: number;
  /**
   * Subscribers the feed closed during the run: its heartbeat terminates one whose pong has not
   * come back within `heartbeatMs` — under overload, one more than that behind.
   */
  disconnected: number;
  /** Deltas whose `at` matches no frame of the stream. */
  unattributed: number;
  /** Subscribers still connected that had not reached the last change when the run stopped. */
  behindAtEnd: number;
  complete: boolean;
  messages: number;
  /** WebSocket bytes received, frame headers included. */
  bytes: number;
  /** First frame sent → last message received. */
  deliveryWindowMs: number;
  cpuMs: number;
}

export interface GeneratorOps {
  pbx: { request: PbxRequest; reply: PbxReport };
  flood: { request: FloodRequest; reply: FloodReport };
  stopPbx: { request: Record<string, never>; reply: null };
  prepareFanOut: { request: FanOutPrepareRequest; reply: FanOutPlan };
  subscribe: { request: SubscribeRequest; reply: SubscribeReport };
  runFanOut: { request: FanOutRunRequest; reply: FanOutReport };
  unsubscribe: { request: Record<string, never>; reply: null };
}

export type GeneratorOp = keyof GeneratorOps;

export type GeneratorRequest = {
  [K in GeneratorOp]: { id: number; op: K; request: GeneratorOps[K]['request'] };
}[GeneratorOp];

export type GeneratorReply =
  { id: number; ok: true; value: unknown } | { id: number; ok: false; error: string };
