import { Admin, Consumer, Producer, type Message, type MessagesStream } from '@platformatic/kafka';
import type { Logger } from '@telcomesh/observability';
import { murmur2 } from '../partitioner';
import type {
  InboundRecord,
  MessageHeaders,
  MessageTransport,
  OutboundRecord,
  PartitionLag,
  SubscribeOptions,
  Subscription,
  TopicSpec,
} from '../transport';

export interface KafkaTransportOptions {
  brokers: string[];
  /** Unique per replica (service + instance id), so broker-side quotas and logs tell replicas apart. */
  clientId: string;
  logger?: Logger;
  /** How often handled offsets are committed; a crash re-delivers at most this window. */
  commitIntervalMs?: number;
  /** Records buffered per subscription before fetching pauses. */
  maxBufferedRecords?: number;
  /** Bytes of one partition in one produce request (below the broker's 1 MiB message.max.bytes). */
  maxBatchBytesPerPartition?: number;
  /** Pause before a record whose handler failed is handed over again. */
  redeliveryDelayMs?: number;
  sessionTimeoutMs?: number;
}

type KafkaMessage = Message<string, Buffer, string, string>;

const bufferSerde = (data?: Buffer) => data;
const stringSerde = (data?: Buffer) => data?.toString('utf8');
const toBuffer = (data?: string) => (data === undefined ? undefined : Buffer.from(data, 'utf8'));

/** Kafka's Java partitioner (murmur2, positive): a key lands where a Java or librdkafka producer would put it. */
const javaCompatiblePartitioner = (_message: unknown, key: Buffer | undefined) =>
  key ? murmur2(key) & 0x7fffffff : 0;

/** Approximate bytes of a record in a produce request (record overhead + key + value + headers). */
function recordSize(record: OutboundRecord): number {
  let size = 70 + record.key.length + record.value.byteLength;
  for (const [k, v] of Object.entries(record.headers)) size += k.length + v.length + 4;
  return size;
}

function headersOf(message: KafkaMessage): MessageHeaders {
  const headers: MessageHeaders = {};
  for (const [key, value] of message.headers) headers[String(key)] = String(value);
  return headers;
}

interface PartitionState {
  /** Handling chain: records of one partition are handled strictly one after another. */
  chain: Promise<void>;
  /** Offset after the last record handled successfully (what we will commit). */
  handled: bigint | undefined;
  /** Last offset committed to the broker. */
  committed: bigint | undefined;
}

/**
 * The Kafka adapter of the messaging port, over @platformatic/kafka (see docs/adr/0002).
 * Producer: idempotent, acks=all, Java-compatible partitioning. Consumer: one group member per
 * subscription; records of a partition are handled in order, a failed handler gets the same record
 * again after a pause, and offsets are committed only for handled records, in the background.
 */
export class KafkaTransport implements MessageTransport {
  readonly kind = 'kafka' as const;
  private readonly producer: Producer<string, Buffer, string, string>;
  private readonly admin: Admin;
  private readonly subscriptions = new Set<KafkaSubscription>();
  private readonly partitionCounts = new Map<string, number>();
  private readonly keyPartitions = new Map<string, number>();
  private closed = false;

  constructor(private readonly options: KafkaTransportOptions) {
    this.producer = new Producer({
      clientId: `${options.clientId}-producer`,
      bootstrapBrokers: options.brokers,
      idempotent: true,
      acks: -1,
      autocreateTopics: true,
      partitioner: javaCompatiblePartitioner,
      serializers: {
        key: toBuffer,
        value: bufferSerde,
        headerKey: toBuffer,
        headerValue: toBuffer,
      },
      retries: 10,
      retryDelay: 250,
    });
    this.admin = new Admin({
      clientId: `${options.clientId}-admin`,
      bootstrapBrokers: options.brokers,
    });
  }

  /** Fails fast at start-up when no broker answers. */
  async connect(): Promise<this> {
    await this.ping();
    return this;
  }

