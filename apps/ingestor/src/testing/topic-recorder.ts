import {
  KafkaTransport,
  PrefixedTransport,
  type InboundRecord,
  type MessageTransport,
  type Subscription,
} from '@telcomesh/messaging';

/**
 * What an integration test's topics received, read back from real Kafka by a consumer group of
 * its own from the beginning of the run's (prefixed) topics.
 */
export class TopicRecorder {
  private subscription: Subscription | undefined;

  private constructor(
    private readonly transport: MessageTransport,
    readonly received: InboundRecord[],
  ) {}

  /** Subscribes `name` (client and group id) to `topics` under `prefix`; records into `into`. */
  static async start(
    prefix: string,
    name: string,
    topics: string[],
    into: InboundRecord[] = [],
  ): Promise<TopicRecorder> {
    const kafka = new KafkaTransport({
      brokers: (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(','),
      clientId: name,
    });
    await kafka.connect();
    const recorder = new TopicRecorder(new PrefixedTransport(kafka, prefix), into);
    recorder.subscription = await recorder.transport.subscribe({
      groupId: name,
      topics,
      fromBeginning: true,
      handler: async (record) => {
        recorder.received.push(record);
      },
    });
    return recorder;
  }

  async close(): Promise<void> {
    await this.subscription?.close().catch(() => undefined);
    await this.transport.close().catch(() => undefined);
  }
}
