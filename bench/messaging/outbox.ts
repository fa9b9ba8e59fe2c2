/** Scenario 2: transactional outbox rows in PostgreSQL, published to Kafka by OutboxRelay. */
import {
  KafkaTransport,
  MessagingTables1763800000000,
  Outbox,
  OutboxRelay,
  type Subscription,
} from '@telcomesh/messaging';
import { createServiceDataSource, openServiceDatabase } from '@telcomesh/persistence';
import type { DataSource } from 'typeorm';
import {
  type PostgresTarget,
  type TopicJanitor,
  createThrowawayDatabase,
  dropDatabase,
  postgresUrl,
} from './environment';
import { type MemoryPeak, MemorySampler, log, perSecond, round } from './stats';
import { TimedTransport } from './timed-transport';
import { type WorkloadShape, Receiver, RecordFactory, warmUp } from './workload';

const SCHEMA = 'bench_outbox';

export interface OutboxScenarioOptions {
  brokers: string[];
  pg: PostgresTarget;
  shape: WorkloadShape;
  partitions: number;
  rows: number;
  /** Rows per inserting transaction (a service's unit of work). */
  txRows: number;
  /** Concurrent inserting transactions. */
  writers: number;
  relayBatches: number[];
  /** Rows for the insert-while-relaying run; 0 skips it. */
  concurrentRows: number;
  tag: string;
  janitor: TopicJanitor;
  quiet: () => Promise<void>;
  timeoutMs: number;
}

export interface RelayResult {
  batchSize: number;
  rows: number;
  insertMs: number;
  insertRowsPerSec: number;
  relayMs: number;
  relayRowsPerSec: number;
  relayPublishCalls: number;
  /** Share of the relay's time spent inside transport.publish (the rest: Postgres and row decoding). */
  relayPublishSharePct: number;
  /** Relay start → last record consumed. */
  endToEndMs: number;
  endToEndRowsPerSec: number;
  published: number;
  backlogAfter: number;
  received: number;
  missing: number;
  duplicates: number;
  /** Set when the relay threw (e.g. a batch too large for the broker); the rows stay in the outbox. */
  error?: string;
  memory: MemoryPeak;
}

export interface ConcurrentResult {
  batchSize: number;
  rows: number;
  /** First insert → last insert committed. */
  insertMs: number;
  insertRowsPerSec: number;
  /** First insert → last record consumed. */
  endToEndMs: number;
  endToEndRowsPerSec: number;
  maxBacklog: number;
  backlogAfter: number;
  received: number;
  missing: number;
  duplicates: number;
  memory: MemoryPeak;
}

export interface OutboxScenarioResult {
  database: string;
  postgresVersion: string;
  relay: RelayResult[];
  concurrent?: ConcurrentResult;
}

/** Inserts rows 0..n-1 in transactions of `txRows`, `writers` transactions at a time, as services do. */
async function insertRows(
  dataSource: DataSource,
  outbox: Outbox,
  factory: RecordFactory,
  n: number,
  txRows: number,
  writers: number,
  notify: boolean,
): Promise<{ startedAt: number; endedAt: number }> {
  let next = 0;
  const startedAt = performance.now();
  const writer = async () => {
    while (next < n) {
      const from = next;
      const count = Math.min(txRows, n - from);
      next += count;
      const records = factory.batch(from, count);
      await dataSource.transaction((manager) => outbox.enqueue(manager, records));
      if (notify) outbox.notifyCommitted();
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, writers) }, writer));
  return { startedAt, endedAt: performance.now() };
}

async function subscribed(
  transport: KafkaTransport,
  o: OutboxScenarioOptions,
  purpose: string,
  rows: number,
): Promise<{
  topic: string;
  factory: RecordFactory;
  receiver: Receiver;
  subscription: Subscription;
}> {
  const topic = o.janitor.name(purpose, o.tag);
  await transport.ensureTopics([{ name: topic, partitions: o.partitions }]);
  const factory = new RecordFactory(topic, o.shape, 1);
  const receiver = new Receiver(rows, 1, false);
  const subscription = await transport.subscribe({
    groupId: `bench-messaging-${o.tag}-${purpose}`,
    topics: [topic],
    handler: receiver.handler,
    fromBeginning: true,
  });
  await warmUp(transport, factory, receiver);
  return { topic, factory, receiver, subscription };
}