  async ensureTopics(specs: TopicSpec[]): Promise<void> {
    const existing = new Set(await this.admin.listTopics());
    for (const spec of specs) {
      if (existing.has(spec.name)) continue;
      try {
        await this.admin.createTopics({
          topics: [spec.name],
          partitions: spec.partitions,
          replicas: -1,
          configs: spec.retentionMs
            ? [{ name: 'retention.ms', value: String(spec.retentionMs) }]
            : [],
        });
      } catch (error) {
        // Another replica created it between our list and create: that is the state we wanted.
        if (!/already exists/i.test(JSON.stringify(error, Object.getOwnPropertyNames(error))))
          throw error;
      }
    }
  }

  async publish(records: OutboundRecord[]): Promise<void> {
    if (records.length === 0) return;
    // One send() becomes one record batch per partition, which the broker rejects over
    // message.max.bytes (1 MiB): split into sequential sends so no partition's share exceeds the
    // cap. Sequential, in order, so per-key order holds across the pieces.
    for (const chunk of await this.chunkByPartitionBytes(records)) {
      await this.producer.send({
        messages: chunk.map((r) => ({
          topic: r.topic,
          key: r.key,
          value: Buffer.from(r.value.buffer, r.value.byteOffset, r.value.byteLength),
          headers: r.headers,
        })),
      });
    }
  }

  private async partitionsOf(topic: string): Promise<number> {
    let count = this.partitionCounts.get(topic);
    if (count === undefined) {
      const metadata = await this.admin.metadata({ topics: [topic], autocreateTopics: true });
      count = metadata.topics.get(topic)?.partitionsCount ?? 1;
      this.partitionCounts.set(topic, count);
    }
    return count;
  }

  /** Same answer as the producer's partitioner; cached per key, as keys (sites, tickets) repeat. */
  private partitionOf(topic: string, key: string, partitions: number): number {
    const cacheKey = `${topic}\u0000${partitions}\u0000${key}`;
    let partition = this.keyPartitions.get(cacheKey);
    if (partition === undefined) {
      partition = (murmur2(Buffer.from(key, 'utf8')) & 0x7fffffff) % partitions;
      if (this.keyPartitions.size >= 100_000) this.keyPartitions.clear();
      this.keyPartitions.set(cacheKey, partition);
    }
    return partition;
  }

  private async chunkByPartitionBytes(records: OutboundRecord[]): Promise<OutboundRecord[][]> {
    const limit = this.options.maxBatchBytesPerPartition ?? 900 * 1024;
    const sizes = records.map(recordSize);
    // The common case: the whole publish fits in one request, whatever the partitioning.
    if (sizes.reduce((a, b) => a + b, 0) <= limit) return [records];
    const chunks: OutboundRecord[][] = [];
    let current: OutboundRecord[] = [];
    let bytes = new Map<string, number>();
    const partitions = new Map<string, number>();
    for (const topic of new Set(records.map((r) => r.topic))) {
      partitions.set(topic, await this.partitionsOf(topic));
    }
    records.forEach((record, i) => {
      const count = partitions.get(record.topic) ?? 1;
      const slot = `${record.topic}\u0000${this.partitionOf(record.topic, record.key, count)}`;
      const size = sizes[i];
      if (current.length > 0 && (bytes.get(slot) ?? 0) + size > limit) {
        chunks.push(current);
        current = [];
        bytes = new Map();
      }
      current.push(record);
      bytes.set(slot, (bytes.get(slot) ?? 0) + size);
    });
    if (current.length > 0) chunks.push(current);
    return chunks;
  }

  async subscribe(options: SubscribeOptions): Promise<Subscription> {
    if (this.closed) throw new Error('kafka transport is closed');
    const subscription = new KafkaSubscription(this.options, options);
    await subscription.start();
    this.subscriptions.add(subscription);
    subscription.onClose(() => this.subscriptions.delete(subscription));
    return subscription;
  }

