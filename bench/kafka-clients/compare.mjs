#!/usr/bin/env node
// Kafka client bake-off: kafkajs vs @platformatic/kafka against the real local broker.
//
//   bash scripts/kafka.sh start
//   ./node_modules/.bin/node bench/kafka-clients/compare.mjs            # full run (restarts the broker twice!)
//   ./node_modules/.bin/node bench/kafka-clients/compare.mjs --no-restart --no-ceiling
//   ./node_modules/.bin/node bench/kafka-clients/compare.mjs --tune     # produce-only batch/concurrency grid
//
// Options (all optional): --clients=kafkajs,platformatic  --messages=200000  --size=1024  --keys=1000
//   --rate=5000 --rate-seconds=10  --restart-messages=50000 --restart-rate=2500  --json=FILE
//   --no-restart  --no-ceiling  --no-latency
// Each client runs in its own child process (same process for its producer and consumer,
// so the end-to-end latency uses one monotonic clock written into the payload).
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import os from 'node:os';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '../..');
const BOOTSTRAP = process.env.KAFKA_BOOTSTRAP ?? `127.0.0.1:${process.env.KAFKA_PORT ?? 9092}`;

// ------------------------------------------------------------------ args ---
const args = Object.fromEntries(
  process.argv.slice(2).map((a) => {
    const m = /^--([^=]+)(?:=(.*))?$/.exec(a);
    return m ? [m[1], m[2] ?? true] : [a, true];
  }),
);
const cfg = {
  clients: String(args.clients ?? 'kafkajs,platformatic').split(','),
  messages: Number(args.messages ?? 200_000),
  size: Number(args.size ?? 1024),
  keys: Number(args.keys ?? 1000),
  rate: Number(args.rate ?? 5000),
  rateSeconds: Number(args['rate-seconds'] ?? 10),
  restartMessages: Number(args['restart-messages'] ?? 50_000),
  restartRate: Number(args['restart-rate'] ?? 2500),
  restart: !args['no-restart'],
  ceiling: !args['no-ceiling'],
  latency: !args['no-latency'],
  tune: !!args.tune,
  repeat: Number(args.repeat ?? 3),
};

// Tuned per-client settings (see --tune; both clients get the best *safe* setting we found).
//  - kafkajs: no linger/accumulator of its own: every send() is one Produce request per broker;
//    with idempotence it takes a per-broker lock, so concurrent send() calls are safe and overlap
//    encoding with the in-flight request.
//  - @platformatic/kafka 1.35: idempotent => maxInflights forced to 1, and concurrent send() calls
//    on one producer REUSE sequence numbers (silently deduplicated by the broker => data loss;
//    see probe-concurrent-send.mjs), so at most one send() may be in flight per producer.
const TUNED = {
  kafkajs: {
    batch: Number(args['kafkajs-batch'] ?? 2000),
    concurrency: Number(args['kafkajs-concurrency'] ?? 2),
  },
  platformatic: { batch: Number(args['platformatic-batch'] ?? 2000), concurrency: 1 },
};

const pkgVersion = (name) =>
  JSON.parse(readFileSync(resolve(ROOT, 'node_modules', name, 'package.json'), 'utf8')).version;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const nowNs = () => process.hrtime.bigint();
const fmt = (n, d = 0) =>
  n == null || Number.isNaN(n)
    ? '-'
    : Number(n).toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
const log = (...a) => console.error(`[${new Date().toISOString().slice(11, 23)}]`, ...a);

// -------------------------------------------------------- message model ---
// value (cfg.size bytes): [0..8) created-at hrtime ns | [8..12) global seq | [12..16) per-key seq
//                         [16..20) key index | filler
const FILL = Buffer.alloc(cfg.size, 'telcomesh-bench-payload-');
const KEY_BUFS = Array.from({ length: cfg.keys }, (_, i) =>
  Buffer.from(`key-${String(i).padStart(4, '0')}`),
);
function makeValue(seq, keySeq, keyIdx, ts = nowNs()) {
  const b = Buffer.allocUnsafe(cfg.size);
  FILL.copy(b);
  b.writeBigInt64BE(ts, 0);
  b.writeUInt32BE(seq, 8);
  b.writeUInt32BE(keySeq, 12);
  b.writeUInt32BE(keyIdx, 16);
  return b;
}
function readValue(b) {
  return {
    ts: b.readBigInt64BE(0),
    seq: b.readUInt32BE(8),
    keySeq: b.readUInt32BE(12),
    keyIdx: b.readUInt32BE(16),
  };
}
// Generic message: { keyIdx, key: Buffer, value: Buffer, headers: {name: string} }
class Generator {
  constructor() {
    this.seq = 0;
    this.keySeq = new Uint32Array(cfg.keys);
  }
  next() {
    const seq = this.seq++;
    const keyIdx = seq % cfg.keys;
    const keySeq = this.keySeq[keyIdx]++;
    return {
      keyIdx,
      key: KEY_BUFS[keyIdx],
      value: makeValue(seq, keySeq, keyIdx),
      headers: { 'ce-type': 'bench.v1', 'ce-id': String(seq) },
    };
  }
}