/** Kafka client errors nest (MultipleErrors → ResponseError → ProtocolError): collect the broker codes. */
export function describeError(error: unknown): string {
  const codes = new Set<string>();
  const walk = (e: unknown, depth: number) => {
    if (depth > 6 || typeof e !== 'object' || e === null) return;
    const { apiId, errors } = e as { apiId?: unknown; errors?: unknown };
    if (typeof apiId === 'string') codes.add(apiId);
    if (Array.isArray(errors)) for (const inner of errors) walk(inner, depth + 1);
  };
  walk(error, 0);
  const message = error instanceof Error ? error.message : String(error);
  return codes.size ? `${message} [${[...codes].join(', ')}]` : message;
}

async function relayRun(
  dataSource: DataSource,
  outbox: Outbox,
  o: OutboxScenarioOptions,
  batchSize: number,
): Promise<RelayResult> {
  // A fresh producer per run: a failed send can leave an idempotent producer's sequence state behind.
  const transport = await new KafkaTransport({
    brokers: o.brokers,
    clientId: `bench-messaging-outbox-${o.tag}-b${batchSize}`,
  }).connect();
  const { factory, receiver, subscription } = await subscribed(
    transport,
    o,
    `outbox-b${batchSize}`,
    o.rows,
  );
  try {
    await o.quiet();
    log(`outbox: inserting ${o.rows.toLocaleString()} rows (${o.txRows}/tx, ${o.writers} writers)`);
    const memory = MemorySampler.begin();
    const inserted = await insertRows(
      dataSource,
      outbox,
      factory,
      o.rows,
      o.txRows,
      o.writers,
      false,
    );
    const insertMs = inserted.endedAt - inserted.startedAt;
    log(
      `outbox: ${perSecond(o.rows, insertMs).toLocaleString()} rows/s inserted; relaying with batchSize ${batchSize}`,
    );
    await dataSource.query(`ANALYZE "${SCHEMA}"."outbox"`);
    await o.quiet();
    const timed = new TimedTransport(transport);
    const relay = new OutboxRelay(outbox, timed, { batchSize, sharedServer: true });
    const relayStart = performance.now();
    let error: string | undefined;
    try {
      await relay.drain();
    } catch (e) {
      error = describeError(e);
      log(`outbox: relay with batchSize ${batchSize} FAILED: ${error}`);
    }
    const relayMs = performance.now() - relayStart;
    const backlogAfter = await outbox.backlog();
    const published = o.rows - backlogAfter;
    const complete = error ? false : await receiver.all(o.timeoutMs);
    const mem = memory.stop();
    await new Promise((r) => setTimeout(r, 500));
    const endToEndMs = receiver.lastAt - relayStart;
    if (backlogAfter > 0) await dataSource.query(`TRUNCATE "${SCHEMA}"."outbox"`);
    const result: RelayResult = {
      batchSize,
      rows: o.rows,
      insertMs: round(insertMs, 1),
      insertRowsPerSec: perSecond(o.rows, insertMs),
      relayMs: round(relayMs, 1),
      relayRowsPerSec: error ? Number.NaN : perSecond(published, relayMs),
      relayPublishCalls: timed.publishCalls,
      relayPublishSharePct: round((100 * timed.publishMs) / relayMs, 0),
      endToEndMs: round(endToEndMs, 1),
      endToEndRowsPerSec: complete ? perSecond(o.rows, endToEndMs) : Number.NaN,
      published,
      backlogAfter,
      received: receiver.unique,
      missing: receiver.missing,
      duplicates: receiver.duplicates,
      error,
      memory: mem,
    };
    log(
      `outbox: relay ${result.relayRowsPerSec.toLocaleString()} rows/s (batch ${batchSize}), backlog after ${backlogAfter}, missing ${result.missing}, dup ${result.duplicates}`,
    );
    return result;
  } finally {
    await subscription.close();
    await transport.close();
  }
}

