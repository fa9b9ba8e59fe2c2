/**
 * The load generator: a process of its own (forked by `LoadGeneratorProcess`) playing the world
 * around the call monitor — the simulated PBX speaking AMI on loopback TCP, and the browsers
 * subscribed to the live feed over websockets. Kept out of the monitor's process so neither
 * its CPU nor its memory counts as the monitor's, and its clock stamps are not delayed by the
 * monitor's event loop. The frame send times and the subscribers' receive times are read in
 * this one process, on one clock (`performance.now()`).
 */
import {
  type AmiActionReply,
  type AmiFrame,
  AmiServer,
  ContactCentreSimulator,
  serializeAmiFrame,
} from '@telcomesh/testing';
import { WebSocket } from 'ws';
import { PhoneNumberNormaliser } from '../../apps/call-monitor/src/numbers/phone-number';
import { ChangeCounter, type DiscoveryFrames } from './change-counter';
import { busyCentre } from './contact-centres';
import { readFeedMessage, readFeedMessages } from './feed-message';
import { frameIndexOf, restamped, sendOffsets } from './frame-schedule';
import { LatencyHistogram } from './latency-histogram';
import {
  AMI_USERNAME,
  type FanOutPlan,
  type FanOutPrepareRequest,
  type FanOutReport,
  type FloodReport,
  type FloodRequest,
  type GeneratorNotice,
  type GeneratorReply,
  type GeneratorRequest,
  type PbxReport,
  type PbxRequest,
  type SubscribeReport,
  type SubscribeRequest,
} from './protocol';

/** Frames per socket write during a flood (the simulator's own batch size). */
const FLOOD_WRITE_BATCH = 512;
/** Frames the simulator may run ahead of the socket writes. */
const FLOOD_HIGH_WATER_MARK = 16_384;
/** Simulated time of warm-up stepped through while waiting for the wanted calls in progress. */
const WARM_UP_STEP_MS = 10_000;
const WARM_UP_MAX_MS = 3 * 3_600_000;

function cpuMsSince(start: NodeJS.CpuUsage): number {
  const cpu = process.cpuUsage(start);
  return (cpu.user + cpu.system) / 1000;
}

/** An event list as Asterisk answers it, its closing event stamped with the scan's platform time. */
function listReply(
  message: string,
  items: readonly AmiFrame[],
  complete: string,
  atMs: number,
): AmiActionReply {
  return {
    response: [
      ['EventList', 'start'],
      ['Message', message],
    ],
    events: [
      ...items,
      [
        ['Event', complete],
        ['EventList', 'Complete'],
        ['ListItems', String(items.length)],
        ['Timestamp', (atMs / 1000).toFixed(6)],
      ],
    ],
  };
}

/** The `Newchannel` of an inbound call that exists only to mark the end of a flood. */
export function markerFrame(linkedid: string, atMs: number): AmiFrame {
  return [
    ['Event', 'Newchannel'],
    ['Privilege', 'call,all'],
    ['Timestamp', (atMs / 1000).toFixed(6)],
    ['Channel', `PJSIP/trunk-operator-${linkedid}`],
    ['ChannelState', '4'],
    ['ChannelStateDesc', 'Ring'],
    ['CallerIDNum', '0612345678'],
    ['CallerIDName', 'Benchmark marker'],
    ['ConnectedLineNum', '<unknown>'],
    ['ConnectedLineName', '<unknown>'],
    ['Language', 'fr'],
    ['AccountCode', ''],
    ['Context', 'from-trunk'],
    ['Exten', '0140000000'],
    ['Priority', '1'],
    ['Uniqueid', linkedid],
    ['Linkedid', linkedid],
  ];
}

/** The simulated contact centre behind an AMI server whose discovery scan is a frozen state. */
class SimulatedPbx {
  private scan: DiscoveryFrames;

  private constructor(
    readonly simulator: ContactCentreSimulator,
    readonly server: AmiServer,
  ) {
    this.scan = this.freezeScan();
    server.handle('CoreShowChannels', () =>
      listReply(
        'Channels will follow',
        this.scan.channels,
        'CoreShowChannelsComplete',
        this.scan.atMs,
      ),
    );
    server.handle('QueueStatus', () =>
      listReply(
        'Queue status will follow',
        this.scan.queueStatus,
        'QueueStatusComplete',
        this.scan.atMs,
      ),
    );
  }

