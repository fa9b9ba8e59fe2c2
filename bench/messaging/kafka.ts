/** Scenario 1: produce → consume 1 KiB events through KafkaTransport (the production adapter). */
import { KafkaTransport, type MessageTransport, type Subscription } from '@telcomesh/messaging';
import {
  type LatencySummary,
  type MemoryPeak,
  MemorySampler,
  log,
  mibPerSecond,
  perSecond,
  round,
  summarizeLatencies,
} from './stats';
import {
  type WorkloadShape,
  Receiver,
  RecordFactory,
  produceAsFastAsPossible,
  produceAtRate,
  warmUp,
} from './workload';
import type { TopicJanitor } from './environment';

export interface KafkaScenarioOptions {
  brokers: string[];
  shape: WorkloadShape;
  partitions: number;
  messages: number;
  batch: number;
  inflight: number;
  rate: number;
  rateSeconds: number;
  consumeOnly: boolean;
  tag: string;
  janitor: TopicJanitor;
  quiet: () => Promise<void>;
  timeoutMs: number;
}

export interface ThroughputResult {
  messages: number;
  batch: number;
  inflight: number;
  publishCalls: number;
  produceMs: number;
  produceEventsPerSec: number;
  produceMiBPerSec: number;
  endToEndMs: number;
  endToEndEventsPerSec: number;
  received: number;
  missing: number;
  duplicates: number;
  memory: MemoryPeak;
}

export interface RateResult {
  targetRate: number;
  seconds: number;
  sent: number;
  achievedRate: number;
  publishCalls: number;
  maxBatch: number;
  received: number;
  missing: number;
  duplicates: number;
  latency: LatencySummary;
  memory: MemoryPeak;
}

export interface KafkaScenarioResult {
  throughput: ThroughputResult;
  consumeOnly?: {
    messages: number;
    ms: number;
    eventsPerSec: number;
    missing: number;
    duplicates: number;
  };
  rate: RateResult;
}

let groupSeq = 0;

async function subscribeCounting(
  transport: KafkaTransport,
  topic: string,
  tag: string,
  receiver: Receiver,
): Promise<Subscription> {
  return transport.subscribe({
    groupId: `bench-messaging-${tag}-${++groupSeq}`,
    topics: [topic],
    handler: receiver.handler,
    fromBeginning: true,
  });
}

/** Saturation run: as fast as the adapter publishes, while one consumer group counts. */
export async function kafkaThroughput(
  transport: KafkaTransport,
  o: Pick<KafkaScenarioOptions, 'shape' | 'partitions' | 'tag' | 'janitor' | 'quiet' | 'timeoutMs'>,
  messages: number,
  batch: number,
  inflight: number,
  purpose = 'tput',
): Promise<{ result: ThroughputResult; topic: string }> {
  const topic = o.janitor.name(`${purpose}-b${batch}-i${inflight}`, o.tag);
  await transport.ensureTopics([{ name: topic, partitions: o.partitions }]);
  const factory = new RecordFactory(topic, o.shape, 1);
  const receiver = new Receiver(messages, 1, false);
  const subscription = await subscribeCounting(transport, topic, o.tag, receiver);
  try {
    await warmUp(transport, factory, receiver);
    await o.quiet();
    log(
      `kafka: producing ${messages.toLocaleString()} × ${o.shape.valueBytes} B, batch ${batch}, ${inflight} publish call(s) in flight`,
    );
    const memory = MemorySampler.begin();
    const produced = await produceAsFastAsPossible(transport, factory, messages, batch, inflight);
    const complete = await receiver.all(o.timeoutMs);
    const mem = memory.stop();
    if (!complete)
      log(`kafka: consumer is missing ${receiver.missing} records after ${o.timeoutMs} ms`);
    // Let late duplicates (if any) arrive before counting them.
    await new Promise((r) => setTimeout(r, 500));
    const produceMs = produced.endedAt - produced.startedAt;
    const endToEndMs = receiver.lastAt - produced.startedAt;
    const result: ThroughputResult = {
      messages,
      batch,
      inflight,
      publishCalls: produced.publishCalls,
      produceMs: round(produceMs, 1),
      produceEventsPerSec: perSecond(messages, produceMs),
      produceMiBPerSec: mibPerSecond(messages, o.shape.valueBytes, produceMs),
      endToEndMs: round(endToEndMs, 1),
      endToEndEventsPerSec: complete ? perSecond(messages, endToEndMs) : Number.NaN,
      received: receiver.unique,
      missing: receiver.missing,
      duplicates: receiver.duplicates,
      memory: mem,
    };
    log(
      `kafka: produce ${result.produceEventsPerSec.toLocaleString()} ev/s, e2e ${result.endToEndEventsPerSec.toLocaleString()} ev/s, missing ${result.missing}, dup ${result.duplicates}`,
    );
    return { result, topic };
  } finally {
    await subscription.close();
  }
}

