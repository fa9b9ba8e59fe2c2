import { EmbeddedBus } from './embedded-bus';
import { describeTransportContract } from '../testing/transport-contract';

let bus: EmbeddedBus;
let n = 0;
describeTransportContract(
  'embedded bus',
  async () => {
    bus = new EmbeddedBus({ redeliveryDelayMs: 5 });
    return { transport: bus, topic: (name) => `contract.${name}.${n++}` };
  },
  async () => bus.close(),
);