// Accumulates messages and sends them in batches with a bounded number of send() calls in flight.
// On error a batch is retried (same messages, same order) after a delay, like a service would.
class Sender {
  constructor(sendFn, { batch, concurrency, retryDelay = 500, retry = true }) {
    Object.assign(this, { sendFn, batch, concurrency, retryDelay, retry });
    this.queue = [];
    this.inflight = 0;
    this.acked = 0;
    this.errors = [];
    this.waiters = [];
    this.progress = [];
    this.onAck = null;
  }
  enqueue(m) {
    this.queue.push(m);
    this.pump();
  }
  pump() {
    while (this.queue.length && this.inflight < this.concurrency) {
      const batch = this.queue.splice(0, this.batch);
      this.inflight++;
      this.#sendWithRetry(batch).then(
        () => {
          this.inflight--;
          this.acked += batch.length;
          this.onAck?.(batch);
          this.pump();
          for (const w of this.progress.splice(0)) w();
          this.#notify();
        },
        (err) => {
          this.inflight--;
          this.fatal = err;
          for (const w of this.progress.splice(0)) w();
          this.#notify();
        },
      );
    }
  }
  async #sendWithRetry(batch) {
    for (;;) {
      try {
        return await this.sendFn(batch);
      } catch (err) {
        this.errors.push({
          at: Date.now(),
          name: err?.name,
          code: err?.code,
          message: String(err?.message).slice(0, 160),
          errors: err?.errors?.slice?.(0, 3).map((e) => String(e?.message).slice(0, 120)),
        });
        if (!this.retry) throw err;
        await sleep(this.retryDelay);
      }
    }
  }
  #notify() {
    if ((this.queue.length === 0 && this.inflight === 0) || this.fatal) {
      for (const w of this.waiters.splice(0)) w();
    }
  }
  nextProgress() {
    return new Promise((r) => this.progress.push(r));
  }
  async drain() {
    if (!(this.queue.length === 0 && this.inflight === 0))
      await new Promise((r) => this.waiters.push(r));
    if (this.fatal) throw this.fatal;
  }
}

function median(runs, field) {
  const sorted = [...runs].sort((a, b) => a[field] - b[field]);
  return {
    ...sorted[Math.floor(sorted.length / 2)],
    min: sorted[0][field],
    max: sorted[sorted.length - 1][field],
    runs: runs.length,
  };
}

