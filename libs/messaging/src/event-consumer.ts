import {
  extractTraceContext,
  inSpan,
  SpanKind,
  type Logger,
  type ServiceMetrics,
} from '@telcomesh/observability';
import {
  DlqReasonCodes,
  dlqTopicOf,
  formatDlqReason,
  type DlqReasonCode,
} from '@telcomesh/contracts';
import { Header, readEnvelope, type EnvelopeHeaders } from './envelope';
import { PoisonMessageError } from './errors';
import type { EventCodec } from './event-codec';
import type { InboundRecord, MessageTransport, Subscription } from './transport';

export interface EventHandlerContext {
  envelope: EnvelopeHeaders;
  record: InboundRecord;
  /** 1 on first delivery in this process, then 2, 3... while retrying. */
  attempt: number;
}

export interface EventConsumerOptions<T> {
  transport: MessageTransport;
  codec: EventCodec<T>;
  groupId: string;
  handle: (event: T, context: EventHandlerContext) => Promise<void>;
  /** Attempts after the first before the record goes to the DLQ. */
  maxRetries?: number;
  retryBaseDelayMs?: number;
  retryMaxDelayMs?: number;
  /** Topic name as seen on the bus (tests and shared clusters prefix topics). */
  topicName?: string;
  metrics?: ServiceMetrics;
  logger?: Logger;
  /** How often the group's lag is sampled into `messaging_consumer_lag` (when metrics are given). */
  lagSampleIntervalMs?: number;
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/**
 * Subscribes one handler to one topic with the platform's delivery rules: undecodable records
 * and records without an envelope go straight to `<topic>.dlq`; a failing handler is retried with
 * exponential backoff and jitter, then dead-lettered with the reason and the original bytes; the
 * offset is committed only afterwards, so the loop never stops on one bad record and loses nothing.
 */
export class EventConsumer<T> {
  private subscription: Subscription | undefined;
  private readonly maxRetries: number;
  private readonly baseDelay: number;
  private readonly maxDelay: number;
  private readonly topic: string;
  private stopping = false;
  private lagTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: EventConsumerOptions<T>) {
    this.maxRetries = options.maxRetries ?? 5;
    this.baseDelay = options.retryBaseDelayMs ?? 100;
    this.maxDelay = options.retryMaxDelayMs ?? 5000;
    this.topic = options.topicName ?? options.codec.topic;
  }

  async start(): Promise<void> {
    this.stopping = false;
    this.subscription = await this.options.transport.subscribe({
      groupId: this.options.groupId,
      topics: [this.topic],
      handler: (record) => this.onRecord(record),
    });
    if (this.options.metrics) {
      this.lagTimer = setInterval(
        () => void this.sampleLag(),
        this.options.lagSampleIntervalMs ?? 10_000,
      );
      this.lagTimer.unref();
    }
  }

  /** Exposes lag per partition for dashboards and autoscaling (KEDA reads the broker directly). */
  async sampleLag(): Promise<number> {
    try {
      const lags = await this.options.transport.groupLag(this.options.groupId, [this.topic]);
      for (const lag of lags) {
        this.options.metrics?.consumerLag.set(
          { topic: lag.topic, group: this.options.groupId, partition: String(lag.partition) },
          lag.lag,
        );
      }
      return lags.reduce((sum, l) => sum + l.lag, 0);
    } catch (error) {
      this.options.logger?.debug({ err: error }, 'could not sample consumer lag');
      return -1;
    }
  }

  async stop(): Promise<void> {
    clearInterval(this.lagTimer);
    this.stopping = true;
    await this.subscription?.close();
    this.subscription = undefined;
  }

  private async onRecord(record: InboundRecord): Promise<void> {
    const { codec } = this.options;
    let envelope: EnvelopeHeaders;
    let event: T;
    try {
      envelope = readEnvelope({ name: record.topic, ceType: codec.ceType }, record.headers);
    } catch (error) {
      await this.deadLetter(record, DlqReasonCodes.InvalidEnvelope, describe(error), 0);
      return;
    }
    try {
      event = codec.decode(record.value);
    } catch (error) {
      await this.deadLetter(record, DlqReasonCodes.DecodeFailed, describe(error), 0);
      return;
    }
    const parent = extractTraceContext(record.headers);
    for (let attempt = 1; ; attempt++) {
      const started = process.hrtime.bigint();
      try {
        await inSpan(
          `${record.topic} process`,
          {
            kind: SpanKind.CONSUMER,
            parent,
            attributes: {
              'messaging.system': this.options.transport.kind,
              'messaging.destination.name': record.topic,
              'messaging.consumer.group.name': this.options.groupId,
              'messaging.message.id': envelope.ce_id,
            },
          },
          () => this.options.handle(event, { envelope, record, attempt }),
        );
        this.observe(record, 'ok', started);
        return;
      } catch (error) {
        this.observe(record, 'error', started);
        const poison = error instanceof PoisonMessageError;
        if (poison || attempt > this.maxRetries || this.stopping) {
          if (this.stopping && !poison && attempt <= this.maxRetries) throw error; // redelivered after restart
          await this.deadLetter(
            record,
            poison ? DlqReasonCodes.NonRetryable : DlqReasonCodes.RetriesExhausted,
            describe(error),
            attempt - 1,
          );
          return;
        }
        this.options.logger?.warn(
          {
            err: error,
            topic: record.topic,
            partition: record.partition,
            offset: record.offset,
            attempt,
            eventId: envelope.ce_id,
          },
          'handler failed, retrying',
        );
        await new Promise((resolve) => setTimeout(resolve, this.backoff(attempt)));
      }
    }
  }

  private backoff(attempt: number): number {
    const ceiling = Math.min(this.maxDelay, this.baseDelay * 2 ** (attempt - 1));
    return ceiling / 2 + Math.random() * (ceiling / 2);
  }

  private observe(record: InboundRecord, outcome: string, started: bigint): void {
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    this.options.metrics?.handlerDuration.observe(
      { topic: record.topic, group: this.options.groupId, outcome },
      seconds,
    );
    if (outcome === 'ok')
      this.options.metrics?.messagesConsumed.inc({
        topic: record.topic,
        group: this.options.groupId,
        outcome,
      });
  }

  /** Publishing the DLQ record must succeed before the offset moves on; if it throws, the record is redelivered. */
  private async deadLetter(
    record: InboundRecord,
    code: DlqReasonCode,
    detail: string,
    retries: number,
  ): Promise<void> {
    const { transport, groupId, metrics, logger } = this.options;
    const reason = formatDlqReason(code, detail.slice(0, 2000));
    await transport.publish([
      {
        topic: dlqTopicOf(record.topic),
        key: record.key,
        value: record.value,
        headers: {
          ...record.headers,
          [Header.dlqReason]: reason,
          [Header.dlqOriginalTopic]: record.topic,
          [Header.dlqOriginalPartition]: String(record.partition),
          [Header.dlqOriginalOffset]: record.offset,
          [Header.dlqFailedAt]: new Date().toISOString(),
          [Header.dlqConsumerGroup]: groupId,
          [Header.retryCount]: String(retries),
        },
      },
    ]);
    metrics?.dlqMessages.inc({ topic: record.topic, group: groupId, reason: code });
    metrics?.messagesConsumed.inc({ topic: record.topic, group: groupId, outcome: 'dlq' });
    logger?.error(
      { topic: record.topic, partition: record.partition, offset: record.offset, reason, retries },
      'message sent to dead-letter topic',
    );
  }
}
