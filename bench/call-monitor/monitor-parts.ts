/**
 * The call monitor's own parts as the benchmark assembles them (the service does the same in
 * `CallMonitorCore`), plus what the benchmark needs around them: a transport that counts what
 * it is given, a quiet-machine check, a bounded wait.
 */
import { Topics } from '@telcomesh/contracts';
import {
  KafkaTransport,
  type MessageTransport,
  type OutboundRecord,
  PrefixedTransport,
  type PartitionLag,
  type Subscription,
  type TopicSpec,
} from '@telcomesh/messaging';
import { createLogger, type Logger } from '@telcomesh/observability';
import { Admin } from '@platformatic/kafka';
import { LiveView } from '../../apps/call-monitor/src/live/live-view';
import { PhoneNumberNormaliser } from '../../apps/call-monitor/src/numbers/phone-number';
import { AmiCallSource } from '../../apps/call-monitor/src/sources/ami/ami-call-source';
import { type AmiLogger } from '../../apps/call-monitor/src/sources/ami/ami-connection';
import { collectGarbage, log, machineIdleFraction, round } from '../messaging/stats';
import { AMI_USERNAME } from './protocol';

export const SOURCE_ID = 'bench-pbx';

/** Warnings and errors only, to stderr: stdout carries the report. */
export const benchLogger: Logger = createLogger('bench-call-monitor', 'warn', process.stderr);

const amiLogger: AmiLogger = {
  debug() {},
  info() {},
  warn: (message, fields) => log(`AMI source: ${message} ${JSON.stringify(fields ?? {})}`),
  error: (message, fields) => log(`AMI source: ${message} ${JSON.stringify(fields ?? {})}`),
};

/** The live view as the service builds it (region and extension length: the config defaults). */
export function liveView(): LiveView {
  return new LiveView(
    new PhoneNumberNormaliser({ defaultRegion: 'FR', extensionMaxDigits: 6 }),
    undefined,
    (error, change) => log(`a live-change consumer failed on ${change.kind}: ${String(error)}`),
  );
}

/**
 * An AMI source on the load generator's PBX. Keep-alive pings are off: under saturation a ping's
 * answer queues behind megabytes of events, and a ping timeout would reconnect mid-run.
 */
export function amiSource(
  port: number,
  secret: string,
  extra: { wrapUpCheckMs?: number } = {},
): AmiCallSource {
  return new AmiCallSource({
    sourceId: SOURCE_ID,
    connection: { host: '127.0.0.1', port, username: AMI_USERNAME, secret, pingIntervalMs: 0 },
    logger: amiLogger,
    ...extra,
  });
}

/** Waits until the source is connected and its discovery scan is in the view. */
export async function connected(source: AmiCallSource, view: LiveView): Promise<void> {
  await until(
    () =>
      source.status().state === 'connected' &&
      (view.statuses().find((s) => s.sourceId === SOURCE_ID)?.snapshots ?? 0) >= 1,
    60_000,
    () => `AMI source not connected: ${JSON.stringify(source.status())}`,
  );
}

