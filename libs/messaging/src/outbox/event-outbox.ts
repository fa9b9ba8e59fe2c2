import type { DescMessage, MessageShape } from '@bufbuild/protobuf';
import { encode, keyOf, type TopicDefinition } from '@telcomesh/contracts';
import type { EntityManager } from 'typeorm';
import { envelopeHeaders, Header, type EnvelopeInit } from '../envelope';
import type { Outbox } from './outbox';

/**
 * How services publish domain events: `transaction` runs the state change, `stage` adds the event
 * to the outbox inside that same transaction, and the relay is woken once it commits.
 */
export class EventOutbox {
  constructor(
    private readonly outbox: Outbox,
    /** CloudEvents source of this service, e.g. `/telcomesh/ingestor`. */
    private readonly source: string,
  ) {}

  async transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    const result = await this.outbox.dataSource.transaction(work);
    this.outbox.notifyCommitted();
    return result;
  }

  /** Stages one event; returns its event id (`ce_id`). */
  async stage<Desc extends DescMessage>(
    manager: EntityManager,
    topic: TopicDefinition<Desc>,
    message: MessageShape<Desc>,
    init: Omit<EnvelopeInit, 'source'> = {},
  ): Promise<string> {
    const headers = envelopeHeaders(topic, { ...init, source: this.source });
    await this.outbox.enqueue(manager, [
      { topic: topic.name, key: keyOf(topic, message), value: encode(topic, message), headers },
    ]);
    return headers[Header.id];
  }
}
