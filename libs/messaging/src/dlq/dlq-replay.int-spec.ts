import { randomUUID } from 'node:crypto';
import { envelopeHeaders, Header } from '../envelope';
import { EmbeddedBus } from '../embedded/embedded-bus';
import { EventConsumer } from '../event-consumer';
import { dlqTopicOf } from '@telcomesh/contracts';
import type { EventCodec } from '../event-codec';
import { KafkaTransport } from '../kafka/kafka-transport';
import { eventually } from '../testing/transport-contract';
import type { InboundRecord, OutboundRecord, PartitionLag, Subscription } from '../transport';
import { replayDeadLetters } from './dlq-replay';

/* DLQ replay against the machine's Kafka: records dead-lettered the way production does it
   (EventConsumer, a handler that always throws, maxRetries 0), then replayed to their topic. */

const text = new TextEncoder();
const untext = new TextDecoder();
const CE_TYPE = 'telcomesh.test.dlq.v1';

interface Job {
  n: number;
  fail: string;
}

function jsonCodec(topic: string): EventCodec<Job> {
  return {
    topic,
    ceType: CE_TYPE,
    encode: (m) => text.encode(JSON.stringify(m)),
    decode: (bytes) => JSON.parse(untext.decode(bytes)) as Job,
    keyOf: (m) => `key-${m.n}`,
  };
}

const prefix = () => {
  const value = process.env.KAFKA_TOPIC_PREFIX;
  if (!value) throw new Error('KAFKA_TOPIC_PREFIX is not set (run with jest.int.config.js)');
  return value;
};