function pct(sorted, p) {
  if (!sorted.length) return null;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

// ------------------------------------------------------------ adapters ---
// Each adapter: { name, version, producer(opts) -> {send(batch), close()}, consumer(topic, group, onMessage, opts) -> {ready, close(), stats} }
async function kafkajsAdapter(topicAdmin) {
  const { Kafka, logLevel, CompressionTypes, Partitioners } = (await import('kafkajs')).default;
  const version = pkgVersion('kafkajs');
  const logCounts = {};
  const logCreator =
    () =>
    ({ level, log: entry }) => {
      const key = `${level === logLevel.ERROR ? 'ERROR' : 'WARN'} ${entry.message}`.slice(0, 120);
      logCounts[key] = (logCounts[key] ?? 0) + 1;
    };
  const kafka = new Kafka({
    clientId: 'bench-kafkajs',
    brokers: [BOOTSTRAP],
    logLevel: logLevel.WARN,
    logCreator,
  });
  return {
    name: 'kafkajs',
    version,
    logCounts,
    async producer() {
      const p = kafka.producer({
        idempotent: true, // kafkajs: "EXPERIMENTAL", requires maxInFlightRequests: 1
        maxInFlightRequests: 1,
        allowAutoTopicCreation: false,
        createPartitioner: Partitioners.DefaultPartitioner, // Java-compatible murmur2
      });
      await p.connect();
      return {
        send: (batch) =>
          p.send({
            topic: batch[0].topic,
            acks: -1,
            compression: CompressionTypes.None,
            messages: batch.map((m) => ({ key: m.key, value: m.value, headers: m.headers })),
          }),
        close: () => p.disconnect(),
      };
    },
    async consumer(topic, groupId, onMessage, { commitIntervalMs = 1000 } = {}) {
      const c = kafka.consumer({
        groupId,
        minBytes: 1,
        maxBytes: 10 * 1024 * 1024,
        maxBytesPerPartition: 4 * 1024 * 1024,
        maxWaitTimeInMs: 100,
        sessionTimeout: 30_000,
        heartbeatInterval: 3000,
        allowAutoTopicCreation: false,
      });
      const stats = { crashes: 0, joins: 0, errors: [] };
      let joinedResolve;
      const joined = new Promise((r) => (joinedResolve = r));
      c.on(c.events.GROUP_JOIN, () => {
        stats.joins++;
        joinedResolve();
      });
      c.on(c.events.CRASH, (e) => {
        stats.crashes++;
        stats.errors.push(
          `${e.payload.error?.name}: ${String(e.payload.error?.message).slice(0, 100)} restart=${e.payload.restart}`,
        );
      });
      await c.connect();
      await c.subscribe({ topics: [topic], fromBeginning: true });
      await c.run({
        autoCommit: true,
        autoCommitInterval: commitIntervalMs,
        partitionsConsumedConcurrently: 3,
        eachBatchAutoResolve: true,
        eachBatch: async ({ batch }) => {
          for (const m of batch.messages) onMessage(m.value, m.headers, batch.partition);
        },
      });
      return { joined, stats, close: () => c.disconnect() };
    },
  };
}

async function platformaticAdapter() {
  const plt = await import('@platformatic/kafka');
  const {
    Producer,
    Consumer,
    MessagesStreamModes,
    MessagesStreamFallbackModes,
    ProduceAcks,
    stringSerializer,
    stringDeserializer,
    compatibilityPartitioner,
  } = plt;
  const version = pkgVersion('@platformatic/kafka');
  return {
    name: '@platformatic/kafka',
    version,
    logCounts: {},
    async producer() {
      const p = new Producer({
        clientId: 'bench-platformatic',
        bootstrapBrokers: [BOOTSTRAP],
        idempotent: true, // forces acks=-1, maxInflights=1, retries=MAX_SAFE_INTEGER
        acks: ProduceAcks.ALL,
        partitioner: compatibilityPartitioner, // same key->partition mapping as Java/kafkajs
        retryDelay: 500,
        serializers: { headerKey: stringSerializer, headerValue: stringSerializer }, // key/value stay Buffers
      });
      return {
        send: (batch) =>
          p.send({
            messages: batch.map((m) => ({
              topic: m.topic,
              key: m.key,
              value: m.value,
              headers: m.headers,
            })),
          }),
        close: () => p.close(),
      };
    },
    async consumer(topic, groupId, onMessage, { commitIntervalMs = 1000, resilient = false } = {}) {
      const c = new Consumer({
        clientId: 'bench-platformatic-consumer',
        groupId,
        bootstrapBrokers: [BOOTSTRAP],
        minBytes: 1,
        maxBytes: 10 * 1024 * 1024,
        maxWaitTime: 100,
        highWaterMark: 4096,
        sessionTimeout: 30_000,
        heartbeatInterval: 3000,
        retries: resilient ? 20 : 3,
        retryDelay: 500,
        deserializers: { headerKey: stringDeserializer, headerValue: stringDeserializer },
      });
      const stats = { crashes: 0, joins: 0, errors: [] };
      c.on('consumer:group:join', () => stats.joins++);
      let closed = false;
      let stream;
      const start = async () => {
        stream = await c.consume({
          topics: [topic],
          mode: MessagesStreamModes.COMMITTED,
          fallbackMode: MessagesStreamFallbackModes.EARLIEST,
          autocommit: commitIntervalMs,
        });
        stream.on('data', (m) => onMessage(m.value, m.headers, m.partition));
        stream.on('error', async (err) => {
          stats.crashes++;
          stats.errors.push(`${err?.code ?? err?.name}: ${String(err?.message).slice(0, 100)}`);
          if (closed) return;
          // documented recovery: the stream is dead but the consumer is not; consume() again
          for (let i = 0; i < 60 && !closed; i++) {
            await sleep(1000);
            try {
              await start();
              return;
            } catch (e) {
              stats.errors.push(`re-consume: ${String(e?.message).slice(0, 100)}`);
            }
          }
        });
      };
      await start();
      return {
        joined: Promise.resolve(),
        stats,
        close: async () => {
          closed = true;
          await stream?.close().catch(() => {});
          await c.close(true);
        },
      };
    },
  };
}

// Neutral helper for topic admin + end offsets (kafkajs Admin: not what is being measured).
async function topicAdmin() {
  const { Kafka, logLevel } = (await import('kafkajs')).default;
  const a = new Kafka({
    clientId: 'bench-admin',
    brokers: [BOOTSTRAP],
    logLevel: logLevel.NOTHING,
  }).admin();
  await a.connect();
  return {
    create: async (topic, partitions = 3) => {
      await a.createTopics({
        topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }],
        waitForLeaders: true,
      });
      return topic;
    },
    stored: async (topic) =>
      (await a.fetchTopicOffsets(topic)).reduce((s, o) => s + Number(o.high) - Number(o.low), 0),
    remove: (topics) => a.deleteTopics({ topics, timeout: 10_000 }).catch(() => {}),
    close: () => a.disconnect().catch(() => {}),
  };
}