/** A fresh group drains an already-written topic: consumer-side throughput on its own. */
async function kafkaConsumeOnly(
  transport: KafkaTransport,
  o: KafkaScenarioOptions,
  topic: string,
  messages: number,
): Promise<NonNullable<KafkaScenarioResult['consumeOnly']>> {
  await o.quiet();
  const receiver = new Receiver(messages, 1, false);
  const subscription = await subscribeCounting(transport, topic, o.tag, receiver);
  try {
    const complete = await receiver.all(o.timeoutMs);
    const ms = receiver.lastAt - receiver.firstAt;
    return {
      messages,
      ms: round(ms, 1),
      eventsPerSec: complete ? perSecond(messages, ms) : Number.NaN,
      missing: receiver.missing,
      duplicates: receiver.duplicates,
    };
  } finally {
    await subscription.close();
  }
}

/** Latency run at a moderate fixed rate: receipt time − scheduled send time, same process clock. */
export async function rateRun(
  transport: MessageTransport,
  topic: string,
  shape: WorkloadShape,
  rate: number,
  seconds: number,
  subscribe: (receiver: Receiver) => Promise<Subscription>,
  quiet: () => Promise<void>,
  timeoutMs: number,
): Promise<RateResult> {
  const total = Math.round(rate * seconds);
  const factory = new RecordFactory(topic, shape, 2);
  const receiver = new Receiver(total, 2, true);
  const subscription = await subscribe(receiver);
  try {
    await warmUp(transport, factory, receiver);
    await quiet();
    log(`${transport.kind}: ${rate.toLocaleString()} ev/s for ${seconds} s (latency run)`);
    const memory = MemorySampler.begin();
    const produced = await produceAtRate(transport, factory, rate, seconds);
    const complete = await receiver.all(timeoutMs);
    const mem = memory.stop();
    await new Promise((r) => setTimeout(r, 300));
    const latency = summarizeLatencies(receiver.latencySamples());
    log(
      `${transport.kind}: latency p50 ${latency.p50Ms} ms, p99 ${latency.p99Ms} ms, max ${latency.maxMs} ms; missing ${receiver.missing}`,
    );
    return {
      targetRate: rate,
      seconds,
      sent: produced.sent,
      achievedRate: perSecond(produced.sent, produced.endedAt - produced.startedAt),
      publishCalls: produced.publishCalls,
      maxBatch: produced.maxBatch,
      received: receiver.unique,
      missing: complete ? 0 : receiver.missing,
      duplicates: receiver.duplicates,
      latency,
      memory: mem,
    };
  } finally {
    await subscription.close();
  }
}

export async function runKafkaScenario(o: KafkaScenarioOptions): Promise<KafkaScenarioResult> {
  const transport = await new KafkaTransport({
    brokers: o.brokers,
    clientId: `bench-messaging-${o.tag}`,
  }).connect();
  try {
    const { result: throughput, topic } = await kafkaThroughput(
      transport,
      o,
      o.messages,
      o.batch,
      o.inflight,
    );
    const consumeOnly = o.consumeOnly
      ? await kafkaConsumeOnly(transport, o, topic, o.messages)
      : undefined;
    if (consumeOnly) log(`kafka: consume-only ${consumeOnly.eventsPerSec.toLocaleString()} ev/s`);
    const rateTopic = o.janitor.name('latency', o.tag);
    await transport.ensureTopics([{ name: rateTopic, partitions: o.partitions }]);
    const rate = await rateRun(
      transport,
      rateTopic,
      o.shape,
      o.rate,
      o.rateSeconds,
      (receiver) => subscribeCounting(transport, rateTopic, o.tag, receiver),
      o.quiet,
      o.timeoutMs,
    );
    return { throughput, consumeOnly, rate };
  } finally {
    await transport.close();
  }
}
