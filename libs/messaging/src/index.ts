export { topicCodec, type EventCodec } from './event-codec';
export {
  EventConsumer,
  type EventConsumerOptions,
  type EventHandlerContext,
} from './event-consumer';
export {
  envelopeHeaders,
  Header,
  readEnvelope,
  type EnvelopeHeaders,
  type EnvelopeInit,
} from './envelope';
export { PoisonMessageError } from './errors';
export { EmbeddedBus, sharedEmbeddedBus, type EmbeddedBusOptions } from './embedded/embedded-bus';
export { KafkaTransport, type KafkaTransportOptions } from './kafka/kafka-transport';
export { Inbox } from './inbox/inbox';
export { Outbox, OutboxRelay, type OutboxRelayOptions } from './outbox/outbox';
export { EventOutbox } from './outbox/event-outbox';
export { replayDeadLetters, type DlqReplayOptions, type DlqReplayResult } from './dlq/dlq-replay';
export { MessagingTables1763800000000 } from './messaging-tables.migration';
export { partitionFor } from './partitioner';
export { PrefixedTransport } from './prefixed-transport';
export type {
  InboundRecord,
  MessageHeaders,
  MessageTransport,
  OutboundRecord,
  PartitionLag,
  RecordHandler,
  SubscribeOptions,
  Subscription,
  TopicSpec,
} from './transport';
