/*
 * The ingestor end to end on real parts: Ericsson ENM simulators (loopback HTTP, OAuth2) as data
 * sources, PostgreSQL (registry, cursors, health outbox), Redis (source leases) and Kafka (the topics the
 * records, rejects and connectivity alerts land on). Two replicas share them; one is restarted,
 * one dies.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { decode, SourceCondition, Topics } from '@telcomesh/contracts';
import type { InboundRecord } from '@telcomesh/messaging';
import type { RunningService } from '@telcomesh/platform';
import {
  EricssonEnmSimulator,
  eventually,
  OssDataset,
  type SimulatedMeasurement,
} from '@telcomesh/testing';
import type { IngestorConfig } from './ingestor.config';
import { IngestorCore } from './ingestor-core';
import { bootstrap } from './main';
import { TopicRecorder } from './testing/topic-recorder';
import { RejectHeaders } from './pipeline/outbound-records';

const RUN = randomBytes(3).toString('hex');
const SCHEMA = `ingestor_it_${RUN}`;
const PREFIX = `${process.env.KAFKA_TOPIC_PREFIX ?? 'it'}-ing-${RUN}`;
const SECRET_KEY = randomBytes(32).toString('base64');
const CLIENT_SECRET = 'enm-client-secret';
const MINUTE = 60_000;

type Replica = RunningService<IngestorConfig>;

interface Health {
  healthy: boolean;
  condition: string;
  error_count: number;
  last_attempt: string | null;
  last_sync: string | null;
  records_collected: number;
  total_collected: number;
  total_rejected: number;
  quality_score: number | null;
  polled_by: string | null;
  held_here: boolean;
}

const envFor = (replica: string) => ({
  ...process.env,
  PORT: '0',
  LOG_LEVEL: 'warn',
  DATABASE_URL: process.env.TEST_DATABASE_URL,
  DATABASE_SCHEMA: SCHEMA,
  KAFKA_TOPIC_PREFIX: PREFIX,
  INGESTOR_SECRET_KEY: SECRET_KEY,
  INGESTOR_REPLICA_ID: replica,
  INGESTOR_LEASE_TTL_MS: '3000',
  OUTBOX_POLL_INTERVAL_MS: '100',
});

async function call<T>(
  url: string,
  method = 'GET',
  body?: unknown,
): Promise<{ status: number; body: T }> {
  const response = await fetch(url, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
}

async function ok<T>(url: string, method = 'GET', body?: unknown): Promise<T> {
  const result = await call<T>(url, method, body);
  if (result.status >= 300) {
    throw new Error(`${method} ${url}: ${result.status} ${JSON.stringify(result.body)}`);
  }
  return result.body;
}

function newDataset(seed: number): OssDataset {
  // Eight 15-minute periods ending a minute ago: all of them inside the first sync's lookback.
  return new OssDataset({
    seed,
    sites: 3,
    periods: 8,
    alarms: 6,
    start: new Date(Date.now() - 2 * 60 * MINUTE - MINUTE),
  });
}

/** Adds one measurement per cell that becomes visible shortly (its period ends in the future). */
function addPeriod(
  dataset: OssDataset,
  kpi: 'throughput' | 'latency' = 'throughput',
): SimulatedMeasurement[] {
  const periodEnd = Date.now() + 1500;
  const added = dataset.sites.flatMap((site) =>
    site.cells.map((cell): SimulatedMeasurement => ({
      siteId: site.id,
      region: site.region,
      cell,
      kpi,
      value: kpi === 'throughput' ? 123.45 : 12.5,
      unit: kpi === 'throughput' ? 'Mbps' : 'ms',
      periodEnd,
      granularitySeconds: 900,
      suspect: false,
    })),
  );
  dataset.measurements.push(...added);
  return added;
}

