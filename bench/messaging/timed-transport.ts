import type {
  MessageTransport,
  OutboundRecord,
  PartitionLag,
  SubscribeOptions,
  Subscription,
  TopicSpec,
} from '@telcomesh/messaging';

/**
 * Delegates to a real transport and adds up the time spent inside `publish()`, so a relay run can be
 * split into "waiting for Kafka" and "everything else" (Postgres round trips, row decoding).
 */
export class TimedTransport implements MessageTransport {
  publishMs = 0;
  publishCalls = 0;
  published = 0;

  constructor(private readonly inner: MessageTransport) {}

  get kind(): 'kafka' | 'embedded' {
    return this.inner.kind;
  }

  async publish(records: OutboundRecord[]): Promise<void> {
    const started = performance.now();
    try {
      await this.inner.publish(records);
      this.published += records.length;
    } finally {
      this.publishMs += performance.now() - started;
      this.publishCalls++;
    }
  }

  ensureTopics(specs: TopicSpec[]): Promise<void> {
    return this.inner.ensureTopics(specs);
  }

  subscribe(options: SubscribeOptions): Promise<Subscription> {
    return this.inner.subscribe(options);
  }

  groupLag(groupId: string, topics: string[]): Promise<PartitionLag[]> {
    return this.inner.groupLag(groupId, topics);
  }

  ping(): Promise<void> {
    return this.inner.ping();
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
