/**
 * Follows the service's sla.events.v1 (under its topic prefix) the way a consumer of the
 * platform would: a KafkaTransport consumer group from the beginning of the topic. Keeps, per
 * event id, when the event happened (`occurred_at`), when it was put on Kafka (the record's
 * timestamp: the relay's producer stamps it when it sends the batch) and when it got here.
 */
import { fromBinary } from '@bufbuild/protobuf';
import { SlaEventSchema, timestampMs, Topics, type SlaEventType } from '@telcomesh/contracts';
import { KafkaTransport, PrefixedTransport, type Subscription } from '@telcomesh/messaging';

export interface SeenSlaEvent {
  eventId: string;
  type: SlaEventType;
  ticketKey: string;
  occurredAt: number;
  kafkaTimestamp: number;
  receivedAt: number;
}

export class SlaEventWatch {
  /** By event id: delivery is at least once, distinct ids are distinct events. */
  readonly events = new Map<string, SeenSlaEvent>();
  duplicates = 0;
  /** Records that did not decode as an SlaEvent (none expected). */
  undecodable = 0;

  private constructor(
    private readonly transport: KafkaTransport,
    private subscription: Subscription | undefined,
  ) {}

  static async start(
    brokers: string[],
    topicPrefix: string,
    groupId: string,
  ): Promise<SlaEventWatch> {
    const transport = await new KafkaTransport({
      brokers,
      clientId: `bench-ticket-sla-${groupId}`,
    }).connect();
    const watch = new SlaEventWatch(transport, undefined);
    watch.subscription = await new PrefixedTransport(transport, topicPrefix).subscribe({
      groupId,
      topics: [Topics.SlaEvents.name],
      fromBeginning: true,
      handler: (record) => {
        const receivedAt = Date.now();
        let event;
        try {
          event = fromBinary(SlaEventSchema, record.value);
        } catch {
          watch.undecodable += 1;
          return Promise.resolve();
        }
        if (watch.events.has(event.eventId)) watch.duplicates += 1;
        else {
          watch.events.set(event.eventId, {
            eventId: event.eventId,
            type: event.type,
            ticketKey: event.ticketKey,
            occurredAt: event.occurredAt ? timestampMs(event.occurredAt) : Number.NaN,
            kafkaTimestamp: record.timestamp,
            receivedAt,
          });
        }
        return Promise.resolve();
      },
    });
    return watch;
  }

  async close(): Promise<void> {
    await this.subscription?.close();
    await this.transport.close();
  }
}
