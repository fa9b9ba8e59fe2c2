/*
 * No loss across a broker restart under load: a producer keeps publishing keyed, numbered records
 * (retrying a failed batch, as the outbox relay does) while the broker is stopped and started;
 * a consumer group keeps consuming through it. Every record must arrive, per-key order must hold;
 * duplicates are allowed (at-least-once) and reported.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { KafkaTransport } from './kafka-transport';
import type { OutboundRecord } from '../transport';

const run = promisify(execFile);
const TOTAL = 20_000;
const BATCH = 100;
const KEYS = 50;

describe('kafka: broker restart under load', () => {
  let producer: KafkaTransport;
  let consumer: KafkaTransport;

  afterAll(async () => {
    await Promise.allSettled([producer?.close(), consumer?.close()]);
    await run('bash', ['scripts/kafka.sh', 'start']); // leave a running broker whatever happened
  });

  it('loses nothing and keeps per-key order', async () => {
    const brokers = process.env.KAFKA_BROKERS!.split(',');
    const topic = `${process.env.KAFKA_TOPIC_PREFIX}.restart`;
    producer = await new KafkaTransport({ brokers, clientId: 'restart-producer' }).connect();
    consumer = await new KafkaTransport({ brokers, clientId: 'restart-consumer' }).connect();
    await producer.ensureTopics([{ name: topic, partitions: 3 }]);

    const firstSeen = new Map<number, number>(); // seq → times seen
    const orderPerKey = new Map<string, number[]>();
    await consumer.subscribe({
      groupId: `${topic}.group`,
      topics: [topic],
      handler: async (record) => {
        const seq = Number(Buffer.from(record.value).toString('utf8', 0, 10).trim());
        const seen = firstSeen.get(seq) ?? 0;
        firstSeen.set(seq, seen + 1);
        if (seen === 0) orderPerKey.set(record.key, [...(orderPerKey.get(record.key) ?? []), seq]);
      },
    });

    let failedAttempts = 0;
    let restart: Promise<unknown> | undefined;
    for (let start = 0; start < TOTAL; start += BATCH) {
      const batch: OutboundRecord[] = Array.from({ length: BATCH }, (_, i) => {
        const seq = start + i;
        return {
          topic,
          key: `site-${seq % KEYS}`,
          value: Buffer.from(String(seq).padEnd(10) + 'x'.repeat(1014)),
          headers: {},
        };
      });
      for (;;) {
        try {
          await producer.publish(batch);
          break;
        } catch {
          failedAttempts++;
          await new Promise((r) => setTimeout(r, 250));
        }
      }
      if (start === TOTAL / 4)
        restart = run('bash', ['scripts/kafka.sh', 'restart'], { timeout: 180_000 });
    }
    await restart;

    const deadline = Date.now() + 180_000;
    while (firstSeen.size < TOTAL && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 200));
    const missing = Array.from({ length: TOTAL }, (_, i) => i).filter((i) => !firstSeen.has(i));
    const duplicates = [...firstSeen.values()].reduce((n, c) => n + c - 1, 0);
    process.stdout.write(
      `broker restart: ${TOTAL} published (${failedAttempts} failed publish attempts retried), ${missing.length} missing, ${duplicates} duplicates\n`,
    );
    expect(missing).toEqual([]);
    for (const [, seqs] of orderPerKey) {
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    }
  });
});
