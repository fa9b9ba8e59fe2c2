import type {
  InboundRecord,
  MessageTransport,
  OutboundRecord,
  PartitionLag,
  SubscribeOptions,
  Subscription,
  TopicSpec,
} from './transport';

/**
 * Namespaces topics and consumer groups (`<prefix>.<name>`) so test runs, or several stacks on
 * one cluster, never see each other's records. Handlers still see logical topic names.
 */
export class PrefixedTransport implements MessageTransport {
  constructor(
    private readonly inner: MessageTransport,
    private readonly prefix: string,
  ) {}

  get kind(): 'kafka' | 'embedded' {
    return this.inner.kind;
  }

  private wrap(name: string): string {
    return `${this.prefix}.${name}`;
  }

  private unwrap(name: string): string {
    return name.startsWith(`${this.prefix}.`) ? name.slice(this.prefix.length + 1) : name;
  }

  ensureTopics(specs: TopicSpec[]): Promise<void> {
    return this.inner.ensureTopics(specs.map((s) => ({ ...s, name: this.wrap(s.name) })));
  }

  publish(records: OutboundRecord[]): Promise<void> {
    return this.inner.publish(records.map((r) => ({ ...r, topic: this.wrap(r.topic) })));
  }

  subscribe(options: SubscribeOptions): Promise<Subscription> {
    return this.inner.subscribe({
      ...options,
      groupId: this.wrap(options.groupId),
      topics: options.topics.map((t) => this.wrap(t)),
      handler: (record: InboundRecord) =>
        options.handler({ ...record, topic: this.unwrap(record.topic) }),
    });
  }

  async groupLag(groupId: string, topics: string[]): Promise<PartitionLag[]> {
    const lags = await this.inner.groupLag(
      this.wrap(groupId),
      topics.map((t) => this.wrap(t)),
    );
    return lags.map((l) => ({ ...l, topic: this.unwrap(l.topic) }));
  }

  ping(): Promise<void> {
    return this.inner.ping();
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
