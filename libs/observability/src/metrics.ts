import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * One Prometheus registry per service (embedded mode runs six in a process, each on its own
 * /metrics). The platform's own series are declared here so names stay consistent across apps.
 */
export class ServiceMetrics {
  readonly registry = new Registry();
  readonly httpDuration: Histogram<'method' | 'route' | 'status'>;
  readonly handlerDuration: Histogram<'topic' | 'group' | 'outcome'>;
  readonly consumerLag: Gauge<'topic' | 'group' | 'partition'>;
  readonly outboxBacklog: Gauge;
  readonly outboxPublished: Counter;
  readonly dlqMessages: Counter<'topic' | 'group' | 'reason'>;
  readonly messagesConsumed: Counter<'topic' | 'group' | 'outcome'>;

  constructor(readonly service: string) {
    this.registry.setDefaultLabels({ service });
    collectDefaultMetrics({ register: this.registry });
    const registers = [this.registry];
    this.httpDuration = new Histogram({
      name: 'http_server_duration_seconds',
      help: 'HTTP request duration by route and status',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    });
    this.handlerDuration = new Histogram({
      name: 'messaging_handler_duration_seconds',
      help: 'Time a consumer handler took per message',
      labelNames: ['topic', 'group', 'outcome'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5],
      registers,
    });
    this.consumerLag = new Gauge({
      name: 'messaging_consumer_lag',
      help: 'Messages between the committed offset and the end of the partition',
      labelNames: ['topic', 'group', 'partition'],
      registers,
    });
    this.outboxBacklog = new Gauge({
      name: 'messaging_outbox_backlog',
      help: 'Outbox rows waiting to be published',
      registers,
    });
    this.outboxPublished = new Counter({
      name: 'messaging_outbox_published_total',
      help: 'Outbox rows published to the bus',
      registers,
    });
    this.dlqMessages = new Counter({
      name: 'messaging_dlq_messages_total',
      help: 'Messages sent to a dead-letter topic',
      labelNames: ['topic', 'group', 'reason'],
      registers,
    });
    this.messagesConsumed = new Counter({
      name: 'messaging_messages_consumed_total',
      help: 'Messages handled by consumers',
      labelNames: ['topic', 'group', 'outcome'],
      registers,
    });
  }

  async render(): Promise<string> {
    return this.registry.metrics();
  }
}