function ossConfig(url: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    base_url: url,
    oss_type: 'ericsson',
    authentication: {
      type: 'oauth2',
      client_id: 'aiops-client',
      client_secret: CLIENT_SECRET,
      token_endpoint: '/auth/oauth2/token',
    },
    initial_lookback_minutes: 180,
    timeout_ms: 2000,
    retry: { max_attempts: 1, base_delay_ms: 100, max_delay_ms: 100, max_retry_after_ms: 1000 },
    ...overrides,
  };
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const metricIdentity = (m: {
  metadata: Record<string, string>;
  metricName: string;
  timestamp?: { seconds: bigint; nanos: number };
}) => `${m.metadata.managed_object}|${m.metricName}|${m.timestamp?.seconds}.${m.timestamp?.nanos}`;

describe('ingestor (ENM simulators, two replicas, PostgreSQL, Redis, Kafka)', () => {
  const simulators = new Map<string, EricssonEnmSimulator>();
  const replicas = new Map<string, Replica>();
  const received: InboundRecord[] = [];
  let recorder: TopicRecorder;

  const start = async (name: string, extra: Record<string, string> = {}) => {
    const replica = await bootstrap({ ...envFor(name), ...extra });
    replicas.set(name, replica);
    return replica;
  };
  const url = (name = 'replica-a') => {
    const replica = replicas.get(name);
    if (!replica) throw new Error(`${name} is not running`);
    return replica.url;
  };
  const health = (source: string, replica = 'replica-a') =>
    ok<Health>(`${url(replica)}/sources/${source}/health`);
  /** Waits until `count` more polls of the source were committed (their records are on Kafka by then). */
  const nextPolls = async (source: string, count: number, replica = 'replica-a') => {
    for (let i = 0; i < count; i++) {
      const before = (await health(source, replica)).last_attempt;
      await eventually(
        async () => (await health(source, replica)).last_attempt !== before,
        `another poll of ${source}`,
      );
    }
    // Let the test's consumer catch up with what the broker acknowledged.
    await new Promise((resolve) => setTimeout(resolve, 500));
  };
  const on = (topic: string) => received.filter((r) => r.topic === topic);
  const metricsOf = (source: string) =>
    on(Topics.TelemetryMetrics.name)
      .map((r) => decode(Topics.TelemetryMetrics, r.value))
      .filter((m) => m.sourceId === source);
  const healthEventsOf = (source: string) =>
    on(Topics.IngestHealth.name)
      .map((r) => decode(Topics.IngestHealth, r.value))
      .filter((h) => h.sourceId === source);
  const simulator = async (source: string, seed: number, port?: number) => {
    const sim = new EricssonEnmSimulator({
      dataset: simulators.get(source)?.dataset ?? newDataset(seed),
      port,
    });
    await sim.start();
    simulators.set(source, sim);
    return sim;
  };

  beforeAll(async () => {
    await start('replica-a');
    recorder = await TopicRecorder.start(
      PREFIX,
      `ingestor-it-${RUN}`,
      [
        Topics.TelemetryMetrics.name,
        Topics.TelemetryEvents.name,
        Topics.IngestHealth.name,
        Topics.ConfigChanges.name,
        Topics.IngestRejects.name,
      ],
      received,
    );
  }, 120_000);

  afterAll(async () => {
    await recorder?.close();
    for (const replica of replicas.values()) await replica.close().catch(() => undefined);
    for (const sim of simulators.values()) await sim.stop();
  });

  it('registers sources over REST: names bad fields, masks and encrypts secrets, tests the connection stage by stage', async () => {
    const sim = await simulator('oss-a', 1);
    const base = url();
    const seed = {
      source_id: 'oss-a',
      source_name: 'Ericsson OSS-RC Production',
      source_type: 'oss_network',
      connection_config: ossConfig(sim.url),
      mapping_rules: {
        tenant_mapping: 'tenant-001',
        site_mapping: { field: 'siteId', mapping: { SITE001: 'site-001' } },
      },
      polling_interval: 1,
      enabled: false,
    };

    const wrongField = await call<{ message: string; details: { fields: string[] } }>(
      `${base}/sources`,
      'POST',
      { ...seed, connection_config: { ...ossConfig(sim.url), max_alarm: 5 } },
    );
    expect(wrongField.status).toBe(400);
    expect(wrongField.body.details.fields).toEqual(['connection_config.max_alarm']);
    expect(wrongField.body.message).toContain('connection_config.max_alarm is not a known setting');
    const wrongMapping = await call<{ details: { fields: string[] } }>(`${base}/sources`, 'POST', {
      ...seed,
      mapping_rules: { site_mapping: { field: 'site id' } },
    });
    expect(wrongMapping.status).toBe(400);
    expect(wrongMapping.body.details.fields).toEqual(['mapping_rules.site_mapping.field']);

    const created = await call<{ connection_config: { authentication: Record<string, string> } }>(
      `${base}/sources`,
      'POST',
      seed,
    );
    expect(created.status).toBe(201);
    expect(created.body.connection_config.authentication.client_secret).toBe('********');
    expect((await call(`${base}/sources`, 'POST', seed)).status).toBe(409);

    const [row] = await replicas
      .get('replica-a')!
      .runtime.dataSource.query<{ config: string }[]>(
        `SELECT "connection_config"::text AS config FROM "${SCHEMA}"."data_sources" WHERE "source_id" = 'oss-a'`,
      );
    expect(row.config).not.toContain(CLIENT_SECRET);
    expect(row.config).toContain('$encrypted');
    const listed = await ok<{ source_id: string; connection_config: unknown }[]>(`${base}/sources`);
    expect(JSON.stringify(listed)).not.toContain(CLIENT_SECRET);

    // The mask sent back keeps the stored secret: the connection test still authenticates.
    const read = await ok<{ connection_config: Record<string, unknown> }>(`${base}/sources/oss-a`);
    const patched = await ok<{ connection_config: { max_alarms: number } }>(
      `${base}/sources/oss-a`,
      'PATCH',
      { connection_config: { ...read.connection_config, max_alarms: 500 } },
    );
    expect(patched.connection_config.max_alarms).toBe(500);
    expect(await ok(`${base}/sources/oss-a/test`, 'POST')).toMatchObject({
      ok: true,
      stage: 'parse',
    });

    const wrongSecret = ossConfig(sim.url, {
      authentication: { ...(ossConfig(sim.url).authentication as object), client_secret: 'not-it' },
    });
    await ok(`${base}/sources`, 'POST', {
      ...seed,
      source_id: 'oss-wrong',
      connection_config: wrongSecret,
    });
    const authTest = await ok<{ ok: boolean; stage: string; message: string }>(
      `${base}/sources/oss-wrong/test`,
      'POST',
    );
    expect(authTest).toMatchObject({ ok: false, stage: 'auth' });
    expect(authTest.message).not.toContain('not-it');
    const closed = `http://127.0.0.1:${await freePort()}`;
    await ok(`${base}/sources`, 'POST', {
      ...seed,
      source_id: 'oss-closed',
      connection_config: ossConfig(closed),
    });
    expect(await ok(`${base}/sources/oss-closed/test`, 'POST')).toMatchObject({
      ok: false,
      stage: 'connect',
    });

    expect((await call(`${base}/sources/oss-wrong`, 'DELETE')).status).toBe(204);
    expect((await call(`${base}/sources/oss-closed`, 'DELETE')).status).toBe(204);
    expect((await call(`${base}/sources/oss-wrong`)).status).toBe(404);
    expect(await ok(`${base}/sources/oss-a/enable`, 'POST')).toMatchObject({ enabled: true });

    const changes = await eventually(() => {
      const found = on(Topics.ConfigChanges.name).map((r) => decode(Topics.ConfigChanges, r.value));
      return found.filter((c) => c.key === 'datasources.oss-a').length >= 3 ? found : undefined;
    }, 'config changes of oss-a');
    for (const change of changes) {
      expect(`${change.oldValue ?? ''}${change.newValue ?? ''}`).not.toContain(CLIENT_SECRET);
    }
    expect(changes.find((c) => c.key === 'datasources.oss-a')?.redacted).toBe(true);
  });

  it('publishes every record of the source validated and enriched on its topics', async () => {
    const { dataset } = simulators.get('oss-a')!;
    const metrics = await eventually(() => {
      const found = metricsOf('oss-a');
      return found.length >= dataset.measurements.length ? found : undefined;
    }, 'every measurement of oss-a on telemetry.metrics.v1');
    // Two more polls: what was published is not published again.
    await nextPolls('oss-a', 2);
    expect(metricsOf('oss-a')).toHaveLength(dataset.measurements.length);
    for (const metric of metrics) {
      expect(metric.tenantId).toBe('tenant-001');
      expect(metric.qualityScore).toBeGreaterThan(0);
      expect(metric.qualityScore).toBeLessThanOrEqual(1);
    }
    const sites = new Set(metrics.map((m) => m.siteId));
    expect(sites.has('site-001')).toBe(true);
    expect(sites.has('SITE001')).toBe(false);
    expect(sites.has('SITE002')).toBe(true);

    const alarms = await eventually(() => {
      const found = on(Topics.TelemetryEvents.name)
        .map((r) => decode(Topics.TelemetryEvents, r.value))
        .filter((e) => e.sourceId === 'oss-a');
      return found.length >= dataset.alarms.length ? found : undefined;
    }, 'every alarm of oss-a on telemetry.events.v1');
    expect(new Set(alarms.map((a) => a.alarmId)).size).toBe(dataset.alarms.length);

    const report = await eventually(async () => {
      const h = await health('oss-a');
      return h.total_collected >= metrics.length + alarms.length ? h : undefined;
    }, 'health of oss-a to count the records');
    expect(report).toMatchObject({
      healthy: true,
      condition: 'ok',
      error_count: 0,
      polled_by: 'replica-a',
      held_here: true,
      total_rejected: 0,
    });
    expect(report.last_sync).not.toBeNull();
    // Nothing changed state: no connectivity alert for a source that was fine all along.
    expect(healthEventsOf('oss-a')).toEqual([]);
  });

  it('sends a bad record to the rejects with its reason and raw input, and counts it by reason', async () => {
    const { dataset } = simulators.get('oss-a')!;
    const cell = dataset.sites[1].cells[0];
    dataset.measurements.push({
      siteId: dataset.sites[1].id,
      region: dataset.sites[1].region,
      cell,
      kpi: 'availability',
      value: 150,
      unit: '%',
      periodEnd: Date.now() + 1500,
      granularitySeconds: 900,
      suspect: false,
    });
    const reject = await eventually(
      () =>
        on(Topics.IngestRejects.name).find((r) => r.headers[RejectHeaders.sourceId] === 'oss-a'),
      'the reject on ingest.rejects.v1',
    );
    expect(reject.key).toBe('oss-a');
    expect(reject.headers[RejectHeaders.reason]).toBe('range');
    const rejected = decode(Topics.IngestRejects, reject.value);
    expect(rejected).toMatchObject({
      sourceId: 'oss-a',
      targetTopic: Topics.TelemetryMetrics.name,
      reasonCode: 'range',
      reason: 'availability 150 % is outside 0..100',
      field: 'metric_value',
      recordKind: 'metric',
      rawContentType: 'application/json',
    });
    expect(JSON.parse(Buffer.from(rejected.rawInput).toString('utf8'))).toMatchObject({
      measurementType: 'availability',
      value: 150,
      siteId: dataset.sites[1].id,
    });
    expect(metricsOf('oss-a').some((m) => m.metricValue === 150)).toBe(false);
    const text = await (await fetch(`${url()}/metrics`)).text();
    expect(text).toMatch(
      /ingestor_records_rejected_total\{[^}]*source_id="oss-a",reason="range"[^}]*\} 1\b/,
    );
    await nextPolls('oss-a', 2);
    const rejects = on(Topics.IngestRejects.name).filter(
      (r) => r.headers[RejectHeaders.sourceId] === 'oss-a',
    );
    expect(rejects).toHaveLength(1);
    expect(await health('oss-a')).toMatchObject({ total_rejected: 1, condition: 'ok' });
    // One bad record is not a source with corrupt data: no connectivity alert.
    expect(healthEventsOf('oss-a')).toEqual([]);
  });

  it('resumes from its watermark after a restart: no record twice, none missed', async () => {
    await replicas.get('replica-a')!.close();
    replicas.delete('replica-a');
    const { dataset } = simulators.get('oss-a')!;
    const added = addPeriod(dataset, 'latency');
    await start('replica-a');

    const expected = dataset.measurements.filter(
      (m) => !(m.kpi === 'availability' && m.value > 100),
    );
    const metrics = await eventually(() => {
      const found = metricsOf('oss-a');
      return found.length >= expected.length ? found : undefined;
    }, `the ${added.length} measurements added while the ingestor was down`);
    // Let any duplicate that would come arrive before counting.
    await nextPolls('oss-a', 2);
    const identities = metricsOf('oss-a').map(metricIdentity);
    expect(identities).toHaveLength(expected.length);
    expect(new Set(identities).size).toBe(expected.length);
    expect(
      metrics.filter((m) => m.metricName === 'latency' && m.metricValue === 12.5),
    ).toHaveLength(added.length);
    const ids = received
      .filter((r) => r.topic !== Topics.IngestRejects.name)
      .map((r) => r.headers.ce_id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('polls each source from exactly one of two replicas, shared evenly, and moves a dead replica’s sources to the other', async () => {
    await start('replica-b');
    const sources = ['oss-b', 'oss-c', 'oss-d'];
    for (const [i, source] of sources.entries()) {
      const sim = await simulator(source, 10 + i);
      await ok(`${url()}/sources`, 'POST', {
        source_id: source,
        source_type: 'oss_network',
        connection_config: ossConfig(sim.url),
        polling_interval: 1,
      });
    }
    const all = ['oss-a', ...sources];
    for (const source of sources) {
      const { dataset } = simulators.get(source)!;
      await eventually(
        () => metricsOf(source).length >= dataset.measurements.length,
        `the measurements of ${source}`,
      );
    }
    // The two replicas share the four sources evenly (each keeps at most ceil(4 / 2)).
    const heldBy = async (replica: string) =>
      (await Promise.all(all.map((source) => health(source, replica)))).filter((h) => h.held_here)
        .length;
    await eventually(
      async () => (await heldBy('replica-a')) === 2 && (await heldBy('replica-b')) === 2,
      'two sources held by each replica',
    );
    // Sampled over several lease rounds: always exactly one holder, and it is the one polling.
    const holders = new Map<string, string>();
    for (let round = 0; round < 4; round++) {
      for (const source of all) {
        const views = await Promise.all(['replica-a', 'replica-b'].map((r) => health(source, r)));
        const holding = ['replica-a', 'replica-b'].filter((_, i) => views[i].held_here);
        expect(holding).toHaveLength(1);
        if (round > 0) expect(holding[0]).toBe(holders.get(source));
        holders.set(source, holding[0]);
      }
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    for (const source of all) expect((await health(source)).polled_by).toBe(holders.get(source));
    expect([...holders.values()].filter((r) => r === 'replica-b')).toHaveLength(2);

    // replica-a loses Redis (as good as dead to the others): it cannot renew nor let go, so its
    // leases run out and replica-b takes its sources.
    const dying = [...holders].filter(([, r]) => r === 'replica-a').map(([s]) => s);
    const cut = replicas.get('replica-a')!.runtime.cache;
    cut.acquireLease = () => Promise.reject(new Error('redis unreachable'));
    cut.releaseLease = () => Promise.reject(new Error('redis unreachable'));
    const added = new Map(
      all.map((source) => [source, addPeriod(simulators.get(source)!.dataset)]),
    );
    for (const source of all) {
      await eventually(async () => {
        const h = await health(source, 'replica-b');
        return h.held_here && h.polled_by === 'replica-b';
      }, `${source} polled by replica-b`);
    }
    for (const source of all) {
      await eventually(
        () =>
          metricsOf(source).filter((m) => m.metricName === 'throughput' && m.metricValue === 123.45)
            .length >= added.get(source)!.length,
        `the new period of ${source}`,
      );
    }
    expect(dying.length + all.filter((s) => holders.get(s) === 'replica-b').length).toBe(
      all.length,
    );
    await replicas
      .get('replica-a')!
      .close()
      .catch(() => undefined);
    replicas.delete('replica-a');
    const ids = received
      .filter((r) => r.topic !== Topics.IngestRejects.name)
      .map((r) => r.headers.ce_id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const source of all) {
      const identities = metricsOf(source).map(metricIdentity);
      expect(new Set(identities).size).toBe(identities.length);
    }
  });

  it('fences polls of the same source racing each other: their records are published once', async () => {
    const core = replicas.get('replica-b')!.app.get(IngestorCore);
    const held = core.ownership.get('oss-d');
    if (!held) throw new Error('replica-b should hold oss-d');
    const added = addPeriod(simulators.get('oss-d')!.dataset, 'latency');
    await new Promise((resolve) => setTimeout(resolve, 1600));
    // Three polls from the same cursor at once (plus the scheduler's own): one commit wins.
    await Promise.all([1, 2, 3].map(() => core.sync.run(held, new AbortController().signal)));
    await nextPolls('oss-d', 1, 'replica-b');
    const fresh = metricsOf('oss-d').filter(
      (m) => m.metricName === 'latency' && m.metricValue === 12.5,
    );
    expect(fresh).toHaveLength(added.length);
    const identities = metricsOf('oss-d').map(metricIdentity);
    expect(new Set(identities).size).toBe(identities.length);
  });

  it('keeps the cursor when the broker refuses a sync’s records: the next poll publishes them, none missed', async () => {
    const replica = replicas.get('replica-b')!;
    const transport = replica.runtime.transport;
    const publish = transport.publish.bind(transport);
    let refused = 0;
    // Kafka refusing (broker down): the two next publishes of oss-d's metrics fail.
    transport.publish = async (records) => {
      const ours = records.some(
        (r) =>
          r.topic === Topics.TelemetryMetrics.name &&
          decode(Topics.TelemetryMetrics, r.value).sourceId === 'oss-d',
      );
      if (ours && refused < 2) {
        refused++;
        throw new Error('KafkaJSConnectionError: broker 127.0.0.1:9092 not reachable');
      }
      return publish(records);
    };
    try {
      const added = addPeriod(simulators.get('oss-d')!.dataset);
      const periodSeconds = BigInt(Math.floor(added[0].periodEnd / 1000));
      await new Promise((resolve) => setTimeout(resolve, 1600));
      await eventually(() => refused >= 2, 'two refused publishes of oss-d');
      const fresh = () =>
        metricsOf('oss-d').filter(
          (m) => m.metricName === 'throughput' && m.timestamp?.seconds === periodSeconds,
        );
      await eventually(() => fresh().length >= added.length, 'the refused records, published');
      await nextPolls('oss-d', 1, 'replica-b');
      expect(fresh()).toHaveLength(added.length);
      const identities = metricsOf('oss-d').map(metricIdentity);
      expect(new Set(identities).size).toBe(identities.length);
      // Our delivery failing is not the source's fault: its condition stays ok.
      expect(await health('oss-d', 'replica-b')).toMatchObject({ healthy: true, condition: 'ok' });
      const text = await (await fetch(`${url('replica-b')}/metrics`)).text();
      expect(text).toMatch(/ingestor_delivery_failures_total\{source_id="oss-d"[^}]*\} 2\b/);
    } finally {
      transport.publish = publish;
    }
  });

  it('publishes a connectivity alert once per state change, not once per poll', async () => {
    const sim = simulators.get('oss-c')!;
    const port = Number(new URL(sim.url).port);
    await sim.stop();
    const down = await eventually(async () => {
      const h = await health('oss-c', 'replica-b');
      return h.error_count >= 3 ? h : undefined;
    }, 'three failed polls of oss-c');
    expect(down).toMatchObject({ healthy: false, condition: 'connection_lost' });
    await eventually(() => healthEventsOf('oss-c').length >= 1, 'the connection-lost alert');
    const [lost] = healthEventsOf('oss-c');
    expect(lost).toMatchObject({ sourceId: 'oss-c', healthy: false });
    expect(lost.lastError).toMatch(/^connection_lost: /);
    expect(lost.condition).toBe(SourceCondition.CONNECTION_LOST);

    await simulator('oss-c', 11, port);
    await eventually(async () => (await health('oss-c', 'replica-b')).healthy, 'oss-c back');
    await eventually(() => healthEventsOf('oss-c').length >= 2, 'the recovery report');
    await nextPolls('oss-c', 2, 'replica-b');
    const events = healthEventsOf('oss-c');
    expect(events.map((e) => [e.healthy, e.lastError.split(':')[0]])).toEqual([
      [false, 'connection_lost'],
      [true, ''],
    ]);
    expect(events[1].errorCount).toBe(0);
    expect(events.map((e) => e.condition)).toEqual([
      SourceCondition.CONNECTION_LOST,
      SourceCondition.OK,
    ]);
    const text = await (await fetch(`${url('replica-b')}/metrics`)).text();
    expect(text).toMatch(
      /ingestor_connectivity_alerts_total\{[^}]*source_id="oss-c",condition="connection_lost"[^}]*\} 1\b/,
    );
  });
  it('applies the seed-style sources file at start-up, and refuses a bad one naming each problem', async () => {
    const sim = await simulator('oss-file', 20);
    const dir = await mkdtemp(join(tmpdir(), 'ingestor-it-'));
    const good = join(dir, 'data_sources.yaml');
    await writeFile(
      good,
      `data_sources:
  - source_id: "oss-a"
    connector_class: "OSS_NetworkConnector"
    polling_interval: 2
    enabled: true
  - source_id: "oss-file"
    connector_class: "OSS_NetworkConnector"
    polling_interval: 1
    enabled: true
    source_name: "From the file"
    connection_config:
      base_url: "${sim.url}"
      oss_type: ericsson
      initial_lookback_minutes: 180
      authentication:
        type: oauth2
        client_id: aiops-client
        client_secret: "\${env:IT_ENM_CLIENT_SECRET}"
        token_endpoint: /auth/oauth2/token
`,
    );
    // Secret references resolve from the process environment, as they would in a container.
    process.env.IT_ENM_CLIENT_SECRET = CLIENT_SECRET;
    await start('replica-c', { INGESTOR_SOURCES_FILE: good });
    expect(await ok(`${url('replica-c')}/sources/oss-a`)).toMatchObject({
      polling_interval: 2,
      origin: 'file',
    });
    expect(await ok(`${url('replica-c')}/sources/oss-file`)).toMatchObject({
      source_name: 'From the file',
      origin: 'file',
      connection_config: { authentication: { client_secret: '\${env:IT_ENM_CLIENT_SECRET}' } },
    });
    await eventually(
      () => metricsOf('oss-file').length >= sim.dataset.measurements.length,
      'the measurements of the source defined in the file',
    );

    const bad = join(dir, 'bad.yaml');
    await writeFile(
      bad,
      `data_sources:
  - source_id: "oss-a"
    connector_class: "ITSM_ServiceNowConnector"
    polling_interval: 0
  - source_id: "oss-nowhere"
    connector_class: "OSS_NetworkConnector"
    polling_interval: 60
`,
    );
    await expect(start('replica-x', { INGESTOR_SOURCES_FILE: bad })).rejects.toThrow(
      'data_sources[0].polling_interval must be a whole number of seconds, 1-86400',
    );
    const other = join(dir, 'unknown.yaml');
    await writeFile(
      other,
      'data_sources:\n  - source_id: "oss-nowhere"\n    connector_class: "OSS_NetworkConnector"\n    polling_interval: 60\n',
    );
    await expect(start('replica-x', { INGESTOR_SOURCES_FILE: other })).rejects.toThrow(
      'data_sources[0] (oss-nowhere): not in data_sources, and the entry has no connection_config to create it',
    );
    // A refused file changes nothing.
    expect(await ok(`${url('replica-c')}/sources/oss-a`)).toMatchObject({ polling_interval: 2 });
  });
});