// -------------------------------------------------------------- phases ---
async function phaseProduce(ad, admin, topic, n, tuning) {
  const gen = new Generator();
  const prod = await ad.producer();
  // warm-up: metadata, producer id, connections (not timed)
  await prod.send([{ topic, ...gen.next() }]);
  const sender = new Sender((b) => prod.send(b), {
    batch: tuning.batch,
    concurrency: tuning.concurrency,
    retry: false,
  });
  const t0 = nowNs();
  // generate lazily so that memory stays bounded; keep at most 4 batches queued
  while (gen.seq < n + 1) {
    while (sender.queue.length < tuning.batch * 4 && gen.seq < n + 1)
      sender.enqueue({ topic, ...gen.next() });
    await sender.nextProgress();
    if (sender.fatal) throw sender.fatal;
  }
  await sender.drain();
  const secs = Number(nowNs() - t0) / 1e9;
  await prod.close();
  return {
    msgs: n,
    secs,
    eps: n / secs,
    mbps: (n * cfg.size) / secs / 1e6,
    stored: await admin.stored(topic),
  };
}

async function phaseConsume(ad, topic, n) {
  let count = 0;
  let first = 0n;
  let last = 0n;
  let bad = 0;
  let done;
  const finished = new Promise((r) => (done = r));
  const t0 = nowNs();
  const cons = await ad.consumer(
    topic,
    `bench-consume-${ad.name.replace(/\W/g, '')}-${Date.now()}`,
    (value, headers) => {
      if (!first) first = nowNs();
      if (value.length !== cfg.size || !headers) bad++;
      if (++count >= n) {
        last = nowNs();
        done();
      }
    },
  );
  const timeout = sleep(120_000).then(() => 'timeout');
  const r = await Promise.race([finished, timeout]);
  await cons.close();
  const secsAll = Number((last || nowNs()) - t0) / 1e9;
  const secs = Number((last || nowNs()) - first) / 1e9;
  return {
    msgs: count,
    bad,
    secs,
    eps: count / secs,
    epsInclJoin: count / secsAll,
    joinSecs: Number(first - t0) / 1e9,
    timedOut: r === 'timeout',
  };
}

async function phaseLatency(ad, admin, topic) {
  const lat = [];
  let expected = -1;
  let got = 0;
  let warm;
  const warmSeen = new Promise((r) => (warm = r));
  let doneResolve;
  const done = new Promise((r) => (doneResolve = r));
  const cons = await ad.consumer(
    topic,
    `bench-lat-${ad.name.replace(/\W/g, '')}-${Date.now()}`,
    (value) => {
      const t = nowNs();
      const v = readValue(value);
      if (v.keyIdx === 0xffffffff) return warm();
      lat.push(Number(t - v.ts) / 1e6);
      if (++got === expected) doneResolve();
    },
  );
  await cons.joined;
  const prod = await ad.producer();
  // warm-up marker, wait until the consumer sees it => group joined and fetching
  const marker = makeValue(0, 0, 0xffffffff);
  await prod.send([{ topic, key: KEY_BUFS[0], value: marker, headers: { 'ce-type': 'warmup' } }]);
  await Promise.race([warmSeen, sleep(30_000)]);
  const gen = new Generator();
  // same accumulator for both: one send() in flight, takes everything queued (max 1000)
  const sender = new Sender((b) => prod.send(b), { batch: 1000, concurrency: 1, retry: false });
  const total = cfg.rate * cfg.rateSeconds;
  const t0 = Date.now();
  await new Promise((resolve) => {
    const tick = setInterval(() => {
      const due = Math.min(total, Math.floor(((Date.now() - t0) / 1000) * cfg.rate));
      while (gen.seq < due) sender.enqueue({ topic, ...gen.next() });
      if (gen.seq >= total) {
        clearInterval(tick);
        resolve();
      }
    }, 2);
  });
  const produceSecs = (Date.now() - t0) / 1000;
  await sender.drain();
  expected = total;
  if (got < expected) await Promise.race([done, sleep(30_000)]);
  await prod.close();
  await cons.close();
  lat.sort((a, b) => a - b);
  return {
    msgs: total,
    received: got,
    achievedRate: total / produceSecs,
    p50: pct(lat, 50),
    p90: pct(lat, 90),
    p99: pct(lat, 99),
    max: lat[lat.length - 1] ?? null,
  };
}