  async groupLag(groupId: string, topics: string[]): Promise<PartitionLag[]> {
    for (const subscription of this.subscriptions) {
      if (subscription.groupId === groupId) return subscription.lag(topics);
    }
    return [];
  }

  async ping(): Promise<void> {
    await this.admin.metadata({ topics: [] });
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.subscriptions].map((s) => s.close()));
    await this.producer.close();
    await this.admin.close();
  }
}

class KafkaSubscription implements Subscription {
  readonly groupId: string;
  private readonly consumer: Consumer<string, Buffer, string, string>;
  private stream: MessagesStream<string, Buffer, string, string> | undefined;
  private readonly partitions = new Map<string, PartitionState>();
  private buffered = 0;
  private closing = false;
  private commitTimer: NodeJS.Timeout | undefined;
  private readonly closeListeners: (() => void)[] = [];
  private closed: Promise<void> | undefined;

  constructor(
    private readonly transport: KafkaTransportOptions,
    private readonly options: SubscribeOptions,
  ) {
    this.groupId = options.groupId;
    this.consumer = new Consumer({
      clientId: `${transport.clientId}-${options.groupId}`,
      groupId: options.groupId,
      bootstrapBrokers: transport.brokers,
      autocommit: false,
      sessionTimeout: transport.sessionTimeoutMs ?? 10_000,
      heartbeatInterval: 1_000,
      rebalanceTimeout: 30_000,
      maxWaitTime: 200,
      retries: 10,
      retryDelay: 500,
      deserializers: {
        key: stringSerde,
        value: bufferSerde,
        headerKey: stringSerde,
        headerValue: stringSerde,
      },
    });
  }

  onClose(listener: () => void): void {
    this.closeListeners.push(listener);
  }

  async start(): Promise<void> {
    await this.openStream();
    this.commitTimer = setInterval(
      () => void this.commit(),
      this.transport.commitIntervalMs ?? 200,
    );
  }

  /**
   * A fetch stream that fails past the client's retries (e.g. the broker restarted) ends for good;
   * the consumer object survives, so a new stream is opened from the group's committed offsets.
   * Records handled but not yet committed come back and are skipped by offset.
   */
  private async openStream(): Promise<void> {
    const stream = await this.consumer.consume({
      topics: this.options.topics,
      mode: 'committed',
      fallbackMode: this.options.fromBeginning === false ? 'latest' : 'earliest',
      autocommit: false,
    });
    this.stream = stream;
    stream.on('data', (message: KafkaMessage) => this.enqueue(message));
    stream.once('error', (error: unknown) => {
      if (this.closing) return;
      this.transport.logger?.warn(
        { err: error, group: this.groupId },
        'kafka consumer stream failed; reopening',
      );
      void this.reopen();
    });
  }

