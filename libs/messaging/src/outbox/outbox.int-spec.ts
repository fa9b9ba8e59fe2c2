import { randomUUID } from 'node:crypto';
import { create, decode, keyOf, Topics } from '@telcomesh/contracts';
import { initTracing, inSpan } from '@telcomesh/observability';
import { DataSource } from 'typeorm';
import { EmbeddedBus } from '../embedded/embedded-bus';
import { Header, readEnvelope } from '../envelope';
import { Inbox } from '../inbox/inbox';
import { MessagingTables1763800000000 } from '../messaging-tables.migration';
import { eventually } from '../testing/transport-contract';
import type {
  InboundRecord,
  MessageTransport,
  OutboundRecord,
  PartitionLag,
  Subscription,
} from '../transport';
import { EventOutbox } from './event-outbox';
import { Outbox, OutboxRelay } from './outbox';

/* The transactional outbox against the machine's PostgreSQL (this run's throwaway database), each
   test in its own schema, with a recording transport or the embedded bus behind the relay. */

const text = new TextEncoder();
const untext = new TextDecoder();
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function databaseUrl(): string {
  const url = process.env.TEST_DATABASE_URL;
  if (!url) throw new Error('TEST_DATABASE_URL is not set (run with jest.int.config.js)');
  return url;
}

let schemaCount = 0;
const runTag = randomUUID().slice(0, 8);

/** A data source of one service schema, as a replica would open it (migrations already applied is fine). */
async function openSchema(schema: string): Promise<DataSource> {
  const ds = new DataSource({
    type: 'postgres',
    url: databaseUrl(),
    schema,
    migrations: [MessagingTables1763800000000],
    migrationsTableName: 'migrations',
    synchronize: false,
    logging: false,
    extra: { max: 6 },
  });
  await ds.initialize();
  return ds;
}

async function newServiceSchema(): Promise<{ schema: string; ds: DataSource }> {
  const schema = `outbox_${runTag}_${schemaCount++}`.replace(/-/g, '_');
  const ds = await openSchema(schema);
  await ds.query(`CREATE SCHEMA "${schema}"`);
  await ds.runMigrations({ transaction: 'each' });
  return { schema, ds };
}

interface Body {
  key: string;
  seq: number;
}

function record(topic: string, key: string, seq: number, id = `${key}:${seq}`): OutboundRecord {
  return {
    topic,
    key,
    value: text.encode(JSON.stringify({ key, seq })),
    headers: { [Header.id]: id },
  };
}

function bodyOf(value: Uint8Array): Body {
  return JSON.parse(untext.decode(value)) as Body;
}

/** seq numbers per key, in the order they were published. */
function perKey(records: { key: string; value: Uint8Array }[]): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const r of records) (out[r.key] ??= []).push(bodyOf(r.value).seq);
  return out;
}

/** A transport that records what the relay hands it, and can fail before or after "the broker" accepts. */
class RecordingTransport implements MessageTransport {
  readonly kind = 'embedded' as const;
  readonly published: OutboundRecord[] = [];
  calls = 0;
  fail: 'before-accept' | 'after-accept' | undefined;
  /** Up to this many ms of simulated broker latency per publish. */
  maxLatencyMs = 0;

  ensureTopics(): Promise<void> {
    return Promise.resolve();
  }

  /** Publish calls in progress right now, and the most ever seen at once. */
  private inFlight = 0;
  maxInFlight = 0;