function runKafkaSh(cmd, extra = []) {
  return new Promise((resolveP) => {
    const t0 = Date.now();
    const ch = spawn('bash', [resolve(ROOT, 'scripts/kafka.sh'), cmd, ...extra], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    ch.stdout.on('data', (d) => (out += d));
    ch.stderr.on('data', (d) => (out += d));
    ch.on('close', (code) => resolveP({ code, ms: Date.now() - t0, out: out.trim() }));
  });
}

async function phaseRestart(ad, admin, topic) {
  const N = cfg.restartMessages;
  const live = {
    seen: new Uint16Array(N),
    deliveries: 0,
    lastAt: 0,
    maxGapMs: 0,
    brokerUpAt: 0,
    firstAfterUpMs: null,
  };
  const cons = await ad.consumer(
    topic,
    `bench-live-${ad.name.replace(/\W/g, '')}-${Date.now()}`,
    (value) => {
      const v = readValue(value);
      if (v.seq >= N) return;
      const now = Date.now();
      if (live.brokerUpAt && live.firstAfterUpMs === null)
        live.firstAfterUpMs = now - live.brokerUpAt;
      if (live.lastAt) live.maxGapMs = Math.max(live.maxGapMs, now - live.lastAt);
      live.lastAt = now;
      live.seen[v.seq]++;
      live.deliveries++;
    },
    { commitIntervalMs: 1000, resilient: true },
  );
  await cons.joined;
  const prod = await ad.producer();
  const gen = new Generator();
  const sender = new Sender((b) => prod.send(b), {
    batch: 500,
    concurrency: 1,
    retry: true,
    retryDelay: 500,
  });
  const acked = new Uint8Array(N);
  sender.onAck = (batch) => {
    for (const m of batch) acked[readValue(m.value).seq] = 1;
  };
  let restart = null;
  const restartAt = Math.floor(N * 0.3);
  const t0 = Date.now();
  await new Promise((resolveP) => {
    const tick = setInterval(() => {
      const due = Math.min(N, Math.floor(((Date.now() - t0) / 1000) * cfg.restartRate));
      while (gen.seq < due) sender.enqueue({ topic, ...gen.next() });
      if (!restart && gen.seq >= restartAt) {
        log(`  [${ad.name}] ${gen.seq} enqueued, ${sender.acked} acked: restarting the broker`);
        const rs = Date.now();
        restart = runKafkaSh('restart').then((r) => {
          live.brokerUpAt = Date.now();
          return { ...r, startedAtMs: rs - t0, endedAtMs: Date.now() - t0 };
        });
      }
      if (gen.seq >= N) {
        clearInterval(tick);
        resolveP();
      }
    }, 5);
  });
  const restartResult = await restart;
  log(
    `  [${ad.name}] restart finished (code ${restartResult.code}, ${restartResult.ms} ms); draining producer`,
  );
  await Promise.race([sender.drain(), sleep(120_000)]);
  const produceDoneMs = Date.now() - t0;
  await prod.close().catch(() => {});
  const ackedCount = acked.reduce((s, x) => s + x, 0);
  // let the live consumer catch up: until it has seen every acked seq, or 90 s
  // (must exceed the 30 s session timeout: a client that rejoins with a new member id waits for it)
  for (let i = 0; i < 900; i++) {
    if (live.seen.reduce((s, x) => s + (x > 0 ? 1 : 0), 0) >= ackedCount) break;
    await sleep(100);
  }
  await cons.close().catch(() => {});

  // verification: a fresh group reads the whole topic from the beginning (same client library)
  const stored = await admin.stored(topic);
  const inLog = new Uint16Array(N);
  const perKeyLast = new Int32Array(cfg.keys).fill(-1);
  let orderViolations = 0;
  let read = 0;
  let doneR;
  const allRead = new Promise((r) => (doneR = r));
  const ver = await ad.consumer(
    topic,
    `bench-verify-${ad.name.replace(/\W/g, '')}-${Date.now()}`,
    (value) => {
      const v = readValue(value);
      read++;
      if (v.seq < N) {
        inLog[v.seq]++;
        if (inLog[v.seq] === 1) {
          if (v.keySeq <= perKeyLast[v.keyIdx]) orderViolations++;
          perKeyLast[v.keyIdx] = v.keySeq;
        } else {
          // a duplicate in the log that comes after later records of its key also breaks order
          if (v.keySeq < perKeyLast[v.keyIdx]) orderViolations++;
        }
      }
      if (read >= stored) doneR();
    },
  );
  await Promise.race([allRead, sleep(60_000)]);
  await ver.close();
  let lostAcked = 0;
  let lostAny = 0;
  let dupInLog = 0;
  let liveMissing = 0;
  let liveDup = 0;
  for (let i = 0; i < N; i++) {
    if (inLog[i] === 0) {
      lostAny++;
      if (acked[i]) lostAcked++;
    }
    if (inLog[i] > 1) dupInLog += inLog[i] - 1;
    if (inLog[i] > 0 && live.seen[i] === 0) liveMissing++;
    if (live.seen[i] > 1) liveDup += live.seen[i] - 1;
  }
  const errKinds = {};
  for (const e of sender.errors) {
    const k = `${e.name ?? ''}${e.code ? '/' + e.code : ''}: ${e.message}`.slice(0, 110);
    errKinds[k] = (errKinds[k] ?? 0) + 1;
  }
  return {
    msgs: N,
    acked: ackedCount,
    stored,
    readBack: read,
    lostAcked,
    notInLog: lostAny,
    dupInLog,
    orderViolations,
    perKeyOrderHeld: orderViolations === 0,
    appRetries: sender.errors.length,
    appErrorKinds: errKinds,
    restartMs: restartResult.ms,
    restartCode: restartResult.code,
    produceSecs: produceDoneMs / 1000,
    live: {
      uniqueSeen: live.seen.reduce((s, x) => s + (x > 0 ? 1 : 0), 0),
      missing: liveMissing,
      redelivered: liveDup,
      maxGapMs: live.maxGapMs,
      firstAfterBrokerUpMs: live.firstAfterUpMs,
      crashes: cons.stats.crashes,
      joins: cons.stats.joins,
      errors: cons.stats.errors.slice(0, 5),
    },
  };
}

// -------------------------------------------------------------- worker ---
async function worker(name) {
  process.removeAllListeners('warning');
  const warnings = {};
  process.on(
    'warning',
    (w) =>
      (warnings[`${w.name}: ${w.message.slice(0, 60)}`] =
        (warnings[`${w.name}: ${w.message.slice(0, 60)}`] ?? 0) + 1),
  );
  const admin = await topicAdmin();
  const ad = name === 'kafkajs' ? await kafkajsAdapter() : await platformaticAdapter();
  const tag = name === 'kafkajs' ? 'kjs' : 'plt';
  const run = Date.now().toString(36);
  const topics = [];
  const newTopic = async (p) => {
    const t = await admin.create(`bench-${tag}-${p}-${run}`);
    topics.push(t);
    return t;
  };
  const result = { client: ad.name, version: ad.version, tuning: TUNED[name] };
  try {
    if (cfg.tune) {
      result.tune = [];
      // a batch is split per partition; each partition batch must stay under the broker's
      // message.max.bytes (1 MiB), so with 3 partitions ~2,500 x 1 KiB is the upper bound
      for (const batch of [250, 500, 1000, 2000]) {
        for (const concurrency of name === 'kafkajs' ? [1, 2, 4] : [1]) {
          const t = await newTopic(`tune-${batch}-${concurrency}`);
          try {
            const r = await phaseProduce(ad, admin, t, Math.min(cfg.messages, 60_000), {
              batch,
              concurrency,
            });
            log(
              `  [${ad.name}] tune batch=${batch} concurrency=${concurrency}: ${fmt(r.eps)} msg/s ${fmt(r.mbps, 1)} MB/s stored=${r.stored}`,
            );
            result.tune.push({ batch, concurrency, ...r });
          } catch (err) {
            log(
              `  [${ad.name}] tune batch=${batch} concurrency=${concurrency}: FAILED ${String(err?.message).slice(0, 200)}`,
            );
          }
          await admin.remove([t]);
        }
      }
      return result;
    }
    if (cfg.latency) {
      result.latencyRuns = [];
      for (let i = 0; i < cfg.repeat; i++) {
        const t = await newTopic(`lat${i}`);
        log(
          `  [${ad.name}] #${i + 1} e2e latency at ${cfg.rate} msg/s for ${cfg.rateSeconds}s ...`,
        );
        const l = await phaseLatency(ad, admin, t);
        result.latencyRuns.push(l);
        log(
          `  [${ad.name}] #${i + 1} latency p50 ${fmt(l.p50, 1)} ms p99 ${fmt(l.p99, 1)} ms max ${fmt(l.max, 1)} ms (${l.received}/${l.msgs})`,
        );
        await admin.remove([t]);
      }
      const med = (f) =>
        [...result.latencyRuns].map((r) => r[f]).sort((a, b) => a - b)[
          Math.floor(result.latencyRuns.length / 2)
        ];
      result.latency = {
        p50: med('p50'),
        p90: med('p90'),
        p99: med('p99'),
        max: med('max'),
        received: Math.min(...result.latencyRuns.map((r) => r.received)),
        msgs: cfg.rate * cfg.rateSeconds,
      };
    }
    result.produceRuns = [];
    result.consumeRuns = [];
    for (let i = 0; i < cfg.repeat; i++) {
      const tp = await newTopic(`tput${i}`);
      log(`  [${ad.name}] #${i + 1} produce ${cfg.messages} x ${cfg.size} B ...`);
      const p = await phaseProduce(ad, admin, tp, cfg.messages, TUNED[name]);
      result.produceRuns.push(p);
      log(
        `  [${ad.name}] #${i + 1} produce: ${fmt(p.eps)} msg/s, ${fmt(p.mbps, 1)} MB/s, stored ${p.stored}`,
      );
      const c = await phaseConsume(ad, tp, cfg.messages + 1);
      result.consumeRuns.push(c);
      log(
        `  [${ad.name}] #${i + 1} consume: ${fmt(c.eps)} msg/s (group join ${fmt(c.joinSecs, 1)} s)`,
      );
      await admin.remove([tp]);
    }
    result.produce = median(result.produceRuns, 'eps');
    result.consume = median(result.consumeRuns, 'eps');
    if (cfg.restart) {
      log(
        `  [${ad.name}] restart test: ${cfg.restartMessages} keyed msgs at ${cfg.restartRate}/s, broker restart mid-way ...`,
      );
      result.restart = await phaseRestart(ad, admin, await newTopic('restart'));
      log(
        `  [${ad.name}] restart: acked ${result.restart.acked}, lost ${result.restart.lostAcked}, dup ${result.restart.dupInLog}, order ${result.restart.perKeyOrderHeld ? 'held' : 'BROKEN'}`,
      );
    }
  } catch (err) {
    result.error = String(err?.stack ?? err).slice(0, 1500);
    log(`  [${ad.name}] FAILED: ${result.error}`);
  } finally {
    await admin.remove(topics);
    await admin.close();
  }
  result.clientLog = ad.logCounts;
  result.processWarnings = warnings;
  return result;
}

// ------------------------------------------------------------ ceiling ---
// Kafka's own Java producer (ProducerPerformance) against the same broker: once with the
// producer defaults the brief asks for, once with bigger batches (what the Node clients get).
async function ceiling(variant, extraProps) {
  const topic = `bench-java-perf-${variant.replace(/[^a-zA-Z0-9]+/g, '-')}-${Date.now().toString(36)}`;
  const ksh = resolve(ROOT, 'scripts/kafka.sh');
  spawnSync(
    'bash',
    [ksh, 'topics', '--create', '--topic', topic, '--partitions', '3', '--replication-factor', '1'],
    { stdio: 'ignore' },
  );
  const argv = [
    '--topic',
    topic,
    '--num-records',
    String(cfg.messages),
    '--record-size',
    String(cfg.size),
    '--throughput',
    '-1',
    '--command-property',
    'acks=all',
    'enable.idempotence=true',
    'compression.type=none',
    ...extraProps,
  ];
  const r = spawnSync('bash', [ksh, 'perf-producer', ...argv], {
    encoding: 'utf8',
    maxBuffer: 1 << 24,
  });
  spawnSync('bash', [ksh, 'topics', '--delete', '--topic', topic], { stdio: 'ignore' });
  const lines = (r.stdout ?? '').trim().split('\n');
  const final = lines.reverse().find((l) => / records sent, /.test(l) && /50th/.test(l)) ?? '';
  const m =
    /([\d.]+) records\/sec \(([\d.]+) MB\/sec\), ([\d.]+) ms avg latency, ([\d.]+) ms max latency, (\d+) ms 50th, (\d+) ms 95th, (\d+) ms 99th/.exec(
      final,
    );
  return {
    variant,
    command: `bash scripts/kafka.sh perf-producer ${argv.join(' ').replace(topic, '<topic>')}`,
    line: final,
    eps: m ? Number(m[1]) : null,
    mbps: m ? (Number(m[1]) * cfg.size) / 1e6 : null,
    sendLatP50: m ? Number(m[5]) : null,
    sendLatP99: m ? Number(m[7]) : null,
    exit: r.status,
    stderr: r.status ? String(r.stderr).slice(-800) : undefined,
  };
}

// ---------------------------------------------------------------- main ---
function table(headers, rows) {
  const w = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) => '| ' + cells.map((c, i) => String(c).padEnd(w[i])).join(' | ') + ' |';
  return [
    line(headers),
    '|' + w.map((x) => '-'.repeat(x + 2)).join('|') + '|',
    ...rows.map(line),
  ].join('\n');
}

