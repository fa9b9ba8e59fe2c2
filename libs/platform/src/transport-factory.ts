import type { ServiceConfig } from '@telcomesh/config';
import {
  KafkaTransport,
  PrefixedTransport,
  sharedEmbeddedBus,
  type MessageTransport,
} from '@telcomesh/messaging';
import type { Logger } from '@telcomesh/observability';

/** Kafka when KAFKA_BROKERS is set, otherwise the process-wide embedded bus. */
export async function openTransport(
  service: string,
  config: ServiceConfig,
  logger: Logger,
): Promise<MessageTransport> {
  let transport: MessageTransport;
  if (config.KAFKA_BROKERS) {
    const kafka = new KafkaTransport({
      brokers: config.KAFKA_BROKERS.split(','),
      clientId: `${service}-${config.SERVICE_INSTANCE_ID}`,
      logger,
    });
    await kafka.connect();
    transport = kafka;
  } else {
    transport = sharedEmbeddedBus();
  }
  return config.KAFKA_TOPIC_PREFIX
    ? new PrefixedTransport(transport, config.KAFKA_TOPIC_PREFIX)
    : transport;
}
