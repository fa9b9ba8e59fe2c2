/**
 * Scenario 1: how many AMI events a second one source pipeline sustains. The load generator's
 * simulated PBX floods events over loopback TCP into an `AmiCallSource` → `LiveView` →
 * `LiveEventPublisher`; the clock runs from the first change the flood causes to the change of
 * the end marker (a `Newchannel` sent after the last event, so every event before it has been
 * parsed and applied) and on until the publisher's flush has resolved.
 *
 * Variants, to show where the time goes:
 * - `state`: parse + call tracking + live view; no publisher;
 * - `encode`: + the publisher, handing its records to nothing (CallEvent protobuf, envelope);
 * - `kafka`: + the publisher on the real broker (acks from Kafka before a flush resolves).
 */
import { randomBytes } from 'node:crypto';
import { type LiveChange } from '../../apps/call-monitor/src/live/live-board';
import { LiveEventPublisher } from '../../apps/call-monitor/src/publishing/live-event-publisher';
import { type MemoryPeak, MemorySampler, log, perSecond, round } from '../messaging/stats';
import { type LoadGeneratorProcess } from './load-generator-process';
import {
  CountingTransport,
  amiSource,
  benchLogger,
  connected,
  cpuMsSince,
  kafkaCallEvents,
  liveView,
  type MemoryNow,
  memoryNow,
  SOURCE_ID,
  until,
} from './monitor-parts';
import { type FloodReport } from './protocol';

export const PIPELINE_VARIANTS = ['state', 'encode', 'kafka'] as const;
export type PipelineVariant = (typeof PIPELINE_VARIANTS)[number];

export const VARIANT_LABEL: Record<PipelineVariant, string> = {
  state: 'parse + state (no publisher)',
  encode: 'parse + state + publish to nothing',
  kafka: 'parse + state + publish to Kafka',
};

export interface PipelineOptions {
  generator: LoadGeneratorProcess;
  variant: PipelineVariant;
  events: number;
  warmUpEvents: number;
  agents: number;
  seed: string;
  brokers: string[];
  tag: string;
  quiet: (before: string) => Promise<void>;
  /** Guard against a hung run (not a figure). */
  limitMs: number;
}

export interface PipelineResult {
  variant: PipelineVariant;
  events: number;
  callsAtStart: number;
  /** Flood requested → first change: the time the first frame took to be written, read, applied. */
  startDelayMs: number;
  /** First change → end marker applied: every event parsed and applied. */
  processingMs: number;
  /** First change → publisher flush resolved (Kafka acks included). */
  flushedMs: number;
  eventsPerSec: number;
  eventsPerSecToFlush: number;
  /** Live changes the events made (before the publisher's per-entity coalescing). */
  changes: number;
  changesPerSec: number;
  /** Records published (one per entity per flush window) and their encoded bytes. */
  published: number;
  publishedPerSec: number;
  publishedMiB: number;
  publishCalls: number;
  publishFailed: number;
  cpuMs: number;
  cpuUsPerEvent: number;
  memory: MemoryPeak;
  /** After the run, garbage collected, the view still held: what the pipeline keeps. */
  retained: MemoryNow;
  generator: FloodReport;
}