  /** A busy centre, run until `calls` are in progress (at least `warmUpMinutes` simulated). */
  static async start(request: PbxRequest, calls = 0): Promise<SimulatedPbx> {
    const simulator = new ContactCentreSimulator(busyCentre(request.agents, request.seed));
    simulator.advance(request.warmUpMinutes * 60_000);
    let extra = 0;
    while (simulator.callsInProgress().length < calls && extra < WARM_UP_MAX_MS) {
      simulator.advance(WARM_UP_STEP_MS);
      extra += WARM_UP_STEP_MS;
    }
    const server = new AmiServer({ users: { [AMI_USERNAME]: request.secret } });
    const pbx = new SimulatedPbx(simulator, server);
    await server.start();
    return pbx;
  }

  report(): PbxReport {
    return {
      port: this.server.port,
      callsInProgress: this.simulator.callsInProgress().length,
      agents: this.simulator.config.agents.length,
    };
  }

  /** What the discovery scan answers from now on: the simulated state at this instant. */
  freezeScan(): DiscoveryFrames {
    this.scan = {
      channels: this.simulator.coreShowChannels(),
      queueStatus: this.simulator.queueStatus(),
      atMs: this.simulator.nowEpochMs,
    };
    return this.scan;
  }

  /** Floods `frames` frames as fast as the simulator makes them and the socket takes them. */
  async flood(request: FloodRequest): Promise<FloodReport> {
    const cpu = process.cpuUsage();
    const started = performance.now();
    const frames = this.simulator.frames({ highWaterMark: FLOOD_HIGH_WATER_MARK });
    const writing = this.write(frames);
    let simulatedMs = 0;
    try {
      simulatedMs = (await this.simulator.flood(request.frames)).simulatedMs;
    } finally {
      // Ends the writer once it has written what the flood left buffered.
      await frames.return?.();
      await writing;
    }
    const end = markerFrame(request.marker, this.simulator.nowEpochMs + 1);
    await this.server.sendRaw(serializeAmiFrame(end));
    return {
      frames: request.frames,
      writeMs: performance.now() - started,
      cpuMs: cpuMsSince(cpu),
      simulatedMs,
    };
  }

  private async write(frames: AsyncIterable<AmiFrame>): Promise<void> {
    let batch: string[] = [];
    for await (const frame of frames) {
      batch.push(serializeAmiFrame(frame));
      if (batch.length >= FLOOD_WRITE_BATCH) {
        await this.server.sendRaw(batch.join(''));
        batch = [];
      }
    }
    if (batch.length > 0) await this.server.sendRaw(batch.join(''));
  }

  async stop(): Promise<void> {
    await this.simulator.close();
    await this.server.stop();
  }
}

/** The fan-out stream: frames re-stamped one ms apart, the changes each causes, and when it is due. */
interface FanOutStream {
  wires: string[];
  changesPerFrame: Uint8Array;
  offsets: Float64Array;
  baseMs: number;
  expectedChanges: number;
}

async function buildStream(
  pbx: SimulatedPbx,
  scan: DiscoveryFrames,
  changesPerSecond: number,
  seconds: number,
): Promise<FanOutStream> {
  const target = Math.round(changesPerSecond * seconds);
  const counter = new ChangeCounter(
    scan,
    new PhoneNumberNormaliser({ defaultRegion: 'FR', extensionMaxDigits: 6 }),
  );
  const baseMs = scan.atMs + 1;
  const wires: string[] = [];
  const counts: number[] = [];
  let expectedChanges = 0;
  let generated: AmiFrame[] = [];
  const stop = pbx.simulator.onFrame((frame) => generated.push(frame));
  try {
    while (expectedChanges < target) {
      await pbx.simulator.flood(2000);
      for (const frame of generated) {
        const wire = serializeAmiFrame(restamped(frame, baseMs + wires.length));
        const changes = counter.count(wire);
        wires.push(wire);
        counts.push(changes);
        expectedChanges += changes;
        if (expectedChanges >= target) break;
      }
      generated = [];
    }
  } finally {
    stop();
  }
  const changesPerFrame = Uint8Array.from(counts);
  return {
    wires,
    changesPerFrame,
    offsets: sendOffsets(changesPerFrame, changesPerSecond),
    baseMs,
    expectedChanges,
  };
}

