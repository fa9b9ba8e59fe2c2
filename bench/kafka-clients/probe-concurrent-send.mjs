// Probe: do N concurrent send() calls on ONE idempotent producer all land in the log?
// Usage: ./node_modules/.bin/node bench/kafka-clients/probe-concurrent-send.mjs [concurrency=5] [perSend=100]
// Counts what the broker actually stored (sum of partition end offsets of a fresh topic).
import { Admin, Producer } from '@platformatic/kafka';
import kafkajs from 'kafkajs';

const BROKER = process.env.KAFKA_BOOTSTRAP ?? '127.0.0.1:9092';
const conc = Number(process.argv[2] ?? 5);
const perSend = Number(process.argv[3] ?? 100);
const admin = new Admin({ clientId: 'probe-admin', bootstrapBrokers: [BROKER] });

const created = [];
async function freshTopic(name) {
  await admin.createTopics({ topics: [name], partitions: 3, replicas: 1 });
  created.push(name);
  return name;
}
async function stored(topic) {
  const k = new kafkajs.Kafka({
    clientId: 'probe-offsets',
    brokers: [BROKER],
    logLevel: kafkajs.logLevel.NOTHING,
  });
  const a = k.admin();
  await a.connect();
  const offs = await a.fetchTopicOffsets(topic);
  await a.disconnect();
  return offs.reduce((s, o) => s + Number(o.high) - Number(o.low), 0);
}
const batch = (topic, b) =>
  Array.from({ length: perSend }, (_, i) => ({
    topic,
    key: Buffer.from(`k${i % 10}`),
    value: Buffer.from(`${b}-${i}`),
  }));

async function platformatic(idempotent) {
  const topic = await freshTopic(`probe-conc-plt-${idempotent ? 'idem' : 'plain'}-${Date.now()}`);
  const p = new Producer({
    clientId: 'probe-plt',
    bootstrapBrokers: [BROKER],
    idempotent,
    acks: -1,
  });
  const rs = await Promise.allSettled(
    Array.from({ length: conc }, (_, b) => p.send({ messages: batch(topic, b) })),
  );
  await p.close();
  return {
    client: '@platformatic/kafka',
    idempotent,
    sent: conc * perSend,
    resolved: rs.filter((r) => r.status === 'fulfilled').length * perSend,
    stored: await stored(topic),
  };
}
async function kjs(idempotent) {
  const topic = await freshTopic(`probe-conc-kjs-${idempotent ? 'idem' : 'plain'}-${Date.now()}`);
  const k = new kafkajs.Kafka({
    clientId: 'probe-kjs',
    brokers: [BROKER],
    logLevel: kafkajs.logLevel.NOTHING,
  });
  const p = k.producer({
    idempotent,
    maxInFlightRequests: idempotent ? 1 : 5,
    allowAutoTopicCreation: false,
  });
  await p.connect();
  const rs = await Promise.allSettled(
    Array.from({ length: conc }, (_, b) =>
      p.send({
        topic,
        acks: -1,
        messages: batch(topic, b).map(({ key, value }) => ({ key, value })),
      }),
    ),
  );
  await p.disconnect();
  return {
    client: 'kafkajs',
    idempotent,
    sent: conc * perSend,
    resolved: rs.filter((r) => r.status === 'fulfilled').length * perSend,
    stored: await stored(topic),
  };
}

const rows = [
  await platformatic(true),
  await platformatic(false),
  await kjs(true),
  await kjs(false),
];
await admin.deleteTopics({ topics: created }).catch(() => {});
await admin.close();
console.table(rows.map((r) => ({ ...r, lost: r.resolved - r.stored })));