  async publish(records: OutboundRecord[]): Promise<void> {
    this.calls++;
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      if (this.fail === 'before-accept') throw new Error('broker unavailable');
      if (this.maxLatencyMs > 0) await sleep(Math.random() * this.maxLatencyMs);
      this.published.push(
        ...records.map((r) => ({
          ...r,
          value: Uint8Array.from(r.value),
          headers: { ...r.headers },
        })),
      );
      if (this.fail === 'after-accept') throw new Error('connection lost before the ack');
    } finally {
      this.inFlight--;
    }
  }

  subscribe(): Promise<Subscription> {
    return Promise.reject(new Error('RecordingTransport cannot subscribe'));
  }

  groupLag(): Promise<PartitionLag[]> {
    return Promise.resolve([]);
  }

  ping(): Promise<void> {
    return Promise.resolve();
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** The embedded bus, except that the relay "crashes" after the bus accepted a batch (before its DELETE commits). */
class CrashingBus extends EmbeddedBus {
  crashes = 0;

  override async publish(records: OutboundRecord[]): Promise<void> {
    await super.publish(records);
    if (this.crashes > 0) {
      this.crashes--;
      throw new Error('crashed before commit');
    }
  }
}

describe('transactional outbox and relay (PostgreSQL)', () => {
  const cleanups: (() => Promise<void>)[] = [];

  beforeAll(() => {
    initTracing('test');
  });

  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function setup(): Promise<{ schema: string; ds: DataSource; outbox: Outbox }> {
    const { schema, ds } = await newServiceSchema();
    cleanups.push(() => ds.destroy());
    return { schema, ds, outbox: new Outbox(ds) };
  }

  function relayOf(
    outbox: Outbox,
    transport: MessageTransport,
    batchSize = 100,
    pollIntervalMs = 20,
  ): OutboxRelay {
    const relay = new OutboxRelay(outbox, transport, {
      sharedServer: true,
      batchSize,
      pollIntervalMs,
    });
    cleanups.push(() => relay.stop());
    return relay;
  }

  it('publishes nothing from a rolled-back transaction', async () => {
    const { ds, outbox } = await setup();
    const transport = new RecordingTransport();
    const relay = relayOf(outbox, transport);

    await expect(
      ds.transaction(async (manager) => {
        await outbox.enqueue(manager, [record('t.v1', 'k', 0), record('t.v1', 'k', 1)]);
        throw new Error('state change failed');
      }),
    ).rejects.toThrow('state change failed');

    expect(await outbox.backlog()).toBe(0);
    expect(await relay.drain()).toBe(0);
    expect(transport.published).toEqual([]);

    // The relay itself works: a committed record goes out.
    await ds.transaction((manager) => outbox.enqueue(manager, [record('t.v1', 'k', 2)]));
    expect(await relay.drain()).toBe(1);
    expect(transport.published.map((r) => bodyOf(r.value).seq)).toEqual([2]);
  });

  it('publishes committed rows in id order, keeping per-key order, and deletes them', async () => {
    const { ds, outbox } = await setup();
    const transport = new RecordingTransport();
    const relay = relayOf(outbox, transport, 7);

    const expected: OutboundRecord[] = [];
    for (let tx = 0; tx < 12; tx++) {
      const batch = ['site-a', 'site-b', 'site-c'].flatMap((key) =>
        [0, 1].map((i) => record('t.v1', key, tx * 2 + i)),
      );
      expected.push(...batch);
      await ds.transaction((manager) => outbox.enqueue(manager, batch));
    }
    expect(await outbox.backlog()).toBe(72);

    expect(await relay.drain()).toBe(72);
    expect(await outbox.backlog()).toBe(0);
    expect(transport.published.map((r) => r.headers[Header.id])).toEqual(
      expected.map((r) => r.headers[Header.id]),
    );
    expect(transport.published[0]).toEqual(expected[0]);
    const order = Array.from({ length: 24 }, (_, i) => i);
    expect(perKey(transport.published)).toEqual({
      'site-a': order,
      'site-b': order,
      'site-c': order,
    });
    // 72 rows in batches of 7.
    expect(transport.calls).toBe(11);
  });

  it('keeps rows when publish throws and publishes them on the next attempt; error is set, then cleared', async () => {
    const { ds, outbox } = await setup();
    const transport = new RecordingTransport();
    const relay = relayOf(outbox, transport, 50);
    const batch = Array.from({ length: 30 }, (_, i) => record('t.v1', `k${i % 3}`, i));
    await ds.transaction((manager) => outbox.enqueue(manager, batch));

    transport.fail = 'before-accept';
    await expect(relay.drain()).rejects.toThrow('broker unavailable');
    expect(await outbox.backlog()).toBe(30);

    relay.start();
    await eventually(() => relay.error !== undefined, 10_000, 'relay.error to be set');
    expect(relay.error?.message).toBe('broker unavailable');
    await eventually(() => transport.calls >= 3, 10_000, 'a retry');
    expect(await outbox.backlog()).toBe(30);
    expect(transport.published).toEqual([]);

    transport.fail = undefined;
    await eventually(
      async () => (await outbox.backlog()) === 0 && relay.error === undefined,
      15_000,
      'recovery',
    );
    expect(relay.error).toBeUndefined();
    expect(transport.published.map((r) => r.headers[Header.id])).toEqual(
      batch.map((r) => r.headers[Header.id]),
    );
  });

  it('republishes after a crash between publish and delete with the same ce_id, and the inbox dedupes', async () => {
    const { schema, ds, outbox } = await setup();
    await ds.query(`CREATE TABLE "${schema}"."effects" ("event_id" TEXT NOT NULL)`);
    const bus = new CrashingBus({ redeliveryDelayMs: 10 });
    cleanups.push(() => bus.close());
    bus.crashes = 1;
    const relay = relayOf(outbox, bus, 100);
    const topic = 'orders.placed.v1';
    const events = Array.from({ length: 20 }, (_, i) =>
      record(topic, `site-${i % 4}`, i, randomUUID()),
    );
    await ds.transaction((manager) => outbox.enqueue(manager, events));

    await expect(relay.drain()).rejects.toThrow('crashed before commit');
    expect(await outbox.backlog()).toBe(20);
    expect(await relay.drain()).toBe(20);
    expect(await outbox.backlog()).toBe(0);

    const inbox = new Inbox(ds);
    const deliveries: InboundRecord[] = [];
    const subscription = await bus.subscribe({
      groupId: 'billing',
      topics: [topic],
      handler: async (delivered) => {
        await ds.transaction(async (manager) => {
          if (await inbox.claim(manager, 'billing', delivered.headers[Header.id])) {
            await manager.query(`INSERT INTO "${schema}"."effects" ("event_id") VALUES ($1)`, [
              delivered.headers[Header.id],
            ]);
          }
        });
        deliveries.push(delivered);
      },
    });
    cleanups.push(() => subscription.close());
    await eventually(() => deliveries.length >= 40, 15_000, 'both copies of every event');
    await sleep(100);

    // Every event went out twice with the same ce_id, bytes and key...
    expect(deliveries).toHaveLength(40);
    const copies = new Map<string, InboundRecord[]>();
    for (const d of deliveries)
      copies.set(d.headers[Header.id], [...(copies.get(d.headers[Header.id]) ?? []), d]);
    expect([...copies.keys()].sort()).toEqual(events.map((e) => e.headers[Header.id]).sort());
    for (const [, pair] of copies) {
      expect(pair).toHaveLength(2);
      expect(pair[1].key).toBe(pair[0].key);
      expect(Buffer.from(pair[1].value).equals(Buffer.from(pair[0].value))).toBe(true);
    }
    // ...and the consumer applied each exactly once.
    const effects = await ds.query<{ event_id: string; n: number }[]>(
      `SELECT "event_id", count(*)::int AS n FROM "${schema}"."effects" GROUP BY "event_id"`,
    );
    expect(effects).toHaveLength(20);
    expect(effects.every((e) => e.n === 1)).toBe(true);
    for (const e of events) expect(await inbox.seen('billing', e.headers[Header.id])).toBe(true);
  });

  it('two relays on one schema publish 5,000 rows at least once, in per-key order (advisory lock)', async () => {
    const { schema, ds, outbox } = await setup();
    const replicaDs = await openSchema(schema);
    cleanups.push(() => replicaDs.destroy());
    const transport = new RecordingTransport();
    transport.maxLatencyMs = 5;
    const relays = [
      relayOf(outbox, transport, 100, 10),
      relayOf(new Outbox(replicaDs), transport, 100, 10),
    ];

    const keys = Array.from({ length: 10 }, (_, i) => `cell-${i}`);
    const perKeyCount = 500;
    const commit = async (tx: number) => {
      const batch: OutboundRecord[] = [];
      for (let i = 0; i < 10; i++)
        for (const key of keys) batch.push(record('t.v1', key, tx * 10 + i));
      await ds.transaction((manager) => outbox.enqueue(manager, batch));
    };
    // Half the rows wait in the outbox when both relays start; the rest commit while they run.
    for (let tx = 0; tx < 25; tx++) await commit(tx);
    relays.forEach((relay) => relay.start());
    for (let tx = 25; tx < 50; tx++) {
      await commit(tx);
      relays[tx % 2].kick();
    }

    await eventually(async () => (await outbox.backlog()) === 0, 60_000, 'the outbox to drain');
    await Promise.all(relays.map((relay) => relay.stop()));

    expect(transport.published.length).toBeGreaterThanOrEqual(5000);
    const ids = new Set(transport.published.map((r) => r.headers[Header.id]));
    expect(ids.size).toBe(5000);
    // No failure happened, so nothing is published twice; and each key's records went out in order.
    expect(transport.published).toHaveLength(5000);
    const order = Array.from({ length: perKeyCount }, (_, i) => i);
    expect(perKey(transport.published)).toEqual(
      Object.fromEntries(keys.map((key) => [key, order])),
    );
    expect(relays.map((relay) => relay.error)).toEqual([undefined, undefined]);
    // One relay at a time held the lock while publishing.
    expect(transport.maxInFlight).toBe(1);
  });

  it('EventOutbox.stage writes a valid envelope (ce_id, ce_type from the registry, traceparent) and wakes the relay', async () => {
    const { outbox } = await setup();
    const transport = new RecordingTransport();
    // A poll interval far beyond the test: only the commit notification can make it publish.
    const relay = relayOf(outbox, transport, 100, 600_000);
    relay.start();
    await sleep(50);
    const events = new EventOutbox(outbox, '/telcomesh/ingestor');
    const topic = Topics.TelemetryEvents;
    const message = create(topic, {
      eventId: 'evt-1',
      tenantId: 'tenant-1',
      siteId: 'site-42',
      title: 'Mains failure',
    });

    const { ceId, traceId, spanId } = await inSpan('alarm intake', {}, async (span) => {
      const id = await events.transaction((manager) =>
        events.stage(manager, topic, message, { tenant: 'tenant-1' }),
      );
      return { ceId: id, traceId: span.spanContext().traceId, spanId: span.spanContext().spanId };
    });
    const untraced = await events.transaction((manager) => events.stage(manager, topic, message));

    await eventually(
      () => transport.published.length === 2,
      10_000,
      'the relay to be woken by the commit',
    );
    const [traced, plain] = transport.published;

    expect(traced.topic).toBe(topic.name);
    expect(traced.key).toBe(keyOf(topic, message));
    expect(traced.key).toBe('site-42');
    expect(decode(topic, traced.value)).toEqual(message);
    expect(traced.headers[Header.id]).toBe(ceId);
    expect(ceId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(traced.headers).toMatchObject({
      ce_type: topic.ceType,
      ce_source: '/telcomesh/ingestor',
      ce_specversion: '1.0',
      'content-type': 'application/protobuf',
      ce_tenant: 'tenant-1',
      traceparent: `00-${traceId}-${spanId}-01`,
    });
    expect(topic.ceType).toBe('telcomesh.telemetry.event.v1');
    expect(() => readEnvelope(topic, traced.headers)).not.toThrow();
    expect(Date.parse(traced.headers[Header.time])).not.toBeNaN();

    expect(plain.headers[Header.id]).toBe(untraced);
    expect(untraced).not.toBe(ceId);
    expect(plain.headers.traceparent).toBeUndefined();
    expect(plain.headers.ce_tenant).toBeUndefined();
    expect(() => readEnvelope(topic, plain.headers)).not.toThrow();
    expect(await outbox.backlog()).toBe(0);
  });
});