/** Websocket bytes of a server→client frame: payload and header (servers do not mask). */
function wireBytes(payload: number): number {
  return payload + (payload < 126 ? 2 : payload < 65_536 ? 4 : 10);
}

/** What one run measures across the subscribers. */
class Deliveries {
  readonly latency = new LatencyHistogram();
  readonly first = new LatencyHistogram();
  readonly last = new LatencyHistogram();
  deltas = 0;
  resyncs = 0;
  /** Subscribers the feed closed during the run (its heartbeat ends one that answers no ping). */
  disconnected = 0;
  unattributed = 0;
  messages = 0;
  bytes = 0;
  lastAt = 0;

  constructor(
    readonly sentAt: Float64Array,
    readonly baseMs: number,
    readonly subscribers: number,
  ) {}
}

/** The browsers: websocket clients of the live feed, all in this process. */
class FeedSubscribers {
  private sockets: WebSocket[] = [];
  private lastSeq: number[] = [];
  private connected: boolean[] = [];
  private measuring: Deliveries | undefined;
  private seqAtConnect = Number.NaN;

  get count(): number {
    return this.sockets.length;
  }

  async connect(request: SubscribeRequest): Promise<SubscribeReport> {
    const started = performance.now();
    let snapshotBytes = 0;
    let next = 0;
    const one = async (): Promise<void> => {
      while (next < request.count) {
        next += 1;
        snapshotBytes = await this.open(request.url);
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, request.concurrency) }, one));
    const seqs = new Set(this.lastSeq);
    if (seqs.size !== 1) {
      throw new Error(
        `subscribers got snapshots at ${seqs.size} different sequence numbers: the view changed while they connected`,
      );
    }
    this.seqAtConnect = this.lastSeq[0];
    return {
      connected: this.sockets.length,
      ms: performance.now() - started,
      snapshotBytesEach: snapshotBytes,
      seq: this.seqAtConnect,
    };
  }

  /** Opens one subscriber; resolves with the size of its first snapshot. */
  private open(url: string): Promise<number> {
    const index = this.sockets.length;
    const socket = new WebSocket(url, { perMessageDeflate: false });
    this.sockets.push(socket);
    this.lastSeq.push(Number.NaN);
    this.connected.push(true);
    socket.once('close', () => {
      this.connected[index] = false;
      if (this.measuring) this.measuring.disconnected += 1;
    });
    return new Promise((resolve, reject) => {
      socket.once('error', reject);
      socket.on('message', (data, isBinary) => {
        if (isBinary || !Buffer.isBuffer(data)) return;
        if (Number.isNaN(this.lastSeq[index])) {
          const head = readFeedMessage(data);
          if (head.type !== 'snapshot') {
            reject(
              new Error(`subscriber ${index}: first message is a ${head.type}, not a snapshot`),
            );
            return;
          }
          this.lastSeq[index] = head.seq;
          socket.off('error', reject);
          socket.on('error', (error) => log(`subscriber ${index}: ${error.message}`));
          resolve(data.length);
          return;
        }
        this.received(index, data);
      });
    });
  }

  private received(index: number, data: Buffer): void {
    const now = performance.now();
    const run = this.measuring;
    const heads = readFeedMessages(data);
    if (run !== undefined) {
      run.messages += 1;
      run.bytes += wireBytes(data.length);
      run.lastAt = now;
    }
    for (const head of heads) this.receivedOne(index, head, now, run);
  }

  private receivedOne(
    index: number,
    head: ReturnType<typeof readFeedMessage>,
    now: number,
    run: typeof this.measuring,
  ): void {
    if (head.seq > this.lastSeq[index]) this.lastSeq[index] = head.seq;
    if (run === undefined) return;
    if (head.type === 'snapshot') {
      run.resyncs += 1;
      return;
    }
    if (head.type !== 'delta') return;
    run.deltas += 1;
    const frame = frameIndexOf(head.atMs, run.baseMs, run.sentAt.length);
    const sentAt = frame < 0 ? Number.NaN : run.sentAt[frame];
    if (Number.isNaN(sentAt)) {
      run.unattributed += 1;
      return;
    }
    const latency = now - sentAt;
    run.latency.record(latency);
    if (index === 0) run.first.record(latency);
    if (index === run.subscribers - 1) run.last.record(latency);
  }

  begin(run: Deliveries): void {
    this.measuring = run;
  }

  end(): Deliveries | undefined {
    const run = this.measuring;
    this.measuring = undefined;
    return run;
  }

  /** Subscribers still connected whose last message is not yet at sequence number `seq`. */
  behind(seq: number): number {
    return this.lastSeq.filter((s, i) => this.connected[i] && !(s >= seq)).length;
  }

  get startSeq(): number {
    return this.seqAtConnect;
  }

  async closeAll(): Promise<void> {
    const closing = this.sockets.map(
      (socket) =>
        new Promise<void>((resolve) => {
          if (socket.readyState === WebSocket.CLOSED) return resolve();
          socket.once('close', () => resolve());
          socket.terminate();
        }),
    );
    await Promise.all(closing);
    this.sockets = [];
    this.lastSeq = [];
    this.connected = [];
  }
}