/** Writers insert while a started relay (woken by notifyCommitted) publishes: the steady-state path. */
async function concurrentRun(
  dataSource: DataSource,
  outbox: Outbox,
  transport: KafkaTransport,
  o: OutboxScenarioOptions,
  batchSize: number,
): Promise<ConcurrentResult> {
  const rows = o.concurrentRows;
  const { factory, receiver, subscription } = await subscribed(
    transport,
    o,
    `outbox-live-b${batchSize}`,
    rows,
  );
  const relay = new OutboxRelay(outbox, transport, {
    batchSize,
    sharedServer: true,
    pollIntervalMs: 100,
  });
  let maxBacklog = 0;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      maxBacklog = Math.max(maxBacklog, await outbox.backlog());
      await new Promise((r) => setTimeout(r, 250));
    }
  })();
  try {
    await o.quiet();
    log(
      `outbox: ${rows.toLocaleString()} rows inserted while the relay runs (batchSize ${batchSize})`,
    );
    const memory = MemorySampler.begin();
    relay.start();
    const inserted = await insertRows(dataSource, outbox, factory, rows, o.txRows, o.writers, true);
    const complete = await receiver.all(o.timeoutMs);
    const mem = memory.stop();
    const endToEndMs = receiver.lastAt - inserted.startedAt;
    await new Promise((r) => setTimeout(r, 500));
    sampling = false;
    await sampler;
    await relay.stop();
    const insertMs = inserted.endedAt - inserted.startedAt;
    const result: ConcurrentResult = {
      batchSize,
      rows,
      insertMs: round(insertMs, 1),
      insertRowsPerSec: perSecond(rows, insertMs),
      endToEndMs: round(endToEndMs, 1),
      endToEndRowsPerSec: complete ? perSecond(rows, endToEndMs) : Number.NaN,
      maxBacklog,
      backlogAfter: await outbox.backlog(),
      received: receiver.unique,
      missing: receiver.missing,
      duplicates: receiver.duplicates,
      memory: mem,
    };
    log(
      `outbox: insert+relay ${result.endToEndRowsPerSec.toLocaleString()} rows/s end to end, max backlog ${maxBacklog}`,
    );
    return result;
  } finally {
    sampling = false;
    await sampler;
    await relay.stop();
    await subscription.close();
  }
}

export async function runOutboxScenario(o: OutboxScenarioOptions): Promise<OutboxScenarioResult> {
  const { database, version } = await createThrowawayDatabase(o.pg);
  log(`outbox: database ${database} (PostgreSQL ${version})`);
  let dataSource: DataSource | undefined;
  let transport: KafkaTransport | undefined;
  try {
    dataSource = createServiceDataSource({
      service: 'bench-outbox',
      schema: SCHEMA,
      databaseUrl: postgresUrl(o.pg, database),
      entities: [],
      migrations: [MessagingTables1763800000000],
      poolSize: o.writers + 4,
    });
    await openServiceDatabase(dataSource);
    const outbox = new Outbox(dataSource);
    transport = await new KafkaTransport({
      brokers: o.brokers,
      clientId: `bench-messaging-outbox-${o.tag}`,
    }).connect();
    const relay: RelayResult[] = [];
    for (const batchSize of o.relayBatches)
      relay.push(await relayRun(dataSource, outbox, o, batchSize));
    const concurrent =
      o.concurrentRows > 0
        ? await concurrentRun(
            dataSource,
            outbox,
            transport,
            o,
            relay.find((r) => !r.error)?.batchSize ?? 1000,
          )
        : undefined;
    return { database, postgresVersion: version, relay, concurrent };
  } finally {
    await transport?.close();
    if (dataSource?.isInitialized) await dataSource.destroy();
    await dropDatabase(o.pg, database);
    log(`outbox: dropped ${database}`);
  }
}
