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

describe('embedded bus retention', () => {
  it('drops records once every group has committed past them, and keeps what a group still needs', async () => {
    const retention = new EmbeddedBus({ redeliveryDelayMs: 5 });
    const topic = 'retention.test.v1';
    await retention.ensureTopics([{ name: topic, partitions: 1 }]);
    const records = Array.from({ length: 5000 }, (_, i) => ({
      topic,
      key: 'k',
      value: Buffer.from(String(i)),
      headers: {},
    }));
    await retention.publish(records);
    let fast = 0;
    const a = await retention.subscribe({
      groupId: 'fast',
      topics: [topic],
      handler: async () => void fast++,
    });
    let slow = 0;
    const b = await retention.subscribe({
      groupId: 'slow',
      topics: [topic],
      handler: async () => {
        if (slow >= 2000) throw new Error('stuck'); // holds at offset 2000
        slow++;
      },
    });
    const deadline = Date.now() + 10_000;
    while ((fast < 5000 || slow < 2000) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 10));
    expect(fast).toBe(5000);
    expect(retention.retained(topic)).toBe(3000); // the slow group still needs offsets 2000..4999
    await b.close();
    await a.close();
    await retention.close();
  });
});