/** Sends the stream on its timetable; resolves when the last frame is handed to the socket. */
function sendOnTimetable(
  pbx: SimulatedPbx,
  stream: FanOutStream,
  sentAt: Float64Array,
  lateness: LatencyHistogram,
): Promise<{ firstAt: number; lastAt: number }> {
  const { wires, offsets } = stream;
  const start = performance.now() + 20;
  let next = 0;
  let firstAt = Number.NaN;
  let lastAt = Number.NaN;
  return new Promise((resolve, reject) => {
    const tick = () => {
      const elapsed = performance.now() - start;
      let end = next;
      while (end < wires.length && offsets[end] <= elapsed) end += 1;
      if (end > next) {
        const now = performance.now();
        for (let i = next; i < end; i++) {
          sentAt[i] = now;
          lateness.record(now - start - offsets[i]);
        }
        if (Number.isNaN(firstAt)) firstAt = now;
        lastAt = now;
        // Not awaited: the timetable must not wait for a slow reader; the server keeps order.
        pbx.server.sendRaw(wires.slice(next, end).join('')).catch(reject);
        next = end;
      }
      if (next >= wires.length) {
        resolve({ firstAt, lastAt });
        return;
      }
      setTimeout(tick, Math.max(0, offsets[next] - (performance.now() - start)));
    };
    setTimeout(tick, 20);
  });
}

class LoadGenerator {
  private pbx: SimulatedPbx | undefined;
  private stream: FanOutStream | undefined;
  private readonly subscribers = new FeedSubscribers();
  private monitorCaughtUp = false;

  notice(notice: GeneratorNotice['notice']): void {
    if (notice === 'monitor-caught-up') this.monitorCaughtUp = true;
  }

  async handle(message: GeneratorRequest): Promise<unknown> {
    switch (message.op) {
      case 'pbx':
        await this.stopPbx();
        this.pbx = await SimulatedPbx.start(message.request);
        return this.pbx.report();
      case 'flood':
        return this.requirePbx().flood(message.request);
      case 'stopPbx':
        await this.stopPbx();
        return null;
      case 'prepareFanOut':
        return this.prepareFanOut(message.request);
      case 'subscribe':
        return this.subscribers.connect(message.request);
      case 'runFanOut':
        return this.runFanOut(message.request.stallMs, message.request.limitMs);
      case 'unsubscribe':
        await this.subscribers.closeAll();
        return null;
    }
  }

  private requirePbx(): SimulatedPbx {
    if (this.pbx === undefined) throw new Error('no simulated PBX: send `pbx` first');
    return this.pbx;
  }

  private async stopPbx(): Promise<void> {
    const pbx = this.pbx;
    this.pbx = undefined;
    this.stream = undefined;
    await pbx?.stop();
  }

