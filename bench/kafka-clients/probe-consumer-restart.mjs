// Probe: does a long-running group consumer resume after `scripts/kafka.sh restart`?
// Usage: ./node_modules/.bin/node bench/kafka-clients/probe-consumer-restart.mjs kafkajs|platformatic [watchSeconds=90]
//          [--retries=N] (platformatic consumer retries, default 20; the library default is 3)
//          [--no-recover] (platformatic: do NOT call consume() again after a stream 'error')
// A producer writes 1,000 msg/s; the broker is restarted after 5 s; the consumer's receive
// count and lifecycle events are printed every 5 s. RESTARTS THE LOCAL BROKER.
import { spawn } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import kafkajs from 'kafkajs';
import * as plt from '@platformatic/kafka';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const BROKER = process.env.KAFKA_BOOTSTRAP ?? '127.0.0.1:9092';
const positional = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const flag = (name) => process.argv.slice(2).find((a) => a.startsWith(`--${name}`));
const which = positional[0] ?? 'kafkajs';
const watch = Number(positional[1] ?? 90);
const pltRetries = Number(flag('retries')?.split('=')[1] ?? 20);
const recover = !flag('no-recover');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const t0 = Date.now();
const ts = () => ((Date.now() - t0) / 1000).toFixed(1).padStart(5) + 's';
const topic = `probe-restart-${which}-${Date.now().toString(36)}`;
const events = [];
const ev = (e) => {
  events.push(`${ts()} ${e}`);
  console.log(`${ts()} event: ${e}`);
};

const k = new kafkajs.Kafka({
  clientId: 'probe',
  brokers: [BROKER],
  logLevel: kafkajs.logLevel.NOTHING,
});
const admin = k.admin();
await admin.connect();
await admin.createTopics({
  topics: [{ topic, numPartitions: 3, replicationFactor: 1 }],
  waitForLeaders: true,
});

let received = 0;
const unique = new Set();
const onValue = (v) => {
  received++;
  unique.add(v.toString());
};
let close;
if (which === 'kafkajs') {
  const c = k.consumer({
    groupId: `${topic}-g`,
    maxWaitTimeInMs: 100,
    sessionTimeout: 30000,
    heartbeatInterval: 3000,
  });
  for (const name of ['GROUP_JOIN', 'CRASH', 'STOP', 'DISCONNECT', 'CONNECT', 'REBALANCING']) {
    c.on(c.events[name], (e) =>
      ev(
        `${name} ${e.payload?.error ? String(e.payload.error.name) + ' ' + String(e.payload.error.message).slice(0, 80) + ' restart=' + e.payload.restart : ''}`,
      ),
    );
  }
  await c.connect();
  await c.subscribe({ topics: [topic], fromBeginning: true });
  await c.run({ eachMessage: async ({ message }) => onValue(message.value) });
  close = () => c.disconnect();
} else {
  const c = new plt.Consumer({
    clientId: 'probe',
    groupId: `${topic}-g`,
    bootstrapBrokers: [BROKER],
    maxWaitTime: 100,
    sessionTimeout: 30000,
    heartbeatInterval: 3000,
    retries: pltRetries,
    retryDelay: 500,
  });
  for (const name of [
    'consumer:group:join',
    'consumer:group:leave',
    'consumer:group:rejoin',
    'consumer:heartbeat:error',
  ])
    c.on(name, () => ev(name));
  let stream;
  const start = async () => {
    stream = await c.consume({
      topics: [topic],
      mode: 'committed',
      fallbackMode: 'earliest',
      autocommit: 1000,
    });
    stream.on('data', (m) => onValue(m.value));
    stream.on('error', async (e) => {
      ev(
        `stream error ${e.code} ${String(e.message).slice(0, 80)} ${recover ? '-> consume() again' : '(no recovery)'}`,
      );
      if (!recover) return;
      await sleep(1000);
      await start().catch((err) => ev(`re-consume failed ${err.message}`));
    });
  };
  await start();
  close = () => c.close(true);
}

const prod = k.producer();
await prod.connect();
let sent = 0; // acked by the broker
let nextId = 0; // every value is unique
const tick = setInterval(() => {
  const batch = Array.from({ length: 100 }, () => ({
    key: `k${nextId % 50}`,
    value: String(nextId++),
  }));
  prod.send({ topic, messages: batch }).then(
    () => (sent += 100),
    () => {},
  );
}, 100);

await sleep(5000);
ev('restarting broker');
const r = spawn('bash', [resolve(ROOT, 'scripts/kafka.sh'), 'restart'], { stdio: 'ignore' });
r.on('close', (code) => ev(`broker restart done (exit ${code})`));
for (let s = 0; s < watch; s += 5) {
  await sleep(5000);
  console.log(`${ts()} acked=${sent} unique=${unique.size} deliveries=${received}`);
}
clearInterval(tick);
await sleep(3000);
console.log(
  `${ts()} FINAL acked=${sent} unique=${unique.size} deliveries=${received} redelivered=${received - unique.size} -> ${unique.size >= sent ? 'consumer resumed' : 'CONSUMER STALLED (' + (sent - unique.size) + ' behind)'}`,
);
await prod.disconnect().catch(() => {});
await close().catch(() => {});
await admin.deleteTopics({ topics: [topic] }).catch(() => {});
await admin.disconnect();
process.exit(0);
