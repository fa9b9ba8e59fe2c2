/* The transport contract every MessageTransport adapter must pass; run by the embedded bus spec
   and by the Kafka integration suite. Not exported from the lib's index. */
import { randomUUID } from 'node:crypto';
import { Header, envelopeHeaders } from '../envelope';
import { EventConsumer } from '../event-consumer';
import type { EventCodec } from '../event-codec';
import type { InboundRecord, MessageTransport, OutboundRecord, Subscription } from '../transport';

export interface TransportUnderTest {
  transport: MessageTransport;
  /** Makes topic names unique per test run so runs never see each other's records. */
  topic(name: string): string;
}

export async function eventually(
  check: () => boolean | Promise<boolean>,
  timeoutMs = 60_000,
  what = 'condition',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

const text = new TextEncoder();
const untext = new TextDecoder();

function record(
  topic: string,
  key: string,
  body: string,
  headers: Record<string, string> = {},
): OutboundRecord {
  return { topic, key, value: text.encode(body), headers };
}

/** A codec over JSON so the contract does not depend on any one schema. */
function jsonCodec(topic: string): EventCodec<{ n: number; poison?: boolean }> {
  return {
    topic,
    ceType: 'telcomesh.test.v1',
    encode: (m) => text.encode(JSON.stringify(m)),
    decode: (bytes) => {
      const parsed = JSON.parse(untext.decode(bytes)) as { n: number };
      if (typeof parsed.n !== 'number') throw new Error('field n must be a number');
      return parsed;
    },
    keyOf: (m) => String(m.n % 4),
  };
}

export function describeTransportContract(
  name: string,
  setup: () => Promise<TransportUnderTest>,
  teardown: () => Promise<void>,
): void {
  describe(`${name}: transport contract`, () => {
    let t: TransportUnderTest;
    const open: Subscription[] = [];

    beforeAll(async () => {
      t = await setup();
    });
    afterEach(async () => {
      await Promise.all(open.splice(0).map((s) => s.close()));
    });
    afterAll(async () => {
      await teardown();
    });

    it('hands records of one key to the handler in publish order', async () => {
      const topic = t.topic('order');
      await t.transport.ensureTopics([{ name: topic, partitions: 3 }]);
      const keys = ['site-a', 'site-b', 'site-c', 'site-d'];
      const perKey = 250;
      const batch: OutboundRecord[] = [];
      for (let i = 0; i < perKey; i++)
        for (const key of keys) batch.push(record(topic, key, `${key}:${i}`));
      await t.transport.publish(batch);
      const seen = new Map<string, number[]>();
      open.push(
        await t.transport.subscribe({
          groupId: `g-${randomUUID()}`,
          topics: [topic],
          handler: async (r) => {
            const [key, seq] = untext.decode(r.value).split(':');
            expect(r.key).toBe(key);
            seen.set(key, [...(seen.get(key) ?? []), Number(seq)]);
          },
        }),
      );
      await eventually(
        () => [...seen.values()].reduce((s, v) => s + v.length, 0) >= keys.length * perKey,
        60_000,
        'all records',
      );
      for (const key of keys) {
        expect(seen.get(key)).toEqual(Array.from({ length: perKey }, (_, i) => i));
      }
    });

    it('keeps every record of concurrent publish calls', async () => {
      const topic = t.topic('concurrent');
      await t.transport.ensureTopics([{ name: topic, partitions: 3 }]);
      const seen = new Set<string>();
      open.push(
        await t.transport.subscribe({
          groupId: `g-${randomUUID()}`,
          topics: [topic],
          handler: async (r) => void seen.add(untext.decode(r.value)),
        }),
      );
      await Promise.all(
        Array.from({ length: 5 }, (_, call) =>
          t.transport.publish(
            Array.from({ length: 100 }, (_, i) => record(topic, `k${i % 7}`, `${call}:${i}`)),
          ),
        ),
      );
      await eventually(() => seen.size >= 500, 60_000, '500 records');
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(seen.size).toBe(500);
    });

    it('accepts one publish larger than a broker batch for a single hot key, in order', async () => {
      const topic = t.topic('hotkey');
      await t.transport.ensureTopics([{ name: topic, partitions: 3 }]);
      const filler = 'x'.repeat(1024);
      await t.transport.publish(
        Array.from({ length: 3000 }, (_, i) => record(topic, 'site-hot', `${i}:${filler}`)),
      );
      const seen: number[] = [];
      open.push(
        await t.transport.subscribe({
          groupId: `g-${randomUUID()}`,
          topics: [topic],
          handler: async (r) => void seen.push(Number(untext.decode(r.value).split(':')[0])),
        }),
      );
      await eventually(() => seen.length >= 3000, 60_000, '3000 records');
      expect(seen).toEqual(Array.from({ length: 3000 }, (_, i) => i));
    });

    it('redelivers a record whose handler failed, before anything after it in the partition', async () => {
      const topic = t.topic('redeliver');
      await t.transport.ensureTopics([{ name: topic, partitions: 1 }]);
      await t.transport.publish([1, 2, 3].map((n) => record(topic, 'k', String(n))));
      const calls: string[] = [];
      let failuresLeft = 2;
      open.push(
        await t.transport.subscribe({
          groupId: `g-${randomUUID()}`,
          topics: [topic],
          handler: async (r: InboundRecord) => {
            const body = untext.decode(r.value);
            calls.push(body);
            if (body === '2' && failuresLeft > 0) {
              failuresLeft--;
              throw new Error('transient');
            }
          },
        }),
      );
      await eventually(() => calls.includes('3'), 60_000, 'record 3');
      expect(calls).toEqual(['1', '2', '2', '2', '3']);
    });

    it('resumes a group from its committed offset: nothing handled twice, nothing skipped', async () => {
      const topic = t.topic('resume');
      const groupId = `g-${randomUUID()}`;
      await t.transport.ensureTopics([{ name: topic, partitions: 2 }]);
      await t.transport.publish(
        Array.from({ length: 100 }, (_, i) => record(topic, `k${i % 5}`, String(i))),
      );
      const first = new Set<string>();
      const sub = await t.transport.subscribe({
        groupId,
        topics: [topic],
        handler: async (r) => void first.add(untext.decode(r.value)),
      });
      await eventually(() => first.size === 100, 60_000, 'first 100');
      await sub.close();
      await t.transport.publish(
        Array.from({ length: 50 }, (_, i) => record(topic, `k${i % 5}`, String(100 + i))),
      );
      const second: string[] = [];
      open.push(
        await t.transport.subscribe({
          groupId,
          topics: [topic],
          handler: async (r) => void second.push(untext.decode(r.value)),
        }),
      );
      await eventually(() => second.length >= 50, 60_000, 'next 50');
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(second.map(Number).sort((a, b) => a - b)).toEqual(
        Array.from({ length: 50 }, (_, i) => 100 + i),
      );
    });

    it('splits partitions across members of a group; another group sees everything', async () => {
      const topic = t.topic('split');
      await t.transport.ensureTopics([{ name: topic, partitions: 6 }]);
      const groupId = `g-${randomUUID()}`;
      const byMember: [Set<string>, Set<string>] = [new Set(), new Set()];
      const partitionsOf: [Set<number>, Set<number>] = [new Set(), new Set()];
      for (const i of [0, 1] as const) {
        open.push(
          await t.transport.subscribe({
            groupId,
            topics: [topic],
            handler: async (r) => {
              byMember[i].add(untext.decode(r.value));
              partitionsOf[i].add(r.partition);
            },
          }),
        );
      }
      // Let the group settle before producing, so assignment is stable.
      await new Promise((resolve) => setTimeout(resolve, t.transport.kind === 'kafka' ? 4000 : 50));
      const other = new Set<string>();
      open.push(
        await t.transport.subscribe({
          groupId: `g-${randomUUID()}`,
          topics: [topic],
          handler: async (r) => void other.add(untext.decode(r.value)),
        }),
      );
      await t.transport.publish(
        Array.from({ length: 600 }, (_, i) => record(topic, `site-${i}`, String(i))),
      );
      await eventually(
        () => byMember[0].size + byMember[1].size >= 600 && other.size >= 600,
        90_000,
        'split delivery',
      );
      expect(byMember[0].size).toBeGreaterThan(0);
      expect(byMember[1].size).toBeGreaterThan(0);
      for (const p of partitionsOf[0]) expect(partitionsOf[1].has(p)).toBe(false);
      expect(new Set([...byMember[0], ...byMember[1]]).size).toBe(600);
      expect(other.size).toBe(600);
    });

    it('sends poison to <topic>.dlq with reason and original bytes, and keeps consuming', async () => {
      const topic = t.topic('poison');
      const dlq = `${topic}.dlq`;
      await t.transport.ensureTopics([
        { name: topic, partitions: 1 },
        { name: dlq, partitions: 1 },
      ]);
      const codec = jsonCodec(topic);
      const env = () =>
        envelopeHeaders(
          { name: topic, ceType: codec.ceType },
          { source: '/telcomesh/contract-test', tenant: 't1' },
        );
      const handled: number[] = [];
      const consumer = new EventConsumer({
        transport: t.transport,
        codec,
        groupId: `g-${randomUUID()}`,
        maxRetries: 2,
        retryBaseDelayMs: 10,
        handle: async (event) => {
          if (event.poison) throw new Error(`cannot handle ${event.n}`);
          handled.push(event.n);
        },
      });
      await consumer.start();
      const garbage = text.encode('{not json');
      await t.transport.publish([
        record(topic, 'k', JSON.stringify({ n: 1 }), env()),
        { topic, key: 'k', value: garbage, headers: env() },
        record(topic, 'k', JSON.stringify({ n: 2, poison: true }), env()),
        record(topic, 'k', JSON.stringify({ n: 3 }), {}),
        record(topic, 'k', JSON.stringify({ n: 4 }), env()),
      ]);
      const dead: InboundRecord[] = [];
      open.push(
        await t.transport.subscribe({
          groupId: `g-${randomUUID()}`,
          topics: [dlq],
          handler: async (r) => void dead.push(r),
        }),
      );
      await eventually(() => handled.includes(4) && dead.length >= 3, 60_000, 'dlq records');
      await consumer.stop();
      expect(handled).toEqual([1, 4]);
      expect(dead).toHaveLength(3);
      expect(Buffer.from(dead[0].value).equals(Buffer.from(garbage))).toBe(true);
      expect(dead[0].headers[Header.dlqReason]).toMatch(/^DECODE_FAILED: .*JSON/);
      expect(dead[0].headers[Header.dlqOriginalTopic]).toBe(topic);
      expect(dead[1].headers[Header.dlqReason]).toBe('RETRIES_EXHAUSTED: Error: cannot handle 2');
      expect(dead[1].headers[Header.retryCount]).toBe('2');
      expect(dead[2].headers[Header.dlqReason]).toMatch(/^INVALID_ENVELOPE: .*ce_id is missing/);
    });
  });
}