async function main() {
  if (args.worker) {
    const r = await worker(args.worker);
    process.stdout.write('RESULT ' + JSON.stringify(r) + '\n');
    process.exit(0);
  }
  const st = spawnSync('bash', [resolve(ROOT, 'scripts/kafka.sh'), 'status'], { encoding: 'utf8' });
  if (st.status !== 0) {
    console.error('broker not running: bash scripts/kafka.sh start');
    process.exit(2);
  }
  const t0 = Date.now();
  const meta = {
    date: new Date().toISOString(),
    node: process.version,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model,
    memGiB: Math.round(os.totalmem() / 2 ** 30),
    kafka: process.env.KAFKA_VERSION ?? '4.3.1',
    command:
      `./node_modules/.bin/node bench/kafka-clients/compare.mjs ${process.argv.slice(2).join(' ')}`.trim(),
    cfg,
  };
  const results = [];
  for (const c of cfg.clients) {
    log(`== ${c}`);
    const ch = spawn(
      process.execPath,
      [fileURLToPath(import.meta.url), `--worker=${c}`, ...process.argv.slice(2)],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    ch.stdout.on('data', (d) => (out += d));
    const code = await new Promise((r) => ch.on('close', r));
    const line = out.split('\n').find((l) => l.startsWith('RESULT '));
    results.push(line ? JSON.parse(line.slice(7)) : { client: c, error: `worker exited ${code}` });
  }
  let ceil = null;
  if (cfg.ceiling && !cfg.tune) {
    ceil = [];
    for (const [variant, props] of [
      ['defaults', []],
      ['batch.size=512KiB,linger.ms=10', ['batch.size=524288', 'linger.ms=10']],
    ]) {
      log(`== Java ProducerPerformance (${variant})`);
      const c = await ceiling(variant, props);
      log(`  ${c.line || c.stderr}`);
      ceil.push(c);
    }
  }
  const totalSecs = (Date.now() - t0) / 1000;
  if (args.json)
    writeFileSync(
      String(args.json),
      JSON.stringify({ meta, results, ceiling: ceil, totalSecs }, null, 2),
    );

  console.log(
    `\nKafka client bake-off — ${meta.date}, node ${meta.node}, ${meta.cpus} CPUs (${meta.cpuModel}), Kafka ${meta.kafka} on ${BOOTSTRAP}`,
  );
  console.log(`command: ${meta.command}   (total ${fmt(totalSecs)} s)\n`);
  if (cfg.tune) {
    for (const r of results) {
      console.log(`${r.client} ${r.version}`);
      console.log(
        table(
          ['batch', 'concurrency', 'msg/s', 'MB/s', 'stored'],
          (r.tune ?? []).map((t) => [t.batch, t.concurrency, fmt(t.eps), fmt(t.mbps, 1), t.stored]),
        ),
      );
    }
    return;
  }
  const rows = results.map((r) => [
    `${r.client} ${r.version}`,
    `${r.tuning?.batch}/${r.tuning?.concurrency}`,
    `${fmt(r.produce?.eps)} (${fmt(r.produce?.min)}–${fmt(r.produce?.max)})`,
    fmt(r.produce?.mbps, 1),
    `${fmt(r.consume?.eps)} (${fmt(r.consume?.min)}–${fmt(r.consume?.max)})`,
    fmt(r.latency?.p50, 1),
    fmt(r.latency?.p99, 1),
    fmt(r.latency?.max, 1),
  ]);
  for (const c of ceil ?? [])
    rows.push([
      `Java ProducerPerformance ${meta.kafka} (1 run)`,
      c.variant,
      fmt(c.eps),
      fmt(c.mbps, 1),
      '-',
      '-',
      '-',
      '-',
    ]);
  console.log(
    `Throughput: ${cfg.messages} x ${cfg.size} B, ${cfg.keys} keys, idempotent, acks=all, no compression, 3 partitions; median (min–max) of ${cfg.repeat} runs`,
  );
  console.log(
    `Latency: ${cfg.rate} msg/s for ${cfg.rateSeconds} s, payload timestamp -> consumer callback (ms); per-percentile median of ${cfg.repeat} runs\n`,
  );
  console.log(
    table(
      [
        'client',
        'batch/conc',
        'produce msg/s',
        'produce MB/s',
        'consume msg/s',
        'e2e p50',
        'e2e p99',
        'e2e max',
      ],
      rows,
    ),
  );
  if (results.some((r) => r.restart)) {
    console.log(
      `\nBroker restart under load: ${cfg.restartMessages} keyed msgs at ${cfg.restartRate}/s, 'scripts/kafka.sh restart' after 30%\n`,
    );
    console.log(
      table(
        [
          'client',
          'acked',
          'stored',
          'lost(acked)',
          'dup in log',
          'per-key order',
          'app retries',
          'live: missing',
          'live: redelivered',
          'live: longest stall ms',
          'live: 1st msg after broker up ms',
          'live: crashes',
        ],
        results
          .filter((r) => r.restart)
          .map((r) => [
            r.client,
            r.restart.acked,
            r.restart.stored,
            r.restart.lostAcked,
            r.restart.dupInLog,
            r.restart.perKeyOrderHeld ? 'held' : `BROKEN (${r.restart.orderViolations})`,
            r.restart.appRetries,
            r.restart.live.missing,
            r.restart.live.redelivered,
            r.restart.live.maxGapMs,
            r.restart.live.firstAfterBrokerUpMs ?? 'never',
            r.restart.live.crashes,
          ]),
      ),
    );
    for (const r of results.filter((r) => r.restart)) {
      console.log(
        `\n${r.client}: restart took ${r.restart.restartMs} ms; producer errors seen by the app:`,
      );
      for (const [k, v] of Object.entries(r.restart.appErrorKinds)) console.log(`   ${v} x ${k}`);
      if (r.restart.live.errors.length)
        console.log(`  live consumer errors: ${r.restart.live.errors.join(' | ')}`);
      if (Object.keys(r.clientLog ?? {}).length)
        console.log(
          `  client log (WARN/ERROR counts): ${JSON.stringify(r.clientLog).slice(0, 600)}`,
        );
    }
  }
  for (const r of results) {
    if (Object.keys(r.processWarnings ?? {}).length)
      console.log(`\n${r.client} process warnings: ${JSON.stringify(r.processWarnings)}`);
    if (r.error) console.log(`\n${r.client} ERROR: ${r.error}`);
  }
  for (const c of ceil ?? []) console.log(`\nceiling (${c.variant}): ${c.command}\n  ${c.line}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