export async function runPipeline(o: PipelineOptions): Promise<PipelineResult> {
  const secret = randomBytes(12).toString('hex');
  const view = liveView();
  const kafka = o.variant === 'kafka' ? await kafkaCallEvents(o.brokers, o.tag) : undefined;
  const transport = new CountingTransport(kafka?.transport);
  const publisher =
    o.variant === 'state'
      ? undefined
      : new LiveEventPublisher(transport, benchLogger, {
          tenantId: 'bench',
          // The service's: CALL_MONITOR_PUBLISH_INTERVAL_MS default, CallMonitorCore's maxPending.
          flushIntervalMs: 50,
          maxPending: 5000,
        });
  if (publisher) view.subscribe(publisher.onChange);

  let changes = 0;
  let firstChangeAt = Number.NaN;
  const markers = new Map<string, number>();
  view.subscribe((change: LiveChange) => {
    changes += 1;
    if (Number.isNaN(firstChangeAt)) firstChangeAt = performance.now();
    if (change.kind === 'call_updated' && change.call.callId.startsWith('bench-marker-')) {
      markers.set(change.call.callId, performance.now());
    }
  });
  const markerSeen = (marker: string) =>
    until(
      () => markers.has(marker),
      o.limitMs,
      () => `end marker ${marker} never applied`,
    );

  const pbx = await o.generator.ask('pbx', {
    agents: o.agents,
    seed: o.seed,
    warmUpMinutes: 10,
    secret,
  });
  const source = amiSource(pbx.port, secret);
  try {
    await source.start(view.board(SOURCE_ID));
    await connected(source, view);
    const callsAtStart = view.calls({ sourceId: SOURCE_ID }).length;

    // Warm-up: the JIT compiles the hot paths; Kafka opens its connections to every partition.
    const warmUpMarker = `bench-marker-warmup-${o.variant}`;
    await o.generator.ask('flood', { frames: o.warmUpEvents, marker: warmUpMarker });
    await markerSeen(warmUpMarker);
    await publisher?.flush();

    await o.quiet(`pipeline (${o.variant})`);
    log(`pipeline (${o.variant}): flooding ${o.events.toLocaleString()} AMI events`);
    const marker = `bench-marker-measured-${o.variant}`;
    const counted = { changes, records: transport.records, bytes: transport.bytes };
    const calls = transport.calls;
    const failedBefore = publisher?.failed ?? 0;
    const memory = MemorySampler.begin();
    const cpu = process.cpuUsage();
    firstChangeAt = Number.NaN;
    const requestedAt = performance.now();
    const flood = o.generator.ask('flood', { frames: o.events, marker });
    await markerSeen(marker);
    const appliedAt = markers.get(marker) ?? Number.NaN;
    await publisher?.flush();
    const flushedAt = performance.now();
    const cpuMs = cpuMsSince(cpu);
    const mem = memory.stop();
    const generator = await flood;
    const retained = memoryNow();

    const processingMs = appliedAt - firstChangeAt;
    const flushedMs = flushedAt - firstChangeAt;
    const published = transport.records - counted.records;
    const result: PipelineResult = {
      variant: o.variant,
      events: o.events,
      callsAtStart,
      startDelayMs: round(firstChangeAt - requestedAt, 1),
      processingMs: round(processingMs, 1),
      flushedMs: round(flushedMs, 1),
      eventsPerSec: perSecond(o.events, processingMs),
      eventsPerSecToFlush: perSecond(o.events, flushedMs),
      changes: changes - counted.changes,
      changesPerSec: perSecond(changes - counted.changes, processingMs),
      published,
      publishedPerSec: perSecond(published, flushedMs),
      publishedMiB: round((transport.bytes - counted.bytes) / 1024 / 1024, 1),
      publishCalls: transport.calls - calls,
      publishFailed: (publisher?.failed ?? 0) - failedBefore,
      cpuMs: round(cpuMs),
      cpuUsPerEvent: round((cpuMs * 1000) / o.events, 2),
      memory: mem,
      retained,
      generator: {
        ...generator,
        writeMs: round(generator.writeMs, 1),
        cpuMs: round(generator.cpuMs),
      },
    };
    log(
      `pipeline (${o.variant}): ${result.eventsPerSec.toLocaleString()} events/s, ` +
        `${result.eventsPerSecToFlush.toLocaleString()} events/s to the flush, ` +
        `${result.published.toLocaleString()} records published`,
    );
    return result;
  } finally {
    await source.stop();
    await publisher?.close();
    await o.generator.ask('stopPbx', {});
    await kafka?.cleanup();
  }
}