  private async reopen(): Promise<void> {
    for (let attempt = 1; !this.closing; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, Math.min(5_000, 500 * attempt)));
      if (this.closing) return;
      try {
        await this.stream?.close().catch(() => undefined);
        await this.openStream();
        this.transport.logger?.info(
          { group: this.groupId, attempt },
          'kafka consumer stream reopened',
        );
        return;
      } catch (error) {
        this.transport.logger?.warn(
          { err: error, group: this.groupId, attempt },
          'kafka consumer stream could not reopen yet',
        );
      }
    }
  }

  private state(topic: string, partition: number): PartitionState {
    const key = `${topic}\u0000${partition}`;
    let state = this.partitions.get(key);
    if (!state) {
      state = { chain: Promise.resolve(), handled: undefined, committed: undefined };
      this.partitions.set(key, state);
    }
    return state;
  }

  private enqueue(message: KafkaMessage): void {
    const state = this.state(message.topic, message.partition);
    this.buffered++;
    if (this.buffered >= (this.transport.maxBufferedRecords ?? 5_000)) this.stream?.pause();
    state.chain = state.chain.then(() => this.handle(message, state));
  }

  private async handle(message: KafkaMessage, state: PartitionState): Promise<void> {
    try {
      // After a rebalance the broker may hand back records we already handled; skip them.
      if (state.handled !== undefined && message.offset < state.handled) return;
      const record: InboundRecord = {
        topic: message.topic,
        partition: message.partition,
        offset: message.offset.toString(),
        key: message.key ?? '',
        value: message.value ?? Buffer.alloc(0),
        headers: headersOf(message),
        timestamp: Number(message.timestamp),
      };
      for (;;) {
        if (this.closing) return; // not handled: stays uncommitted, the next owner gets it
        try {
          await this.options.handler(record);
          state.handled = message.offset + 1n;
          return;
        } catch (error) {
          this.transport.logger?.debug(
            { err: error, topic: record.topic, offset: record.offset },
            'handler failed; redelivering',
          );
          await new Promise((resolve) =>
            setTimeout(resolve, this.transport.redeliveryDelayMs ?? 200),
          );
        }
      }
    } finally {
      this.buffered--;
      if (
        this.buffered < (this.transport.maxBufferedRecords ?? 5_000) / 2 &&
        this.stream?.isPaused() &&
        !this.closing
      ) {
        this.stream.resume();
      }
    }
  }

  private async commit(): Promise<void> {
    const offsets = [];
    for (const [key, state] of this.partitions) {
      if (state.handled === undefined || state.handled === state.committed) continue;
      const [topic, partition] = key.split('\u0000');
      offsets.push({
        topic,
        partition: Number(partition),
        offset: state.handled,
        leaderEpoch: -1,
        state,
      });
    }
    if (offsets.length === 0) return;
    try {
      await this.consumer.commit({ offsets: offsets.map(({ state: _s, ...o }) => o) });
      for (const o of offsets) o.state.committed = o.offset;
    } catch (error) {
      // A rebalance moved the partition: its new owner resumes from the last good commit.
      this.transport.logger?.warn(
        { err: error, group: this.groupId },
        'offset commit failed; will retry',
      );
    }
  }

  /**
   * Log end minus where this group resumes: what it handled here, else what the group committed,
   * else where it starts (earliest, or latest when not `fromBeginning`). Asked of the broker: the
   * client's own getLag measures from offsets its stream committed, and this adapter commits itself.
   */
  async lag(topics: string[]): Promise<PartitionLag[]> {
    const [ends, starts] = await Promise.all([
      this.consumer.listOffsets({ topics }),
      this.consumer.listOffsets({ topics, timestamp: -2n }),
    ]);
    const committed = await this.consumer.listCommittedOffsets({
      topics: [...ends].map(([topic, offsets]) => ({
        topic,
        partitions: offsets.map((_end, partition) => partition),
      })),
    });
    const out: PartitionLag[] = [];
    for (const [topic, offsets] of ends) {
      offsets.forEach((end, partition) => {
        const groupOffset = committed.get(topic)?.[partition] ?? -1n;
        let position =
          groupOffset >= 0n
            ? groupOffset
            : this.options.fromBeginning === false
              ? end
              : (starts.get(topic)?.[partition] ?? 0n);
        const handled = this.partitions.get(`${topic}\u0000${partition}`)?.handled;
        if (handled !== undefined && handled > position) position = handled;
        out.push({ topic, partition, lag: Math.max(0, Number(end - position)) });
      });
    }
    return out;
  }

  close(): Promise<void> {
    this.closed ??= (async () => {
      this.closing = true;
      clearInterval(this.commitTimer);
      this.stream?.pause();
      await Promise.all([...this.partitions.values()].map((s) => s.chain));
      await this.commit();
      await this.stream?.close();
      await new Promise<void>((resolve, reject) =>
        this.consumer.close(true, (error?: Error | null) => (error ? reject(error) : resolve())),
      );
      for (const listener of this.closeListeners) listener();
    })();
    return this.closed;
  }
}
