/*
 * The slice that proves the foundation: an alarm POSTed to the ingestor's webhook receiver becomes
 * a telemetry.events.v1 event on real Kafka (via the Postgres outbox), the notifier consumes it,
 * routes it and its delivery queue POSTs it to a webhook. The apps run as real processes; the notifier is SIGKILLed mid-stream.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { DlqHeaderNames, Topics } from '@telcomesh/contracts';
import { KafkaTransport, PrefixedTransport, type InboundRecord } from '@telcomesh/messaging';
import {
  generateAlarm,
  startServiceProcess,
  WebhookSink,
  type ServiceProcess,
} from '@telcomesh/testing';

const env = () => ({
  KAFKA_BROKERS: process.env.KAFKA_BROKERS,
  DATABASE_URL: process.env.TEST_DATABASE_URL,
  REDIS_URL: process.env.REDIS_URL,
  KAFKA_TOPIC_PREFIX: `${process.env.KAFKA_TOPIC_PREFIX}-slice`,
  OUTBOX_POLL_INTERVAL_MS: '200',
});

async function eventually(
  check: () => boolean,
  timeoutMs: number,
  what: () => string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function postBatch(
  ingestor: ServiceProcess,
  alarms: unknown[],
): Promise<{ event_id: string }[]> {
  const response = await fetch(`${ingestor.url}/webhooks/oss-e2e/alarms/batch`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ alarms }),
  });
  expect(response.status).toBe(202);
  return (await response.json()) as { event_id: string }[];
}

describe('alarm webhook → telemetry.events.v1 → notifier → webhook (real Kafka, Postgres, Redis)', () => {
  const sink = new WebhookSink();
  let ingestor: ServiceProcess;
  let notifier: ServiceProcess;
  let kafka: PrefixedTransport;

  beforeAll(async () => {
    const url = await sink.start();
    [ingestor, notifier] = await Promise.all([
      startServiceProcess('ingestor', env()),
      startServiceProcess('notifier', { ...env(), NOTIFIER_WEBHOOK_URL: `${url}/hooks` }),
    ]);
    const raw = new KafkaTransport({
      brokers: process.env.KAFKA_BROKERS!.split(','),
      clientId: 'e2e-probe',
    });
    await raw.connect();
    kafka = new PrefixedTransport(raw, env().KAFKA_TOPIC_PREFIX);
  });

  afterAll(async () => {
    await Promise.all([ingestor?.stop(), notifier?.stop()]);
    await kafka?.close();
    await sink.stop();
  });

  it('is ready: database, Kafka and Redis checks are up', async () => {
    for (const service of [ingestor, notifier]) {
      const response = await fetch(`${service.url}/health/ready`);
      const body = (await response.json()) as {
        checks: Record<string, { status: string; kind?: string }>;
      };
      expect(response.status).toBe(200);
      expect(body.checks.database).toMatchObject({ status: 'up', kind: 'postgres' });
      expect(body.checks.bus).toMatchObject({ status: 'up', kind: 'kafka' });
      expect(body.checks.cache).toMatchObject({ status: 'up', kind: 'redis' });
    }
  });

  it('rejects an invalid alarm with a message naming each bad field, and publishes nothing', async () => {
    const response = await fetch(`${ingestor.url}/webhooks/oss-e2e/alarms`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        ...generateAlarm(1),
        severity: 'APOCALYPTIC',
        event_time: 'yesterday',
        extra: 1,
      }),
    });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { message: string[] };
    const text = body.message.join('\n');
    expect(text).toContain('severity must be one of the following values');
    expect(text).toContain('event_time must be a valid ISO 8601 date string');
    expect(text).toContain('property extra should not exist');
  });

  it('carries one trace id across ingestor → Kafka → notifier → webhook', async () => {
    const traceId = randomBytes(16).toString('hex');
    const alarm = generateAlarm(7);
    const response = await fetch(`${ingestor.url}/webhooks/oss-e2e/alarms`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01`,
      },
      body: JSON.stringify(alarm),
    });
    expect(response.status).toBe(202);
    const { event_id } = (await response.json()) as { event_id: string };
    await eventually(
      () => sink.deliveriesOf(event_id) > 0,
      60_000,
      () => `delivery of ${event_id}`,
    );
    const delivered = sink.received.find((r) => r.id === event_id)!;
    expect(delivered.traceparent?.split('-')[1]).toBe(traceId);
    // The webhook integration posts the rendered notification; webhook-id is the event id.
    expect(delivered.body).toMatchObject({
      id: event_id,
      kind: 'alarm',
      site: 'site-007',
      severity: 'warning',
      status: 'firing',
      labels: { alarm_id: 'ALM-7' },
    });
    // The same notification sent again is the same event, not a second one.
    const again = await fetch(`${ingestor.url}/webhooks/oss-e2e/alarms`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(alarm),
    });
    expect(((await again.json()) as { event_id: string }).event_id).toBe(event_id);
  });

  it('can be read without TypeScript: kcat + protoc --decode with proto/ alone', () => {
    const topic = `${env().KAFKA_TOPIC_PREFIX}.${Topics.TelemetryEvents.name}`;
    const decoded = execFileSync(
      'bash',
      [
        '-o',
        'pipefail',
        '-c',
        `kcat -b ${process.env.KAFKA_BROKERS} -C -t ${topic} -o beginning -c 1 -e -f '%s' | ` +
          'protoc --proto_path=proto --decode=telcomesh.telemetry.v1.NetworkEvent telcomesh/telemetry/v1/events.proto',
      ],
      { encoding: 'utf8', timeout: 60_000 },
    );
    expect(decoded).toMatch(/event_type: NETWORK_EVENT_TYPE_ALARM/);
    expect(decoded).toMatch(/alarm_id: "ALM-7"/);
    expect(decoded).toMatch(/site_id: "site-007"/);
  });

  it('delivers every one of 10,000 alarms although the notifier is killed mid-stream', async () => {
    const before = sink.unique;
    const ids: string[] = [];
    const total = 10_000;
    const batch = 500;
    let killedAt = -1;
    for (let i = 0; i < total; i += batch) {
      const alarms = Array.from({ length: batch }, (_, j) => ({
        ...generateAlarm(100_000 + i + j),
        alarm_id: `KILL-${i + j}`,
      }));
      ids.push(...(await postBatch(ingestor, alarms)).map((r) => r.event_id));
      if (killedAt < 0 && sink.unique - before >= 1500) {
        killedAt = sink.unique - before;
        await notifier.kill();
        notifier = await startServiceProcess('notifier', {
          ...env(),
          NOTIFIER_WEBHOOK_URL: `${sink.url}/hooks`,
        });
      }
    }
    if (killedAt < 0) {
      // Everything was accepted before deliveries reached the kill point: kill now, mid-delivery.
      await eventually(
        () => sink.unique - before >= 1500,
        120_000,
        () => `1500 deliveries, got ${sink.unique - before}`,
      );
      killedAt = sink.unique - before;
      await notifier.kill();
      notifier = await startServiceProcess('notifier', {
        ...env(),
        NOTIFIER_WEBHOOK_URL: `${sink.url}/hooks`,
      });
    }
    expect(new Set(ids).size).toBe(total);
    await eventually(
      () => ids.every((id) => sink.deliveriesOf(id) > 0),
      180_000,
      () =>
        `all ${total} delivered; missing ${ids.filter((id) => sink.deliveriesOf(id) === 0).length}`,
    );
    const repeats = ids.reduce((n, id) => n + sink.deliveriesOf(id) - 1, 0);
    process.stdout.write(
      `kill test: notifier SIGKILLed after ${killedAt} deliveries; ${total} alarms delivered, ${repeats} repeat deliveries (dropped by webhook-id)\n`,
    );
    expect(killedAt).toBeGreaterThan(0);
    expect(killedAt).toBeLessThan(total);
    expect(ids.filter((id) => sink.deliveriesOf(id) === 0)).toEqual([]);
  });

  it('sends a poison record to telemetry.events.v1.dlq with its reason and keeps consuming', async () => {
    const garbage = Buffer.from([0xff, 0xff, 0xff, 0x0f, 0x01]);
    await kafka.publish([
      {
        topic: Topics.TelemetryEvents.name,
        key: 'site-poison',
        value: garbage,
        headers: {
          ce_id: 'poison-1',
          ce_type: Topics.TelemetryEvents.ceType,
          ce_source: '/e2e',
          ce_time: new Date().toISOString(),
          ce_specversion: '1.0',
          'content-type': 'application/protobuf',
        },
      },
    ]);
    const [after] = await postBatch(ingestor, [
      { ...generateAlarm(3), site_id: 'site-poison', alarm_id: 'AFTER-POISON' },
    ]);
    const dead: InboundRecord[] = [];
    const sub = await kafka.subscribe({
      groupId: 'e2e-dlq-reader',
      topics: [`${Topics.TelemetryEvents.name}.dlq`],
      handler: async (r) => void dead.push(r),
    });
    await eventually(
      () =>
        dead.some((r) => r.headers.ce_id === 'poison-1') && sink.deliveriesOf(after.event_id) > 0,
      90_000,
      () => `dlq ${dead.length}, after ${sink.deliveriesOf(after.event_id)}`,
    );
    await sub.close();
    const record = dead.find((r) => r.headers.ce_id === 'poison-1')!;
    expect(Buffer.from(record.value).equals(garbage)).toBe(true);
    expect(record.headers[DlqHeaderNames.Reason]).toMatch(/^DECODE_FAILED: /);
    expect(record.headers[DlqHeaderNames.ConsumerGroup]).toContain('notifier');
  });
});
