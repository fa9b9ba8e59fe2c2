/*
 * INGESTOR_METRICS_FORMAT=batch on real parts: an Ericsson ENM simulator polled by the ingestor
 * (PostgreSQL, Redis, Kafka), its measurements read back from telemetry.metric-batches.v1.
 */
import { randomBytes } from 'node:crypto';
import { decode, Topics, type NetworkMetricBatch } from '@telcomesh/contracts';
import type { InboundRecord } from '@telcomesh/messaging';
import type { RunningService } from '@telcomesh/platform';
import { EricssonEnmSimulator, eventually, OssDataset } from '@telcomesh/testing';
import type { IngestorConfig } from '../ingestor.config';
import { bootstrap } from '../main';
import { TopicRecorder } from '../testing/topic-recorder';

const RUN = randomBytes(3).toString('hex');
const PREFIX = `${process.env.KAFKA_TOPIC_PREFIX ?? 'it'}-batch-${RUN}`;
const MINUTE = 60_000;

describe('ingestor with INGESTOR_METRICS_FORMAT=batch (ENM simulator, PostgreSQL, Redis, Kafka)', () => {
  let simulator: EricssonEnmSimulator;
  let service: RunningService<IngestorConfig>;
  let recorder: TopicRecorder;
  const received: InboundRecord[] = [];

  beforeAll(async () => {
    simulator = new EricssonEnmSimulator({
      dataset: new OssDataset({
        seed: 42,
        sites: 4,
        periods: 6,
        alarms: 3,
        start: new Date(Date.now() - 90 * MINUTE - MINUTE),
      }),
    });
    await simulator.start();
    service = await bootstrap({
      ...process.env,
      PORT: '0',
      LOG_LEVEL: 'warn',
      DATABASE_URL: process.env.TEST_DATABASE_URL,
      DATABASE_SCHEMA: `ingestor_batch_${RUN}`,
      KAFKA_TOPIC_PREFIX: PREFIX,
      INGESTOR_SECRET_KEY: randomBytes(32).toString('base64'),
      INGESTOR_REPLICA_ID: `batch-${RUN}`,
      INGESTOR_METRICS_FORMAT: 'batch',
      // Small batches, so one site's measurements of one poll span several records.
      INGESTOR_METRIC_BATCH_SIZE: '4',
    });
    recorder = await TopicRecorder.start(
      PREFIX,
      `ingestor-batch-it-${RUN}`,
      [
        Topics.TelemetryMetrics.name,
        Topics.TelemetryMetricBatches.name,
        Topics.TelemetryEvents.name,
      ],
      received,
    );
  }, 120_000);

  afterAll(async () => {
    await recorder?.close();
    await service?.close().catch(() => undefined);
    await simulator?.stop();
  });

  it('publishes every measurement once, in batches per site in the source’s order, and alarms as before', async () => {
    const response = await fetch(`${service.url}/sources`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        source_id: 'oss-batch',
        source_type: 'oss_network',
        connection_config: {
          base_url: simulator.url,
          oss_type: 'ericsson',
          authentication: {
            type: 'oauth2',
            client_id: 'aiops-client',
            client_secret: 'enm-client-secret',
            token_endpoint: '/auth/oauth2/token',
          },
          initial_lookback_minutes: 180,
        },
        mapping_rules: { tenant_mapping: 'tenant-007' },
        polling_interval: 1,
        enabled: true,
      }),
    });
    expect(response.status).toBe(201);
    const expected = simulator.dataset.measurements.length;
    const batches = (): { record: InboundRecord; batch: NetworkMetricBatch }[] =>
      received
        .filter((r) => r.topic === Topics.TelemetryMetricBatches.name)
        .map((record) => ({ record, batch: decode(Topics.TelemetryMetricBatches, record.value) }));
    await eventually(
      () => batches().reduce((n, b) => n + b.batch.metrics.length, 0) >= expected,
      'every measurement in a batch',
    );
    // A few more polls: nothing new at the source, nothing published again.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    const all = batches();
    const metrics = all.flatMap((b) => b.batch.metrics);
    expect(metrics).toHaveLength(expected);
    const identities = metrics.map(
      (m) => `${m.metadata.managed_object}|${m.metricName}|${m.timestamp?.seconds}`,
    );
    expect(new Set(identities).size).toBe(expected);
    expect(received.filter((r) => r.topic === Topics.TelemetryMetrics.name)).toEqual([]);

    for (const { record, batch } of all) {
      expect(batch.metrics.length).toBeGreaterThan(0);
      expect(batch.metrics.length).toBeLessThanOrEqual(4);
      expect(record.key).toBe(batch.siteId);
      expect(record.headers.ce_type).toBe(Topics.TelemetryMetricBatches.ceType);
      expect(record.headers.ce_tenant).toBe('tenant-007');
      expect(batch).toMatchObject({ tenantId: 'tenant-007', sourceId: 'oss-batch' });
      for (const m of batch.metrics) {
        expect(m).toMatchObject({
          siteId: batch.siteId,
          tenantId: 'tenant-007',
          sourceId: 'oss-batch',
        });
      }
    }
    expect(new Set(all.map((b) => b.record.headers.ce_id)).size).toBe(all.length);
    expect(new Set(all.map((b) => b.batch.siteId)).size).toBe(4);
    // Per site, measurements arrive in the order the simulator serves them (by period end).
    for (const site of new Set(all.map((b) => b.batch.siteId))) {
      const times = all
        .filter((b) => b.batch.siteId === site)
        .flatMap((b) => b.batch.metrics.map((m) => Number(m.timestamp?.seconds)));
      expect(times).toEqual([...times].sort((a, b) => a - b));
    }

    const alarms = await eventually(() => {
      const found = received.filter((r) => r.topic === Topics.TelemetryEvents.name);
      return found.length >= simulator.dataset.alarms.length ? found : undefined;
    }, 'the alarms, one record each on telemetry.events.v1');
    expect(alarms.length).toBeGreaterThanOrEqual(simulator.dataset.alarms.length);
  });
});