/** Polls `condition`; throws `describe()` after `limitMs` (a guard against hanging, not a figure). */
export async function until(
  condition: () => boolean,
  limitMs: number,
  describe: () => string,
): Promise<void> {
  const deadline = performance.now() + limitMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(describe());
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/**
 * Counts what the publisher hands over, then passes it on — or drops it when there is nowhere to
 * pass it (the "publish to nothing" variant: events are still built and encoded).
 */
export class CountingTransport implements MessageTransport {
  records = 0;
  bytes = 0;
  calls = 0;

  constructor(private readonly inner?: MessageTransport) {}

  get kind(): 'kafka' | 'embedded' {
    return this.inner?.kind ?? 'embedded';
  }

  ensureTopics(specs: TopicSpec[]): Promise<void> {
    return this.inner ? this.inner.ensureTopics(specs) : Promise.resolve();
  }

  publish(records: OutboundRecord[]): Promise<void> {
    this.calls += 1;
    this.records += records.length;
    for (const record of records) this.bytes += record.value.byteLength;
    return this.inner ? this.inner.publish(records) : Promise.resolve();
  }

  subscribe(): Promise<Subscription> {
    return Promise.reject(new Error('CountingTransport: the benchmark only publishes'));
  }

  groupLag(): Promise<PartitionLag[]> {
    return Promise.resolve([]);
  }

  ping(): Promise<void> {
    return this.inner ? this.inner.ping() : Promise.resolve();
  }

  close(): Promise<void> {
    return this.inner ? this.inner.close() : Promise.resolve();
  }
}

/** `calls.events.v1` under a per-run prefix on the real broker; `cleanup` deletes the topic. */
export async function kafkaCallEvents(
  brokers: string[],
  tag: string,
): Promise<{ transport: MessageTransport; topic: string; cleanup: () => Promise<void> }> {
  const kafka = await new KafkaTransport({
    brokers,
    clientId: `bench-call-monitor-${tag}`,
  }).connect();
  const prefix = `bench.call-monitor.${tag}`;
  const transport = new PrefixedTransport(kafka, prefix);
  const spec = Topics.CallEvents;
  await transport.ensureTopics([
    { name: spec.name, partitions: spec.partitions, retentionMs: spec.retentionMs },
  ]);
  const topic = `${prefix}.${spec.name}`;
  const cleanup = async () => {
    await kafka.close();
    const admin = new Admin({
      clientId: `bench-call-monitor-janitor-${tag}`,
      bootstrapBrokers: brokers,
    });
    try {
      await admin.deleteTopics({ topics: [topic] });
    } catch (error) {
      log(`could not delete ${topic} (${String(error)}); delete bench.call-monitor.* by hand`);
    } finally {
      await admin.close();
    }
  };
  return { transport, topic, cleanup };
}

export interface QuietCheck {
  at: string;
  before: string;
  idlePct: number;
  waitedMs: number;
  disturbed: boolean;
}

export interface QuietOptions {
  enabled: boolean;
  /** Share of all cores idle (over 1 s) wanted before a measurement. */
  minIdle: number;
  maxWaitMs: number;
}

/**
 * Other engineers share this machine: waits (up to `maxWaitMs`) until it is mostly idle before a
 * measurement, and records what it saw so a disturbed figure is visible in the results.
 */
export async function waitForQuiet(
  options: QuietOptions,
  before: string,
  checks: QuietCheck[],
): Promise<void> {
  if (!options.enabled) return;
  const started = performance.now();
  let announced = false;
  for (;;) {
    const idle = await machineIdleFraction(1000);
    const waitedMs = Math.round(performance.now() - started);
    const quiet = idle >= options.minIdle;
    if (quiet || waitedMs >= options.maxWaitMs) {
      const check = {
        at: new Date().toISOString(),
        before,
        idlePct: Math.round(idle * 100),
        waitedMs,
        disturbed: !quiet,
      };
      checks.push(check);
      if (!quiet) log(`${before}: measuring anyway, machine only ${check.idlePct} % idle`);
      return;
    }
    if (!announced) {
      log(`${before}: waiting for the machine to quieten (${Math.round(idle * 100)} % idle)`);
      announced = true;
    }
  }
}

export function cpuMsSince(start: NodeJS.CpuUsage): number {
  const cpu = process.cpuUsage(start);
  return (cpu.user + cpu.system) / 1000;
}

export interface MemoryNow {
  rssMiB: number;
  heapUsedMiB: number;
}

/** Memory after a full GC: what is live, not what awaits collection. */
export function memoryNow(): MemoryNow {
  collectGarbage();
  const m = process.memoryUsage();
  return {
    rssMiB: round(m.rss / 1024 / 1024, 1),
    heapUsedMiB: round(m.heapUsed / 1024 / 1024, 1),
  };
}
