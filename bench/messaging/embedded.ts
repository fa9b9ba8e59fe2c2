/** Scenario 3: the same produce → consume through the in-process EmbeddedBus. */
import { EmbeddedBus } from '@telcomesh/messaging';
import { type RateResult, rateRun } from './kafka';
import { type MemoryPeak, MemorySampler, log, perSecond, round } from './stats';
import {
  type WorkloadShape,
  Receiver,
  RecordFactory,
  produceAsFastAsPossible,
  warmUp,
} from './workload';

export interface EmbeddedScenarioOptions {
  shape: WorkloadShape;
  partitions: number;
  messages: number;
  batch: number;
  rate: number;
  rateSeconds: number;
  timeoutMs: number;
}

export interface EmbeddedScenarioResult {
  throughput: {
    messages: number;
    batch: number;
    publishCalls: number;
    produceMs: number;
    produceEventsPerSec: number;
    endToEndMs: number;
    endToEndEventsPerSec: number;
    received: number;
    missing: number;
    duplicates: number;
    memory: MemoryPeak;
  };
  rate: RateResult;
}

export async function runEmbeddedScenario(
  o: EmbeddedScenarioOptions,
): Promise<EmbeddedScenarioResult> {
  // Retention must hold the whole run, or the bus would trim records before the consumer got them.
  const bus = new EmbeddedBus({ maxRecordsPerPartition: Math.max(200_000, o.messages) });
  try {
    const topic = 'bench.messaging.embedded';
    await bus.ensureTopics([{ name: topic, partitions: o.partitions }]);
    const factory = new RecordFactory(topic, o.shape, 1);
    const receiver = new Receiver(o.messages, 1, false);
    const subscription = await bus.subscribe({
      groupId: 'bench-embedded',
      topics: [topic],
      handler: receiver.handler,
    });
    let throughput: EmbeddedScenarioResult['throughput'];
    try {
      await warmUp(bus, factory, receiver);
      log(
        `embedded: producing ${o.messages.toLocaleString()} × ${o.shape.valueBytes} B, batch ${o.batch}`,
      );
      const memory = MemorySampler.begin();
      const produced = await produceAsFastAsPossible(bus, factory, o.messages, o.batch, 1);
      const complete = await receiver.all(o.timeoutMs);
      const mem = memory.stop();
      const produceMs = produced.endedAt - produced.startedAt;
      const endToEndMs = receiver.lastAt - produced.startedAt;
      throughput = {
        messages: o.messages,
        batch: o.batch,
        publishCalls: produced.publishCalls,
        produceMs: round(produceMs, 1),
        produceEventsPerSec: perSecond(o.messages, produceMs),
        endToEndMs: round(endToEndMs, 1),
        endToEndEventsPerSec: complete ? perSecond(o.messages, endToEndMs) : Number.NaN,
        received: receiver.unique,
        missing: receiver.missing,
        duplicates: receiver.duplicates,
        memory: mem,
      };
      log(
        `embedded: produce ${throughput.produceEventsPerSec.toLocaleString()} ev/s, e2e ${throughput.endToEndEventsPerSec.toLocaleString()} ev/s`,
      );
    } finally {
      await subscription.close();
    }
    const rateTopic = 'bench.messaging.embedded.latency';
    await bus.ensureTopics([{ name: rateTopic, partitions: o.partitions }]);
    const rate = await rateRun(
      bus,
      rateTopic,
      o.shape,
      o.rate,
      o.rateSeconds,
      (r) =>
        bus.subscribe({
          groupId: 'bench-embedded-latency',
          topics: [rateTopic],
          handler: r.handler,
        }),
      () => Promise.resolve(),
      o.timeoutMs,
    );
    return { throughput, rate };
  } finally {
    await bus.close();
  }
}
