/**
 * Scenario 2: the live feed's fan-out. The monitor holds a busy centre (about `calls` calls in
 * progress) from its discovery scan; `subscribers` websocket clients are connected to its
 * `LiveFeed` on a loopback HTTP server; the simulated PBX then sends the AMI frames of the
 * centre's next minutes over TCP on a timetable that yields `changesPerSecond` live changes.
 *
 * Latency, per delivery: the AMI frame handed to the PBX's socket → the delta (one of the
 * changes the frame caused) received by one subscriber. The PBX and the subscribers share the
 * load-generator process, hence one clock, and the monitor's process has its own event loop.
 * The monitor side also times each change's trip through the feed (serialise once, send to
 * every subscriber): the synchronous work in `LiveFeed.broadcast`.
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { type AddressInfo } from 'node:net';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { LiveFeed } from '../../apps/call-monitor/src/feed/live-feed';
import { type MemoryPeak, MemorySampler, log, perSecond, round } from '../messaging/stats';
import { LatencyHistogram, type LatencyPercentiles } from './latency-histogram';
import { type LoadGeneratorProcess } from './load-generator-process';
import {
  SOURCE_ID,
  amiSource,
  benchLogger,
  connected,
  cpuMsSince,
  liveView,
  type MemoryNow,
  memoryNow,
  until,
} from './monitor-parts';
import { type FanOutPlan, type FanOutReport, type SubscribeReport } from './protocol';

export interface FanOutOptions {
  generator: LoadGeneratorProcess;
  calls: number;
  subscribers: number;
  changesPerSecond: number;
  seconds: number;
  seed: string;
  /** `CALL_MONITOR_FEED_MAX_BUFFERED_BYTES`: past this a subscriber is skipped and resynced. */
  maxBufferedBytes: number;
  /** Subscribers connecting at a time. */
  connectConcurrency: number;
  /** Once the monitor has reported every change, stop waiting after this long without a delivery. */
  stallMs: number;
  /** Guard against a hung run (not a figure). */
  limitMs: number;
  quiet: (before: string) => Promise<void>;
}

export interface FanOutResult {
  changesPerSecond: number;
  plan: FanOutPlan;
  callsInView: number;
  agentsInView: number;
  subscribe: SubscribeReport;
  memoryBeforeSubscribers: MemoryNow;
  /** After the subscribers connected and got their snapshots, garbage collected. */
  memoryWithSubscribers: MemoryNow;
  /** Over the stream. */
  memoryDuringStream: MemoryPeak;
  /** Monitor process CPU over the stream. */
  cpuMs: number;
  /** One change through `LiveFeed.broadcast` (monitor side, synchronous part). */
  broadcast: LatencyPercentiles;
  changesSeen: number;
  eventLoopDelay: { p50Ms: number; p99Ms: number; maxMs: number };
  stream: FanOutReport;
  bytesPerSec: number;
  mibPerSec: number;
  messagesPerSec: number;
}

