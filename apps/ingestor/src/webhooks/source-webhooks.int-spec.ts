/*
 * Signed per-source webhooks end to end: the ingestor on real PostgreSQL, Redis and Kafka, a
 * webhook source registered over REST, deliveries sent over loopback HTTP.
 */
import { randomBytes } from 'node:crypto';
import { decode, Topics } from '@telcomesh/contracts';
import type { InboundRecord } from '@telcomesh/messaging';
import type { RunningService } from '@telcomesh/platform';
import { eventually } from '@telcomesh/testing';
import type { IngestorConfig } from '../ingestor.config';
import { bootstrap } from '../main';
import { TopicRecorder } from '../testing/topic-recorder';
import { signWebhook } from './webhook-signature';

const RUN = randomBytes(3).toString('hex');
const PREFIX = `${process.env.KAFKA_TOPIC_PREFIX ?? 'it'}-whk-${RUN}`;
const SECRET = 'webhook-shared-secret-0123456789';

describe('signed per-source webhooks (HTTP, PostgreSQL, Kafka)', () => {
  let service: RunningService<IngestorConfig>;
  let recorder: TopicRecorder;
  const received: InboundRecord[] = [];
  const on = (topic: string) => received.filter((r) => r.topic === topic);
  const alarmsOf = (source: string) =>
    on(Topics.TelemetryEvents.name)
      .map((r) => decode(Topics.TelemetryEvents, r.value))
      .filter((e) => e.sourceId === source);

  const deliver = async (source: string, body: string, headers: Record<string, string>) => {
    const response = await fetch(`${service.url}/webhooks/sources/${source}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const alarmBody = (id: string, extra: Record<string, unknown> = {}) =>
    JSON.stringify({
      alerts: [
        {
          id,
          level: 'major',
          labels: { site: 'SITE-9' },
          startsAt: new Date(Date.now() - 60_000).toISOString(),
          name: 'Door open',
          ...extra,
        },
      ],
    });

  beforeAll(async () => {
    service = await bootstrap({
      ...process.env,
      PORT: '0',
      LOG_LEVEL: 'warn',
      DATABASE_URL: process.env.TEST_DATABASE_URL,
      DATABASE_SCHEMA: `ingestor_whk_${RUN}`,
      KAFKA_TOPIC_PREFIX: PREFIX,
      INGESTOR_SECRET_KEY: randomBytes(32).toString('base64'),
      OUTBOX_POLL_INTERVAL_MS: '100',
    });
    recorder = await TopicRecorder.start(
      PREFIX,
      `ingestor-whk-${RUN}`,
      [Topics.TelemetryEvents.name, Topics.IngestRejects.name],
      received,
    );
    const created = await fetch(`${service.url}/sources`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        source_id: 'hooks-a',
        source_type: 'webhook',
        polling_interval: 3600,
        connection_config: {
          hmac_secret: SECRET,
          record_kind: 'alarm',
          items: 'alerts',
          fields: {
            alarm_id: 'id',
            severity: 'level',
            site_id: 'labels.site',
            raised_at: 'startsAt',
            title: 'name',
          },
        },
        mapping_rules: { tenant_mapping: 'tenant-w' },
      }),
    });
    const view = (await created.json()) as { connection_config: { hmac_secret: string } };
    expect(created.status).toBe(201);
    // Sealed at rest and never answered.
    expect(view.connection_config.hmac_secret).toBe('********');
  }, 120_000);

  afterAll(async () => {
    await recorder?.close();
    await service?.close().catch(() => undefined);
  });

  it('publishes a signed delivery as an alarm, once however often it is delivered', async () => {
    const startedAt = Date.now();
    const body = alarmBody('ALM-1');
    const headers = signWebhook('hmac_sha256_hex', SECRET, body);
    const first = await deliver('hooks-a', body, headers);
    expect(first).toMatchObject({
      status: 202,
      body: { duplicate: false, accepted: 1, rejected: 0 },
    });
    const again = await deliver('hooks-a', body, headers);
    expect(again).toMatchObject({ status: 202, body: { duplicate: true, accepted: 0 } });
    expect(again.body.delivery_id).toBe(first.body.delivery_id);

    const [alarm] = await eventually(() => {
      const found = alarmsOf('hooks-a');
      return found.length > 0 ? found : undefined;
    }, 'the webhook alarm on telemetry.events.v1');
    expect(alarm).toMatchObject({
      alarmId: 'ALM-1',
      siteId: 'SITE-9',
      tenantId: 'tenant-w',
      title: 'Door open',
      sourceSystem: 'WEBHOOK',
    });
    // A later delivery is relayed after the duplicate would have been: still one ALM-1.
    const later = alarmBody('ALM-2');
    await deliver('hooks-a', later, signWebhook('hmac_sha256_hex', SECRET, later));
    await eventually(() => alarmsOf('hooks-a').find((a) => a.alarmId === 'ALM-2'), 'ALM-2');
    expect(alarmsOf('hooks-a').filter((a) => a.alarmId === 'ALM-1')).toHaveLength(1);

    // Its health is its deliveries: never polled (a poll would zero the figures every interval).
    const health = (await (await fetch(`${service.url}/sources/hooks-a/health`)).json()) as {
      healthy: boolean;
      last_sync: string | null;
      records_collected: number;
      total_collected: number;
      total_rejected: number;
      quality_score: number | null;
      held_here: boolean;
    };
    expect(health).toMatchObject({
      healthy: true,
      records_collected: 1,
      total_collected: 2,
      total_rejected: 0,
      held_here: false,
    });
    // The last delivery's time (the service and the test share the machine's clock).
    expect(Date.parse(health.last_sync ?? '')).toBeGreaterThanOrEqual(startedAt);
    expect(health.quality_score).toBeGreaterThan(0);
  });

  it('answers a bad signature 401 with the reason and publishes nothing', async () => {
    const body = alarmBody('ALM-BAD');
    const forged = signWebhook('hmac_sha256_hex', 'not-the-shared-secret-at-all', body);
    const answer = await deliver('hooks-a', body, forged);
    expect(answer.status).toBe(401);
    expect(String(answer.body.message)).toContain('signature does not match the body');
    expect(JSON.stringify(answer.body)).not.toContain(SECRET);
    const marker = alarmBody('ALM-AFTER-BAD');
    await deliver('hooks-a', marker, signWebhook('hmac_sha256_hex', SECRET, marker));
    await eventually(
      () => alarmsOf('hooks-a').find((a) => a.alarmId === 'ALM-AFTER-BAD'),
      'marker',
    );
    expect(alarmsOf('hooks-a').some((a) => a.alarmId === 'ALM-BAD')).toBe(false);
  });

  it('answers 404 for an unknown source and 400 naming the body when it is not JSON', async () => {
    const body = alarmBody('X');
    expect((await deliver('nope', body, signWebhook('hmac_sha256_hex', SECRET, body))).status).toBe(
      404,
    );
    const broken = '{"alerts": [';
    const answer = await deliver('hooks-a', broken, signWebhook('hmac_sha256_hex', SECRET, broken));
    expect(answer.status).toBe(400);
    // The platform's JSON parser refuses it before the handler, with the parser's reason.
    expect(answer.body.message).toMatch(/JSON/);
  });

  it('sends an invalid record to ingest.rejects.v1 with its reason and raw input', async () => {
    const future = new Date(Date.now() + 24 * 3_600_000).toISOString();
    const body = alarmBody('ALM-FUTURE', { startsAt: future });
    const answer = await deliver('hooks-a', body, signWebhook('hmac_sha256_hex', SECRET, body));
    expect(answer).toMatchObject({ status: 202, body: { accepted: 0, rejected: 1 } });
    const record = await eventually(
      () => on(Topics.IngestRejects.name).find((r) => r.key === 'hooks-a'),
      'the reject on ingest.rejects.v1',
    );
    const reject = decode(Topics.IngestRejects, record.value);
    expect(reject).toMatchObject({
      sourceId: 'hooks-a',
      tenantId: 'tenant-w',
      reasonCode: 'timestamp_future',
      targetTopic: Topics.TelemetryEvents.name,
      recordKind: 'alarm',
    });
    expect(JSON.parse(Buffer.from(reject.rawInput).toString('utf8'))).toMatchObject({
      id: 'ALM-FUTURE',
      startsAt: future,
    });
  });
});
