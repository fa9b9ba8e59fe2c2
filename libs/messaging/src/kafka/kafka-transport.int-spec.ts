// Assertions live in the shared transport contract (../testing/transport-contract.ts), run here against Kafka.
import { describeTransportContract } from '../testing/transport-contract';
import { KafkaTransport } from './kafka-transport';

let kafka: KafkaTransport;
let n = 0;
describeTransportContract(
  'kafka',
  async () => {
    kafka = await new KafkaTransport({
      brokers: process.env.KAFKA_BROKERS!.split(','),
      clientId: 'contract-test',
      redeliveryDelayMs: 20,
    }).connect();
    return {
      transport: kafka,
      topic: (name) => `${process.env.KAFKA_TOPIC_PREFIX}.contract.${name}.${n++}`,
    };
  },
  async () => kafka.close(),
);