export async function runFanOut(o: FanOutOptions): Promise<FanOutResult> {
  const secret = randomBytes(12).toString('hex');
  const view = liveView();
  const broadcast = new LatencyHistogram();
  let measuring = false;
  let changeStartedAt = 0;
  let changesSeen = 0;
  // Listeners run in subscription order: this one before the feed's, the next one after it.
  view.subscribe(() => {
    changeStartedAt = performance.now();
  });
  const feed = new LiveFeed(view, benchLogger, {
    path: '/live',
    maxBufferedBytes: o.maxBufferedBytes,
    heartbeatMs: 30_000,
    // The service's default window (CALL_MONITOR_FEED_BATCH_MS).
    batchMs: 50,
  });
  const http = createServer((_request, response) => response.writeHead(404).end());
  feed.attach(http);
  view.subscribe(() => {
    if (!measuring) return;
    broadcast.record(performance.now() - changeStartedAt);
    changesSeen += 1;
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const port = (http.address() as AddressInfo).port;

  log(
    `fan-out: preparing ${o.calls.toLocaleString()} calls and ` +
      `${(o.changesPerSecond * o.seconds).toLocaleString()} changes of stream`,
  );
  const plan = await o.generator.ask('prepareFanOut', {
    agents: o.calls,
    calls: o.calls,
    seed: o.seed,
    warmUpMinutes: 5,
    secret,
    changesPerSecond: o.changesPerSecond,
    seconds: o.seconds,
  });
  // No wrap-up timer: it would report changes stamped with a time no frame has (see frame-schedule).
  const source = amiSource(plan.port, secret, { wrapUpCheckMs: 2 ** 31 - 1 });
  try {
    await source.start(view.board(SOURCE_ID));
    await connected(source, view);
    const callsInView = view.calls({ sourceId: SOURCE_ID }).length;
    const agentsInView = view.agents({ sourceId: SOURCE_ID }).length;
    const memoryBeforeSubscribers = memoryNow();

    log(`fan-out: connecting ${o.subscribers} websocket subscribers`);
    const subscribe = await o.generator.ask('subscribe', {
      url: `ws://127.0.0.1:${port}/live`,
      count: o.subscribers,
      concurrency: o.connectConcurrency,
    });
    if (feed.subscriberCount !== o.subscribers) {
      throw new Error(`${feed.subscriberCount} of ${o.subscribers} subscribers on the feed`);
    }
    const memoryWithSubscribers = memoryNow();

    await o.quiet(`fan-out ${o.changesPerSecond}/s`);
    log(
      `fan-out: ${o.changesPerSecond.toLocaleString()} changes/s for ${o.seconds} s to ` +
        `${o.subscribers} subscribers`,
    );
    const loopDelay = monitorEventLoopDelay({ resolution: 10 });
    const memory = MemorySampler.begin();
    const cpu = process.cpuUsage();
    loopDelay.enable();
    measuring = true;
    let streamEnded = false;
    // Tells the load generator when its stall clock may start (see FanOutRunRequest.stallMs).
    const caughtUp = until(
      () => streamEnded || changesSeen >= plan.expectedChanges,
      o.limitMs,
      () => `the monitor reported ${changesSeen} of ${plan.expectedChanges} changes`,
    ).then(() => {
      if (!streamEnded) o.generator.notify('monitor-caught-up');
    });
    let stream: FanOutReport;
    try {
      stream = await o.generator.ask('runFanOut', { stallMs: o.stallMs, limitMs: o.limitMs });
    } finally {
      streamEnded = true;
      await caughtUp;
    }
    measuring = false;
    loopDelay.disable();
    const cpuMs = cpuMsSince(cpu);
    const memoryDuringStream = memory.stop();
    const ns = 1e6;
    const result: FanOutResult = {
      changesPerSecond: o.changesPerSecond,
      plan: {
        ...plan,
        prepareMs: round(plan.prepareMs),
        plannedSeconds: round(plan.plannedSeconds, 2),
      },
      callsInView,
      agentsInView,
      subscribe: { ...subscribe, ms: round(subscribe.ms) },
      memoryBeforeSubscribers,
      memoryWithSubscribers,
      memoryDuringStream,
      cpuMs: round(cpuMs),
      broadcast: broadcast.summary(),
      changesSeen,
      eventLoopDelay: {
        p50Ms: round(loopDelay.percentile(50) / ns, 2),
        p99Ms: round(loopDelay.percentile(99) / ns, 2),
        maxMs: round(loopDelay.max / ns, 2),
      },
      stream: {
        ...stream,
        sendWindowMs: round(stream.sendWindowMs, 1),
        achievedChangesPerSec: round(stream.achievedChangesPerSec),
        deliveryWindowMs: round(stream.deliveryWindowMs, 1),
        cpuMs: round(stream.cpuMs),
      },
      bytesPerSec: perSecond(stream.bytes, stream.deliveryWindowMs),
      mibPerSec: round(stream.bytes / 1024 / 1024 / (stream.deliveryWindowMs / 1000), 2),
      messagesPerSec: perSecond(stream.messages, stream.deliveryWindowMs),
    };
    log(
      `fan-out ${o.changesPerSecond}/s: p50 ${result.stream.latency.p50Ms} ms, ` +
        `p99 ${result.stream.latency.p99Ms} ms, max ${result.stream.latency.maxMs} ms; ` +
        `${result.stream.resyncSnapshots} resync snapshots; complete ${result.stream.complete}`,
    );
    return result;
  } finally {
    await o.generator.ask('unsubscribe', {});
    await feed.close();
    await source.stop();
    http.closeAllConnections();
    await new Promise<void>((resolve) => http.close(() => resolve()));
    await o.generator.ask('stopPbx', {});
  }
}