  private async prepareFanOut(request: FanOutPrepareRequest): Promise<FanOutPlan> {
    const started = performance.now();
    await this.stopPbx();
    const pbx = await SimulatedPbx.start(request, request.calls);
    this.pbx = pbx;
    // The scan is the state before the stream; the stream is generated (ahead) from there.
    const scan = pbx.freezeScan();
    const report = pbx.report();
    this.stream = await buildStream(pbx, scan, request.changesPerSecond, request.seconds);
    const offsets = this.stream.offsets;
    return {
      ...report,
      frames: this.stream.wires.length,
      expectedChanges: this.stream.expectedChanges,
      plannedSeconds: offsets.length ? offsets[offsets.length - 1] / 1000 : 0,
      prepareMs: performance.now() - started,
    };
  }

  private async runFanOut(stallMs: number, limitMs: number): Promise<FanOutReport> {
    const pbx = this.requirePbx();
    const stream = this.stream;
    if (stream === undefined) throw new Error('no fan-out stream: send `prepareFanOut` first');
    const subscribers = this.subscribers.count;
    const sentAt = new Float64Array(stream.wires.length).fill(Number.NaN);
    const run = new Deliveries(sentAt, stream.baseMs, subscribers);
    const lateness = new LatencyHistogram();
    const cpu = process.cpuUsage();
    this.monitorCaughtUp = false;
    this.subscribers.begin(run);
    const sent = await sendOnTimetable(pbx, stream, sentAt, lateness);
    const finalSeq = this.subscribers.startSeq + stream.expectedChanges;
    // While the monitor still works through its input, a pause in deliveries is no stall.
    const deadline = performance.now() + limitMs;
    let progress = -1;
    let progressAt = performance.now();
    while (this.subscribers.behind(finalSeq) > 0) {
      const now = performance.now();
      if (now > deadline) throw new Error(`fan-out run still incomplete after ${limitMs} ms`);
      if (run.messages !== progress || !this.monitorCaughtUp) {
        progress = run.messages;
        progressAt = now;
      } else if (now - progressAt > stallMs) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    this.subscribers.end();
    const behindAtEnd = this.subscribers.behind(finalSeq);
    const sendWindowMs = sent.lastAt - sent.firstAt;
    return {
      subscribers,
      frames: stream.wires.length,
      expectedChanges: stream.expectedChanges,
      sendWindowMs,
      achievedChangesPerSec: sendWindowMs > 0 ? (stream.expectedChanges * 1000) / sendWindowMs : 0,
      sendLateness: lateness.summary(),
      latency: run.latency.summary(),
      firstSubscriberLatency: run.first.summary(),
      lastSubscriberLatency: run.last.summary(),
      deltas: run.deltas,
      expectedDeltas: stream.expectedChanges * subscribers,
      resyncSnapshots: run.resyncs,
      disconnected: run.disconnected,
      unattributed: run.unattributed,
      behindAtEnd,
      complete: behindAtEnd === 0,
      messages: run.messages,
      bytes: run.bytes,
      deliveryWindowMs: Math.max(0, run.lastAt - sent.firstAt),
      cpuMs: cpuMsSince(cpu),
    };
  }
}

function log(message: string): void {
  process.stderr.write(`[load-generator] ${message}\n`);
}

function runChild(): void {
  const generator = new LoadGenerator();
  // One request at a time, in order: the benchmark never overlaps them.
  let queue: Promise<void> = Promise.resolve();
  process.on('message', (message: GeneratorRequest | GeneratorNotice) => {
    if ('notice' in message) {
      generator.notice(message.notice);
      return;
    }
    queue = queue.then(async () => {
      let reply: GeneratorReply;
      try {
        reply = { id: message.id, ok: true, value: await generator.handle(message) };
      } catch (error) {
        const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
        reply = { id: message.id, ok: false, error: `${message.op}: ${text}` };
      }
      process.send?.(reply);
    });
  });
  // The benchmark going away (crash, Ctrl-C) ends the load generator too.
  process.on('disconnect', () => process.exit(0));
  process.send?.({ ready: true });
}

if (require.main === module) runChild();