describe('replayDeadLetters (Kafka)', () => {
  let transport: KafkaTransport;
  const suffix = randomUUID().slice(0, 8);
  const open: Subscription[] = [];

  beforeAll(async () => {
    transport = await new KafkaTransport({
      brokers: (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(','),
      clientId: `dlq-replay-test-${suffix}`,
      redeliveryDelayMs: 20,
    }).connect();
  });

  afterEach(async () => {
    await Promise.all(open.splice(0).map((s) => s.close()));
  });

  afterAll(async () => {
    await transport?.close();
  });

  /** Reads everything on `topic` from the beginning under a fresh group, into the returned array. */
  async function collect(topic: string): Promise<InboundRecord[]> {
    const seen: InboundRecord[] = [];
    open.push(
      await transport.subscribe({
        groupId: `collector-${randomUUID()}`,
        topics: [topic],
        fromBeginning: true,
        handler: async (record) => {
          seen.push(record);
        },
      }),
    );
    return seen;
  }

  /** Publishes `jobs` to a new topic and lets a consumer that always fails dead-letter every one. */
  async function deadLetter(
    name: string,
    jobs: Job[],
  ): Promise<{ topic: string; originals: OutboundRecord[]; dead: InboundRecord[] }> {
    const topic = `${prefix()}.${name}.${suffix}`;
    await transport.ensureTopics([
      { name: topic, partitions: 3 },
      { name: dlqTopicOf(topic), partitions: 3 },
    ]);
    const codec = jsonCodec(topic);
    const originals = jobs.map((job) => ({
      topic,
      key: codec.keyOf(job),
      value: codec.encode(job),
      headers: envelopeHeaders(
        { name: topic, ceType: CE_TYPE },
        { source: '/telcomesh/test', tenant: 'tenant-a' },
      ),
    }));
    await transport.publish(originals);

    const consumer = new EventConsumer<Job>({
      transport,
      codec,
      groupId: `worker-${suffix}`,
      maxRetries: 0,
      handle: async (job) => {
        throw new Error(job.fail);
      },
    });
    await consumer.start();
    const dead = await collect(dlqTopicOf(topic));
    try {
      await eventually(() => dead.length >= jobs.length, 60_000, 'every job in the DLQ');
    } finally {
      await consumer.stop();
    }
    expect(dead).toHaveLength(jobs.length);
    return { topic, originals, dead };
  }

  const replayedOnly = (records: InboundRecord[]) =>
    records.filter((r) => r.headers['x-replay-count'] !== undefined);

  it('replays dead letters to their topic with original bytes and ce_id and no x-dlq-* headers, once', async () => {
    const jobs: Job[] = [
      { n: 1, fail: 'validation exploded' },
      { n: 2, fail: 'downstream timeout' },
      { n: 3, fail: 'validation exploded' },
    ];
    const { topic, originals, dead } = await deadLetter('replay', jobs);
    // Dead-lettered as production does: original bytes and envelope, plus the DLQ headers.
    for (const record of dead) {
      expect(record.headers[Header.dlqOriginalTopic]).toBe(topic);
      expect(record.headers[Header.dlqReason]).toMatch(
        /^RETRIES_EXHAUSTED: Error: (validation exploded|downstream timeout)$/,
      );
      expect(record.headers[Header.dlqConsumerGroup]).toBe(`worker-${suffix}`);
    }
    const onTopic = await collect(topic);

    // A dry run reports what it would replay, replays nothing and leaves the replay position alone.
    const dry = await replayDeadLetters(transport, { topic, dryRun: true, idleMs: 1000 });
    expect(dry).toEqual({ replayed: 0, skipped: 3 });

    const first = await replayDeadLetters(transport, { topic, idleMs: 1000 });
    expect(first).toEqual({ replayed: 3, skipped: 0 });
    await eventually(
      () => replayedOnly(onTopic).length >= 3,
      30_000,
      'the replayed records on the topic',
    );

    const replayed = replayedOnly(onTopic);
    expect(replayed).toHaveLength(3);
    const byId = new Map(originals.map((o) => [o.headers[Header.id], o]));
    for (const record of replayed) {
      const original = byId.get(record.headers[Header.id]);
      expect(original).toBeDefined();
      expect(record.key).toBe(original?.key);
      expect(Buffer.from(record.value).equals(Buffer.from(original?.value ?? []))).toBe(true);
      expect(Object.keys(record.headers).filter((h) => h.startsWith('x-dlq-'))).toEqual([]);
      expect(record.headers[Header.retryCount]).toBeUndefined();
      expect(record.headers['x-replay-count']).toBe('1');
      // The envelope is the original one.
      const { ['x-replay-count']: _count, ...envelope } = record.headers;
      expect(envelope).toEqual(original?.headers);
    }
    expect(new Set(replayed.map((r) => r.headers[Header.id])).size).toBe(3);

    // Progress was committed: a second replay finds nothing new.
    const second = await replayDeadLetters(transport, { topic, idleMs: 1000 });
    expect(second).toEqual({ replayed: 0, skipped: 0 });
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(replayedOnly(onTopic)).toHaveLength(3);
  });

  it('replays only the dead letters whose reason contains the filter', async () => {
    const jobs: Job[] = [
      { n: 1, fail: 'validation exploded' },
      { n: 2, fail: 'downstream timeout' },
      { n: 3, fail: 'validation exploded' },
    ];
    const { topic, originals } = await deadLetter('filter', jobs);
    const onTopic = await collect(topic);
    const actions: string[] = [];

    const result = await replayDeadLetters(transport, {
      topic,
      reasonContains: 'downstream',
      idleMs: 1000,
      onRecord: (record, action) => actions.push(`${action}:${untext.decode(record.value)}`),
    });

    expect(result).toEqual({ replayed: 1, skipped: 2 });
    expect(actions.sort()).toEqual([
      `replayed:${JSON.stringify(jobs[1])}`,
      `skipped:${JSON.stringify(jobs[0])}`,
      `skipped:${JSON.stringify(jobs[2])}`,
    ]);
    await eventually(() => replayedOnly(onTopic).length >= 1, 30_000, 'the replayed record');
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const replayed = replayedOnly(onTopic);
    expect(replayed.map((r) => r.headers[Header.id])).toEqual([originals[1].headers[Header.id]]);
  });

  it('reports the group lag falling to 0 once the dead letters are handled (what replay waits for)', async () => {
    const { topic } = await deadLetter('lag', [
      { n: 1, fail: 'a' },
      { n: 2, fail: 'b' },
      { n: 3, fail: 'c' },
    ]);
    const dlq = dlqTopicOf(topic);
    const groupId = `lag-${randomUUID()}`;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let handled = 0;
    open.push(
      await transport.subscribe({
        groupId,
        topics: [dlq],
        handler: async () => {
          await gate;
          handled++;
        },
      }),
    );
    const total = async () =>
      (await transport.groupLag(groupId, [dlq])).reduce((sum, l) => sum + l.lag, 0);

    // Nothing handled or committed yet: all three are lag, whether or not partitions are assigned yet.
    expect(await total()).toBe(3);
    release();
    await eventually(() => handled === 3, 30_000, 'the three records handled');
    await eventually(async () => (await total()) === 0, 10_000, 'the lag to reach 0');
  });
});

/** The embedded bus, except that asking for group lag fails a few times (a broker blip). */
class FlakyLagBus extends EmbeddedBus {
  lagFailures = 3;

  override groupLag(groupId: string, topics: string[]): Promise<PartitionLag[]> {
    if (this.lagFailures > 0) {
      this.lagFailures--;
      return Promise.reject(new Error('Listing offsets failed'));
    }
    return super.groupLag(groupId, topics);
  }
}

describe('replayDeadLetters when the bus cannot report lag for a moment', () => {
  it('keeps waiting and finishes the replay', async () => {
    const bus = new FlakyLagBus({ redeliveryDelayMs: 10 });
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const topic = 'orders.flaky.v1';
      await bus.publish(
        [1, 2].map((n) => ({
          topic: dlqTopicOf(topic),
          key: `k${n}`,
          value: text.encode(String(n)),
          headers: {
            [Header.id]: `id-${n}`,
            [Header.dlqReason]: 'RETRIES_EXHAUSTED: x',
            [Header.dlqOriginalTopic]: topic,
          },
        })),
      );
      const result = await replayDeadLetters(bus, { topic, idleMs: 300 });
      expect(result).toEqual({ replayed: 2, skipped: 0 });
      expect(bus.lagFailures).toBe(0);
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
      await bus.close();
    }
  });
});
